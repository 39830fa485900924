/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's file system (see the design comment in mount.h).
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
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup.h"
#include "chase.h"
#include "macro.h"
#include "mount.h"
#include "volatile.h"

#define ATTR_NSDE (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
#define ATTR_RO_NSDE (MOUNT_ATTR_RDONLY | ATTR_NSDE)
#define ATTR_TMPFS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_STRICTATIME)

/* ---- errors --------------------------------------------------------------------------------- */

/* Record the first failure as a message for the parent to log; returns r. */
_printf_(3, 4) static int mount_fail(struct mount_context *ctx, int r, const char *fmt, ...) {
        va_list ap;
        char *msg;

        if (ctx->error)
                return r;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) >= 0)
                ctx->error = msg;
        va_end(ap);
        return r;
}

static int err(int r) {
        return r < 0 ? r : negative_errno();
}

/* ---- small mount primitives ----------------------------------------------------------------- */

static int attach(int mnt_fd, int target_fd) {
        if (move_mount(mnt_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return negative_errno();
        return 0;
}

static int set_attrs(int fd, unsigned flags, uint64_t attrs) {
        struct mount_attr a = {.attr_set = attrs};

        if (mount_setattr(fd, "", AT_EMPTY_PATH | flags, &a, sizeof(a)) < 0)
                return negative_errno();
        return 0;
}

/* A detached copy of the mount at fd (or of the subtree there), with attrs applied. */
static int clone_tree(int fd, const char *path, bool recursive, uint64_t attrs) {
        _cleanup_close_ int tree = -EBADF;
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        int r;

        tree = open_tree(fd, path, flags | (isempty(path) ? AT_EMPTY_PATH : 0));
        if (tree < 0)
                return negative_errno();
        if (attrs != 0) {
                r = set_attrs(tree, recursive ? AT_RECURSIVE : 0, attrs);
                if (r < 0)
                        return r;
        }
        return TAKE_FD(tree);
}

/* "k=v,flag,..." as fsconfig calls (only for the few file systems made with fsmount: /proc, which
 * exists before /proc does, and the detached scratch tmpfs). */
static int fs_config_options(int fs, const char *options) {
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;

        if (isempty(options))
                return 0;
        copy = strdup(options);
        if (!copy)
                return -ENOMEM;

        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(o, '=');
                int k;

                if (eq) {
                        *eq = 0;
                        k = fsconfig(fs, FSCONFIG_SET_STRING, o, eq + 1, 0);
                } else
                        k = fsconfig(fs, FSCONFIG_SET_FLAG, o, NULL, 0);
                if (k < 0)
                        return negative_errno();
        }
        return 0;
}

/* A new, detached instance of a file system: fsopen → options → create → fsmount. */
static int fs_new(const char *type, const char *source, const char *options, uint64_t attrs) {
        _cleanup_close_ int fs = -EBADF;
        int r, mnt;

        fs = fsopen(type, FSOPEN_CLOEXEC);
        if (fs < 0)
                return negative_errno();
        if (source && fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
                return negative_errno();
        r = fs_config_options(fs, options);
        if (r < 0)
                return r;
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return negative_errno();
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned) attrs);
        return mnt < 0 ? negative_errno() : mnt;
}

static unsigned long attrs_to_ms(uint64_t attrs) {
        static const struct {
                uint64_t attr;
                unsigned long ms;
        } map[] = {
                {MOUNT_ATTR_RDONLY, MS_RDONLY},
                {MOUNT_ATTR_NOSUID, MS_NOSUID},
                {MOUNT_ATTR_NODEV, MS_NODEV},
                {MOUNT_ATTR_NOEXEC, MS_NOEXEC},
                {MOUNT_ATTR_STRICTATIME, MS_STRICTATIME},
        };
        unsigned long ms = 0;

        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (attrs & map[i].attr)
                        ms |= map[i].ms;
        return ms;
}

/* A new file system on the mount point target_fd, with mount(2) on its /proc/self/fd path (the
 * exact inode opened, no second lookup): one syscall where fsopen/fsconfig.../fsmount/move_mount
 * take six to nine, and the options string is passed to the kernel as the user gave it, as
 * systemd-nspawn does. Needs /proc, i.e. not for /proc itself. */
