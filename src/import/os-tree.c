/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Moving a tarball's OS tree up out of its single top-level directory (see os-tree.h). */

#include "os-tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "image-tmp.h"
#include "macro.h"

int os_tree_has_os_release(int tree_fd) {
        static const char *const paths[] = {"etc/os-release", "usr/lib/os-release"};
        struct stat st;

        for (size_t k = 0; k < ELEMENTSOF(paths); k++)
                if (fstatat(tree_fd, paths[k], &st, AT_SYMLINK_NOFOLLOW) >= 0 &&
                    (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
                        return 1;
        return 0;
}

/* The only entry of the directory fd (1 and its name), or 0 when it has none or several. */
static int single_entry(int fd, char **ret) {
        int dfd = dup(fd), n = 0;
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        char *name = NULL;

        if (!d) {
                safe_close(dfd);
                return negative_errno();
        }
        rewinddir(d);
        for (struct dirent *de; (de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (++n > 1)
                        break;
                name = strdup(de->d_name);
        }
        closedir(d);
        if (n != 1 || !name) {
                free(name);
                return n == 1 ? -ENOMEM : 0;
        }
        *ret = name;
        return 1;
}

/* Every entry of from_fd renamed into to_fd. */
static int move_entries(int from_fd, int to_fd) {
        int dfd = dup(from_fd), r = 0;
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

        if (!d) {
                safe_close(dfd);
                return negative_errno();
        }
        rewinddir(d);
        for (struct dirent *de; r >= 0 && (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
                    renameat2(from_fd, de->d_name, to_fd, de->d_name, RENAME_NOREPLACE) < 0)
                        r = negative_errno();
        closedir(d);
        return r;
}

int os_tree_mangle(int tree_fd, char **ret_moved) {
        _cleanup_free_ char *child = NULL, *pfx = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (os_tree_has_os_release(tree_fd))
                return 0;
        if ((r = single_entry(tree_fd, &child)) <= 0)
                return r;
        fd = openat(tree_fd, child, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || !os_tree_has_os_release(fd))
                return 0;
        /* out of the way first: the tree may hold an entry of the directory's own name */
        if ((r = tmp_name(".#mangle.", "", &pfx, &tmp)) < 0)
                return r;
        if (renameat2(tree_fd, child, tree_fd, tmp, RENAME_NOREPLACE) < 0)
                return negative_errno();
        if ((r = move_entries(fd, tree_fd)) < 0)
                return r;
        if (fstat(fd, &st) >= 0) {
                (void) fchown(tree_fd, st.st_uid, st.st_gid);
                (void) fchmod(tree_fd, st.st_mode & 07777);
                (void) futimens(tree_fd, (struct timespec[]){st.st_atim, st.st_mtim});
        }
        if (unlinkat(tree_fd, tmp, AT_REMOVEDIR) < 0)
                return negative_errno();
        *ret_moved = TAKE_PTR(child);
        return 1;
}
