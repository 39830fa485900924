/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's file system (see the design comment in mount.h). This file holds the table of
 * API file systems and the prepare / pivot / finish steps; mount-util.h lists the other parts.
 *
 * Namespace state: every function here runs in the child created by clone3(CLONE_NEWNS|
 * CLONE_NEWPID|...), i.e. in the container's own mount namespace, as PID 1 of its PID namespace,
 * with full privileges. mount_prepare() still sees the host's file system tree (a slave copy of
 * it); after mount_pivot() only the container's tree is reachable.
 *
 * Everything is done with the new mount API (fsopen/fsmount/open_tree/move_mount/mount_setattr)
 * on file descriptors: a mount point is opened once (openat2, no symlinks) and the mount is
 * attached to that fd, so no path is resolved twice and no guest symlink is ever followed for an
 * API file system.
 */

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "chase.h"
#include "macro.h"
#include "mount-util.h"
#include "volatile.h"

/* /sys/fs/cgroup on a legacy or hybrid host: the hierarchies below the fresh tmpfs (cgroup.c),
 * then the tmpfs itself read-only, as systemd-nspawn 252. */
static int cgroup_v1_setup(struct mount_context *ctx, int fd) {
        int r = cgroup_mount_v1(ctx->cgroup, fd);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to mount the cgroup hierarchies on /sys/fs/cgroup: %s",
                                  strerror(-r));
        r = mount_set_attrs(fd, 0, MOUNT_ATTR_RDONLY | ATTR_NSDE);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to make /sys/fs/cgroup read-only: %s", strerror(-r));
        return 0;
}

/* ---- the table of API file systems ---------------------------------------------------------- */

enum {
        MNT_MKDIR = 1 << 0,       /* create a missing mount point (a directory) */
        MNT_IF_EXISTS = 1 << 1,   /* skip quietly when the mount point does not exist */
        MNT_PRIVATE_NET = 1 << 2, /* only with a private network namespace */
        MNT_TMPFS_TMP = 1 << 3,   /* not with SYSTEMD_NSPAWN_TMPFS_TMP=0 */
        MNT_CGROUP2 = 1 << 4,     /* only when ctx->cgroup2 */
        MNT_FSMOUNT = 1 << 5,     /* made with fsmount: there is no /proc/self/fd to name the target yet */
        MNT_CGROUP1 = 1 << 6,     /* only on a legacy or hybrid cgroup host (ctx->cgroup) */
        MNT_EARLY = 1 << 7,       /* in a user namespace: made before pivot_root (api_mounts_early()) */
        MNT_ROOTLESS = 1 << 8,    /* only for an unprivileged caller (ctx->rootless) */
};

/*
 * type set:           a new file system instance, `what` is its source name
 * type NULL, what:    a bind of `what` (a path in the container; what == where binds to itself)
 * type NULL, no what: change the attributes of the mount at `where` (the "remount")
 * attrs are MOUNT_ATTR_*; setup fills a new file system right after it is mounted (given an fd of
 * its root).
 */
struct api_mount {
        const char *what;
        const char *where;
        const char *type;
        uint64_t attrs;
        const char *options;
        unsigned when;
        int (*setup)(struct mount_context *ctx, int fd);
};

#define PROC_READ_ONLY(p)                                                                                   \
        { "/proc/" p, "/proc/" p, NULL, ATTR_RO_NSDE, NULL, MNT_IF_EXISTS, NULL }
#define PROC_MASK(p)                                                                                        \
        { "/run/host/inaccessible/reg", "/proc/" p, NULL, ATTR_RO_NSDE, NULL, MNT_IF_EXISTS, NULL }

