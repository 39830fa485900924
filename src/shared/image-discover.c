/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Image discovery as systemd-machined does it (systemd 252, src/shared/discover-image.c): the
 * entries of the search path that are directories, btrfs subvolumes, NAME.raw files or block
 * devices, symlinks followed. Nothing walks a tree: a directory's usage is unknown (machined
 * does not compute it either), a subvolume's comes from its btrfs qgroup.
 */

#include "image.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btrfs-util.h"
#include "macro.h"
#include "name-valid.h"
#include "strv.h"

static const char *const type_names[_IMAGE_TYPE_MAX] = {
        [IMAGE_DIRECTORY] = "directory",
        [IMAGE_SUBVOLUME] = "subvolume",
        [IMAGE_RAW] = "raw",
        [IMAGE_BLOCK] = "block",
};

const char *image_type_to_string(enum image_type t) {
        return t >= 0 && t < _IMAGE_TYPE_MAX ? type_names[t] : NULL;
}

void image_done(struct image *i) {
        free(i->name);
        free(i->path);
        i->name = i->path = NULL;
}

void image_array_free(struct image *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                image_done(&a[i]);
        free(a);
}

bool image_is_host(const struct image *i) {
        return streq(i->name, IMAGE_HOST);
}

bool image_is_vendor(const struct image *i) {
        return startswith(i->path, "/usr/") || streq(i->path, "/usr");
}

bool image_is_hidden(const struct image *i) {
        return i->name[0] == '.';
}

static uint64_t timespec_usec(const struct statx_timestamp *t) {
        return (uint64_t) t->tv_sec * 1000000 + t->tv_nsec / 1000;
}

/* The birth time, where the file system records it; 0 otherwise. */
static uint64_t crtime_at(int dir_fd, const char *name) {
        struct statx sx;
        if (statx(dir_fd, name, 0, STATX_BTIME, &sx) < 0 || !(sx.stx_mask & STATX_BTIME))
                return 0;
        return timespec_usec(&sx.stx_btime);
}

static void make_dir(int dir_fd, const char *entry, struct image *i) {
        _cleanup_close_ int fd = openat(dir_fd, entry, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
        struct btrfs_subvol_info info;
        unsigned attr = 0;

        if (fd >= 0 && btrfs_is_subvolume(fd) && btrfs_subvol_get_info(fd, &info) >= 0) {
                struct btrfs_quota q;
                i->type = IMAGE_SUBVOLUME;
                i->read_only = i->read_only || info.read_only;
                i->crtime = info.otime_usec;
                if (!image_is_vendor(i) && !image_is_host(i) && btrfs_quota_get(fd, &q) >= 0) {
                        i->usage = q.referenced;
                        i->usage_exclusive = q.exclusive;
                        i->limit = q.referenced_max;
                        i->limit_exclusive = q.exclusive_max;
                }
                return;
        }
        i->type = IMAGE_DIRECTORY;
        i->crtime = crtime_at(dir_fd, entry);
        /* mtime is left 0: the top directory's says nothing about the tree */
        if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &attr) >= 0 && (attr & FS_IMMUTABLE_FL))
                i->read_only = true;
}

static void make_block(int dir_fd, const char *entry, struct image *i) {
        _cleanup_close_ int fd = openat(dir_fd, entry, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        uint64_t size = 0;
        int ro = 0;
        struct stat st;

        i->type = IMAGE_BLOCK;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode))
                return;
        if (ioctl(fd, BLKROGET, &ro) >= 0 && ro)
                i->read_only = true;
        if (ioctl(fd, BLKGETSIZE64, &size) >= 0 && size > 0)
                i->usage = i->usage_exclusive = i->limit = i->limit_exclusive = size;
}

/* The image entry of dir_fd (the search directory dir) under the name pretty. -EMEDIUMTYPE: not
 * an image. */
static int image_make(int dir_fd, const char *dir, const char *entry, const char *pretty,
                      const struct stat *st, struct image *ret) {
        struct image i = {
                .usage = UINT64_MAX,
                .usage_exclusive = UINT64_MAX,
                .limit = UINT64_MAX,
                .limit_exclusive = UINT64_MAX,
        };

        if (!S_ISDIR(st->st_mode) && !S_ISBLK(st->st_mode) &&
            !(S_ISREG(st->st_mode) && endswith(entry, ".raw")))
                return -EMEDIUMTYPE;
        i.name = strdup(pretty);
        if (!i.name || asprintf(&i.path, "%s%s%s", dir, streq(dir, "/") || !*entry ? "" : "/", entry) < 0) {
                image_done(&i);
                return -ENOMEM;
        }
        i.read_only = image_is_vendor(&i) ||
                      (faccessat(dir_fd, *entry ? entry : ".", W_OK, AT_EACCESS) < 0 && errno == EROFS);
        if (S_ISDIR(st->st_mode))
                make_dir(dir_fd, *entry ? entry : ".", &i);
        else if (S_ISBLK(st->st_mode))
                make_block(dir_fd, entry, &i);
        else {
                i.type = IMAGE_RAW;
                i.read_only = i.read_only || !(st->st_mode & 0222);
                i.crtime = crtime_at(dir_fd, entry);
                i.mtime = (uint64_t) st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000;
                i.usage = i.usage_exclusive = (uint64_t) st->st_blocks * 512;
                i.limit = i.limit_exclusive = (uint64_t) st->st_size;
        }
        *ret = i;
        return 0;
}

