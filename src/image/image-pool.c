/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Quota limits of images and of the pool, and cleaning the pool (see image-ops.h). */

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/statfs.h>

#include "btrfs-util.h"
#include "errmsg.h"
#include "image-ops.h"
#include "image-tmp.h"
#include "image.h"
#include "lock-file.h"
#include "macro.h"
#include "strv.h"

/* ---- limits --------------------------------------------------------------------------------- */

/* fd is a btrfs subvolume (what) with quota enabled, else say why not. */
static int check_quota(int fd, const char *what, char **error) {
        struct statfs sfs;
        int r;

        if (fstatfs(fd, &sfs) < 0)
                return negative_errno();
        if (sfs.f_type != BTRFS_SUPER_MAGIC)
                return error_setf(error, -EOPNOTSUPP,
                                  "Quota is only supported on btrfs, %s is not on btrfs.", what);
        if (!btrfs_is_subvolume(fd))
                return error_setf(error, -EOPNOTSUPP,
                                  "Quota is only supported for btrfs subvolumes, %s is none.", what);
        r = btrfs_quota_enabled(fd);
        if (r < 0)
                return r;
        if (r == 0)
                return error_setf(
                        error, -ENOTCONN,
                        "Quota is not enabled on the btrfs file system of %s (see btrfs quota enable).",
                        what);
        return 0;
}

static int limit_path(const char *path, const char *what, uint64_t limit, char **error) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (fd < 0)
                return negative_errno();
        if ((r = check_quota(fd, what, error)) < 0)
                return r;
        r = btrfs_quota_set_limit(fd, limit);
        return r < 0 ? error_setf(error, r, "Failed to set the quota limit of %s: %s", what, strerror(-r))
                     : 0;
}

int image_set_limit(const struct image *i, uint64_t limit, char **error) {
        _cleanup_free_ char *what = NULL;

        if (image_is_vendor(i) || image_is_host(i))
                return -EROFS;
        if (asprintf(&what, "image '%s'", i->name) < 0)
                return -ENOMEM;
        if (i->type != IMAGE_SUBVOLUME)
                return error_setf(error, -EOPNOTSUPP,
                                  "Quota is only supported for btrfs subvolumes, %s is a %s image.", what,
                                  image_type_to_string(i->type));
        return limit_path(i->path, what, limit, error);
}

int image_pool_set_limit(uint64_t limit, char **error) {
        _cleanup_free_ char *pool = NULL;
        int r = image_pool_path(&pool);

        return r < 0 ? r : limit_path(pool, pool, limit, error);
}

void image_pool_quota(uint64_t *ret_usage, uint64_t *ret_limit) {
        _cleanup_free_ char *pool = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct btrfs_quota q;

        *ret_usage = *ret_limit = UINT64_MAX;
        if (image_pool_path(&pool) < 0 || (fd = open(pool, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                return;
        if (btrfs_is_subvolume(fd) && btrfs_quota_get(fd, &q) >= 0) {
                *ret_usage = q.referenced;
                *ret_limit = q.referenced_max;
        }
}

/* ---- clean ---------------------------------------------------------------------------------- */

/* The lock files in dir_fd (match: which names) that nobody holds. */
static void sweep_lock_files(int dir_fd, bool (*match)(const char *name)) {
        int fd = dup(dir_fd);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

        if (!d) {
                safe_close(fd);
                return;
        }
        rewinddir(d); /* the dup shares dir_fd's offset, which a sweep before may have moved */
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_type == DT_REG && match(de->d_name))
                        (void) lock_file_remove_stale(dir_fd, de->d_name);
        closedir(d);
}

static bool is_local_lock(const char *name) {
        return startswith(name, ".#") && endswith(name, ".lck");
}

static bool is_global_lock(const char *name) {
        return startswith(name, "inode-") || startswith(name, "block-") || startswith(name, "name-");
}

/* The leftovers of killed clones, removals, imports and --template copies in each writable search
 * directory: every such temporary nobody holds a lock on; and the free lock files of killed
 * holders (nspawnctl, systemd-nspawn, machined) there and in /run/systemd/nspawn/locks. */
static void sweep_temporaries(void) {
        static const char *const prefixes[] = {IMAGE_CLONE_PREFIX, IMAGE_REMOVE_PREFIX, ".#template.",
                                               IMAGE_IMPORT_PREFIX};
        _cleanup_strv_free_ char **search = NULL;
        _cleanup_close_ int locks = open(IMAGE_LOCK_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (locks >= 0)
                sweep_lock_files(locks, is_global_lock);
        if (image_search_path_get(&search) < 0)
                return;
        STRV_FOREACH(s, search) {
                _cleanup_close_ int fd = -EBADF;
                if (startswith(*s, "/usr/") || (fd = open(*s, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(prefixes); k++)
                        (void) tmp_sweep(fd, prefixes[k], true);
                sweep_lock_files(fd, is_local_lock);
        }
}

int image_clean(bool all, image_removed_fn removed, void *userdata, char **error) {
        struct image *images = NULL;
        size_t n = 0;
        int r;

        sweep_temporaries();
        r = image_discover(&images, &n);
        if (r < 0)
                return r;
        for (size_t k = 0; k < n && r >= 0; k++) {
                struct image *i = &images[k];
                if (image_is_vendor(i) || image_is_host(i) || (!all && !image_is_hidden(i)))
                        continue;
                r = image_remove(i, NULL);
                if (r == -EBUSY) { /* in use: kept */
                        r = 0;
                        continue;
                }
                if (r < 0)
                        r = error_setf(error, r, "Failed to remove image %s: %s", i->name, strerror(-r));
                else if (removed)
                        removed(i, userdata);
        }
        image_array_free(images, n);
        return r;
}