static const struct api_mount api_mounts[] = {
        {"proc", "/proc", "proc", ATTR_NSDE, NULL, MNT_MKDIR | MNT_FSMOUNT | MNT_EARLY, NULL},
        {"/proc/sys", "/proc/sys", NULL, 0, NULL, 0, NULL},
        {"/proc/sys/net", "/proc/sys/net", NULL, 0, NULL, MNT_PRIVATE_NET, NULL}, /* stays rw */
        {NULL, "/proc/sys", NULL, ATTR_RO_NSDE, NULL, 0, NULL},
        PROC_READ_ONLY("acpi"),
        PROC_READ_ONLY("apm"),
        PROC_READ_ONLY("asound"),
        PROC_READ_ONLY("bus"),
        PROC_READ_ONLY("fs"),
        PROC_READ_ONLY("irq"),
        PROC_READ_ONLY("scsi"),
        /* a fresh sysfs shows the network namespace of its mounter: right with or without
         * --private-network */
        {"sysfs", "/sys", "sysfs", ATTR_RO_NSDE, NULL, MNT_MKDIR | MNT_EARLY, NULL},
        /* mounted by the supervisor (mount_cgroup()), outside the container's PID namespace:
         * no /proc/self there */
        {"cgroup", "/sys/fs/cgroup", "cgroup2", ATTR_NSDE, NULL, MNT_CGROUP2 | MNT_FSMOUNT, NULL},
        {"tmpfs", "/sys/fs/cgroup", "tmpfs", ATTR_NSDE, "mode=0755,size=4m,nr_inodes=1k",
         MNT_CGROUP1 | MNT_FSMOUNT, cgroup_v1_setup},
        {"cgroup", "/sys/fs/cgroup", "cgroup2", ATTR_NSDE, NULL, MNT_ROOTLESS | MNT_FSMOUNT, NULL},
        {"tmpfs", "/dev", "tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME,
         "mode=0755,size=4m,nr_inodes=64k", MNT_MKDIR, mount_dev_setup},
        {"devpts", "/dev/pts", "devpts", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
         "newinstance,ptmxmode=0666,mode=620,gid=5", MNT_MKDIR, NULL},
        {"tmpfs", "/dev/shm", "tmpfs", ATTR_TMPFS, "mode=1777,size=10%,nr_inodes=400k", MNT_MKDIR, NULL},
        {"mqueue", "/dev/mqueue", "mqueue", ATTR_NSDE, NULL, MNT_MKDIR, NULL},
        {"tmpfs", "/run", "tmpfs", ATTR_TMPFS, "mode=0755,size=20%,nr_inodes=800k", MNT_MKDIR,
         mount_run_setup},
        {"tmpfs", "/run/host", "tmpfs", ATTR_TMPFS, "mode=0755,size=4m,nr_inodes=4k", MNT_MKDIR,
         mount_run_host_setup},
        /* after /run/host, which holds the inaccessible nodes and the boot ID */
        PROC_MASK("kallsyms"),
        PROC_MASK("kcore"),
        PROC_MASK("keys"),
        PROC_MASK("sysrq-trigger"),
        PROC_MASK("timer_list"),
        {"/run/host/proc-sys-kernel-random-boot-id", "/proc/sys/kernel/random/boot_id", NULL, ATTR_RO_NSDE,
         NULL, 0, NULL},
        /* rw,nosuid,nodev as systemd-nspawn's; the FIFO is never written (child_setup_kmsg()) */
        {"/run/host/proc-kmsg", "/proc/kmsg", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, NULL, 0, NULL},
        {"tmpfs", "/tmp", "tmpfs", ATTR_TMPFS, "mode=1777,size=10%,nr_inodes=400k",
         MNT_MKDIR | MNT_TMPFS_TMP, NULL},
};

static bool api_mount_wanted(const struct mount_context *ctx, const struct api_mount *m) {
        if ((m->when & MNT_PRIVATE_NET) && !ctx->private_network)
                return false;
        if ((m->when & MNT_TMPFS_TMP) && !ctx->tmpfs_tmp)
                return false;
        if ((m->when & MNT_ROOTLESS) && !ctx->rootless)
                return false;
        if ((m->when & MNT_CGROUP2) && !ctx->cgroup2)
                return false;
        if ((m->when & MNT_CGROUP1) && cgroup_context_mode(ctx->cgroup) != CGROUP_LEGACY &&
            cgroup_context_mode(ctx->cgroup) != CGROUP_HYBRID)
                return false;
        return true;
}

/* Open (or create) a mount point of the table without following any symlink. -ENOENT only
 * for MNT_IF_EXISTS rows whose mount point is missing (then ctx->error is untouched). */
