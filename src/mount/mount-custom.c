/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Custom mounts: --bind, --tmpfs, --overlay, --inaccessible and their settings-file keys.
 *
 * Before pivot (mount_custom_prepare) the host-side sources of binds and overlays are opened as
 * detached mounts, while the host is still visible; after pivot and after the API file systems
 * (mount_custom_apply_all) every custom mount is attached in the container, sorted by
 * destination. Runs in the container's child, see mount.c.
 */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chase.h"
#include "guard.h"
#include "rm-rf.h"
#include "macro.h"
#include "mount-util.h"
#include "strv.h"

static const char *const custom_mount_type_name[_CUSTOM_MOUNT_TYPE_MAX] = {
        [CUSTOM_MOUNT_BIND] = "bind",
        [CUSTOM_MOUNT_TMPFS] = "tmpfs",
        [CUSTOM_MOUNT_OVERLAY] = "overlay",
        [CUSTOM_MOUNT_INACCESSIBLE] = "inaccessible",
};

/* ---- order --------------------------------------------------------------------------------- */

int mount_path_compare(const char *a, const char *b) {
        for (;;) {
                size_t la, lb;
                int r;

                a += strspn(a, "/");
                b += strspn(b, "/");
                la = strcspn(a, "/");
                lb = strcspn(b, "/");
                if (la == 0 || lb == 0)
                        return (la != 0) - (lb != 0);
                r = strncmp(a, b, MIN(la, lb));
                if (r != 0)
                        return r;
                if (la != lb)
                        return la < lb ? -1 : 1;
                a += la;
                b += lb;
        }
}

void mount_custom_order(const struct custom_mount *m, size_t n, size_t *order) {
        /* insertion sort: stable, and n is a handful */
        for (size_t i = 0; i < n; i++) {
                size_t j = i;

                for (; j > 0 && mount_path_compare(m[order[j - 1]].destination, m[i].destination) > 0; j--)
                        order[j] = order[j - 1];
                order[j] = i;
        }
}

/* ---- after pivot: attached in the container ---------------------------------------------- */

/* A missing destination base in the directory pfd: a directory, or an empty file to bind a file
 * on; opened without following a symlink. */
