/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Clone, rename, remove and mark read-only, as machined does (see image-ops.h). */

#include "image-ops.h"

#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "btrfs-util.h"
#include "copy.h"
#include "errmsg.h"
#include "fdutil.h"
#include "image-tmp.h"
#include "image.h"
#include "macro.h"
#include "name-valid.h"
#include "rm-rf.h"

/* ---- paths ---------------------------------------------------------------------------------- */

/* The directory holding path, opened. */
static int parent_open(const char *path, char **ret_base) {
        _cleanup_free_ char *d = strdup(path), *b = strdup(path);
        int fd;

        if (!d || !b)
                return -ENOMEM;
        fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (ret_base && !(*ret_base = strdup(basename(b)))) {
                safe_close(fd);
                return -ENOMEM;
        }
        return fd;
}

/* The files that belong to an image: NAME.nspawn in the trusted settings directories and next to
 * the image, NAME.roothash next to it (systemd 252's image_settings_path(), image_roothash_path()).
 * Each as a directory and a file name in it. */
struct aux_file {
        char *dir;
        char *name;
};
#define N_AUX 4

static void aux_done(struct aux_file a[N_AUX]) {
        for (size_t k = 0; k < N_AUX; k++) {
                free(a[k].dir);
                free(a[k].name);
        }
}

static int aux_files(const struct image *i, const char *name, struct aux_file ret[N_AUX]) {
        _cleanup_free_ char *copy = strdup(i->path);
        const char *dirs[N_AUX] = {"/etc/systemd/nspawn", "/run/systemd/nspawn", NULL, NULL};
        const char *suffix[N_AUX] = {".nspawn", ".nspawn", ".nspawn", ".roothash"};

        if (!copy)
                return -ENOMEM;
        dirs[2] = dirs[3] = dirname(copy);
        for (size_t k = 0; k < N_AUX; k++) {
                ret[k].dir = strdup(dirs[k]);
                if (!ret[k].dir || asprintf(&ret[k].name, "%s%s", name, suffix[k]) < 0) {
                        ret[k].name = NULL;
                        aux_done(ret);
                        return -ENOMEM;
                }
        }
        return 0;
}

/* Apply fn to each file of i that exists (with the matching name for new_name); errors are
 * ignored, as machined does: the image is what counts. */
typedef int (*aux_fn)(int dir_fd, const char *from, const char *to);

static void aux_each(const struct image *i, const char *new_name, aux_fn fn) {
        struct aux_file from[N_AUX] = {}, to[N_AUX] = {};

        if (aux_files(i, i->name, from) < 0 || (new_name && aux_files(i, new_name, to) < 0)) {
                aux_done(from);
                return;
        }
        for (size_t k = 0; k < N_AUX; k++) {
                _cleanup_close_ int dir_fd = open(from[k].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir_fd >= 0)
                        (void) fn(dir_fd, from[k].name, new_name ? to[k].name : NULL);
        }
        aux_done(from);
        aux_done(to);
}

static int aux_rename(int dir_fd, const char *from, const char *to) {
        return renameat2(dir_fd, from, dir_fd, to, RENAME_NOREPLACE) < 0 ? negative_errno() : 0;
}

static int aux_unlink(int dir_fd, const char *from, const char *to) {
        return unlinkat(dir_fd, from, 0) < 0 ? negative_errno() : 0;
}