static int mount_point_open(struct mount_context *ctx, int root_fd, const char *where, unsigned when) {
        int fd;

        fd = chase_open_nofollow(root_fd, where, O_PATH, 0);
        if (fd == -ENOENT && (when & MNT_MKDIR))
                fd = chase_mkdir_p(root_fd, where, 0755);
        if (fd == -ENOENT && (when & MNT_IF_EXISTS))
                return fd;
        if (fd == -ELOOP)
                return mount_fail(ctx, fd, "%s in the image is a symlink, refusing.", where);
        if (fd < 0)
                return mount_fail(ctx, fd, "Failed to open mount point %s: %s", where, strerror(-fd));
        return fd;
}

/* The early mount of row m (see MNT_EARLY), or NULL. */
static int *api_early_fd(struct mount_context *ctx, const struct api_mount *m) {
        if (!ctx->userns || !(m->when & MNT_EARLY))
                return NULL;
        return streq(m->type, "proc") ? &ctx->proc_fd : &ctx->sysfs_fd;
}

static int api_fs_mount(struct mount_context *ctx, int root_fd, int target, const struct api_mount *m) {
        _cleanup_close_ int mnt = -EBADF;
        int *early = api_early_fd(ctx, m);
        int r;

        if (early) {
                mnt = TAKE_FD(*early);
                r = mnt < 0 ? -EBADF : mount_attach(mnt, target);
        } else if (m->when & MNT_FSMOUNT) {
                mnt = mount_fs_new(m->type, m->what, m->options, m->attrs);
                r = mnt < 0 ? mnt : mount_attach(mnt, target);
        } else
                r = mount_fs_at(target, m->type, m->what, m->options, m->attrs);
        /* the tty group (5) may be unmapped in a user namespace of few ids (--private-users-map=, a
         * small subordinate range): the ptys are root's group then */
        if (r == -EINVAL && ctx->userns && streq(m->type, "devpts"))
                r = mount_fs_at(target, m->type, m->what, "newinstance,ptmxmode=0666,mode=620", m->attrs);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to mount %s on %s: %s", m->type, m->where, strerror(-r));
        if (!m->setup)
                return 0;

        /* target is the directory below the new mount; the hook wants the new file system */
        if (mnt < 0) {
                mnt = chase_open_nofollow(root_fd, m->where, O_PATH | O_DIRECTORY, 0);
                if (mnt < 0)
                        return mount_fail(ctx, mnt, "Failed to open %s: %s", m->where, strerror(-mnt));
        }
        return m->setup(ctx, mnt);
}

static int api_bind_mount(struct mount_context *ctx, int root_fd, int target, const struct api_mount *m) {
        _cleanup_close_ int src = -EBADF, mnt = -EBADF;
        int r;

        if (!streq(m->what, m->where)) {
                src = chase_open_nofollow(root_fd, m->what, O_PATH, 0);
                if (src < 0)
                        return mount_fail(ctx, src, "Failed to open %s: %s", m->what, strerror(-src));
        }
        mnt = mount_clone_tree(src >= 0 ? src : target, "", false, m->attrs);
        r = mnt < 0 ? mnt : mount_attach(mnt, target);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to bind mount %s on %s: %s", m->what, m->where,
                                  strerror(-r));
        return 0;
}

static int api_mount_apply(struct mount_context *ctx, int root_fd, const struct api_mount *m) {
        _cleanup_close_ int target = -EBADF;
        int r;

        target = mount_point_open(ctx, root_fd, m->where, m->when);
        if (target == -ENOENT && (m->when & MNT_IF_EXISTS))
                return 0;
        if (target < 0)
                return target;

        if (m->type)
                return api_fs_mount(ctx, root_fd, target, m);
        if (m->what)
                return api_bind_mount(ctx, root_fd, target, m);

        r = mount_set_attrs(target, 0, m->attrs);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to make %s read-only: %s", m->where, strerror(-r));
        return 0;
}

/* ---- prepare, pivot, finish ----------------------------------------------------------------- */

/* With --read-only, the table's top-level mount points are created (or refused, if symlinks)
 * while the tree is still writable: they could not be created later. Otherwise mount_finish()
 * does it (and refuses symlinks) on its way. */