static int fs_mount_at(int target_fd, const char *type, const char *source, const char *options,
                       uint64_t attrs) {
        char path[32];

        snprintf(path, sizeof(path), "/proc/self/fd/%d", target_fd);
        if (mount(source, path, type, attrs_to_ms(attrs), options) < 0)
                return negative_errno();
        return 0;
}

static int write_file_at(int dir_fd, const char *name, const char *content, mode_t mode) {
        _cleanup_close_ int fd = -EBADF;
        size_t n = strlen(content);

        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return negative_errno();
        if (write(fd, content, n) != (ssize_t) n)
                return err(-EIO);
        return 0;
}

static void umask_restore(mode_t *m) {
        umask(*m);
}

/* ---- /dev and /run/host contents ------------------------------------------------------------ */

static const struct dev_node {
        const char *name;
        unsigned major, minor;
} dev_nodes[] = {
        {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const struct dev_link {
        const char *name, *target;
} dev_links[] = {
        {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"},      {"ptmx", "pts/ptmx"},
};

/* Mount points below /dev are created here, in the fresh tmpfs, so the rows that follow find them
 * with one lookup. */
static const char *const dev_dirs[] = {"pts", "shm", "mqueue"};

static int dev_setup(struct mount_context *ctx, int fd) {
        for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++)
                if (mknodat(fd, dev_nodes[i].name, S_IFCHR | 0666,
                            makedev(dev_nodes[i].major, dev_nodes[i].minor)) < 0)
                        return mount_fail(ctx, negative_errno(), "Failed to create /dev/%s: %m",
                                          dev_nodes[i].name);

        /* Only if the host has it (looked at before pivot): the node is made by us, never the
         * host's inode bound in (systemd#34243 chowned the host's node). */
        if (ctx->have_net_tun && ((mkdirat(fd, "net", 0755) < 0 && errno != EEXIST) ||
                                  mknodat(fd, "net/tun", S_IFCHR | 0666, makedev(10, 200)) < 0))
                return mount_fail(ctx, negative_errno(), "Failed to create /dev/net/tun: %m");

        for (size_t i = 0; i < ELEMENTSOF(dev_links); i++)
                if (symlinkat(dev_links[i].target, fd, dev_links[i].name) < 0)
                        return mount_fail(ctx, negative_errno(), "Failed to create /dev/%s: %m",
                                          dev_links[i].name);

        for (size_t i = 0; i < ELEMENTSOF(dev_dirs); i++)
                if (mkdirat(fd, dev_dirs[i], 0755) < 0)
                        return mount_fail(ctx, negative_errno(), "Failed to create /dev/%s: %m",
                                          dev_dirs[i]);
        return 0;
}

/* Our own inaccessible nodes, one per file type, used to mask files (/proc/kcore ...) and for
 * --inaccessible. systemd takes them from the host's /run/systemd/inaccessible, which is not
 * visible where the masks are mounted, so its masks silently never apply (systemd#40501). */
static const struct inaccessible_node {
        const char *name;
        mode_t type;
} inaccessible_nodes[] = {
        {"reg", S_IFREG},   {"dir", S_IFDIR}, {"fifo", S_IFIFO},
        {"sock", S_IFSOCK}, {"chr", S_IFCHR}, {"blk", S_IFBLK},
};

static int inaccessible_create(struct mount_context *ctx, int run_host_fd) {
        _cleanup_close_ int fd = -EBADF;

        if (mkdirat(run_host_fd, "inaccessible", 0755) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to create /run/host/inaccessible: %m");
        fd = openat(run_host_fd, "inaccessible", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return mount_fail(ctx, negative_errno(), "Failed to open /run/host/inaccessible: %m");

        for (size_t i = 0; i < ELEMENTSOF(inaccessible_nodes); i++) {
                const struct inaccessible_node *n = &inaccessible_nodes[i];
                int k = n->type == S_IFDIR ? mkdirat(fd, n->name, 0)
                                           : mknodat(fd, n->name, n->type | 0, makedev(0, 0));
                if (k < 0)
                        return mount_fail(ctx, negative_errno(),
                                          "Failed to create /run/host/inaccessible/%s: %m", n->name);
        }
        return 0;
}

/* A fresh boot ID in the kernel's format, so the container does not see the host's. */
static int boot_id_format(char buf[38]) {
        uint8_t u[16];

        if (getrandom(u, sizeof(u), 0) != sizeof(u))
                return err(-EIO);
        u[6] = (u[6] & 0x0f) | 0x40; /* version 4 */
        u[8] = (u[8] & 0x3f) | 0x80; /* RFC 4122 variant */
        snprintf(buf, 38, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", u[0],
                 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                 u[15]);
        return 0;
}

/* /run/host's mount point, made in the fresh /run right away (one mkdir instead of a walk). */
static int run_setup(struct mount_context *ctx, int fd) {
        if (mkdirat(fd, "host", 0755) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to create /run/host: %m");
        return 0;
}

static int run_host_setup(struct mount_context *ctx, int fd) {
        _cleanup_free_ char *uuid = NULL;
        char boot_id[38];
        int r;

        r = inaccessible_create(ctx, fd);
        if (r < 0)
                return r;

        /* The mount tunnel's end; stays empty until machinectl bind exists. */
        if (mkdirat(fd, "incoming", 0755) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to create /run/host/incoming: %m");

        r = write_file_at(fd, "container-manager", "systemd-nspawn\n", 0444);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to write /run/host/container-manager: %s", strerror(-r));

        if (ctx->uuid_string) {
                if (asprintf(&uuid, "%s\n", ctx->uuid_string) < 0)
                        return -ENOMEM;
                r = write_file_at(fd, "container-uuid", uuid, 0444);
                if (r < 0)
                        return mount_fail(ctx, r, "Failed to write /run/host/container-uuid: %s",
                                          strerror(-r));
        }

        r = boot_id_format(boot_id);
        if (r >= 0)
                r = write_file_at(fd, "proc-sys-kernel-random-boot-id", boot_id, 0444);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to write the boot ID: %s", strerror(-r));

        if (ctx->os_release_fd >= 0) {
                _cleanup_close_ int target = -EBADF;

                r = write_file_at(fd, "os-release", "", 0444);
                if (r >= 0) {
                        target = openat(fd, "os-release", O_PATH | O_NOFOLLOW | O_CLOEXEC);
                        r = target < 0 ? negative_errno() : attach(ctx->os_release_fd, target);
                }
                if (r < 0)
                        return mount_fail(ctx, r, "Failed to mount /run/host/os-release: %s", strerror(-r));
                ctx->os_release_fd = safe_close(ctx->os_release_fd);
        }
        return 0;
}

/* /sys/fs/cgroup on a legacy or hybrid host: the hierarchies below the fresh tmpfs (cgroup.c),
 * then the tmpfs itself read-only, as systemd-nspawn 252. */
static int cgroup_v1_setup(struct mount_context *ctx, int fd) {
        int r = cgroup_mount_v1(ctx->cgroup, fd);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to mount the cgroup hierarchies on /sys/fs/cgroup: %s", strerror(-r));
        r = set_attrs(fd, 0, MOUNT_ATTR_RDONLY | ATTR_NSDE);
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
        {"proc", "/proc", "proc", ATTR_NSDE, NULL, MNT_MKDIR | MNT_FSMOUNT, NULL},
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
        {"sysfs", "/sys", "sysfs", ATTR_RO_NSDE, NULL, MNT_MKDIR, NULL},
        {"cgroup", "/sys/fs/cgroup", "cgroup2", ATTR_NSDE, NULL, MNT_CGROUP2, NULL},
        {"tmpfs", "/sys/fs/cgroup", "tmpfs", ATTR_NSDE, "mode=0755,size=4m,nr_inodes=1k", MNT_CGROUP1,
         cgroup_v1_setup},
        {"tmpfs", "/dev", "tmpfs", MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME,
         "mode=0755,size=4m,nr_inodes=64k", MNT_MKDIR, dev_setup},
        {"devpts", "/dev/pts", "devpts", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
         "newinstance,ptmxmode=0666,mode=620,gid=5", MNT_MKDIR, NULL},
        {"tmpfs", "/dev/shm", "tmpfs", ATTR_TMPFS, "mode=1777,size=10%,nr_inodes=400k", MNT_MKDIR, NULL},
        {"mqueue", "/dev/mqueue", "mqueue", ATTR_NSDE, NULL, MNT_MKDIR, NULL},
        {"tmpfs", "/run", "tmpfs", ATTR_TMPFS, "mode=0755,size=20%,nr_inodes=800k", MNT_MKDIR, run_setup},
        {"tmpfs", "/run/host", "tmpfs", ATTR_TMPFS, "mode=0755,size=4m,nr_inodes=4k", MNT_MKDIR,
         run_host_setup},
        /* after /run/host, which holds the inaccessible nodes and the boot ID */
        PROC_MASK("kallsyms"),
        PROC_MASK("kcore"),
        PROC_MASK("keys"),
        PROC_MASK("sysrq-trigger"),
        PROC_MASK("timer_list"),
        {"/run/host/proc-sys-kernel-random-boot-id", "/proc/sys/kernel/random/boot_id", NULL, ATTR_RO_NSDE,
         NULL, 0, NULL},
        {"tmpfs", "/tmp", "tmpfs", ATTR_TMPFS, "mode=1777,size=10%,nr_inodes=400k",
         MNT_MKDIR | MNT_TMPFS_TMP, NULL},
};

static bool api_mount_wanted(const struct mount_context *ctx, const struct api_mount *m) {
        if ((m->when & MNT_PRIVATE_NET) && !ctx->private_network)
                return false;
        if ((m->when & MNT_TMPFS_TMP) && !ctx->tmpfs_tmp)
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

static int api_fs_mount(struct mount_context *ctx, int root_fd, int target, const struct api_mount *m) {
        _cleanup_close_ int mnt = -EBADF;
        int r;

        if (m->when & MNT_FSMOUNT) {
                mnt = fs_new(m->type, m->what, m->options, m->attrs);
                r = mnt < 0 ? mnt : attach(mnt, target);
        } else
                r = fs_mount_at(target, m->type, m->what, m->options, m->attrs);
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
        mnt = clone_tree(src >= 0 ? src : target, "", false, m->attrs);
        r = mnt < 0 ? mnt : attach(mnt, target);
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

        r = set_attrs(target, 0, m->attrs);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to make %s read-only: %s", m->where, strerror(-r));
        return 0;
}

/* ---- custom mounts -------------------------------------------------------------------------- */

static const char *const custom_mount_type_name[_CUSTOM_MOUNT_TYPE_MAX] = {
        [CUSTOM_MOUNT_BIND] = "bind",
        [CUSTOM_MOUNT_TMPFS] = "tmpfs",
        [CUSTOM_MOUNT_OVERLAY] = "overlay",
        [CUSTOM_MOUNT_INACCESSIBLE] = "inaccessible",
};

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

static int inaccessible_open(int root_fd, mode_t type) {
        for (size_t i = 0; i < ELEMENTSOF(inaccessible_nodes); i++)
                if (inaccessible_nodes[i].type == type) {
                        char path[64];

                        snprintf(path, sizeof(path), "/run/host/inaccessible/%s",
                                 inaccessible_nodes[i].name);
                        return chase_open_nofollow(root_fd, path, O_PATH, 0);
                }
        return -EBADF;
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
                        return err(target);
                node = inaccessible_open(root_fd, st.st_mode & S_IFMT);
                if (node < 0)
                        return node;
                *ret_target = TAKE_FD(target);
                return clone_tree(node, "", false, ATTR_RO_NSDE);
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
                               : fs_mount_at(target, "tmpfs", "tmpfs", m->options ?: "mode=0755",
                                             MOUNT_ATTR_NODEV | MOUNT_ATTR_STRICTATIME);
        } else {
                mnt = custom_mount_make(ctx, root_fd, i, &target);
                r = mnt < 0 ? mnt : target < 0 ? target : attach(mnt, target);
        }
        if (r < 0)
                return mount_fail(ctx, r, "Failed to mount %s on %s: %s", custom_mount_type_name[m->type],
                                  m->destination, strerror(-r));
        return 0;
}

/* ---- before pivot: host-side sources -------------------------------------------------------- */

/*
 * Throw-away directories (--bind with an empty source, --overlay with an empty upper dir) live on
 * a tmpfs that is never attached anywhere: a detached mount private to the container's mount
 * namespace. It disappears with the last reference, i.e. with the container, even when nspawn is
 * SIGKILLed, and nothing is ever written on the host. (systemd-nspawn uses
 * /var/tmp/nspawn-temp-XXXXXX on the host's disk instead, removed only on a clean exit; ours is
 * bounded by RAM, like /tmp.) Binding a directory of a detached mount and using it as an overlay
 * layer needs Linux 6.15 or newer.
 */
static int scratch_mkdir(struct mount_context *ctx, const char *name) {
        if (ctx->scratch_fd < 0) {
                int fd = fs_new("tmpfs", "tmpfs", "mode=0700", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
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
                return clone_tree(AT_FDCWD, m->source, m->recursive, attrs);
        if (src < 0)
                return src;

        fd = clone_tree(src, "", m->recursive, attrs);
        if (fd == -EINVAL && isempty(m->source)) /* pre-6.15: no clones of detached mounts */
                fd = fs_new("tmpfs", "tmpfs", "mode=0755", attrs | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
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

/* The work dir of a given upper dir: a fresh hidden sibling, as systemd-nspawn does. */
static int overlay_workdir(int tree_fd, const char *upper) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int pfd = -EBADF;
        bool in_tree = upper[0] == '+';
        const char *base = strrchr(upper, '/');
        char name[NAME_MAX + 1];
        uint64_t rnd;

        if (!base)
                return -EINVAL;
        parent = strndup(upper, base == upper + in_tree ? (size_t) 1 + in_tree : (size_t) (base - upper));
        if (!parent)
                return -ENOMEM;
        pfd = source_open(tree_fd, parent, O_PATH | O_DIRECTORY);
        if (pfd < 0)
                return pfd;
        if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                return err(-EIO);
        snprintf(name, sizeof(name), ".#%.200s%016llx", base + 1, (unsigned long long) rnd);
        if (mkdirat(pfd, name, 0700) < 0)
                return negative_errno();
        return chase_open_nofollow(pfd, name, O_PATH | O_DIRECTORY, 0);
}

/* Upper and work dir: the given upper dir and a sibling, or both on the scratch tmpfs. */
static int overlay_upper_work(struct mount_context *ctx, int tree_fd, size_t i, struct layer_fds *l,
                              char **upper, char **work) {
        const char *source = ctx->settings->custom_mounts[i].source;
        char name[64];
        int r;

        if (!isempty(source)) {
                r = layer_add(l, source_open(tree_fd, source, O_PATH | O_DIRECTORY), upper);
                return r < 0 ? r : layer_add(l, overlay_workdir(tree_fd, source), work);
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

static int overlay_new(const char *lower, const char *upper, const char *work, bool read_only) {
        _cleanup_close_ int fs = -EBADF;
        int mnt;

        fs = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "source", "overlay", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
            (upper && fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0) ||
            (work && fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0) ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return negative_errno();
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, read_only ? MOUNT_ATTR_RDONLY : 0);
        return mnt < 0 ? negative_errno() : mnt;
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

        return overlay_new(lower, upper, work, m->read_only);
}

static int custom_mounts_prepare(struct mount_context *ctx, int tree_fd) {
        const struct settings *s = ctx->settings;

        for (size_t i = 0; i < s->n_custom_mounts; i++) {
                const struct custom_mount *m = &s->custom_mounts[i];
                int fd;

                if (m->type == CUSTOM_MOUNT_BIND)
                        fd = bind_prepare(ctx, tree_fd, i);
                else if (m->type == CUSTOM_MOUNT_OVERLAY)
                        fd = overlay_prepare(ctx, tree_fd, i);
                else
                        continue; /* made inside the container */
                if (fd < 0)
                        return mount_fail(ctx, fd, "Failed to prepare %s mount %s%s%s: %s",
                                          custom_mount_type_name[m->type], m->source ?: "",
                                          m->source ? " → " : "", m->destination, strerror(-fd));
                ctx->detached_fds[i] = fd;
        }
        return 0;
}

static int os_release_prepare(struct mount_context *ctx) {
        static const char *const paths[] = {"/etc/os-release", "/usr/lib/os-release"};

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                int fd = clone_tree(AT_FDCWD, paths[i], false, ATTR_RO_NSDE);
                if (fd >= 0) {
                        ctx->os_release_fd = fd;
                        return 0;
                }
                if (fd != -ENOENT)
                        return mount_fail(ctx, fd, "Failed to open %s: %s", paths[i], strerror(-fd));
        }
        return 0; /* a host without os-release: the container gets none either */
}

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

int mount_prepare(struct mount_context *ctx) {
        size_t n = ctx->settings ? ctx->settings->n_custom_mounts : 0;
        enum volatile_mode mode = ctx->settings ? ctx->settings->volatile_mode : VOLATILE_NO;
        bool read_only = ctx->settings && (ctx->settings->read_only || volatile_tree_read_only(mode));
        _cleanup_close_ int tree_fd = -EBADF;
        struct stat st;
        int r;

        ctx->os_release_fd = ctx->scratch_fd = -EBADF;
        ctx->detached_fds = malloc(MAX(n, (size_t) 1) * sizeof(int));
        if (!ctx->detached_fds)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                ctx->detached_fds[i] = -EBADF;

        /* Nothing we mount from here on may propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to make / a slave mount: %m");

        ctx->have_net_tun = stat("/dev/net/tun", &st) >= 0 && S_ISCHR(st.st_mode);

        /* The tree becomes a mount of its own (pivot_root needs one), with its submounts. */
        if (mount(ctx->root, ctx->root, NULL, MS_BIND | MS_REC, NULL) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to bind mount %s on itself: %m", ctx->root);
        /* --volatile and -x on a plain directory stack their root on top (volatile.h). */
        r = volatile_mount_root(ctx->root, mode, ctx->root_overlay, &ctx->error);
        if (r < 0)
                return r;
        tree_fd = open(ctx->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (tree_fd < 0)
                return mount_fail(ctx, negative_errno(), "Failed to open %s: %m", ctx->root);

        if (read_only) {
                r = top_mount_points_prepare(ctx, tree_fd);
                if (r < 0)
                        return r;
        }
        if (ctx->settings) {
                r = custom_mounts_prepare(ctx, tree_fd);
                if (r < 0)
                        return r;
        }
        r = os_release_prepare(ctx);
        if (r < 0)
                return r;

        if (read_only) {
                r = set_attrs(tree_fd, AT_RECURSIVE, MOUNT_ATTR_RDONLY);
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
        if (chdir(ctx->root) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to change to %s: %m", ctx->root);
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return mount_fail(ctx, negative_errno(), "Failed to pivot_root into %s: %m", ctx->root);
        if (umount2(".", MNT_DETACH) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to detach the old root: %m");
        if (chdir("/") < 0)
                return mount_fail(ctx, negative_errno(), "Failed to change to /: %m");
        return 0;
}

int mount_finish(struct mount_context *ctx) {
        _cleanup_(umask_restore) mode_t saved_umask = umask(0); /* modes below are exact */
        _cleanup_free_ size_t *order = NULL;
        _cleanup_close_ int root_fd = -EBADF;
        size_t n = ctx->settings ? ctx->settings->n_custom_mounts : 0;
        int r;

        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return mount_fail(ctx, negative_errno(), "Failed to open /: %m");

        for (size_t i = 0; i < ELEMENTSOF(api_mounts); i++) {
                if (!api_mount_wanted(ctx, &api_mounts[i]))
                        continue;
                r = api_mount_apply(ctx, root_fd, &api_mounts[i]);
                if (r < 0)
                        return r;
        }

        /* Custom mounts last: those below /proc, /dev, /tmp ... land on top of the API file
         * systems instead of being hidden by them (systemd#4789). */
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

int mount_seal_run_host(void) {
        _cleanup_close_ int root_fd = -EBADF, fd = -EBADF;

        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return negative_errno();
        fd = chase_open_nofollow(root_fd, "/run/host", O_PATH | O_DIRECTORY, 0);
        return fd < 0 ? fd : set_attrs(fd, AT_RECURSIVE, MOUNT_ATTR_RDONLY);
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
        free(ctx->error);
        ctx->error = NULL;
}
