/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The .nspawn parser. The syntax is systemd's unit-file INI dialect: "[Section]" headers,
 * "Key=Value" assignments, "#" and ";" comments, whitespace around keys and values trimmed, and
 * a line ending in an (unescaped) backslash continued on the next one. What each key means is
 * not known here: the row of the option table for (section, key) parses the value, exactly as
 * its command-line twin does. Trust is not decided here either: the parser fills a struct
 * settings of its own and settings_merge() drops what an untrusted file may not set.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "errmsg.h"
#include "macro.h"
#include "options.h"
#include "settings-file.h"
#include "strv.h"

#define WHITESPACE " \t\r\n"
#define COMMENTS "#;"

static const char *const known_sections[] = {"Exec", "Files", "Network"};

struct parse_state {
        const char *path;
        struct settings *s;
        settings_file_warn_cb warn;
        void *userdata;
        char *error;         /* the first error, "PATH:LINE: ..." */
        size_t size;         /* bytes read so far, at most SETTINGS_FILE_MAX */
        const char *section; /* one of known_sections, NULL before the first header */
        bool skip_section;   /* inside an unknown or "X-" section: ignore its lines */
};

static void warn_at(struct parse_state *st, unsigned line, const char *fmt, ...) _printf_(3, 4);
static void warn_at(struct parse_state *st, unsigned line, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        if (!st->warn)
                return;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (msg)
                st->warn(st->path, line, msg, st->userdata);
}

/* Record the error message and return r, so callers can "return fail_at(...)". */
static int fail_at(struct parse_state *st, unsigned line, int r, const char *fmt, ...) _printf_(4, 5);
static int fail_at(struct parse_state *st, unsigned line, int r, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);

        free(st->error);
        if (!msg || asprintf(&st->error, "%s:%u: %s", st->path, line, msg) < 0)
                st->error = NULL;
        return r;
}

static char *strip(char *s) {
        char *e;

        s += strspn(s, WHITESPACE);
        e = s + strlen(s);
        while (e > s && strchr(WHITESPACE, e[-1]))
                e--;
        *e = 0;
        return s;
}

static bool is_comment(const char *l) {
        l += strspn(l, WHITESPACE);
        return *l && strchr(COMMENTS, *l);
}

/* An odd number of trailing backslashes: the last one escapes the newline. */
static bool ends_with_continuation(const char *l, size_t n) {
        size_t k = 0;

        while (k < n && l[n - 1 - k] == '\\')
                k++;
        return k % 2 == 1;
}

static int handle_section(struct parse_state *st, unsigned line, char *l) {
        char quoted[OPTION_QUOTE_SIZE];
        size_t n = strlen(l);
        char *name;

        if (n < 2 || l[n - 1] != ']')
                return fail_at(st, line, -EBADMSG, "Invalid section header '%s'.", option_quote(l, quoted));
        l[n - 1] = 0;
        name = strip(l + 1);

        st->section = NULL;
        st->skip_section = true;
        for (size_t i = 0; i < ELEMENTSOF(known_sections); i++)
                if (streq(known_sections[i], name)) {
                        st->section = known_sections[i];
                        st->skip_section = false;
                        return 0;
                }

        /* "X-" sections are for other programs (systemd's convention): ignored silently. */
        if (!startswith(name, "X-"))
                warn_at(st, line, "Unknown section [%s], ignoring.", option_quote(name, quoted));
        return 0;
}

/* Through option_apply(), exactly as the command line: the row's parser, the setting's bit, and
 * the reset of a list key by an empty value; failures worded by option_error(). */
static int apply_value(struct parse_state *st, unsigned line, const struct option_def *row,
                       const char *value) {
        _cleanup_free_ char *msg = NULL;
        const char *reason = NULL;
        int r;

        r = option_apply(row, SOURCE_FILE, value, st->s, &reason);
        if (r >= 0)
                return 0;
        r = option_error(row, SOURCE_FILE, value, r, reason, &msg);
        return fail_at(st, line, r, "%s", msg ?: "Out of memory.");
}