static int top_mount_points_prepare(struct mount_context *ctx, int tree_fd) {
        for (size_t i = 0; i < ELEMENTSOF(api_mounts); i++) {
                const struct api_mount *m = &api_mounts[i];
                int fd;

                if (!(m->when & MNT_MKDIR) || strchr(m->where + 1, '/') || !api_mount_wanted(ctx, m))
                        continue;
                fd = mount_point_open(ctx, tree_fd, m->where, m->when);
                if (fd < 0)
                        return fd;
                safe_close(fd);
        }
        return 0;
}

static int detached_fds_init(struct mount_context *ctx, size_t n) {
        ctx->detached_fds = malloc(MAX(n, (size_t) 1) * sizeof(int));
        if (!ctx->detached_fds)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                ctx->detached_fds[i] = -EBADF;
        return 0;
}

/* --pivot-root=NEW[:OLD] (systemd-nspawn's): the tree's directory NEW becomes the root, stacked on
 * the tree (tree_fd, attached); with OLD, a copy of the whole tree is mounted at NEW/OLD (which
 * must exist), else the old tree goes with the host's root after pivot_root. Paths are resolved
 * inside the tree. Returns an fd of what becomes the root: NEW's mount, or a copy of tree_fd. */
static int pivot_root_setup(struct mount_context *ctx, int tree_fd) {
        const char *new_root = ctx->settings ? ctx->settings->pivot_root_new : NULL;
        const char *old_root = ctx->settings ? ctx->settings->pivot_root_old : NULL;
        _cleanup_close_ int dir = -EBADF, new_mnt = -EBADF, old_mnt = -EBADF, target = -EBADF;
        int r;

        if (!new_root) {
                int fd = fcntl(tree_fd, F_DUPFD_CLOEXEC, 3);
                return fd < 0 ? mount_fail(ctx, negative_errno(), "Failed to duplicate the tree's fd: %m")
                              : fd;
        }
        dir = chase_open(tree_fd, new_root, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (dir < 0)
                return mount_fail(ctx, dir, "Failed to find %s in the tree: %s", new_root, strerror(-dir));
        new_mnt = mount_clone_tree(dir, "", true, 0);
        if (new_mnt < 0)
                return mount_fail(ctx, new_mnt, "Failed to bind %s: %s", new_root, strerror(-new_mnt));
        if (old_root) {
                old_mnt = mount_clone_tree(tree_fd, "", true, 0);
                if (old_mnt < 0)
                        return mount_fail(ctx, old_mnt, "Failed to bind the tree: %s", strerror(-old_mnt));
                target = chase_open(new_mnt, old_root, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
                if (target < 0)
                        return mount_fail(ctx, target, "Failed to find %s in %s: %s", old_root, new_root,
                                          strerror(-target));
                if ((r = mount_attach(old_mnt, target)) < 0)
                        return mount_fail(ctx, r, "Failed to mount the old root on %s: %s", old_root,
                                          strerror(-r));
        }
        if ((r = mount_attach(new_mnt, tree_fd)) < 0)
                return mount_fail(ctx, r, "Failed to pivot to %s: %s", new_root, strerror(-r));
        return TAKE_FD(new_mnt);
}

/*
 * The tree becomes the root-to-be: the supervisor made it (ctx->tree_mnt, a detached recursive bind
 * of the tree it locked and checked, or a disk image's tree), and it is attached below an anchor
 * of our own — a small tmpfs stacked on / of our namespace — so no host path is resolved for it: a
 * path swapped meanwhile cannot matter, and in a user namespace the host's directories above the
 * tree (which its root may not even search) are never walked. Absolute paths still resolve in the
 * host's tree until pivot_root. --pivot-root, --volatile and -x on a plain directory stack their
 * layers on the tree (volatile.h). Returns an fd of the topmost, the root-to-be (ctx->root_fd too).
 */
static int tree_bind(struct mount_context *ctx, enum volatile_mode mode) {
        _cleanup_close_ int anchor = -EBADF, target = -EBADF, top = -EBADF;
        int r;

        anchor = mount_fs_new("tmpfs", "tmpfs", "mode=0700,size=4k,nr_inodes=8", ATTR_NSDE);
        r = anchor < 0                                                           ? anchor
            : move_mount(anchor, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0 ? negative_errno()
                                                                                 : 0;
        if (r >= 0 && mkdirat(anchor, "root", 0755) < 0)
                r = negative_errno();
        if (r >= 0 && (target = openat(anchor, "root", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
                r = negative_errno();
        if (r >= 0)
                r = mount_attach(ctx->tree_mnt, target);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to mount the tree %s: %s", ctx->root, strerror(-r));
        top = pivot_root_setup(ctx, ctx->tree_mnt);
        if (top < 0)
                return top;
        ctx->root_fd = volatile_mount_root(top, mode, ctx->root_overlay, &ctx->error);
        if (ctx->root_fd < 0)
                return ctx->root_fd;
        /* what the read-only flag, "+path" sources and --volatile=state's /var apply to */
        int fd = fcntl(ctx->root_fd, F_DUPFD_CLOEXEC, 3);
        return fd < 0 ? mount_fail(ctx, negative_errno(), "Failed to duplicate the root's fd: %m") : fd;
}

/* Everything taken from the host, opened while it is still visible. */
static int host_sources_prepare(struct mount_context *ctx, int tree_fd, bool read_only) {
        int r;

        if (read_only) {
                r = top_mount_points_prepare(ctx, tree_fd);
                if (r < 0)
                        return r;
        }
        if (ctx->sources) {
                ctx->os_release_fd = TAKE_FD(ctx->sources->os_release);
                if (ctx->os_release_fd == -ENOENT) /* none on the host */
                        ctx->os_release_fd = -EBADF;
        }
        if (ctx->settings)
                return mount_custom_prepare(ctx, tree_fd);
        return 0;
}

/*
 * In a user namespace the kernel lets the namespace's root mount a new procfs or sysfs only while
 * one is fully visible in its mount namespace ("too revealing" otherwise): the host's, before
 * pivot_root. So they are made here, detached, and attached by mount_finish(). A sysfs also needs
 * a network namespace of the user namespace's: without --private-network the supervisor made it
 * (mount_sources_open_userns()).
 */
static int api_mounts_early(struct mount_context *ctx) {
        for (size_t i = 0; i < ELEMENTSOF(api_mounts); i++) {
                const struct api_mount *m = &api_mounts[i];
                int *fd = api_early_fd(ctx, m);

                if (!fd)
                        continue;
                if (streq(m->type, "sysfs") && !ctx->private_network)
                        *fd = ctx->sources ? TAKE_FD(ctx->sources->sysfs) : -EBADF;
                else
                        *fd = mount_fs_new(m->type, m->what, m->options, m->attrs);
                if (*fd == -EPERM && streq(m->type, "proc"))
                        return mount_fail(ctx, *fd,
                                          "Failed to mount proc for /proc: %s (the kernel lets a user "
                                          "namespace's root mount one only where a /proc without masks "
                                          "is visible: inside another container, run without -U)",
                                          strerror(EPERM));
                if (*fd < 0)
                        return mount_fail(ctx, *fd, "Failed to mount %s for %s: %s", m->type, m->where,
                                          strerror(*fd == -EBADF ? EBADF : -*fd));
        }
        return 0;
}

int mount_prepare(struct mount_context *ctx) {
        size_t n = ctx->settings ? ctx->settings->n_custom_mounts : 0;
        enum volatile_mode mode = ctx->settings ? ctx->settings->volatile_mode : VOLATILE_NO;
        bool read_only = ctx->settings && (ctx->settings->read_only || volatile_tree_read_only(mode));
        _cleanup_close_ int tree_fd = -EBADF;
        struct stat st;
        int r;

        ctx->os_release_fd = ctx->scratch_fd = -EBADF;
        r = detached_fds_init(ctx, n);
        if (r < 0)
                return r;

        /* Nothing we mount from here on may propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to make / a slave mount: %m");

        ctx->have_net_tun = stat("/dev/net/tun", &st) >= 0 && S_ISCHR(st.st_mode);
        if (ctx->tree_mnt < 0)
                return mount_fail(ctx, -EBADF, "No tree to mount.");

        tree_fd = tree_bind(ctx, mode);
        if (tree_fd < 0)
                return tree_fd;
        r = host_sources_prepare(ctx, tree_fd, read_only);
        if (r < 0)
                return r;
        if (ctx->userns && (r = api_mounts_early(ctx)) < 0)
                return r;

        if (read_only) {
                r = mount_set_attrs(tree_fd, AT_RECURSIVE, MOUNT_ATTR_RDONLY);
                if (r < 0)
                        return mount_fail(ctx, r, "Failed to make %s read-only: %s", ctx->root,
                                          strerror(-r));
        }
        return volatile_mount_var(tree_fd, mode, &ctx->error);
}

int mount_pivot(struct mount_context *ctx) {
        /* pivot_root(".", ".") stacks the old root on top of the new one; detaching "." then
         * removes it (and, with it, every host mount) from this namespace. No directory for the
         * old root is needed inside the image. */
        if (fchdir(ctx->root_fd) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to change to the root of %s: %m",
                                  ctx->root);
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return mount_fail(ctx, negative_errno(), "Failed to pivot_root into %s: %m", ctx->root);
        /* on top of the new root now: the old root, and on that our anchor (tree_bind()), with the
         * tree and its stacked layers below it; each detach takes the topmost */
        for (int i = 0; i < 2; i++)
                if (umount2(".", MNT_DETACH) < 0)
                        return mount_fail(ctx, negative_errno(), "Failed to detach the old root: %m");
        if (chdir("/") < 0)
                return mount_fail(ctx, negative_errno(), "Failed to change to /: %m");
        return 0;
}

/* The table's rows, either all but the cgroup ones (cgroups false) or only those. */
static int api_mounts_apply(struct mount_context *ctx, int root_fd, bool cgroups) {
        int r;

        for (size_t i = 0; i < ELEMENTSOF(api_mounts); i++) {
                const struct api_mount *m = &api_mounts[i];
                if (!!(m->when & (MNT_CGROUP1 | MNT_CGROUP2)) != cgroups || !api_mount_wanted(ctx, m))
                        continue;
                r = api_mount_apply(ctx, root_fd, m);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void umask_restore(mode_t *m) {
        umask(*m);
}

int mount_finish(struct mount_context *ctx) {
        _cleanup_(umask_restore) mode_t saved_umask = umask(0); /* modes below are exact */
        _cleanup_close_ int root_fd = -EBADF;
        int r;

        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return mount_fail(ctx, negative_errno(), "Failed to open /: %m");

        r = api_mounts_apply(ctx, root_fd, false);
        if (r < 0)
                return r;
        /* Custom mounts last, on top of the API file systems (mount-custom.c). */
        return mount_custom_apply_all(ctx, root_fd);
}

int mount_cgroup(const struct cgroup_context *cgroup, char **ret_error) {
        struct mount_context ctx = MOUNT_CONTEXT_INIT;
        _cleanup_(umask_restore) mode_t saved_umask = umask(0); /* modes below are exact */
        _cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r;

        ctx.cgroup = cgroup;
        ctx.cgroup2 = cgroup_context_mode(cgroup) == CGROUP_UNIFIED;
        if (root_fd < 0)
                r = mount_fail(&ctx, negative_errno(), "Failed to open /: %m");
        else
                r = api_mounts_apply(&ctx, root_fd, true);
        if (r < 0 && ret_error)
                *ret_error = TAKE_PTR(ctx.error);
        mount_context_done(&ctx);
        return r;
}

void mount_context_done(struct mount_context *ctx) {
        size_t n = ctx->settings ? ctx->settings->n_custom_mounts : 0;

        if (ctx->detached_fds)
                for (size_t i = 0; i < n; i++)
                        safe_close(ctx->detached_fds[i]);
        free(ctx->detached_fds);
        ctx->detached_fds = NULL;
        ctx->os_release_fd = safe_close(ctx->os_release_fd);
        ctx->scratch_fd = safe_close(ctx->scratch_fd);
        ctx->proc_fd = safe_close(ctx->proc_fd);
        ctx->root_fd = safe_close(ctx->root_fd);
        ctx->sysfs_fd = safe_close(ctx->sysfs_fd);
        free(ctx->error);
        ctx->error = NULL;
}
