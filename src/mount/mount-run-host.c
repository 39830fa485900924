/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /run/host: what the host tells the container (container-manager, container-uuid, a boot ID,
 * os-release), the inaccessible nodes used for the /proc masks and --inaccessible, and the FIFO
 * that becomes /proc/kmsg. Filled
 * in the container's child after pivot_root (the host's os-release is opened before, see
 * mount.c); sealed read-only by mount_seal_run_host() once the child has put its notify socket
 * there.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "chase.h"
#include "macro.h"
#include "mount-util.h"

/* A new file (O_EXCL: never one that is there already) with content. */
static int create_file_at(int dir_fd, const char *name, const char *content, mode_t mode) {
        _cleanup_close_ int fd = -EBADF;
        size_t n = strlen(content);

        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return negative_errno();
        if (write(fd, content, n) != (ssize_t) n)
                return mount_err(-EIO);
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
                /* a user namespace's root may make no block device (a char 0:0 is a whiteout, which
                 * it may): mount_inaccessible_open() falls back to "chr" for it */
                if (k < 0 && errno == EPERM && ctx->userns && n->type == S_IFBLK)
                        continue;
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
                return mount_err(-EIO);
        u[6] = (u[6] & 0x0f) | 0x40; /* version 4 */
        u[8] = (u[8] & 0x3f) | 0x80; /* RFC 4122 variant */
        snprintf(buf, 38, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", u[0],
                 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
                 u[15]);
        return 0;
}

/* /run/host's mount point, made in the fresh /run right away (one mkdir instead of a walk). */
int mount_run_setup(struct mount_context *ctx, int fd) {
        if (mkdirat(fd, "host", 0755) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to create /run/host: %m");
        return 0;
}

/* The files that tell the container who runs it: manager, UUID, a fresh boot ID. */
static int run_host_identity_write(struct mount_context *ctx, int fd) {
        _cleanup_free_ char *uuid = NULL;
        char boot_id[38];
        int r;

        r = create_file_at(fd, "container-manager", "systemd-nspawn\n", 0444);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to write /run/host/container-manager: %s", strerror(-r));

        if (ctx->uuid_string) {
                if (asprintf(&uuid, "%s\n", ctx->uuid_string) < 0)
                        return -ENOMEM;
                r = create_file_at(fd, "container-uuid", uuid, 0444);
                if (r < 0)
                        return mount_fail(ctx, r, "Failed to write /run/host/container-uuid: %s",
                                          strerror(-r));
        }

        r = boot_id_format(boot_id);
        if (r >= 0)
                r = create_file_at(fd, "proc-sys-kernel-random-boot-id", boot_id, 0444);
        if (r < 0)
                return mount_fail(ctx, r, "Failed to write the boot ID: %s", strerror(-r));
        return 0;
}

/* The host's os-release, opened before pivot, on an empty file of the same name. */
static int run_host_os_release(struct mount_context *ctx, int fd) {
        _cleanup_close_ int target = -EBADF;
        int r;

        if (ctx->os_release_fd < 0)
                return 0;
        r = create_file_at(fd, "os-release", "", 0444);
        if (r >= 0) {
                target = openat(fd, "os-release", O_PATH | O_NOFOLLOW | O_CLOEXEC);
                r = target < 0 ? negative_errno() : mount_attach(ctx->os_release_fd, target);
        }
        if (r < 0)
                return mount_fail(ctx, r, "Failed to mount /run/host/os-release: %s", strerror(-r));
        ctx->os_release_fd = safe_close(ctx->os_release_fd);
        return 0;
}

int mount_run_host_setup(struct mount_context *ctx, int fd) {
        int r;

        r = inaccessible_create(ctx, fd);
        if (r < 0)
                return r;

        /* The mount tunnel's end; stays empty until machinectl bind exists. */
        if (mkdirat(fd, "incoming", 0755) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to create /run/host/incoming: %m");

        r = run_host_identity_write(ctx, fd);
        if (r < 0)
                return r;

        /* /proc/kmsg: a FIFO nobody writes to, as systemd-nspawn's (newest systemd names it so, 252
         * used a temporary /run/.#proc-kmsgXXXX). The child opens it for the supervisor, which
         * keeps it open so that readers block (child.c, child_setup_kmsg()). */
        if (mknodat(fd, "proc-kmsg", S_IFIFO | 0600, 0) < 0)
                return mount_fail(ctx, negative_errno(), "Failed to create /run/host/proc-kmsg: %m");
        return run_host_os_release(ctx, fd);
}

int mount_inaccessible_open(int root_fd, mode_t type) {
        for (size_t i = 0; i < ELEMENTSOF(inaccessible_nodes); i++)
                if (inaccessible_nodes[i].type == type) {
                        char path[64];

                        snprintf(path, sizeof(path), "/run/host/inaccessible/%s",
                                 inaccessible_nodes[i].name);
                        int fd = chase_open_nofollow(root_fd, path, O_PATH, 0);
                        if (fd == -ENOENT && type == S_IFBLK) /* none in a user namespace */
                                return mount_inaccessible_open(root_fd, S_IFCHR);
                        return fd;
                }
        return -EBADF;
}

int mount_os_release_open(void) {
        static const char *const paths[] = {"/etc/os-release", "/usr/lib/os-release"};

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                int fd = mount_clone_tree(AT_FDCWD, paths[i], false, ATTR_RO_NSDE);
                if (fd != -ENOENT)
                        return fd;
        }
        return -ENOENT; /* a host without os-release: the container gets none either */
}

int mount_seal_run_host(void) {
        _cleanup_close_ int root_fd = -EBADF, fd = -EBADF;

        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return negative_errno();
        fd = chase_open_nofollow(root_fd, "/run/host", O_PATH | O_DIRECTORY, 0);
        return fd < 0 ? fd : mount_set_attrs(fd, AT_RECURSIVE, MOUNT_ATTR_RDONLY);
}
