/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Tables and JSON as machinectl prints them. See table.h. */

#include "table.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strv.h"

#define ELLIPSIS "…"

struct table {
        size_t n_columns, n_rows;
        char **columns;
        char **cells; /* n_rows * n_columns, NULL: missing */
        unsigned height_max;
        bool *right;    /* per column: right-aligned */
        char **missing; /* per column: the text of a missing cell, NULL: "-" */
};

struct table *table_new(const char *const *columns, size_t n_columns) {
        struct table *t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->n_columns = n_columns;
        t->columns = calloc(n_columns + 1, sizeof(char *));
        t->right = calloc(n_columns, sizeof(bool));
        t->missing = calloc(n_columns + 1, sizeof(char *));
        if (!t->columns || !t->right || !t->missing)
                return table_free(t);
        for (size_t i = 0; i < n_columns; i++)
                if (!(t->columns[i] = strdup(columns[i])))
                        return table_free(t);
        return t;
}

struct table *table_free(struct table *t) {
        if (!t)
                return NULL;
        strv_free(t->columns);
        free(t->right);
        for (size_t i = 0; t->missing && i < t->n_columns; i++)
                free(t->missing[i]);
        free(t->missing);
        for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add_row(struct table *t, const char *const *cells) {
        char **n = realloc(t->cells, (t->n_rows + 1) * t->n_columns * sizeof(char *));
        if (!n)
                return -ENOMEM;
        t->cells = n;
        char **row = t->cells + t->n_rows * t->n_columns;
        for (size_t i = 0; i < t->n_columns; i++)
                row[i] = NULL;
        t->n_rows++;
        for (size_t i = 0; i < t->n_columns; i++)
                if (cells[i] && *cells[i] && !(row[i] = strdup(cells[i])))
                        return -ENOMEM;
        return 0;
}

size_t table_rows(const struct table *t) {
        return t->n_rows;
}

void table_set_right_aligned(struct table *t, size_t column) {
        t->right[column] = true;
}

int table_set_missing(struct table *t, size_t column, const char *text) {
        char *s = strdup(text);
        if (!s)
                return -ENOMEM;
        free(t->missing[column]);
        t->missing[column] = s;
        return 0;
}

void table_set_height_max(struct table *t, unsigned lines) {
        t->height_max = lines;
}

static int cmp_rows(const void *a, const void *b) {
        const char *x = ((char *const *) a)[0], *y = ((char *const *) b)[0];
        return strcmp(x ? x : "", y ? y : "");
}

void table_sort(struct table *t) {
        /* rows are n_columns pointers each: sort them as blocks */
        char **tmp = malloc(t->n_rows * t->n_columns * sizeof(char *));
        size_t *order = malloc(t->n_rows * sizeof(size_t));
        if (!tmp || !order) {
                free(tmp);
                free(order);
                return; /* unsorted is still correct output */
        }
        for (size_t i = 0; i < t->n_rows; i++)
                order[i] = i;
        /* insertion sort: tables are short, and it is stable */
        for (size_t i = 1; i < t->n_rows; i++)
                for (size_t j = i; j > 0 && cmp_rows(t->cells + order[j - 1] * t->n_columns,
                                                     t->cells + order[j] * t->n_columns) > 0;
                     j--) {
                        size_t s = order[j];
                        order[j] = order[j - 1];
                        order[j - 1] = s;
                }
        for (size_t i = 0; i < t->n_rows; i++)
                memcpy(tmp + i * t->n_columns, t->cells + order[i] * t->n_columns,
                       t->n_columns * sizeof(char *));
        free(t->cells);
        t->cells = tmp;
        free(order);
}

size_t utf8_width(const char *s, size_t n) {
        size_t w = 0;
        for (size_t i = 0; i < n && s[i]; i++)
                if (((unsigned char) s[i] & 0xc0) != 0x80)
                        w++;
        return w;
}

/* Line l of a cell as shown: cut at the height maximum, the last shown line gets "…" when more
 * lines follow. NULL past the last shown line. */
static char *cell_line(const struct table *t, size_t c, const char *cell, unsigned l) {
        const char *text = cell ? cell : t->missing[c] ? t->missing[c] : "-";
        unsigned n_lines = 1;
        for (const char *p = text; (p = strchr(p, '\n')); p++)
                n_lines++;
        unsigned shown = t->height_max > 0 && n_lines > t->height_max ? t->height_max : n_lines;
        if (l >= shown)
                return NULL;
        const char *p = text;
        for (unsigned i = 0; i < l; i++)
                p = strchr(p, '\n') + 1;
        size_t len = strcspn(p, "\n");
        char *out;
        if (asprintf(&out, "%.*s%s", (int) len, p, l + 1 == shown && shown < n_lines ? ELLIPSIS : "") < 0)
                return NULL;
        return out;
}

static unsigned cell_height(const struct table *t, size_t c, const char *cell) {
        unsigned h = 0;
        for (char *line; (line = cell_line(t, c, cell, h)); h++)
                free(line);
        return h;
}

static size_t cell_width(const struct table *t, size_t c, const char *cell) {
        size_t w = 1; /* an empty cell is one wide too */
        for (unsigned l = 0;; l++) {
                _cleanup_free_ char *line = cell_line(t, c, cell, l);
                if (!line)
                        return w;
                w = MAX(w, utf8_width(line, strlen(line)));
        }
}

static void print_padded(FILE *f, const char *s, size_t width, bool last, bool right) {
        size_t w = utf8_width(s, strlen(s));
        if (right)
                for (; w < width; w++)
                        fputc(' ', f);
        fputs(s, f);
        if (!last)
                for (; w < width; w++)
                        fputc(' ', f);
}

int table_print(const struct table *t, bool header, FILE *f) {
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(size_t));
        if (!width)
                return -ENOMEM;
        for (size_t c = 0; c < t->n_columns; c++) {
                if (header)
                        width[c] = strlen(t->columns[c]);
                for (size_t r = 0; r < t->n_rows; r++)
                        width[c] = MAX(width[c], cell_width(t, c, t->cells[r * t->n_columns + c]));
        }
        if (header) {
                for (size_t c = 0; c < t->n_columns; c++) {
                        char up[64];
                        snprintf(up, sizeof up, "%s", t->columns[c]);
                        for (char *p = up; *p; p++)
                                *p = (char) toupper((unsigned char) *p);
                        if (c > 0)
                                fputc(' ', f);
                        print_padded(f, up, width[c], c + 1 == t->n_columns, t->right[c]);
                }
                fputc('\n', f);
        }
        for (size_t r = 0; r < t->n_rows; r++) {
                char **row = t->cells + r * t->n_columns;
                unsigned height = 1;
                for (size_t c = 0; c < t->n_columns; c++)
                        height = MAX(height, cell_height(t, c, row[c]));
                for (unsigned l = 0; l < height; l++) {
                        for (size_t c = 0; c < t->n_columns; c++) {
                                _cleanup_free_ char *line = cell_line(t, c, row[c], l);
                                if (c > 0)
                                        fputc(' ', f);
                                print_padded(f, line ? line : "", width[c], c + 1 == t->n_columns,
                                             t->right[c]);
                        }
                        fputc('\n', f);
                }
        }
        return ferror(f) ? -EIO : 0;
}

