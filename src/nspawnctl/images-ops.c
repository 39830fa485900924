/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The image verbs that change images: clone, rename, remove, read-only, set-limit and clean, with
 * machinectl 252's messages ("Could not clone image: File exists") and exit codes. The work is
 * src/image/image-ops.h's; the locks (image.h) make them fail with "Device or resource busy"
 * while a container (nspawn's or systemd-nspawn's), machined or another nspawnctl uses the image.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image-ops.h"
#include "images.h"
#include "log.h"
#include "nspawnctl.h"
#include "parse-util.h"

/* Log "Could not WHAT: " and the library's message, or the errno's text. */
static int log_failure(const char *what, int r, char *error) {
        log_error("Could not %s: %s", what, error ? error : strerror(-r));
        free(error);
        return r;
}

int verb_clone(struct ctl *c, int argc, char *argv[]) {
        char *error = NULL;
        struct image i;
        int r = image_get_or_log(argv[1], "clone image", true, &i);

        if (r < 0)
                return r;
        r = image_clone(&i, argv[2], c->read_only, &error);
        image_done(&i);
        return r < 0 ? log_failure("clone image", r, error) : 0;
}

int verb_rename(struct ctl *c, int argc, char *argv[]) {
        char *error = NULL;
        struct image i;
        int r = image_get_or_log(argv[1], "rename image", true, &i);

        if (r < 0)
                return r;
        r = image_rename(&i, argv[2], &error);
        image_done(&i);
        return r < 0 ? log_failure("rename image", r, error) : 0;
}

/* Each in turn; the first failure ends it. */
int verb_remove(struct ctl *c, int argc, char *argv[]) {
        for (int k = 1; k < argc; k++) {
                char *error = NULL;
                struct image i;
                int r = image_get_or_log(argv[k], "remove image", true, &i);

                if (r < 0)
                        return r;
                r = image_remove(&i, &error);
                image_done(&i);
                if (r < 0)
                        return log_failure("remove image", r, error);
        }
        return 0;
}

int verb_read_only(struct ctl *c, int argc, char *argv[]) {
        char *error = NULL;
        struct image i;
        int b = true, r;

        if (argc > 2 && (b = parse_boolean(argv[2])) < 0)
                return log_error("Failed to parse boolean argument: %s", argv[2]);
        r = image_get_or_log(argv[1], "mark image read-only", true, &i);
        if (r < 0)
                return r;
        r = image_set_read_only(&i, b, &error);
        image_done(&i);
        return r < 0 ? log_failure("mark image read-only", r, error) : 0;
}

/* set-limit [NAME] BYTES: an image's btrfs quota limit, or the pool's. */
int verb_set_limit(struct ctl *c, int argc, char *argv[]) {
        const char *size = argv[argc - 1];
        char *error = NULL;
        uint64_t limit;
        struct image i;
        int r;

        if (streq(size, "-") || streq(size, "none") || streq(size, "infinity"))
                limit = UINT64_MAX;
        else if (parse_size(size, 1024, &limit) < 0)
                return log_error("Failed to parse size: %s", size);
        if (argc <= 2)
                r = image_pool_set_limit(limit, &error);
        else {
                if ((r = image_get_or_log(argv[1], "set limit", true, &i)) < 0)
                        return r;
                r = image_set_limit(&i, limit, &error);
                image_done(&i);
        }
        return r < 0 ? log_failure("set limit", r, error) : 0;
}

struct clean_total {
        unsigned n;
        uint64_t freed; /* UINT64_MAX once one image's exclusive usage is unknown */
};

static void clean_removed(const struct image *i, void *userdata) {
        struct clean_total *t = userdata;
        char size[32];

        t->n++;
        if (i->usage_exclusive == UINT64_MAX) {
                log_info("Removed image '%s'", i->name);
                t->freed = UINT64_MAX;
                return;
        }
        log_info("Removed image '%s'. Freed exclusive disk space: %s", i->name,
                 format_bytes(size, sizeof size, i->usage_exclusive));
        if (t->freed != UINT64_MAX)
                t->freed += i->usage_exclusive;
}

/* clean [--all]: the hidden images (every image with --all) that nobody uses. */
int verb_clean(struct ctl *c, int argc, char *argv[]) {
        struct clean_total t = {};
        char *error = NULL, size[32];
        int r = image_clean(c->all, clean_removed, &t, &error);

        if (r < 0)
                return log_failure("clean pool", r, error);
        if (t.freed == UINT64_MAX)
                log_info("Removed %u images in total.", t.n);
        else
                log_info("Removed %u images in total. Total freed exclusive disk space: %s.", t.n,
                         format_bytes(size, sizeof size, t.freed));
        return 0;
}
