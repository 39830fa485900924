/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* btrfs subvolumes: snapshot, create, destroy (see btrfs-util.h). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "btrfs-util.h"
#include "macro.h"

#define BTRFS_FIRST_FREE_OBJECTID 256 /* the inode number of every subvolume's root */

bool btrfs_is_subvolume(int fd) {
        struct statfs sfs;
        struct stat st;

        return fstatfs(fd, &sfs) >= 0 && sfs.f_type == BTRFS_SUPER_MAGIC && fstat(fd, &st) >= 0 &&
               S_ISDIR(st.st_mode) && st.st_ino == BTRFS_FIRST_FREE_OBJECTID;
}

static int btrfs_name(char dst[BTRFS_SUBVOL_NAME_MAX + 1], const char *name) {
        if (strlen(name) > BTRFS_SUBVOL_NAME_MAX)
                return -ENAMETOOLONG;
        strcpy(dst, name);
        return 0;
}

int btrfs_snapshot(int src_fd, int parent_fd, const char *name) {
        struct btrfs_ioctl_vol_args_v2 a = {.fd = src_fd};
        int r = btrfs_name(a.name, name);

        if (r < 0)
                return r;
        return ioctl(parent_fd, BTRFS_IOC_SNAP_CREATE_V2, &a) < 0 ? negative_errno() : 0;
}

int btrfs_subvol_create(int parent_fd, const char *name) {
        struct btrfs_ioctl_vol_args_v2 a = {};
        int r = btrfs_name(a.name, name);

        if (r < 0)
                return r;
        return ioctl(parent_fd, BTRFS_IOC_SUBVOL_CREATE_V2, &a) < 0 ? negative_errno() : 0;
}

static int btrfs_destroy_one(int parent_fd, const char *name) {
        struct btrfs_ioctl_vol_args_v2 a = {};
        struct btrfs_ioctl_vol_args v1 = {};
        int r = btrfs_name(a.name, name);

        if (r < 0)
                return r;
        if (ioctl(parent_fd, BTRFS_IOC_SNAP_DESTROY_V2, &a) >= 0)
                return 0;
        if (errno != ENOTTY && errno != EOPNOTSUPP)
                return negative_errno();
        strncpy(v1.name, name, sizeof(v1.name) - 1); /* before Linux 5.7 */
        return ioctl(parent_fd, BTRFS_IOC_SNAP_DESTROY, &v1) < 0 ? negative_errno() : 0;
}

/* Destroy the subvolumes nested anywhere below dir_fd (the container may have made some). */
static int btrfs_destroy_nested(int dir_fd) {
        DIR *d;
        int fd = dup(dir_fd), r = 0;

        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return negative_errno();
        }
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                _cleanup_close_ int sub = -EBADF;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                sub = openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                        continue;
                r = btrfs_is_subvolume(sub) ? btrfs_destroy(dir_fd, de->d_name) : btrfs_destroy_nested(sub);
        }
        closedir(d);
        return r;
}

/* Destroy a subvolume and the subvolumes below it. */
int btrfs_destroy(int parent_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        int r = btrfs_destroy_one(parent_fd, name);

        if (r != -ENOTEMPTY)
                return r;
        fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        r = btrfs_destroy_nested(fd);
        return r < 0 ? r : btrfs_destroy_one(parent_fd, name);
}

/* A container's mount namespace may still be on its way out when its snapshot is destroyed (the
 * kernel tears it down after the last process): retry while it says busy. */
int btrfs_destroy_wait(int parent_fd, const char *name, unsigned timeout_ms) {
        for (unsigned waited = 0;; waited += 10) {
                int r = btrfs_destroy(parent_fd, name);
                if (r != -EBUSY || waited >= timeout_ms)
                        return r == -ENOENT ? 0 : r;
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
}
