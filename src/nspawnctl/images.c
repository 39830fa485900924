/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The image verbs that look: list-images, image-status and show-image, as machinectl 252 prints
 * them, from image discovery (image.h) instead of machined. The image's hostname, machine ID,
 * deployment and OS are read as machined reads them: under a shared image lock (so not while a
 * container runs it read-write), from directories and subvolumes (raw images would need a loop
 * device: left out).
 */

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "chase.h"
#include "fdutil.h"
#include "image-ops.h"
#include "images.h"
#include "log.h"
#include "machine.h"
#include "name-valid.h"
#include "nspawnctl.h"
#include "pager.h"
#include "proc.h"
#include "props.h"
#include "strv.h"
#include "table.h"
#include "timefmt.h"
#include "uuid.h"

char *format_bytes(char *buf, size_t size, uint64_t t) {
        static const char suffix[] = "EPTGMK";
        buf[0] = 0;
        if (t == UINT64_MAX)
                return buf;
        for (size_t i = 0; i < 6; i++) {
                uint64_t factor = UINT64_C(1) << (10 * (6 - i));
                if (t < factor)
                        continue;
                /* one decimal, truncated, as systemd computes it */
                uint64_t tenth = i < 5 ? (t / (factor >> 10) * 10 / 1024) % 10 : (t * 10 / 1024) % 10;
                snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "%c", t / factor, tenth, suffix[i]);
                return buf;
        }
        snprintf(buf, size, "%" PRIu64 "B", t);
        return buf;
}

int log_invalid_image_path(const char *what) {
        return log_error("Could not %s: Invalid $%s: %s (absolute directories, colon-separated)", what,
                         IMAGE_PATH_ENV, getenv(IMAGE_PATH_ENV) ?: "");
}

int image_get_or_log(const char *name, const char *what, bool check_name, struct image *ret) {
        if (check_name && !image_name_is_valid(name))
                return log_error("Could not %s: Image name '%s' is invalid.", what, name);
        int r = image_get(name, ret);
        if (r == -ENOENT)
                return log_error("Could not %s: No image '%s' known", what, name);
        if (r == -EINVAL)
                return log_invalid_image_path(what);
        if (r < 0)
                return log_error("Could not %s: %s", what, strerror(-r));
        return 0;
}

/* ---- list-images ---------------------------------------------------------------------------- */

static int list_json(const struct ctl *c, const struct image *images, size_t n) {
        json_t *array = json_array();
        int r = array ? 0 : -ENOMEM;

        for (size_t k = 0; k < n && r >= 0; k++) {
                const struct image *i = &images[k];
                if (image_is_hidden(i) && !c->all)
                        continue;
                json_t *usage = i->usage == UINT64_MAX ? json_null() : json_integer((json_int_t) i->usage);
                json_t *o = json_pack("{s:s, s:s, s:b, s:o, s:I, s:I}", "name", i->name, "type",
                                      image_type_to_string(i->type), "ro", i->read_only, "usage", usage,
                                      "created", (json_int_t) i->crtime, "modified", (json_int_t) i->mtime);
                if (!o || json_array_append_new(array, o) < 0)
                        r = -ENOMEM;
        }
        if (r >= 0) {
                if (c->output == OUTPUT_JSON_SSE)
                        fputs("data: ", stdout);
                else if (c->output == OUTPUT_JSON_SEQ)
                        fputc('\x1e', stdout);
                r = json_print(array, c->output == OUTPUT_JSON_PRETTY, stdout);
                fputs(c->output == OUTPUT_JSON_SSE ? "\n\n" : "\n", stdout);
        }
        json_decref(array);
        return r < 0 ? log_error("Failed to show table: %s", strerror(-r)) : 0;
}

static int list_add(struct table *t, const struct image *i) {
        char usage[32], created[128], modified[128];
        const char *cells[] = {
                i->name,
                image_type_to_string(i->type),
                i->read_only ? "yes" : "no",
                format_bytes(usage, sizeof usage, i->usage),
                format_timestamp(created, sizeof created, i->crtime),
                format_timestamp(modified, sizeof modified, i->mtime),
        };
        return table_add_row(t, cells);
}

static int list_table(const struct ctl *c, const struct image *images, size_t n) {
        static const char *const columns[] = {"name", "type", "ro", "usage", "created", "modified"};
        _cleanup_(table_freep) struct table *t = table_new(columns, ELEMENTSOF(columns));
        int r = t ? table_set_missing(t, 3, "") : -ENOMEM;

        if (r >= 0)
                table_set_right_aligned(t, 3);
        for (size_t k = 0; k < n && r >= 0; k++)
                if (!image_is_hidden(&images[k]) || c->all)
                        r = list_add(t, &images[k]);
        if (r < 0)
                return log_error("Out of memory.");
        if (table_rows(t) > 0 && (r = table_print(t, c->legend, stdout)) < 0)
                return log_error("Failed to show table: %s", strerror(-r));
        if (c->legend) {
                if (table_rows(t) > 0)
                        printf("\n%zu images listed.\n", table_rows(t));
                else
                        printf("No images.\n");
        }
        return 0;
}

