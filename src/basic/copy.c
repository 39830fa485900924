/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tree copy over file descriptors (see copy.h). Either side may be changed by someone else while
 * we copy, so every step works on an fd, or on one name below a directory fd without following it:
 *   - a source file is opened O_PATH and reopened for reading only once fstat() says it is a
 *     regular file: a FIFO or device node swapped in is never opened;
 *   - whatever is made is made new (O_EXCL, mkdirat, symlinkat, mknodat: an existing name, a
 *     planted symlink too, is EEXIST);
 *   - owner and times are set with AT_SYMLINK_NOFOLLOW, xattrs with the l* calls, the mode through
 *     an O_PATH|O_NOFOLLOW fd of the entry;
 *   - a second hard link is made from an fd of the first copy, opened below the copy's root
 *     without any symlink.
 */

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <limits.h>
#include <search.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "chase.h"
#include "copy.h"
#include "fdutil.h"
#include "macro.h"
#include "rm-rf.h"

/* copy_file_range() per call: between two calls a pending signal is looked at (COPY_SIGINT) */
#define COPY_CHUNK (16 * 1024 * 1024)

/* A file already copied that has more links: its (dev, ino) in the source, its path in the copy. */
struct link_entry {
        dev_t dev;
        ino_t ino;
        char *path;
};

