/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The contents of the container's /dev: a fresh tmpfs (a row of the table in mount.c) filled with
 * the few device nodes a container may use, the usual links, and the mount points of the rows
 * below /dev. Runs in the container's child after pivot_root, see mount.c.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "macro.h"
#include "mount-util.h"

static const struct dev_node {
        const char *name;
        unsigned major, minor;
} dev_nodes[] = {
        {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

/* dev_nodes, then net/tun: the order of mount_sources.dev */
const char *const mount_dev_node_names[MOUNT_DEV_NODES] = {
        "null", "zero", "full", "random", "urandom", "tty", "net/tun",
};

/* In a user namespace mknod is refused: an empty file with the host's node (its detached bind,
 * made by the supervisor) on it. The host's node is never changed. */
static int dev_node_bind(struct mount_context *ctx, int fd, size_t i) {
        const char *name = mount_dev_node_names[i];
        int *src = &ctx->sources->dev[i];
        _cleanup_close_ int f = -EBADF, target = -EBADF;

        if (*src < 0)
                return 0; /* net/tun: the host has none */
        f = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (f < 0)
                return negative_errno();
        target = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        int r = target < 0 ? negative_errno() : mount_attach(*src, target);
        *src = safe_close(*src);
        return r;
}

static int dev_nodes_bind(struct mount_context *ctx, int fd) {
        if (!ctx->sources)
                return mount_fail(ctx, -EBADF, "No device nodes for /dev.");
        if (ctx->sources->dev[MOUNT_DEV_NODES - 1] >= 0 && mkdirat(fd, "net", 0755) < 0 && errno != EEXIST)
                return mount_fail(ctx, negative_errno(), "Failed to create /dev/net: %m");
        for (size_t i = 0; i < MOUNT_DEV_NODES; i++) {
                int r = dev_node_bind(ctx, fd, i);
                if (r < 0)
                        return mount_fail(ctx, r, "Failed to bind /dev/%s: %s", mount_dev_node_names[i],
                                          strerror(-r));
        }
        return 0;
}

static int dev_nodes_make(struct mount_context *ctx, int fd) {
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
        return 0;
}

static const struct dev_link {
        const char *name, *target;
} dev_links[] = {
        {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"},      {"ptmx", "pts/ptmx"},
};

/* Mount points below /dev are created here, in the fresh tmpfs, so the rows that follow find them
 * with one lookup. */
static const char *const dev_dirs[] = {"pts", "shm", "mqueue"};

int mount_dev_setup(struct mount_context *ctx, int fd) {
        int r = ctx->userns ? dev_nodes_bind(ctx, fd) : dev_nodes_make(ctx, fd);
        if (r < 0)
                return r;

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