static int custom_target_create(int pfd, const char *base, bool dir) {
        if (dir) {
                if (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
        } else {
                _cleanup_close_ int f = openat(pfd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (f < 0)
                        return negative_errno();
        }
        return chase_open_nofollow(pfd, base, O_PATH, 0);
}

/* The destination of a custom mount, resolved inside the container root (symlinks are
 * followed, but never out of the root: it is the only tree left after pivot_root). A missing one
 * is created, as a directory or an empty file to match the source. */
static int custom_target_open(int root_fd, const char *dest, bool dir) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int pfd = -EBADF;
        const char *base;
        int fd;

        fd = chase_open(root_fd, dest, O_PATH, 0);
        if (fd != -ENOENT)
                return fd;

        base = strrchr(dest, '/');
        if (!base || isempty(base + 1))
                return -EINVAL;
        parent = strndup(dest, base - dest);
        if (!parent)
                return -ENOMEM;
        base++;

        pfd = chase_open(root_fd, parent, O_PATH | O_DIRECTORY, 0);
        if (pfd == -ENOENT)
                pfd = chase_mkdir_p(root_fd, parent, 0755);
        if (pfd < 0)
                return pfd;
        return custom_target_create(pfd, base, dir);
}

static int custom_mount_make(struct mount_context *ctx, int root_fd, size_t i, int *ret_target) {
        const struct custom_mount *m = &ctx->settings->custom_mounts[i];
        _cleanup_close_ int target = -EBADF, node = -EBADF;
        struct stat st;

        switch (m->type) {
        case CUSTOM_MOUNT_BIND:
        case CUSTOM_MOUNT_OVERLAY:
                if (ctx->detached_fds[i] < 0 || fstat(ctx->detached_fds[i], &st) < 0)
                        return -EBADF;
                target = custom_target_open(root_fd, m->destination, S_ISDIR(st.st_mode));
                *ret_target = TAKE_FD(target);
                return TAKE_FD(ctx->detached_fds[i]);
        case CUSTOM_MOUNT_INACCESSIBLE:
                target = chase_open(root_fd, m->destination, O_PATH, 0);
                if (target < 0 || fstat(target, &st) < 0)
                        return mount_err(target);
                node = mount_inaccessible_open(root_fd, st.st_mode & S_IFMT);
                if (node < 0)
                        return node;
                *ret_target = TAKE_FD(target);
                return mount_clone_tree(node, "", false, ATTR_RO_NSDE);
        default:
                return -EOPNOTSUPP;
        }
}

static int custom_mount_apply(struct mount_context *ctx, int root_fd, size_t i) {
        const struct custom_mount *m = &ctx->settings->custom_mounts[i];
        _cleanup_close_ int mnt = -EBADF, target = -EBADF;
        int r;

        if (m->type == CUSTOM_MOUNT_TMPFS) {
                target = custom_target_open(root_fd, m->destination, true);
                r = target < 0 ? target
                               : mount_fs_at(target, "tmpfs", "tmpfs", m->options ?: "mode=0755",
                                             MOUNT_ATTR_NODEV | MOUNT_ATTR_STRICTATIME);
        } else {
                mnt = custom_mount_make(ctx, root_fd, i, &target);
                r = mnt < 0 ? mnt : target < 0 ? target : mount_attach(mnt, target);
        }
        if (r < 0)
                return mount_fail(ctx, r, "Failed to mount %s on %s: %s", custom_mount_type_name[m->type],
                                  m->destination, strerror(-r));
        return 0;
}

/* Custom mounts last: those below /proc, /dev, /tmp ... land on top of the API file
 * systems instead of being hidden by them (systemd#4789). */
int mount_custom_apply_all(struct mount_context *ctx, int root_fd) {
        _cleanup_free_ size_t *order = NULL;
        size_t n = ctx->settings ? ctx->settings->n_custom_mounts : 0;
        int r;

        if (n == 0)
                return 0;
        order = malloc(n * sizeof(size_t));
        if (!order)
                return -ENOMEM;
        mount_custom_order(ctx->settings->custom_mounts, n, order);
        for (size_t k = 0; k < n; k++) {
                r = custom_mount_apply(ctx, root_fd, order[k]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- before pivot: host-side sources -------------------------------------------------------- */

/*
 * Throw-away directories (--bind with an empty source, --overlay with an empty upper dir) live on
 * a tmpfs that is never attached anywhere: a detached mount private to the container's mount
 * namespace. It disappears with the last reference, i.e. with the container, even when nspawn is
 * SIGKILLed, and nothing is ever written on the host. (systemd-nspawn uses
 * /var/tmp/nspawn-temp-<random> on the host's disk instead, removed only on a clean exit; ours is
 * bounded by RAM, like /tmp.) Binding a directory of a detached mount and using it as an overlay
 * layer needs Linux 6.15 or newer.
 */
static int scratch_mkdir(struct mount_context *ctx, const char *name) {
        if (ctx->scratch_fd < 0) {
                int fd = mount_fs_new("tmpfs", "tmpfs", "mode=0700", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
                if (fd < 0)
                        return fd;
                ctx->scratch_fd = fd;
        }
        if (mkdirat(ctx->scratch_fd, name, 0755) < 0)
                return negative_errno();
        return chase_open_nofollow(ctx->scratch_fd, name, O_PATH | O_DIRECTORY, 0);
}

/* A source path given by the user: a host path, or "+path" inside the container tree. */
static int source_open(int tree_fd, const char *path, int flags) {
        int fd;

        if (path[0] == '+')
                return chase_open(tree_fd, path + 1, flags, 0);
        fd = open(path, flags | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

static int bind_prepare(struct mount_context *ctx, int tree_fd, size_t i) {
        const struct custom_mount *m = &ctx->settings->custom_mounts[i];
        uint64_t attrs = m->read_only ? MOUNT_ATTR_RDONLY : 0;
        _cleanup_close_ int src = -EBADF;
        char name[32];
        int fd;

        if (isempty(m->source)) {
                snprintf(name, sizeof(name), "bind-%zu", i);
                src = scratch_mkdir(ctx, name);
        } else if (m->source[0] == '+')
                src = source_open(tree_fd, m->source, O_PATH);
        else
                return mount_clone_tree(AT_FDCWD, m->source, m->recursive, attrs);
        if (src < 0)
                return src;

        fd = mount_clone_tree(src, "", m->recursive, attrs);
        if (fd == -EINVAL && isempty(m->source)) /* pre-6.15: no clones of detached mounts */
                fd = mount_fs_new("tmpfs", "tmpfs", "mode=0755",
                                  attrs | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        return fd;
}

/* Overlay layers are passed to the kernel as /proc/self/fd/N of fds opened here, so "+path"
 * layers are resolved in the tree, never by string concatenation. */
struct layer_fds {
        int fd[8 + 3];
        size_t n;
};

static void layer_fds_done(struct layer_fds *l) {
        for (size_t i = 0; i < l->n; i++)
                safe_close(l->fd[i]);
}

/* Keep fd (closing it on failure) and append its /proc/self/fd path to *list (':'-separated). */
static int layer_add(struct layer_fds *l, int fd, char **list) {
        char *n;

        if (fd < 0)
                return fd;
        if (l->n >= ELEMENTSOF(l->fd)) {
                safe_close(fd);
                return -E2BIG;
        }
        l->fd[l->n++] = fd;
        if (asprintf(&n, "%s%s/proc/self/fd/%d", *list ?: "", *list ? ":" : "", fd) < 0)
                return -ENOMEM;
        free(*list);
        *list = n;
        return 0;
}

/* The work dir of a given upper dir is a hidden sibling (overlayfs wants it on the same file
 * system) named after the machine: ".#UPPER.MACHINE.work". Only one container of a name runs at a
 * time, so the supervisor can find it again and remove it after the run (mount_custom_cleanup);
 * one left by a SIGKILLed nspawn is reused (overlayfs empties its work dir) and removed then. */
static int overlay_workdir_parent(int tree_fd, const char *upper, const char *machine, char *name,
                                  size_t size) {
        _cleanup_free_ char *parent = NULL;
        bool in_tree = upper[0] == '+';
        const char *base = strrchr(upper, '/');

        if (!base)
                return -EINVAL;
        parent = strndup(upper, base == upper + in_tree ? (size_t) 1 + in_tree : (size_t) (base - upper));
        if (!parent)
                return -ENOMEM;
        snprintf(name, size, ".#%.100s.%.64s.work", base + 1, machine);
        return source_open(tree_fd, parent, O_PATH | O_DIRECTORY);
}

static int overlay_workdir(int tree_fd, const char *upper, const char *machine) {
        char name[NAME_MAX + 1];
        _cleanup_close_ int pfd = overlay_workdir_parent(tree_fd, upper, machine, name, sizeof name);

        if (pfd < 0)
                return pfd;
        if (mkdirat(pfd, name, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        return chase_open_nofollow(pfd, name, O_PATH | O_DIRECTORY, 0);
}

/* The work dir of custom mount i, if it is an --overlay with a given upper dir: its name in
 * *name, the fd of the directory it is in (-ENOENT: not such a mount, or no upper dir). */
static int overlay_workdir_of(const struct settings *s, size_t i, int tree_fd, char name[NAME_MAX + 1]) {
        const struct custom_mount *m = &s->custom_mounts[i];

        if (m->type != CUSTOM_MOUNT_OVERLAY || m->read_only || isempty(m->source))
                return -ENOENT;
        return overlay_workdir_parent(tree_fd, m->source, s->machine, name, NAME_MAX + 1);
}

int mount_custom_register_undo(const struct settings *s, int tree_fd, struct guard *guard) {
        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                char name[NAME_MAX + 1];
                _cleanup_close_ int pfd = overlay_workdir_of(s, i, tree_fd, name);
                if (pfd == -ENOENT)
                        continue; /* no work dir: no upper dir, or the mount fails later */
                if (pfd < 0)
                        return pfd;
                int r = guard_push(
                        guard, &(struct undo){.kind = UNDO_TREE, .path = name, .fds = {pfd}, .n_fds = 1});
                if (r < 0)
                        return r;
        }
        return 0;
}

void mount_custom_cleanup(const struct settings *s, int tree_fd) {
        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                char name[NAME_MAX + 1];
                _cleanup_close_ int pfd = overlay_workdir_of(s, i, tree_fd, name);
                /* overlayfs leaves work/work mode 000; root may remove it anyway */
                if (pfd >= 0)
                        (void) rm_rf_at(pfd, name);
        }
}

/* Upper and work dir: the given upper dir and a sibling, or both on the scratch tmpfs. */
static int overlay_upper_work(struct mount_context *ctx, int tree_fd, size_t i, struct layer_fds *l,
                              char **upper, char **work) {
        const char *source = ctx->settings->custom_mounts[i].source;
        char name[64];
        int r;

        if (!isempty(source)) {
                r = layer_add(l, source_open(tree_fd, source, O_PATH | O_DIRECTORY), upper);
                return r < 0 ? r
                             : layer_add(l, overlay_workdir(tree_fd, source, ctx->settings->machine), work);
        }

        snprintf(name, sizeof(name), "overlay-%zu", i);
        r = scratch_mkdir(ctx, name);
        if (r < 0)
                return r;
        safe_close(r);
        snprintf(name, sizeof(name), "overlay-%zu/upper", i);
        r = layer_add(l, scratch_mkdir(ctx, name), upper);
        if (r < 0)
                return r;
        snprintf(name, sizeof(name), "overlay-%zu/work", i);
        return layer_add(l, scratch_mkdir(ctx, name), work);
}

static int overlay_prepare(struct mount_context *ctx, int tree_fd, size_t i) {
        const struct custom_mount *m = &ctx->settings->custom_mounts[i];
        _cleanup_(layer_fds_done) struct layer_fds l = {.n = 0};
        _cleanup_free_ char *lower = NULL, *upper = NULL, *work = NULL;
        int r = 0;

        /* m->lower is top first, like overlayfs' lowerdir. The read-only variant has no upper
         * dir: the given one becomes the topmost lower layer. */
        if (m->read_only && !isempty(m->source))
                r = layer_add(&l, source_open(tree_fd, m->source, O_PATH | O_DIRECTORY), &lower);
        STRV_FOREACH(p, m->lower) {
                if (r < 0)
                        break;
                r = layer_add(&l, source_open(tree_fd, *p, O_PATH | O_DIRECTORY), &lower);
        }
        if (r >= 0 && !lower)
                r = -EINVAL;
        if (r >= 0 && !m->read_only)
                r = overlay_upper_work(ctx, tree_fd, i, &l, &upper, &work);
        if (r < 0)
                return r;

        return mount_overlay_new(lower, upper, work, m->read_only);
}

bool custom_mount_from_host(const struct custom_mount *m) {
        bool inside = false;

        if (m->type == CUSTOM_MOUNT_BIND)
                return !isempty(m->source) && m->source[0] != '+';
        if (m->type != CUSTOM_MOUNT_OVERLAY || (isempty(m->source) && !m->read_only))
                return false; /* made inside, or a throw-away upper dir of the child's */
        inside = !isempty(m->source) && m->source[0] == '+';
        STRV_FOREACH(p, m->lower)
        inside = inside || (*p)[0] == '+';
        return !inside;
}

/* A custom mount's detached mount (or overlay), to attach after pivot. tree_fd: the tree, for
 * "+path" sources (the supervisor's mounts have none: -EBADF there). */
int mount_custom_make_source(struct mount_context *ctx, int tree_fd, size_t i) {
        const struct custom_mount *m = &ctx->settings->custom_mounts[i];
        int fd = -EOPNOTSUPP;

        if (m->type == CUSTOM_MOUNT_BIND)
                fd = bind_prepare(ctx, tree_fd, i);
        else if (m->type == CUSTOM_MOUNT_OVERLAY)
                fd = overlay_prepare(ctx, tree_fd, i);
        if (fd < 0)
                return mount_fail(ctx, fd, "Failed to prepare %s mount %s%s%s: %s",
                                  custom_mount_type_name[m->type], m->source ?: "", m->source ? " → " : "",
                                  m->destination, strerror(-fd));
        return fd;
}

int mount_custom_prepare(struct mount_context *ctx, int tree_fd) {
        const struct settings *s = ctx->settings;

        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                const struct custom_mount *m = &s->custom_mounts[i];
                int fd;

                bool made = ctx->sources && i < ctx->sources->n_custom && ctx->sources->custom[i] >= 0;
                if (made) /* the supervisor's (mount_sources_open(), _userns()) */
                        fd = TAKE_FD(ctx->sources->custom[i]);
                else if (custom_mount_from_host(m))
                        return mount_fail(ctx, -EBADF, "No source for mount %s.", m->destination);
                else if (m->type == CUSTOM_MOUNT_BIND || m->type == CUSTOM_MOUNT_OVERLAY)
                        fd = mount_custom_make_source(ctx, tree_fd, i);
                else
                        continue; /* made inside the container */
                if (fd < 0)
                        return fd;
                ctx->detached_fds[i] = fd;
        }
        return 0;
}