int verb_list_images(struct ctl *c, int argc, char *argv[]) {
        struct image *images = NULL;
        size_t n = 0;

        if (c->pager)
                pager_open();
        int r = image_discover(&images, &n);
        if (r == -EINVAL)
                return log_invalid_image_path("get images");
        if (r < 0)
                return log_error("Could not get images: %s", strerror(-r));
        r = output_mode_is_json(c->output) ? list_json(c, images, n) : list_table(c, images, n);
        image_array_free(images, n);
        return r;
}

/* ---- the image's own files ------------------------------------------------------------------ */

struct image_metadata {
        char *hostname, *deployment, *pretty_name;
        uint8_t machine_id[16];
        bool has_machine_id;
};

static void metadata_done(struct image_metadata *m) {
        free(m->hostname);
        free(m->deployment);
        free(m->pretty_name);
}

static int read_in_root(int root_fd, const char *path, char **ret) {
        return chase_read_regular(root_fd, path, 64 * 1024, ret);
}

/* KEY of an environment-like file (os-release, machine-info) in the image; NULL if none. */
static char *env_file_get(int root_fd, const char *path, const char *fallback, const char *key) {
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **l = NULL;
        int r = read_in_root(root_fd, path, &text);

        if (r == -ENOENT && fallback)
                r = read_in_root(root_fd, fallback, &text);
        if (r < 0 || os_release_parse(text, &l) < 0)
                return NULL;
        const char *v = os_release_get(l, key);
        return v ? strdup(v) : NULL;
}

/* /etc/hostname: its first line that is no comment, trimmed. */
static char *hostname_get(int root_fd) {
        _cleanup_free_ char *text = NULL;

        if (read_in_root(root_fd, "etc/hostname", &text) < 0)
                return NULL;
        for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                line += strspn(line, " \t");
                line[strcspn(line, " \t\r")] = 0;
                if (*line && *line != '#')
                        return strdup(line);
        }
        return NULL;
}

static int read_metadata(const struct image *i, struct image_metadata *ret) {
        struct image_lock lock;
        _cleanup_close_ int root_fd = -EBADF;
        int r;

        if (i->type != IMAGE_DIRECTORY && i->type != IMAGE_SUBVOLUME)
                return -EOPNOTSUPP;
        r = image_path_lock(i->path, LOCK_SH, &lock);
        if (r < 0)
                return r;
        root_fd = open(i->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0) {
                r = -errno;
                image_path_unlock(&lock);
                return r;
        }
        *ret = (struct image_metadata){
                .hostname = hostname_get(root_fd),
                .deployment = env_file_get(root_fd, "etc/machine-info", NULL, "DEPLOYMENT"),
                .pretty_name = env_file_get(root_fd, "etc/os-release", "usr/lib/os-release", "PRETTY_NAME"),
        };
        ret->has_machine_id = image_read_machine_id(root_fd, ret->machine_id) > 0;
        image_path_unlock(&lock);
        return 0;
}

/* ---- image-status --------------------------------------------------------------------------- */

static void print_time(const char *label, uint64_t usec) {
        char abs[128], rel[128];
        if (usec == 0)
                return;
        format_timestamp(abs, sizeof abs, usec);
        format_timestamp_relative(rel, sizeof rel, usec, now_usec(CLOCK_REALTIME));
        printf("\t%s: %s; %s\n", label, abs, rel);
}

static void print_size(const char *label, uint64_t total, uint64_t exclusive) {
        char a[32], b[32];
        if (total == UINT64_MAX)
                return;
        if (exclusive != total && exclusive != UINT64_MAX)
                printf("\t   %s: %s (exclusive: %s)\n", label, format_bytes(a, sizeof a, total),
                       format_bytes(b, sizeof b, exclusive));
        else
                printf("\t   %s: %s\n", label, format_bytes(a, sizeof a, total));
}

