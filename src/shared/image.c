/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "image.h"

#include <fcntl.h>
#include <stdio.h>
#include <linux/btrfs.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/statvfs.h>
#include <sys/stat.h>

#include "chase.h"
#include "fdutil.h"
#include "macro.h"
#include "name-valid.h"
#include "parse-util.h"
#include "path-util.h"
#include "strv.h"
#include "uuid.h"

const char *const image_search_path[] = {
        "/etc/machines",
        "/run/machines",
        "/var/lib/machines",
        "/var/lib/container",
        "/usr/local/lib/machines",
        "/usr/lib/machines",
        NULL,
};

int image_search_path_get(char ***ret) {
        const char *env = getenv(IMAGE_PATH_ENV);
        char **l = NULL;

        if (!env) {
                for (const char *const *d = image_search_path; *d; d++)
                        if (strv_extend(&l, *d) < 0) {
                                strv_free(l);
                                return -ENOMEM;
                        }
                *ret = l;
                return 0;
        }
        for (const char *p = env;;) {
                size_t n = strcspn(p, ":");
                _cleanup_free_ char *d = strndup(p, n);
                if (!d || (n > 0 && strv_extend(&l, path_simplify(d)) < 0)) {
                        strv_free(l);
                        return -ENOMEM;
                }
                if (n == 0 || d[0] != '/') {
                        strv_free(l);
                        return -EINVAL;
                }
                if (!p[n])
                        break;
                p += n + 1;
        }
        *ret = l;
        return 0;
}

int image_pool_path(char **ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        if (!getenv(IMAGE_PATH_ENV))
                return (*ret = strdup(IMAGE_POOL_DEFAULT)) ? 0 : -ENOMEM;
        r = image_search_path_get(&l);
        if (r < 0)
                return r;
        return (*ret = strdup(l[0])) ? 0 : -ENOMEM;
}

/* In one directory of the search path: NAME (a directory, or a symlink to a block device), then
 * NAME.raw (a disk image), as systemd's image discovery. */
static int image_find_in(const char *dir, const char *name, char **ret_path) {
        static const char *const suffixes[] = {"", ".raw"};

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                _cleanup_free_ char *p = NULL;
                struct stat st;

                if (asprintf(&p, "%s/%s%s", dir, name, suffixes[i]) < 0)
                        return -ENOMEM;
                if (stat(p, &st) < 0)
                        continue;
                if (i == 0 ? !S_ISDIR(st.st_mode) && !S_ISBLK(st.st_mode) : !S_ISREG(st.st_mode))
                        continue;
                *ret_path = TAKE_PTR(p);
                return 0;
        }
        return -ENOENT;
}

int image_find(const char *name, const char *const *search_path, char **ret_path) {
        _cleanup_strv_free_ char **own = NULL;

        if (!machine_name_is_valid(name))
                return -EINVAL;
        if (!search_path) {
                int r = image_search_path_get(&own);
                if (r < 0)
                        return r;
                search_path = (const char *const *) own;
        }
        for (const char *const *d = search_path; *d; d++) {
                int r = image_find_in(*d, name, ret_path);
                if (r != -ENOENT)
                        return r;
        }
        return -ENOENT;
}

int image_open(const char *path, char **ret_canonical) {
        _cleanup_free_ char *canonical = realpath(path, NULL);
        if (!canonical)
                return -errno;
        /* the last component was resolved by realpath: a symlink now is a swap, refused */
        int fd = open(canonical, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_canonical = TAKE_PTR(canonical);
        return fd;
}

bool image_is_read_only(int fd, const char *canonical) {
        struct statvfs sv;
        unsigned attr = 0;
        uint64_t subvol_flags = 0;

        if (startswith(canonical, "/usr/"))
                return true;
        if (fstatvfs(fd, &sv) >= 0 && (sv.f_flag & ST_RDONLY))
                return true;
        if (ioctl(fd, FS_IOC_GETFLAGS, &attr) >= 0 && (attr & FS_IMMUTABLE_FL))
                return true;
        return ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &subvol_flags) >= 0 &&
               (subvol_flags & BTRFS_SUBVOL_RDONLY);
}

static bool exists_in_root(int root_fd, const char *path, bool want_dir) {
        _cleanup_close_ int fd = chase_open(root_fd, path, O_PATH | O_CLOEXEC, 0);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return false;
        return want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
}

int image_check_os_tree(int root_fd, bool boot, enum image_check *ret) {
        const char *env = getenv("SYSTEMD_NSPAWN_CHECK_OS_RELEASE");

        if (!exists_in_root(root_fd, "usr", true)) {
                *ret = IMAGE_NO_USR;
                return 0;
        }
        if (boot && !(env && parse_boolean(env) == 0) && !exists_in_root(root_fd, "etc/os-release", false) &&
            !exists_in_root(root_fd, "usr/lib/os-release", false)) {
                *ret = IMAGE_NO_OS_RELEASE;
                return 0;
        }
        *ret = IMAGE_OK;
        return 0;
}

int image_lock(int tree_fd, bool read_only) {
        _cleanup_close_ int fd = openat(tree_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EBUSY : -errno;
        return TAKE_FD(fd);
}

int image_read_machine_id(int root_fd, uint8_t ret[16]) {
        /* not there, or not a regular file (a FIFO or a tty the image made): no machine ID */
        _cleanup_free_ char *s = NULL;
        int r = chase_read_regular(root_fd, "etc/machine-id", 64, &s);
        if (r == -ENOENT || r == -EBADMSG)
                return 0;
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = 0;
        if (strlen(s) != 32)
                return 0;
        return uuid_parse(s, ret) < 0 ? 0 : 1;
}
