/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Temporaries of the image operations: names, owner locks, sweeps, copies (see image-tmp.h). */

#include "image-tmp.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "btrfs-util.h"
#include "copy.h"
#include "guard.h"
#include "macro.h"
#include "rm-rf.h"

/* ---- names ---------------------------------------------------------------------------------- */

int tmp_random_hex(char buf[TMP_HEX_LEN + 1]) {
        uint64_t v;

        if (getrandom(&v, sizeof(v), 0) != sizeof(v))
                return negative_errno();
        snprintf(buf, TMP_HEX_LEN + 1, "%016llx", (unsigned long long) v);
        return 0;
}

bool tmp_is_hex_suffix(const char *s) {
        return strlen(s) == TMP_HEX_LEN && strspn(s, "0123456789abcdef") == TMP_HEX_LEN;
}

int tmp_name(const char *prefix, const char *base, char **ret_prefix, char **ret_name) {
        char hex[TMP_HEX_LEN + 1];
        int r = tmp_random_hex(hex);

        if (r < 0)
                return r;
        if (asprintf(ret_prefix, "%s%.200s", prefix, base) < 0)
                return -ENOMEM;
        if (asprintf(ret_name, "%s%s", *ret_prefix, hex) < 0) {
                free(*ret_prefix);
                return -ENOMEM;
        }
        return 0;
}

/* ---- removal and sweeps --------------------------------------------------------------------- */

int tmp_remove(int parent_fd, const char *name) {
        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        unsigned attr = 0;

        if (fd >= 0 && btrfs_is_subvolume(fd) && btrfs_destroy(parent_fd, name) >= 0)
                return 0;
        /* a read-only image (--read-only) made by a killed maker: its top is immutable */
        if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &attr) >= 0 && (attr & FS_IMMUTABLE_FL)) {
                attr &= ~FS_IMMUTABLE_FL;
                (void) ioctl(fd, FS_IOC_SETFLAGS, &attr);
        }
        return rm_rf_at(parent_fd, name);
}

static bool default_remove(int parent_fd, const char *name, int fd) {
        return tmp_remove(parent_fd, name) >= 0;
}

static bool tmp_matches(const char *name, const char *prefix, bool any_base) {
        const char *rest = startswith(name, prefix);
        size_t n;

        if (!rest)
                return false;
        if (!any_base)
                return tmp_is_hex_suffix(rest);
        n = strlen(rest);
        return n >= TMP_HEX_LEN && tmp_is_hex_suffix(rest + n - TMP_HEX_LEN);
}

int tmp_sweep_full(int parent_fd, const char *prefix, bool any_base, tmp_remove_fn remove) {
        int fd = dup(parent_fd), removed = 0;
        DIR *d;

        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return negative_errno();
        }
        rewinddir(d); /* the dup shares parent_fd's offset: an earlier sweep may have read it all */
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_close_ int entry = -EBADF;

                if (!tmp_matches(de->d_name, prefix, any_base))
                        continue;
                entry = openat(parent_fd, de->d_name,
                               O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (entry >= 0 && flock(entry, LOCK_EX | LOCK_NB) >= 0 &&
                    remove(parent_fd, de->d_name, entry))
                        removed++;
        }
        closedir(d);
        return removed;
}

int tmp_sweep(int parent_fd, const char *prefix, bool any_base) {
        return tmp_sweep_full(parent_fd, prefix, any_base, default_remove);
}

/* ---- new temporaries ------------------------------------------------------------------------ */

/* fd (just opened at parent_fd/name) is locked by us and still that name's: else a sweep took it
 * between its creation and our lock, and it is tried again under a new name. */
static bool locked_and_ours(int parent_fd, const char *name, int fd) {
        struct stat a, b;
        return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) >= 0 && fstat(fd, &a) >= 0 &&
               fstatat(parent_fd, name, &b, AT_SYMLINK_NOFOLLOW) >= 0 && a.st_ino == b.st_ino &&
               a.st_dev == b.st_dev;
}

int tmp_dir_new(int parent_fd, const char *prefix, const char *base, struct guard *guard, int *ret_undo,
                char **ret_name, bool *ret_subvolume) {
        *ret_undo = 0;
        for (int attempt = 0; attempt < 16; attempt++) {
                _cleanup_free_ char *pfx = NULL, *name = NULL;
                _cleanup_close_ int fd = -EBADF;
                int r = tmp_name(prefix, base, &pfx, &name);

                if (r < 0)
                        return r;
                r = guard_push(
                        guard,
                        &(struct undo){.kind = UNDO_TREE, .path = name, .fds = {parent_fd}, .n_fds = 1});
                if (r < 0)
                        return r;
                *ret_undo = r;
                bool subvolume = btrfs_subvol_create(parent_fd, name) >= 0;
                if (!subvolume && mkdirat(parent_fd, name, 0700) < 0)
                        return negative_errno();
                fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (!locked_and_ours(parent_fd, name, fd)) {
                        (void) guard_cancel(guard, *ret_undo);
                        *ret_undo = 0;
                        continue; /* swept: the sweeper removes it (or has) */
                }
                *ret_name = TAKE_PTR(name);
                *ret_subvolume = subvolume;
                return TAKE_FD(fd);
        }
        return -EBUSY;
}

int tmp_file_new(int parent_fd, const char *prefix, const char *base, mode_t mode, char **ret_name) {
        for (int attempt = 0; attempt < 16; attempt++) {
                _cleanup_free_ char *pfx = NULL, *name = NULL;
                _cleanup_close_ int fd = -EBADF;
                int r = tmp_name(prefix, base, &pfx, &name);

                if (r < 0)
                        return r;
                fd = openat(parent_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
                if (fd < 0)
                        return negative_errno();
                if (!locked_and_ours(parent_fd, name, fd))
                        continue;
                *ret_name = TAKE_PTR(name);
                return TAKE_FD(fd);
        }
        return -EBUSY;
}

/* ---- atomic tree copies --------------------------------------------------------------------- */

int tmp_tree_copy(int src_fd, int parent_fd, const char *prefix, const char *base, struct guard *guard,
                  bool *ret_subvolume) {
        _cleanup_free_ char *name = NULL, *sweep_prefix = NULL;
        bool subvolume = false;
        int undo_id = 0, r;

        if (asprintf(&sweep_prefix, "%s%.200s", prefix, base) < 0)
                return -ENOMEM;
        (void) tmp_sweep(parent_fd, sweep_prefix, false);

        _cleanup_close_ int dst = tmp_dir_new(parent_fd, prefix, base, guard, &undo_id, &name, &subvolume);
        if (dst < 0) {
                (void) guard_cancel(guard, undo_id);
                return dst;
        }
        r = copy_tree(src_fd, dst);
        if (r >= 0 && renameat2(parent_fd, name, parent_fd, base, RENAME_NOREPLACE) < 0)
                r = negative_errno();
        if (r < 0)
                (void) tmp_remove(parent_fd, name);
        (void) guard_cancel(guard, undo_id); /* in place (ours to keep now), or removed */
        if (r >= 0 && ret_subvolume)
                *ret_subvolume = subvolume;
        return r == -ENOTEMPTY ? -EEXIST : r;
}