static int handle_assignment(struct parse_state *st, unsigned line, char *l) {
        char quoted[OPTION_QUOTE_SIZE];
        const struct option_def *row;
        char *eq, *key, *value;

        /* Lines of ignored sections are not even checked: they may be another program's. */
        if (st->skip_section)
                return 0;
        if (!st->section) {
                warn_at(st, line, "Assignment outside of any section, ignoring.");
                return 0;
        }

        eq = strchr(l, '=');
        if (!eq)
                return fail_at(st, line, -EBADMSG, "Missing '=' in '%s'.", option_quote(l, quoted));
        *eq = 0;
        key = strip(l);
        value = strip(eq + 1);
        if (!*key)
                return fail_at(st, line, -EBADMSG, "Missing key name before '='.");
        if (startswith(key, "X-"))
                return 0;

        row = option_find_key(st->section, key);
        if (!row || !row->parse) {
                warn_at(st, line, "Unknown key '%s' in section [%s], ignoring.", option_quote(key, quoted),
                        st->section);
                return 0;
        }

        return apply_value(st, line, row, value);
}

static int handle_line(struct parse_state *st, unsigned line, char *l) {
        l = strip(l);
        if (!*l || is_comment(l))
                return 0;
        if (*l == '[')
                return handle_section(st, line, l);
        return handle_assignment(st, line, l);
}

/*
 * Read one logical line: physical lines joined where one ends in a backslash, which becomes a
 * space (as in systemd). Comment lines are dropped, also inside a continuation. *line counts physical
 * lines; *ret_first is the line the logical line starts on, the one messages name.
 * Returns 1 with *ret (malloc'ed), 0 at end of file, negative errno on error.
 */
static int read_logical_line(struct parse_state *st, FILE *f, unsigned *line, unsigned *ret_first,
                             char **ret) {
        _cleanup_free_ char *buf = NULL, *joined = NULL;
        size_t cap = 0, len = 0;
        unsigned first = 0;

        for (;;) {
                ssize_t n;
                char *add;

                n = getline(&buf, &cap, f);
                if (n < 0) {
                        if (ferror(f))
                                return fail_at(st, *line + 1, -EIO, "Read error.");
                        break; /* EOF: a dangling continuation ends the file's last line */
                }
                ++*line;
                st->size += (size_t) n;
                if (st->size > SETTINGS_FILE_MAX)
                        return fail_at(st, *line, -EFBIG, "File larger than %u KiB.",
                                       SETTINGS_FILE_MAX / 1024);
                if (memchr(buf, 0, (size_t) n))
                        return fail_at(st, *line, -EBADMSG, "Line contains a NUL byte.");

                while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                        buf[--n] = 0;
                add = buf;
                if (*line == 1 && startswith(add, "\xef\xbb\xbf")) /* UTF-8 byte order mark */
                        add += 3, n -= 3;
                /* Comment lines never continue, and are dropped inside a continuation. */
                if (is_comment(add))
                        continue;
                if (first == 0)
                        first = *line;

                char *p = realloc(joined, len + (size_t) n + 1);
                if (!p)
                        return fail_at(st, first, -ENOMEM, "Out of memory.");
                joined = p;
                memcpy(joined + len, add, (size_t) n + 1);
                len += (size_t) n;

                if (!ends_with_continuation(joined, len))
                        break;
                joined[len - 1] = ' ';
        }

        if (!joined)
                return 0;
        *ret_first = first;
        *ret = TAKE_PTR(joined);
        return 1;
}

int settings_file_parse(FILE *f, const char *path, struct settings *s, settings_file_warn_cb warn,
                        void *userdata, char **ret_error) {
        struct parse_state st = {
                .path = path ?: "(settings)",
                .s = s,
                .warn = warn,
                .userdata = userdata,
        };
        unsigned line = 0;
        int r;

        for (;;) {
                _cleanup_free_ char *l = NULL;
                unsigned first = 0;

                r = read_logical_line(&st, f, &line, &first, &l);
                if (r <= 0)
                        break;
                r = handle_line(&st, first, l);
                if (r < 0)
                        break;
        }

        if (r < 0 && ret_error)
                *ret_error = TAKE_PTR(st.error);
        free(st.error);
        if (r >= 0)
                settings_network_imply(s); /* "Interface=…" and a later "Private=no": private */
        return r < 0 ? r : 0;
}

/* A path's parent directory, ignoring trailing slashes: "/a/b/" → "/a", "b" → ".", "/" → NULL
 * (the root directory has no "next to it"). */