/* A copy written to a temporary and renamed into place (never over an existing file). */
static int aux_copy(int dir_fd, const char *from, const char *to) {
        _cleanup_close_ int in = openat(dir_fd, from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC),
                            out = -EBADF;
        _cleanup_free_ char *tmp = NULL;
        struct stat st;
        int r;

        if (in < 0 || fstat(in, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        out = tmp_file_new(dir_fd, IMAGE_CLONE_PREFIX, to, 0644, &tmp);
        if (out < 0)
                return out;
        r = copy_file_data(in, out);
        if (r >= 0 && fchmod(out, 0644) < 0)
                r = negative_errno();
        if (r >= 0 && renameat2(dir_fd, tmp, dir_fd, to, RENAME_NOREPLACE) < 0)
                r = negative_errno();
        if (r < 0)
                (void) unlinkat(dir_fd, tmp, 0);
        return r;
}

/* ---- the immutable attribute ---------------------------------------------------------------- */

static int immutable_get(int fd) {
        unsigned attr = 0;
        if (ioctl(fd, FS_IOC_GETFLAGS, &attr) < 0)
                return negative_errno();
        return !!(attr & FS_IMMUTABLE_FL);
}

static int immutable_set(int fd, bool b) {
        unsigned attr = 0, n;
        if (ioctl(fd, FS_IOC_GETFLAGS, &attr) < 0)
                return negative_errno();
        n = b ? attr | FS_IMMUTABLE_FL : attr & ~FS_IMMUTABLE_FL;
        if (n == attr)
                return 0;
        return ioctl(fd, FS_IOC_SETFLAGS, &n) < 0 ? negative_errno() : 0;
}

int image_make_read_only_fd(int fd) {
        struct stat st;
        int ro = 1;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return btrfs_is_subvolume(fd) ? btrfs_subvol_set_read_only(fd, true)
                                              : immutable_set(fd, true);
        if (S_ISREG(st.st_mode))
                return fchmod(fd, st.st_mode & 07555) < 0 ? negative_errno() : 0;
        if (S_ISBLK(st.st_mode))
                return ioctl(fd, BLKROSET, &ro) < 0 ? negative_errno() : 0;
        return -EBADFD;
}

/* ---- checks --------------------------------------------------------------------------------- */

static int check_changeable(const struct image *i) {
        return image_is_vendor(i) || image_is_host(i) ? -EROFS : 0;
}

static int check_new_name(const char *new_name, struct lock_file *name_lock, char **error) {
        struct image other;
        int r;

        if (!image_name_is_valid(new_name))
                return error_setf(error, -EINVAL, "Image name '%s' is invalid.", new_name);
        r = image_name_lock(new_name, name_lock);
        if (r < 0)
                return r;
        r = image_get(new_name, &other);
        if (r >= 0) {
                image_done(&other);
                return -EEXIST;
        }
        return r == -ENOENT ? 0 : r;
}

/* ---- clone ---------------------------------------------------------------------------------- */

static int clone_tree(const struct image *i, int pool_fd, const char *new_name, bool read_only) {
        _cleanup_close_ int src = open(i->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dst = -EBADF;
        bool subvolume = false;
        int r;

        if (src < 0)
                return negative_errno();
        /* A subvolume on the pool's file system: a snapshot, made in place at once. */
        if (i->type == IMAGE_SUBVOLUME) {
                r = btrfs_snapshot_full(src, pool_fd, new_name, read_only);
                if (r >= 0 || r == -EEXIST)
                        return r;
        }
        r = tmp_tree_copy(src, pool_fd, IMAGE_CLONE_PREFIX, new_name, NULL, &subvolume);
        if (r < 0 || !read_only)
                return r;
        dst = openat(pool_fd, new_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dst < 0)
                return negative_errno();
        return subvolume ? btrfs_subvol_set_read_only(dst, true) : immutable_set(dst, true);
}

static int clone_raw(const struct image *i, int pool_fd, const char *new_name, bool read_only) {
        _cleanup_close_ int in = open(i->path, O_RDONLY | O_CLOEXEC | O_NOCTTY), out = -EBADF;
        _cleanup_free_ char *file = NULL, *tmp = NULL;
        mode_t mode = read_only ? 0444 : 0644;
        int r;

        if (in < 0)
                return negative_errno();
        if (asprintf(&file, "%s.raw", new_name) < 0)
                return -ENOMEM;
        out = tmp_file_new(pool_fd, IMAGE_CLONE_PREFIX, file, mode, &tmp);
        if (out < 0)
                return out;
        r = copy_file_data(in, out);
        if (r >= 0 && fchmod(out, mode) < 0)
                r = negative_errno();
        if (r >= 0 && renameat2(pool_fd, tmp, pool_fd, file, RENAME_NOREPLACE) < 0)
                r = negative_errno();
        if (r < 0)
                (void) unlinkat(pool_fd, tmp, 0);
        return r;
}

int image_pool_open(void) {
        _cleanup_free_ char *pool = NULL;
        int r = image_pool_path(&pool);

        if (r < 0)
                return r;
        r = mkdir_p(pool, 0700);
        if (r < 0 && r != -EEXIST)
                return r;
        r = open(pool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return r < 0 ? negative_errno() : r;
}

int image_clone(const struct image *i, const char *new_name, bool read_only, char **error) {
        struct lock_file name_lock = LOCK_FILE_INIT;
        _cleanup_close_ int pool_fd = -EBADF;
        int r = check_new_name(new_name, &name_lock, error);

        if (r >= 0 && i->type == IMAGE_BLOCK)
                r = -EOPNOTSUPP;
        if (r >= 0 && (pool_fd = image_pool_open()) < 0)
                r = pool_fd;
        if (r >= 0) {
                (void) tmp_sweep(pool_fd, IMAGE_CLONE_PREFIX, true); /* a killed clone's leftovers */
                r = i->type == IMAGE_RAW ? clone_raw(i, pool_fd, new_name, read_only)
                                         : clone_tree(i, pool_fd, new_name, read_only);
        }
        if (r >= 0)
                aux_each(i, new_name, aux_copy);
        lock_file_release(&name_lock);
        return r;
}

/* ---- rename --------------------------------------------------------------------------------- */

static int rename_locked(const struct image *i, const char *new_name, char **error) {
        struct lock_file name_lock = LOCK_FILE_INIT;
        _cleanup_free_ char *base = NULL, *to = NULL;
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
        int immutable = 0, r = check_new_name(new_name, &name_lock, error);

        if (r >= 0 && asprintf(&to, "%s%s", new_name, i->type == IMAGE_RAW ? ".raw" : "") < 0)
                r = -ENOMEM;
        if (r >= 0 && (dir_fd = parent_open(i->path, &base)) < 0)
                r = dir_fd;
        if (r >= 0 && i->type == IMAGE_BLOCK && startswith(i->path, "/dev/"))
                r = -EROFS; /* udev names those */
        /* an immutable directory cannot be renamed: clear the mark meanwhile */
        if (r >= 0 && i->type == IMAGE_DIRECTORY &&
            (fd = openat(dir_fd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0 &&
            (immutable = immutable_get(fd)) > 0)
                (void) immutable_set(fd, false);
        if (r >= 0 && renameat2(dir_fd, base, dir_fd, to, RENAME_NOREPLACE) < 0)
                r = negative_errno();
        if (immutable > 0)
                (void) immutable_set(fd, true);
        if (r >= 0)
                aux_each(i, new_name, aux_rename);
        lock_file_release(&name_lock);
        return r;
}

int image_rename(const struct image *i, const char *new_name, char **error) {
        struct image_lock lock = IMAGE_LOCK_INIT;
        int r;

        if (!image_name_is_valid(new_name))
                return error_setf(error, -EINVAL, "Image name '%s' is invalid.", new_name);
        if ((r = check_changeable(i)) < 0 || (r = image_path_lock(i->path, LOCK_EX, &lock)) < 0)
                return r;
        r = rename_locked(i, new_name, error);
        image_path_unlock(&lock);
        return r;
}

/* ---- remove --------------------------------------------------------------------------------- */

/* Everything below fd, nested subvolumes too (a container may have made some). */
static int remove_children(int fd) {
        int r = rm_rf_children(fd);
        if (r == -EXDEV && btrfs_destroy_below(fd) >= 0)
                r = rm_rf_children(fd);
        return r;
}

/* A directory: out of sight first (renamed to a hidden temporary we hold the lock of: the image
 * lock's flock is on this inode), then emptied. A failure leaves the temporary for clean. */
static int remove_directory(const struct image *i) {
        _cleanup_free_ char *base = NULL, *pfx = NULL, *tmp = NULL;
        _cleanup_close_ int dir_fd = parent_open(i->path, &base), fd = -EBADF;
        int r;

        if (dir_fd < 0)
                return dir_fd;
        fd = openat(dir_fd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
                return unlinkat(dir_fd, base, 0) < 0 ? negative_errno() : 0; /* a symlink to it */
        if (fd < 0)
                return negative_errno();
        (void) immutable_set(fd, false); /* read-only images can be removed */
        if (i->type == IMAGE_SUBVOLUME)
                return btrfs_destroy(dir_fd, base);
        if ((r = tmp_name(IMAGE_REMOVE_PREFIX, base, &pfx, &tmp)) < 0)
                return r;
        if (renameat2(dir_fd, base, dir_fd, tmp, RENAME_NOREPLACE) < 0)
                return negative_errno();
        r = remove_children(fd);
        if (r >= 0 && unlinkat(dir_fd, tmp, AT_REMOVEDIR) < 0)
                r = negative_errno();
        return r;
}

static int remove_locked(const struct image *i) {
        switch (i->type) {
        case IMAGE_DIRECTORY:
        case IMAGE_SUBVOLUME:
                return remove_directory(i);
        case IMAGE_BLOCK:
                if (startswith(i->path, "/dev/"))
                        return 0; /* a real device: only what belongs to it goes */
                _fallthrough_;
        case IMAGE_RAW:
                return unlink(i->path) < 0 ? negative_errno() : 0;
        default:
                return -EOPNOTSUPP;
        }
}

int image_remove(const struct image *i, char **error) {
        struct image_lock lock = IMAGE_LOCK_INIT;
        int r;

        if ((r = check_changeable(i)) < 0 || (r = image_path_lock(i->path, LOCK_EX, &lock)) < 0)
                return r;
        r = remove_locked(i);
        if (r >= 0)
                aux_each(i, NULL, aux_unlink);
        image_path_unlock(&lock);
        return r;
}

/* ---- read-only ------------------------------------------------------------------------------ */

static int read_only_locked(const struct image *i, bool b) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int ro = b;

        switch (i->type) {
        case IMAGE_SUBVOLUME:
        case IMAGE_DIRECTORY:
                fd = open(i->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return negative_errno();
                /* a subvolume's flag; a directory's immutable top (its mode would change the
                 * container's root) */
                return i->type == IMAGE_SUBVOLUME ? btrfs_subvol_set_read_only(fd, b) : immutable_set(fd, b);
        case IMAGE_RAW:
                if (stat(i->path, &st) < 0)
                        return negative_errno();
                return chmod(i->path, (st.st_mode & 0444) | (b ? 0 : 0200)) < 0 ? negative_errno() : 0;
        case IMAGE_BLOCK:
                fd = open(i->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
                if (fd < 0 || fstat(fd, &st) < 0)
                        return negative_errno();
                if (!S_ISBLK(st.st_mode))
                        return -ENOTTY;
                return ioctl(fd, BLKROSET, &ro) < 0 ? negative_errno() : 0;
        default:
                return -EOPNOTSUPP;
        }
}

int image_set_read_only(const struct image *i, bool read_only, char **error) {
        struct image_lock lock = IMAGE_LOCK_INIT;
        int r;

        if ((r = check_changeable(i)) < 0 || (r = image_path_lock(i->path, LOCK_EX, &lock)) < 0)
                return r;
        r = read_only_locked(i, read_only);
        image_path_unlock(&lock);
        return r;
}
