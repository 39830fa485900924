/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chase.h"
#include "fdutil.h"
#include "macro.h"
#include "errmsg.h"
#include "path-util.h"
#include "uuid.h"

#define journal_fail(ctx, r, ...) error_setf(&(ctx)->error, (r), __VA_ARGS__)
#define journal_warn(ctx, ...) strv_pushf(&(ctx)->warnings, __VA_ARGS__)

void journal_mode_normalize(enum link_journal m, bool try_flag, enum link_journal *ret_mode, bool *ret_try) {
        switch (m) {
        case LINK_JOURNAL_TRY_GUEST:
                *ret_mode = LINK_JOURNAL_GUEST;
                *ret_try = true;
                return;
        case LINK_JOURNAL_TRY_HOST:
                *ret_mode = LINK_JOURNAL_HOST;
                *ret_try = true;
                return;
        default:
                *ret_mode = m;
                *ret_try = try_flag || m == LINK_JOURNAL_AUTO;
        }
}

/* 1 if path (relative to dir_fd; AT_FDCWD for a host path) is the root of a mount, 0 if not or
 * missing, -errno. */
static int is_mount_point(int dir_fd, const char *path) {
        struct statx sx;

        if (statx(dir_fd, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
                return errno == ENOENT ? 0 : -errno;
        return (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* The host's machine ID, or all zeroes when it has none. */
static void host_machine_id(const char *path, uint8_t ret[16]) {
        _cleanup_free_ char *s = NULL;

        memset(ret, 0, 16);
        if (read_file_at(AT_FDCWD, path, &s, 64) < 0)
                return;
        s[strcspn(s, "\n")] = 0;
        (void) uuid_parse(s, ret);
}

/* readlinkat dir_fd/id, made absolute against host_dir and simplified. */
static int readlink_absolute(int dir_fd, const char *host_dir, const char *id, char **ret) {
        char buf[PATH_MAX];
        ssize_t n = readlinkat(dir_fd, id, buf, sizeof(buf) - 1);
        char *abs;

        if (n < 0)
                return -errno;
        buf[n] = 0;
        if (buf[0] == '/' ? !(abs = strdup(buf)) : asprintf(&abs, "%s/%s", host_dir, buf) < 0)
                return -ENOMEM;
        *ret = path_simplify(abs);
        return 0;
}

/* The host side of an existing /var/log/journal/ID (dir_fd/id; p is its path, for messages): 1 if
 * it is already the right symlink to q. Everything acts on the entry in dir_fd, never following
 * it. */
static int host_entry_clean(struct journal_context *ctx, int dir_fd, const char *host_dir, const char *p,
                            const char *q) {
        _cleanup_free_ char *target = NULL;
        int r = readlink_absolute(dir_fd, host_dir, ctx->id, &target);

        if (r >= 0) {
                if ((ctx->mode == LINK_JOURNAL_GUEST || ctx->mode == LINK_JOURNAL_AUTO) && streq(target, q))
                        return 1;
                if (unlinkat(dir_fd, ctx->id, 0) < 0)
                        return journal_fail(ctx, -errno, "Failed to remove symlink %s: %m", p);
                return 0;
        }
        if (r == -EINVAL) { /* there, and not a symlink */
                if (ctx->mode == LINK_JOURNAL_GUEST && unlinkat(dir_fd, ctx->id, AT_REMOVEDIR) < 0) {
                        if (errno == ENOTDIR)
                                return journal_fail(
                                        ctx, -EEXIST,
                                        "%s already exists and is neither a symlink nor a directory", p);
                        return journal_fail(ctx, -errno, "Failed to remove %s: %m", p);
                }
                return 0;
        }
        if (r != -ENOENT)
                return journal_fail(ctx, r, "readlink(%s) failed: %s", p, strerror(-r));
        return 0;
}

/* The host directory to bind: dir_fd/id, created for LINK_JOURNAL_HOST, and never a symlink. */
static int host_dir_bind(struct journal_context *ctx, int dir_fd, const char *p) {
        if (ctx->mode == LINK_JOURNAL_HOST) {
                /* The parents are not created: a host without a persistent journal keeps it that way. */
                if (mkdirat(dir_fd, ctx->id, 0755) < 0 && errno != EEXIST) {
                        ctx->mode = LINK_JOURNAL_NO;
                        return ctx->try_ ? 0 : journal_fail(ctx, -errno, "Failed to create %s: %m", p);
                }
        }
        _cleanup_close_ int fd = openat(dir_fd, ctx->id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && ctx->mode == LINK_JOURNAL_AUTO) { /* auto: only an existing host directory */
                ctx->mode = LINK_JOURNAL_NO;
                return 0;
        }
        if (fd < 0)
                return journal_fail(ctx, -errno, "Failed to open %s: %m", p);
        ctx->host_mount_fd = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (ctx->host_mount_fd < 0)
                return journal_fail(ctx, -errno, "Failed to bind mount journal from host into guest: %m");
        ctx->mode = LINK_JOURNAL_HOST;
        ctx->image_dir = true;
        return 0;
}

int journal_prepare(const struct settings *s, const uint8_t uuid[16], const char *root, const char *host_dir,
                    const char *machine_id_path, struct journal_context *ctx) {
        _cleanup_free_ char *p = NULL, *q = NULL;
        uint8_t host_id[16];
        int r;

        ctx->host_mount_fd = -EBADF;
        ctx->image_dir = false;
        journal_mode_normalize(s->link_journal, s->link_journal_try, &ctx->mode, &ctx->try_);
        /* Don't link journals in ephemeral mode: the tree is gone afterwards. */
        if (s->ephemeral || ctx->mode == LINK_JOURNAL_NO) {
                ctx->mode = LINK_JOURNAL_NO;
                return 0;
        }
        uuid_format_plain(uuid, ctx->id);

        /* A host without a machine ID cannot collide with the container's (systemd-nspawn fails
         * there; nothing is lost by going on). */
        host_machine_id(machine_id_path, host_id);
        if (memcmp(host_id, uuid, 16) == 0) {
                ctx->mode = LINK_JOURNAL_NO;
                if (ctx->try_) {
                        journal_warn(ctx, "Host and machine ids are equal (%s): refusing to link journals",
                                     ctx->id);
                        return 0;
                }
                return journal_fail(ctx, -EEXIST,
                                    "Host and machine ids are equal (%s): refusing to link journals",
                                    ctx->id);
        }
        if (asprintf(&p, "%s/%s", host_dir, ctx->id) < 0 ||
            asprintf(&q, "%s/var/log/journal/%s", root, ctx->id) < 0)
                return -ENOMEM;
        path_simplify(q);

        /* The host's journal directory, opened once: its entry for the machine is only ever
         * looked at and changed through it. */
        _cleanup_close_ int dir_fd = open(host_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0) {
                enum link_journal mode = ctx->mode;
                ctx->mode = LINK_JOURNAL_NO;
                if (ctx->try_)
                        return 0; /* no persistent journal on the host: nothing to link */
                if (mode == LINK_JOURNAL_GUEST)
                        return journal_fail(ctx, -errno, "Failed to symlink %s to %s: %m", q, p);
                return journal_fail(ctx, -errno, "Failed to create %s: %m", p);
        }
        r = is_mount_point(dir_fd, ctx->id);
        if (r > 0) {
                ctx->mode = LINK_JOURNAL_NO;
                if (ctx->try_)
                        return 0;
                return journal_fail(ctx, -EEXIST, "%s: already a mount point, refusing to use for journal",
                                    p);
        }

        r = host_entry_clean(ctx, dir_fd, host_dir, p, q);
        if (r < 0)
                return r;
        if (r > 0) { /* the right symlink is there: only the directory in the image is needed */
                ctx->mode = LINK_JOURNAL_GUEST;
                ctx->image_dir = true;
                return 0;
        }

        if (ctx->mode == LINK_JOURNAL_GUEST) {
                if (symlinkat(q, dir_fd, ctx->id) < 0) {
                        ctx->mode = LINK_JOURNAL_NO;
                        if (ctx->try_)
                                return 0;
                        return journal_fail(ctx, -errno, "Failed to symlink %s to %s: %m", q, p);
                }
                ctx->image_dir = true;
                return 0;
        }
        return host_dir_bind(ctx, dir_fd, p);
}

/* mkdir below a parent that may be a symlink inside the container (followed, in the root). */
static int mkdir_in_root(int root_fd, const char *parent, const char *name) {
        _cleanup_close_ int fd = chase_open(root_fd, parent, O_PATH | O_DIRECTORY, 0);
        if (fd < 0)
                return fd;
        if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int dir_is_empty_at(int root_fd, const char *path) {
        _cleanup_close_ int fd = chase_open(root_fd, path, O_RDONLY | O_DIRECTORY, 0);
        if (fd < 0)
                return fd;
        DIR *d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        int empty = 1;
        for (struct dirent *de; (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        empty = 0;
                        break;
                }
        closedir(d);
        return empty;
}

int journal_finish(struct journal_context *ctx, int root_fd) {
        static const char *const parents[][3] = {{"/", "var", "/var"},
                                                 {"/var", "log", "/var/log"},
                                                 {"/var/log", "journal", "/var/log/journal"}};
        _cleanup_free_ char *dir = NULL;
        int r;

        if (ctx->mode == LINK_JOURNAL_NO || !ctx->image_dir)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(parents); i++) {
                r = mkdir_in_root(root_fd, parents[i][0], parents[i][1]);
                if (r < 0) {
                        if (r == -EROFS && ctx->try_)
                                return 0;
                        return journal_fail(ctx, r, "Failed to create %s: %s", parents[i][2], strerror(-r));
                }
        }
        if (asprintf(&dir, "/var/log/journal/%s", ctx->id) < 0)
                return -ENOMEM;
        _cleanup_close_ int journal_fd = chase_open(root_fd, "/var/log/journal", O_PATH | O_DIRECTORY, 0);
        if (journal_fd < 0)
                return journal_fail(ctx, journal_fd, "Failed to open /var/log/journal: %s",
                                    strerror(-journal_fd));
        if (is_mount_point(journal_fd, ctx->id) > 0) {
                if (ctx->try_)
                        return 0;
                return journal_fail(ctx, -EEXIST, "%s: already a mount point, refusing to use for journal",
                                    dir);
        }

        if (ctx->mode == LINK_JOURNAL_GUEST) {
                r = mkdir_in_root(root_fd, "/var/log/journal", ctx->id);
                if (r < 0)
                        journal_warn(ctx, "Failed to create directory %s: %s", dir, strerror(-r));
                return 0;
        }

        r = mkdir_in_root(root_fd, "/var/log/journal", ctx->id);
        if (r < 0)
                return journal_fail(ctx, r, "Failed to create %s: %s", dir, strerror(-r));
        if (dir_is_empty_at(root_fd, dir) == 0)
                journal_warn(ctx, "%s is not empty, proceeding anyway.", dir);
        _cleanup_close_ int target = chase_open(root_fd, dir, O_PATH | O_DIRECTORY, 0);
        if (target < 0)
                return journal_fail(ctx, target, "Failed to open %s: %s", dir, strerror(-target));
        if (move_mount(ctx->host_mount_fd, "", target, "",
                       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return journal_fail(ctx, -errno, "Failed to bind mount journal from host into guest: %m");
        ctx->host_mount_fd = safe_close(ctx->host_mount_fd);
        return 0;
}

void journal_context_done(struct journal_context *ctx) {
        safe_close(ctx->host_mount_fd);
        strv_free(ctx->warnings);
        free(ctx->error);
        *ctx = (struct journal_context) JOURNAL_CONTEXT_INIT;
}
