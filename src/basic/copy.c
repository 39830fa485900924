/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tree copy and removal over file descriptors (see copy.h). */

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <limits.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "copy.h"
#include "macro.h"

/* A file already copied that has more links: its (dev, ino) in the source, its path in the copy. */
struct link_entry {
        dev_t dev;
        ino_t ino;
        char *path;
};

struct copy_ctx {
        int dst_root;
        uint64_t mnt_id;     /* the source root's mount: nothing below another mount is copied */
        dev_t dev;           /* the same, where statx has no mount ID */
        void *links;         /* tsearch tree of struct link_entry */
        char path[PATH_MAX]; /* path of the current directory in the copy, relative to dst_root */
        size_t len;
};

static int link_compare(const void *a, const void *b) {
        const struct link_entry *x = a, *y = b;
        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void link_free(void *p) {
        struct link_entry *e = p;
        free(e->path);
        free(e);
}

/* Is the directory fd on another mount than the tree's root? */
static bool other_mount(const struct copy_ctx *c, int fd, const struct stat *st) {
        struct statx sx;

        if (c->mnt_id != 0 && statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) >= 0 &&
            (sx.stx_mask & STATX_MNT_ID))
                return sx.stx_mnt_id != c->mnt_id;
        return st->st_dev != c->dev;
}

/* xattrs go through /proc/self/fd/DIR/NAME with the l* calls: that names symlinks and device
 * nodes themselves, which cannot be opened for f*xattr without following or opening a device. */
static int copy_xattrs(int src_dir, int dst_dir, const char *name) {
        char sp[PATH_MAX], dp[PATH_MAX];
        _cleanup_free_ char *list = NULL, *value = NULL;
        ssize_t n;

        snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", src_dir, name);
        snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", dst_dir, name);
        n = llistxattr(sp, NULL, 0);
        if (n < 0)
                return errno == ENOTSUP ? 0 : negative_errno();
        if (n == 0)
                return 0;
        list = malloc(n);
        if (!list)
                return -ENOMEM;
        n = llistxattr(sp, list, n);
        if (n < 0)
                return negative_errno();
        for (char *k = list; k < list + n; k += strlen(k) + 1) {
                ssize_t v = lgetxattr(sp, k, NULL, 0);
                if (v < 0)
                        return negative_errno();
                free(value);
                value = malloc(MAX(v, (ssize_t) 1));
                if (!value)
                        return -ENOMEM;
                v = lgetxattr(sp, k, value, v);
                if (v < 0)
                        return negative_errno();
                if (lsetxattr(dp, k, value, v, 0) < 0)
                        return negative_errno();
        }
        return 0;
}

/* Owner, then mode (a chown clears set-ID bits), then xattrs (a chown drops file capabilities),
 * then times (every step before changes ctime/mtime). */
