/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rm -rf through file descriptors (see rm-rf.h). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "missing.h"
#include "rm-rf.h"

static uint64_t mount_id(int fd) {
        struct statx sx;
        return statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) >= 0 && (sx.stx_mask & STATX_MNT_ID)
                       ? sx.stx_mnt_id
                       : 0;
}

int rm_rf_children(int dir_fd) {
        struct stat top;
        uint64_t top_mnt = mount_id(dir_fd);
        DIR *d;
        int fd = dup(dir_fd), r = 0;

        if (fstat(dir_fd, &top) < 0 || fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return negative_errno();
        }
        rewinddir(d); /* the dup shares the caller's offset, which an earlier read may have moved */
        for (struct dirent *de; (errno = 0, de = readdir(d));) {
                struct stat st;
                int k = 0;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        k = negative_errno();
                else if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub =
                                openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0)
                                k = negative_errno();
                        else if (st.st_dev != top.st_dev || mount_id(sub) != top_mnt)
                                k = -EXDEV; /* a mount (a bind mount too) or a btrfs subvolume:
                                               not ours to walk */
                        else if ((k = rm_rf_children(sub)) >= 0 &&
                                 unlinkat(dir_fd, de->d_name, AT_REMOVEDIR) < 0)
                                k = negative_errno();
                } else if (unlinkat(dir_fd, de->d_name, 0) < 0)
                        k = negative_errno();
                if (k < 0 && r >= 0)
                        r = k;
        }
        closedir(d);
        return r;
}

int rm_rf_at(int parent_fd, const char *name) {
        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                if (errno != ENOTDIR)
                        return negative_errno();
                return unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT ? negative_errno() : 0;
        }
        int r = rm_rf_children(fd);
        if (r < 0)
                return r;
        return unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? negative_errno() : 0;
}