/* ---- JSON ---- */

static void print_indent(FILE *f, unsigned depth) {
        for (unsigned i = 0; i < depth; i++)
                fputc('\t', f);
}

static int json_print_value(json_t *v, bool pretty, unsigned depth, FILE *f) {
        if (json_is_array(v) || json_is_object(v)) {
                bool array = json_is_array(v);
                size_t n = array ? json_array_size(v) : json_object_size(v);
                if (n == 0) {
                        fputs(array ? "[]" : "{}", f);
                        return 0;
                }
                fputs(array ? "[" : "{", f);
                if (pretty)
                        fputc('\n', f);
                size_t i = 0;
                const char *key;
                json_t *item;
                void *iter = array ? NULL : json_object_iter(v);
                for (i = 0; i < n; i++) {
                        if (i > 0)
                                fputs(pretty ? ",\n" : ",", f);
                        if (pretty)
                                print_indent(f, depth + 1);
                        if (array)
                                item = json_array_get(v, i);
                        else {
                                key = json_object_iter_key(iter);
                                item = json_object_iter_value(iter);
                                iter = json_object_iter_next(v, iter);
                                json_t *k = json_string(key);
                                if (!k)
                                        return -ENOMEM;
                                json_print_value(k, false, 0, f);
                                json_decref(k);
                                fputs(pretty ? " : " : ":", f);
                        }
                        int r = json_print_value(item, pretty, depth + 1, f);
                        if (r < 0)
                                return r;
                }
                if (pretty) {
                        fputc('\n', f);
                        print_indent(f, depth);
                }
                fputs(array ? "]" : "}", f);
                return 0;
        }
        /* scalars: jansson's own encoding (escapes as systemd's) */
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!s)
                return -ENOMEM;
        fputs(s, f);
        free(s);
        return 0;
}

int json_print(json_t *v, bool pretty, FILE *f) {
        return json_print_value(v, pretty, 0, f);
}

int table_print_json(const struct table *t, enum output_mode mode, FILE *f) {
        json_t *array = json_array();
        if (!array)
                return -ENOMEM;
        for (size_t r = 0; r < t->n_rows; r++) {
                json_t *o = json_object();
                if (!o || json_array_append_new(array, o) < 0) {
                        json_decref(array);
                        return -ENOMEM;
                }
                for (size_t c = 0; c < t->n_columns; c++) {
                        const char *cell = t->cells[r * t->n_columns + c];
                        json_t *value = cell ? json_string(cell) : NULL; /* NULL: not UTF-8 */
                        if (json_object_set_new(o, t->columns[c], value ? value : json_null()) < 0) {
                                json_decref(array);
                                return -ENOMEM;
                        }
                }
        }
        if (mode == OUTPUT_JSON_SSE)
                fputs("data: ", f);
        else if (mode == OUTPUT_JSON_SEQ)
                fputc('\x1e', f);
        int r = json_print(array, mode == OUTPUT_JSON_PRETTY, f);
        json_decref(array);
        fputs(mode == OUTPUT_JSON_SSE ? "\n\n" : "\n", f);
        return r < 0 ? r : ferror(f) ? -EIO : 0;
}