static int copy_attrs(int src_dir, int dst_dir, const char *name, const struct stat *st) {
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        int r;

        if (fchownat(dst_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        if (!S_ISLNK(st->st_mode) && fchmodat(dst_dir, name, st->st_mode & 07777, 0) < 0)
                return negative_errno();
        r = copy_xattrs(src_dir, dst_dir, name);
        if (r < 0)
                return r;
        if (utimensat(dst_dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        return 0;
}

/* Copy len bytes from the current offsets of in to out: copy_file_range() (which reflinks or
 * copies in the kernel where it can), else read/write. */
static int copy_range(int in, int out, uint64_t len) {
        char buf[128 * 1024];

        while (len > 0) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, MIN(len, (uint64_t) SSIZE_MAX), 0);
                if (n == 0)
                        return 0; /* the file shrank meanwhile */
                if (n < 0)
                        break;
                len -= (uint64_t) n;
        }
        if (len == 0)
                return 0;
        /* copy_file_range() cannot do this pair of files (other file system types, old kernel) */
        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
                return negative_errno();
        while (len > 0) {
                ssize_t n = read(in, buf, MIN(len, sizeof(buf)));
                if (n == 0)
                        return 0;
                if (n < 0 || write(out, buf, n) != n)
                        return n < 0 ? negative_errno() : -EIO;
                len -= (uint64_t) n;
        }
        return 0;
}

int copy_file_data(int in, int out) {
        struct stat st;

        if (ioctl(out, FICLONE, in) >= 0)
                return 0;
        if (fstat(in, &st) < 0)
                return negative_errno();
        /* Only the data segments: holes stay holes (disk images are mostly holes). */
        for (off_t pos = 0; pos < st.st_size;) {
                off_t data = lseek(in, pos, SEEK_DATA);
                if (data < 0 && errno == ENXIO)
                        break; /* only a hole up to the end */
                if (data < 0) {
                        if (errno != EINVAL && errno != EOPNOTSUPP)
                                return negative_errno();
                        data = pos; /* no SEEK_DATA here: copy it all */
                        if (lseek(in, pos, SEEK_SET) < 0)
                                return negative_errno();
                }
                off_t hole = lseek(in, data, SEEK_HOLE);
                if (hole < 0)
                        hole = st.st_size;
                if (lseek(in, data, SEEK_SET) < 0 || lseek(out, data, SEEK_SET) < 0)
                        return negative_errno();
                int r = copy_range(in, out, (uint64_t) (hole - data));
                if (r < 0)
                        return r;
                pos = hole;
        }
        return ftruncate(out, st.st_size) < 0 ? negative_errno() : 0;
}

static int copy_regular(int src_dir, int dst_dir, const char *name) {
        _cleanup_close_ int in = -EBADF, out = -EBADF;

        in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (in < 0)
                return negative_errno();
        out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return negative_errno();
        return copy_file_data(in, out);
}

static int copy_symlink(int src_dir, int dst_dir, const char *name) {
        char target[PATH_MAX + 1];
        ssize_t n = readlinkat(src_dir, name, target, PATH_MAX);

        if (n < 0)
                return negative_errno();
        target[n] = 0;
        if (symlinkat(target, dst_dir, name) < 0)
                return negative_errno();
        return 0;
}

static int copy_dir(struct copy_ctx *c, int src_fd, int dst_fd);

/* A second name of a file copied before: link it. 1 if done, 0 if this is its first name. */
static int copy_hard_link(struct copy_ctx *c, int dst_dir, const char *name, const struct stat *st) {
        struct link_entry key = {.dev = st->st_dev, .ino = st->st_ino}, *e;
        void **found;

        if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
                return 0;
        found = tfind(&key, &c->links, link_compare);
        if (found) {
                e = *found;
                return linkat(c->dst_root, e->path, dst_dir, name, 0) < 0 ? negative_errno() : 1;
        }
        e = calloc(1, sizeof(*e));
        if (!e || asprintf(&e->path, "%s%s%s", c->path, c->len ? "/" : "", name) < 0) {
                free(e);
                return -ENOMEM;
        }
        e->dev = st->st_dev;
        e->ino = st->st_ino;
        if (!tsearch(e, &c->links, link_compare)) {
                link_free(e);
                return -ENOMEM;
        }
        return 0;
}

static int copy_subdir(struct copy_ctx *c, int src_dir, int dst_dir, const char *name,
                       const struct stat *st) {
        _cleanup_close_ int s = -EBADF, d = -EBADF;
        size_t saved = c->len;
        int r;

        if (mkdirat(dst_dir, name, 0700) < 0)
                return negative_errno();
        s = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        d = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
                return negative_errno();
        if (other_mount(c, s, st))
                return 0; /* a mount point: the empty directory stands for it */

        if (c->len + 1 + strlen(name) >= sizeof(c->path))
                return -ENAMETOOLONG;
        c->len += snprintf(c->path + c->len, sizeof(c->path) - c->len, "%s%s", c->len ? "/" : "", name);
        r = copy_dir(c, s, d);
        c->len = saved;
        c->path[saved] = 0;
        return r;
}

static int copy_entry(struct copy_ctx *c, int src_dir, int dst_dir, const char *name) {
        struct stat st;
        int r;

        if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        r = copy_hard_link(c, dst_dir, name, &st);
        if (r != 0)
                return r < 0 ? r : 0;

        switch (st.st_mode & S_IFMT) {
        case S_IFDIR:
                r = copy_subdir(c, src_dir, dst_dir, name, &st);
                break;
        case S_IFREG:
                r = copy_regular(src_dir, dst_dir, name);
                break;
        case S_IFLNK:
                r = copy_symlink(src_dir, dst_dir, name);
                break;
        default: /* device nodes, fifos, sockets */
                r = mknodat(dst_dir, name, st.st_mode, st.st_rdev) < 0 ? negative_errno() : 0;
                break;
        }
        return r < 0 ? r : copy_attrs(src_dir, dst_dir, name, &st);
}

static int copy_dir(struct copy_ctx *c, int src_fd, int dst_fd) {
        DIR *d;
        int fd = dup(src_fd), r = 0;

        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return negative_errno();
        }
        for (struct dirent *de; r >= 0 && (errno = 0, de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = copy_entry(c, src_fd, dst_fd, de->d_name);
        }
        if (r >= 0 && errno != 0)
                r = negative_errno();
        closedir(d);
        return r;
}

int copy_tree(int src_fd, int dst_fd) {
        struct copy_ctx c = {.dst_root = dst_fd};
        struct statx sx;
        struct stat st;
        int r;

        if (fstat(src_fd, &st) < 0)
                return negative_errno();
        c.dev = st.st_dev;
        if (statx(src_fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) >= 0 && (sx.stx_mask & STATX_MNT_ID))
                c.mnt_id = sx.stx_mnt_id;

        r = copy_dir(&c, src_fd, dst_fd);
        tdestroy(c.links, link_free);
        if (r < 0)
                return r;
        /* The top directory's own attributes, last (its times change while it is filled). */
        return copy_attrs(src_fd, dst_fd, ".", &st);
}

/* The mount ID of fd, 0 if the kernel does not tell. */