static int parent_dir(const char *p, char **ret) {
        size_t n = strlen(p);
        char *d;

        while (n > 1 && p[n - 1] == '/')
                n--;
        if (n == 1 && p[0] == '/')
                return 0;
        while (n > 0 && p[n - 1] != '/')
                n--;
        while (n > 1 && p[n - 1] == '/')
                n--;

        d = n == 0 ? strdup(".") : strndup(p, n);
        if (!d)
                return -ENOMEM;
        *ret = d;
        return 1;
}

void settings_file_done(struct settings_file *sf) {
        if (sf->f)
                fclose(sf->f);
        free(sf->path);
        *sf = (struct settings_file){};
}

static const char *file_type(mode_t m) {
        return S_ISDIR(m)    ? "a directory"
               : S_ISFIFO(m) ? "a FIFO"
               : S_ISSOCK(m) ? "a socket"
               : S_ISCHR(m)  ? "a character device"
               : S_ISBLK(m)  ? "a block device"
                             : "of an unknown type";
}

/*
 * Open DIR/NAME.nspawn. O_NONBLOCK: opening a FIFO without a writer would block (and a device's
 * open may wait for it); O_NOCTTY: a terminal never becomes nspawn's controlling one;
 * O_NOFOLLOW outside the trusted directories. Only a regular file passes; reads block again.
 * 1 with *ret, 0 if there is no such file, negative errno with a message.
 */
static int open_candidate(const char *dir, const char *machine, bool trusted, struct settings_file *ret,
                          char **ret_error) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        FILE *f;
        int flags;

        if (asprintf(&path, "%s/%s.nspawn", dir, machine) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (trusted ? 0 : O_NOFOLLOW));
        if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
                return 0;
        if (fd < 0 && errno == ELOOP && !trusted)
                return error_setf(
                        ret_error, -ELOOP,
                        "Refusing settings file %s: a symbolic link next to the image is not followed.",
                        path);
        if (fd < 0) {
                int r = negative_errno();
                return error_setf(ret_error, r, "Failed to open settings file %s: %s", path, strerror(-r));
        }
        if (fstat(fd, &st) < 0) {
                int r = negative_errno();
                return error_setf(ret_error, r, "Failed to stat settings file %s: %s", path, strerror(-r));
        }
        if (!S_ISREG(st.st_mode))
                return error_setf(ret_error, -EBADF, "Refusing settings file %s: %s, not a regular file.",
                                  path, file_type(st.st_mode));
        if (st.st_size > (off_t) SETTINGS_FILE_MAX)
                return error_setf(ret_error, -EFBIG, "Refusing settings file %s: larger than %u KiB.", path,
                                  SETTINGS_FILE_MAX / 1024);

        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
                int r = negative_errno();
                return error_setf(ret_error, r, "Failed to read settings file %s: %s", path, strerror(-r));
        }
        f = fdopen(fd, "r");
        if (!f)
                return -ENOMEM;
        TAKE_FD(fd);
        *ret = (struct settings_file){.f = f, .path = TAKE_PTR(path), .trusted = trusted};
        return 1;
}

int settings_file_open_in(const char *const *trusted_dirs, const char *machine, const char *image_dir,
                          struct settings_file *ret, char **ret_error) {
        _cleanup_free_ char *parent = NULL;
        int r;

        /* The name becomes a file name: nothing that could climb out of the directory. */
        if (isempty(machine) || strchr(machine, '/') || streq(machine, ".") || streq(machine, ".."))
                return error_setf(ret_error, -EINVAL, "Invalid machine name for a settings file.");

        for (size_t i = 0; trusted_dirs && trusted_dirs[i]; i++) {
                r = open_candidate(trusted_dirs[i], machine, true, ret, ret_error);
                if (r != 0)
                        return r;
        }

        if (isempty(image_dir))
                return 0;
        r = parent_dir(image_dir, &parent);
        if (r <= 0)
                return r;
        return open_candidate(parent, machine, false, ret, ret_error);
}

int settings_file_open(const char *machine, const char *image_dir, struct settings_file *ret,
                       char **ret_error) {
        static const char *const trusted[] = {"/etc/systemd/nspawn", "/run/systemd/nspawn", NULL};

        return settings_file_open_in(trusted, machine, image_dir, ret, ret_error);
}