static int host_image(struct image *ret) {
        _cleanup_close_ int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                return negative_errno();
        return image_make(fd, "/", "", IMAGE_HOST, &st, ret);
}

/* Open a search directory, its symlinks resolved as chase() would: NULL and ENOENT if missing. */
static DIR *search_dir_open(const char *path, char **ret_resolved) {
        char *resolved = realpath(path, NULL);
        DIR *d;

        if (!resolved)
                return NULL;
        d = opendir(resolved);
        if (!d) {
                free(resolved);
                return NULL;
        }
        *ret_resolved = resolved;
        return d;
}

static int find_in(DIR *d, const char *resolved, const char *name, struct image *ret) {
        _cleanup_free_ char *raw = NULL;
        struct stat st;

        if (fstatat(dirfd(d), name, &st, 0) >= 0) {
                if (!S_ISDIR(st.st_mode) && !S_ISBLK(st.st_mode))
                        return -ENOENT;
                return image_make(dirfd(d), resolved, name, name, &st, ret);
        }
        if (errno != ENOENT)
                return negative_errno();
        if (asprintf(&raw, "%s.raw", name) < 0)
                return -ENOMEM;
        if (fstatat(dirfd(d), raw, &st, 0) < 0)
                return errno == ENOENT ? -ENOENT : negative_errno();
        if (!S_ISREG(st.st_mode))
                return -ENOENT;
        return image_make(dirfd(d), resolved, raw, name, &st, ret);
}

int image_get(const char *name, struct image *ret) {
        _cleanup_strv_free_ char **search = NULL;
        int r;

        if (!image_name_is_valid(name))
                return -ENOENT;
        r = image_search_path_get(&search);
        if (r < 0)
                return r;
        STRV_FOREACH(s, search) {
                _cleanup_free_ char *resolved = NULL;
                DIR *d = search_dir_open(*s, &resolved);
                if (!d)
                        continue;
                r = find_in(d, resolved, name, ret);
                closedir(d);
                if (r != -ENOENT && r != -EMEDIUMTYPE)
                        return r;
        }
        return streq(name, IMAGE_HOST) ? host_image(ret) : -ENOENT;
}

struct image_list {
        struct image *a;
        size_t n;
};

static void image_list_done(struct image_list *l) {
        image_array_free(l->a, l->n);
}

static bool list_has(const struct image_list *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->a[i].name, name))
                        return true;
        return false;
}

static int list_add(struct image_list *l, struct image *i) {
        struct image *n = realloc(l->a, (l->n + 1) * sizeof(*n));
        if (!n) {
                image_done(i);
                return -ENOMEM;
        }
        l->a = n;
        l->a[l->n++] = *i;
        return 0;
}

static int discover_dir(DIR *d, const char *resolved, struct image_list *l) {
        for (struct dirent *de; (errno = 0, de = readdir(d));) {
                _cleanup_free_ char *pretty = NULL;
                struct image i;
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, 0) < 0)
                        continue; /* gone, or a dangling symlink */
                if (S_ISREG(st.st_mode) && endswith(de->d_name, ".raw"))
                        pretty = strndup(de->d_name, strlen(de->d_name) - 4);
                else if (S_ISDIR(st.st_mode) || S_ISBLK(st.st_mode))
                        pretty = strdup(de->d_name);
                else
                        continue;
                if (!pretty)
                        return -ENOMEM;
                if (!image_name_is_valid(pretty) || list_has(l, pretty))
                        continue;
                int r = image_make(dirfd(d), resolved, de->d_name, pretty, &st, &i);
                if (r == -EMEDIUMTYPE)
                        continue;
                if (r < 0 || (r = list_add(l, &i)) < 0)
                        return r;
        }
        return errno > 0 ? -errno : 0;
}

static int image_compare(const void *a, const void *b) {
        return strcmp(((const struct image *) a)->name, ((const struct image *) b)->name);
}

int image_discover(struct image **ret, size_t *ret_n) {
        _cleanup_strv_free_ char **search = NULL;
        _cleanup_(image_list_done) struct image_list l = {};
        struct image host;
        int r = image_search_path_get(&search);

        if (r < 0)
                return r;
        STRV_FOREACH(s, search) {
                _cleanup_free_ char *resolved = NULL;
                DIR *d = search_dir_open(*s, &resolved);
                if (!d)
                        continue;
                r = discover_dir(d, resolved, &l);
                closedir(d);
                if (r < 0)
                        return r;
        }
        if (!list_has(&l, IMAGE_HOST) && ((r = host_image(&host)) < 0 || (r = list_add(&l, &host)) < 0))
                return r;
        if (l.n > 0)
                qsort(l.a, l.n, sizeof(*l.a), image_compare);
        *ret = TAKE_PTR(l.a);
        *ret_n = l.n;
        l.n = 0;
        return 0;
}