struct copy_ctx {
        unsigned flags;
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

/* COPY_SIGINT: is a signal that asks us to stop pending (the caller blocked it)? */
static bool interrupted(const struct copy_ctx *c) {
        sigset_t s;

        if (!(c->flags & COPY_SIGINT) || sigpending(&s) < 0)
                return false;
        return sigismember(&s, SIGINT) > 0 || sigismember(&s, SIGTERM) > 0 || sigismember(&s, SIGHUP) > 0;
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
static int copy_xattrs(int src_dir, const char *src_name, int dst_dir, const char *dst_name) {
        char sp[PATH_MAX], dp[PATH_MAX];
        _cleanup_free_ char *list = NULL, *value = NULL;
        ssize_t n;

        snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", src_dir, src_name);
        snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", dst_dir, dst_name);
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

/* chmod of dir/name itself: fchmodat() would follow a symlink put there meanwhile. */
static int chmod_nofollow(int dir, const char *name, mode_t mode) {
        _cleanup_close_ int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        char p[64];

        if (fd < 0 || fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISLNK(st.st_mode))
                return 0; /* a symlink has no mode of its own */
        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        return chmod(p, mode) < 0 ? negative_errno() : 0;
}

/* Owner, then mode (a chown clears set-ID bits), then xattrs (a chown drops file capabilities),
 * then times (every step before changes ctime/mtime). */
static int copy_attrs(int src_dir, const char *src_name, int dst_dir, const char *dst_name,
                      const struct stat *st) {
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        int r;

        if (fchownat(dst_dir, dst_name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        if (!S_ISLNK(st->st_mode)) {
                r = chmod_nofollow(dst_dir, dst_name, st->st_mode & 07777);
                if (r < 0)
                        return r;
        }
        r = copy_xattrs(src_dir, src_name, dst_dir, dst_name);
        if (r < 0)
                return r;
        if (utimensat(dst_dir, dst_name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        return 0;
}

/* Copy len bytes from the current offsets of in to out: copy_file_range() (which reflinks or
 * copies in the kernel where it can), else read/write. */
static int copy_range(const struct copy_ctx *c, int in, int out, uint64_t len) {
        char buf[128 * 1024];

        while (len > 0) {
                if (interrupted(c))
                        return -EINTR;
                ssize_t n = copy_file_range(in, NULL, out, NULL, MIN(len, (uint64_t) COPY_CHUNK), 0);
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
        for (unsigned i = 0; len > 0; i++) {
                if (i % 128 == 0 && interrupted(c))
                        return -EINTR;
                ssize_t n = read(in, buf, MIN(len, sizeof(buf)));
                if (n == 0)
                        return 0;
                if (n < 0)
                        return negative_errno();
                int r = write_all(out, buf, n); /* a short write, then the reason (ENOSPC) */
                if (r < 0)
                        return r;
                len -= (uint64_t) n;
        }
        return 0;
}

/* A reflink, else the data segments only: holes stay holes (disk images are mostly holes). */
static int copy_bytes(const struct copy_ctx *c, int in, int out) {
        struct stat st;

        if (ioctl(out, FICLONE, in) >= 0)
                return 0;
        if (fstat(in, &st) < 0)
                return negative_errno();
        for (off_t pos = 0; pos < st.st_size;) {
                off_t data = lseek(in, pos, SEEK_DATA);
                if (data < 0 && errno == ENXIO)
                        break; /* only a hole up to the end */
                if (data < 0) {
                        if (errno != EINVAL && errno != EOPNOTSUPP)
                                return negative_errno();
                        data = pos; /* no SEEK_DATA here: copy it all */
                }
                off_t hole = lseek(in, data, SEEK_HOLE);
                if (hole < 0)
                        hole = st.st_size;
                if (lseek(in, data, SEEK_SET) < 0 || lseek(out, data, SEEK_SET) < 0)
                        return negative_errno();
                int r = copy_range(c, in, out, (uint64_t) (hole - data));
                if (r < 0)
                        return r;
                pos = hole;
        }
        return ftruncate(out, st.st_size) < 0 ? negative_errno() : 0;
}

int copy_file_data(int in_fd, int out_fd) {
        struct copy_ctx c = {};
        return copy_bytes(&c, in_fd, out_fd);
}

/* A regular file of the source, opened for reading only once it is known to be one. */
static int open_source_file(int dir, const char *name) {
        _cleanup_close_ int path_fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        char p[64];
        int fd;

        if (path_fd < 0 || fstat(path_fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -ESTALE; /* it was one a moment ago */
        snprintf(p, sizeof(p), "/proc/self/fd/%d", path_fd);
        fd = open(p, O_RDONLY | O_NOCTTY | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/* Make dst_dir/dst_name as a copy of the non-directory src_dir/src_name (st), with its attributes.
 * *created: the entry was made (so that a failure can remove it). */
static int copy_node(const struct copy_ctx *c, int src_dir, const char *src_name, int dst_dir,
                     const char *dst_name, const struct stat *st, bool *created) {
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        char target[PATH_MAX + 1];
        ssize_t n;
        int r = 0;

        switch (st->st_mode & S_IFMT) {
        case S_IFREG:
                in = open_source_file(src_dir, src_name);
                if (in < 0)
                        return in;
                out = openat(dst_dir, dst_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (out < 0)
                        return negative_errno();
                *created = true;
                r = copy_bytes(c, in, out);
                break;
        case S_IFLNK:
                n = readlinkat(src_dir, src_name, target, PATH_MAX);
                if (n < 0)
                        return negative_errno();
                target[n] = 0;
                if (symlinkat(target, dst_dir, dst_name) < 0)
                        return negative_errno();
                *created = true;
                break;
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
        case S_IFSOCK: /* made, never opened */
                if (mknodat(dst_dir, dst_name, st->st_mode, st->st_rdev) < 0)
                        return negative_errno();
                *created = true;
                break;
        default:
                return -EOPNOTSUPP;
        }
        return r < 0 ? r : copy_attrs(src_dir, src_name, dst_dir, dst_name, st);
}

static int copy_dir(struct copy_ctx *c, int src_fd, int dst_fd);

/* A second name of a file copied before: link it. 1 if done, 0 if this is its first name. The
 * first copy is opened below the copy's root without following any symlink (someone may have
 * renamed a symlink into its path since), and linked from that fd. */
static int copy_hard_link(struct copy_ctx *c, int dst_dir, const char *name, const struct stat *st) {
        struct link_entry key = {.dev = st->st_dev, .ino = st->st_ino}, *e;
        void **found;

        if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
                return 0;
        found = tfind(&key, &c->links, link_compare);
        if (found) {
                _cleanup_close_ int fd = chase_open_nofollow(
                        c->dst_root, (*(struct link_entry **) found)->path, O_PATH | O_NOFOLLOW, 0);
                char p[64];
                if (fd < 0)
                        return fd;
                snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
                return linkat(AT_FDCWD, p, dst_dir, name, AT_SYMLINK_FOLLOW) < 0 ? negative_errno() : 1;
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

        s = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0)
                return negative_errno();
        if (mkdirat(dst_dir, name, 0700) < 0)
                return negative_errno();
        d = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d < 0)
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
        bool created = false;
        int r;

        if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        r = copy_hard_link(c, dst_dir, name, &st);
        if (r != 0)
                return r < 0 ? r : 0;
        if (!S_ISDIR(st.st_mode))
                return copy_node(c, src_dir, name, dst_dir, name, &st, &created);
        r = copy_subdir(c, src_dir, dst_dir, name, &st);
        return r < 0 ? r : copy_attrs(src_dir, name, dst_dir, name, &st);
}

static int copy_dir(struct copy_ctx *c, int src_fd, int dst_fd) {
        DIR *d;
        int fd = dup(src_fd), r = 0;

        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return negative_errno();
        }
        rewinddir(d); /* the dup shares the caller's offset, which an earlier read may have moved */
        for (struct dirent *de; r >= 0 && (errno = 0, de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = interrupted(c) ? -EINTR : copy_entry(c, src_fd, dst_fd, de->d_name);
        }
        if (r >= 0 && errno != 0)
                r = negative_errno();
        closedir(d);
        return r;
}

int copy_tree_full(int src_fd, int dst_fd, unsigned flags) {
        struct copy_ctx c = {.flags = flags, .dst_root = dst_fd};
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
        return copy_attrs(src_fd, ".", dst_fd, ".", &st);
}

int copy_tree(int src_fd, int dst_fd) {
        return copy_tree_full(src_fd, dst_fd, 0);
}

/* The top of copy_entry_at() when it is a directory: made new, then filled as copy_tree(). */
static int copy_top_dir(int src_dir, const char *src_name, int dst_dir, const char *dst_name, unsigned flags,
                        bool *created) {
        _cleanup_close_ int s = -EBADF, d = -EBADF;

        s = openat(src_dir, src_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0)
                return negative_errno();
        if (mkdirat(dst_dir, dst_name, 0700) < 0)
                return negative_errno();
        *created = true;
        d = openat(dst_dir, dst_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d < 0)
                return negative_errno();
        return copy_tree_full(s, d, flags);
}

int copy_entry_at(int src_dir, const char *src_name, int dst_dir, const char *dst_name, unsigned flags) {
        struct copy_ctx c = {.flags = flags, .dst_root = dst_dir};
        struct stat st;
        bool created = false;
        int r;

        if (fstatat(src_dir, src_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                r = copy_top_dir(src_dir, src_name, dst_dir, dst_name, flags, &created);
        else
                r = copy_node(&c, src_dir, src_name, dst_dir, dst_name, &st, &created);
        if (r < 0 && created)
                (void) rm_rf_at(dst_dir, dst_name);
        return r;
}
