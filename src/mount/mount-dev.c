/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The contents of the container's /dev: a fresh tmpfs (a row of the table in mount.c) filled with
 * the few device nodes a container may use, the usual links, and the mount points of the rows
 * below /dev. Runs in the container's child after pivot_root, see mount.c.
 */

#include <errno.h>
#include <fcntl.h>
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