static void print_image_status(const struct image *i) {
        struct image_metadata m;
        bool meta = read_metadata(i, &m) >= 0;
        char id[33];

        printf("%s\n", i->name);
        printf("\t    Type: %s\n", image_type_to_string(i->type));
        printf("\t    Path: %s\n", i->path);
        if (meta && m.hostname)
                printf("\tHostname: %s\n", m.hostname);
        if (meta && m.has_machine_id) {
                uuid_format_plain(m.machine_id, id);
                printf("      Machine ID: %s\n", id);
        }
        if (meta && m.deployment)
                printf("      Deployment: %s\n", m.deployment);
        if (meta && m.pretty_name)
                printf("\t      OS: %s\n", m.pretty_name);
        printf("\t      RO: %s\n", i->read_only ? "read-only" : "writable");
        print_time(" Created", i->crtime);
        print_time("Modified", i->mtime);
        print_size("Usage", i->usage, i->usage_exclusive);
        print_size("Limit", i->limit, i->limit_exclusive);
        if (meta)
                metadata_done(&m);
}

static int print_pool_status(void) {
        _cleanup_free_ char *pool = NULL;
        uint64_t usage, limit;
        char a[32];
        int r = image_pool_path(&pool);

        if (r < 0)
                return log_error("Could not get properties: %s", strerror(-r));
        image_pool_quota(&usage, &limit);
        printf("\t    Path: %s\n", pool);
        if (usage != UINT64_MAX)
                printf("\t   Usage: %s\n", format_bytes(a, sizeof a, usage));
        if (limit != UINT64_MAX)
                printf("\t   Limit: %s\n", format_bytes(a, sizeof a, limit));
        return 0;
}

/* ---- show-image ----------------------------------------------------------------------------- */

void show_pool_properties(const struct ctl *c) {
        _cleanup_free_ char *pool = NULL, *usage_s = NULL, *limit_s = NULL;
        uint64_t usage, limit;

        image_pool_quota(&usage, &limit);
        if (image_pool_path(&pool) < 0 || asprintf(&usage_s, "%" PRIu64, usage) < 0 ||
            asprintf(&limit_s, "%" PRIu64, limit) < 0) {
                log_error("Out of memory.");
                return;
        }
        struct prop props[] = {
                {"PoolPath", PROP_STRING, pool},
                {"PoolUsage", PROP_STRING, usage_s},
                {"PoolLimit", PROP_STRING, limit_s},
        };
        props_print(c, props, ELEMENTSOF(props));
}

/* A size as bus_print_property() shows it: the number; "infinity" for an unset Limit*. */
static char *size_value(const char *name, uint64_t v) {
        char *s;
        if (v == UINT64_MAX && startswith(name, "Limit"))
                return strdup("infinity");
        return asprintf(&s, "%" PRIu64, v) < 0 ? NULL : s;
}

static int show_image_properties(const struct ctl *c, const struct image *i) {
        char created[128], modified[128];
        struct prop props[] = {
                {"Name", PROP_STRING, i->name},
                {"Path", PROP_STRING, i->path},
                {"Type", PROP_STRING, (char *) image_type_to_string(i->type)},
                {"ReadOnly", PROP_BOOL, (char *) (i->read_only ? "yes" : "no")},
                {"CreationTimestamp", PROP_STRING, format_timestamp(created, sizeof created, i->crtime)},
                {"ModificationTimestamp", PROP_STRING,
                 format_timestamp(modified, sizeof modified, i->mtime)},
                {"Usage", PROP_STRING, size_value("Usage", i->usage)},
                {"Limit", PROP_STRING, size_value("Limit", i->limit)},
                {"UsageExclusive", PROP_STRING, size_value("UsageExclusive", i->usage_exclusive)},
                {"LimitExclusive", PROP_STRING, size_value("LimitExclusive", i->limit_exclusive)},
        };
        bool oom = false;
        for (size_t k = 6; k < ELEMENTSOF(props); k++)
                oom = oom || !props[k].value;
        if (!oom)
                props_print(c, props, ELEMENTSOF(props));
        for (size_t k = 6; k < ELEMENTSOF(props); k++)
                free(props[k].value);
        return oom ? log_error("Out of memory.") : 0;
}

/* image-status and show-image: each name in turn, a blank line between; the first unknown name
 * ends it (what was shown stays). Without a name: the pool. */
static int show_images(struct ctl *c, int argc, char *argv[], bool properties) {
        if (c->pager)
                pager_open();
        if (argc <= 1) {
                if (properties)
                        show_pool_properties(c);
                return properties ? 0 : print_pool_status();
        }
        for (int k = 1; k < argc; k++) {
                struct image i;
                int r = image_get_or_log(argv[k], "get path to image", false, &i);
                if (r < 0)
                        return r;
                if (k > 1)
                        putchar('\n');
                if (properties)
                        r = show_image_properties(c, &i);
                else
                        print_image_status(&i);
                image_done(&i);
                if (r < 0)
                        return r;
        }
        return 0;
}

int verb_image_status(struct ctl *c, int argc, char *argv[]) {
        return show_images(c, argc, argv, false);
}

int verb_show_image(struct ctl *c, int argc, char *argv[]) {
        return show_images(c, argc, argv, true);
}
