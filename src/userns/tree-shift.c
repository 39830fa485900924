/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recursive chown of --private-users-ownership=chown (see tree-shift.h). Runs in the
 * supervisor, as host root, on the tree it has locked, before the container starts.
 */
#include "tree-shift.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "macro.h"

#define ACL_XATTR_VERSION 2
#define ACL_TAG_USER 0x02
#define ACL_TAG_GROUP 0x08
#define VFS_CAP_REVISION_3 0x03000000
#define VFS_CAP_REVISION_MASK 0xFF000000

int tree_base(int tree_fd, uint32_t *ret) {
        struct stat st;

        if (fstat(tree_fd, &st) < 0)
                return -errno;
        if ((st.st_uid & UINT32_C(0xFFFF0000)) != (st.st_gid & UINT32_C(0xFFFF0000)))
                return -EBADMSG;
        *ret = st.st_uid & UINT32_C(0xFFFF0000);
        return 0;
}

uint32_t tree_shift_id(uint32_t id, uint32_t from, uint32_t to, uint32_t range) {
        uint32_t rel = id >= from && id - from < range ? id - from : id & UINT32_C(0xFFFF);
        if (rel >= range || id == UINT32_MAX)
                return id;
        return to + rel;
}

int tree_shift_acl(void *value, size_t size, uint32_t from, uint32_t to, uint32_t range) {
        uint8_t *p = value;
        uint32_t version;

        if (size < 4 || (size - 4) % 8 != 0)
                return -EBADMSG;
        memcpy(&version, p, 4);
        if (version != ACL_XATTR_VERSION)
                return -EBADMSG;
        for (size_t off = 4; off < size; off += 8) {
                uint16_t tag;
                uint32_t id;
                memcpy(&tag, p + off, 2);
                if (tag != ACL_TAG_USER && tag != ACL_TAG_GROUP)
                        continue;
                memcpy(&id, p + off + 4, 4);
                id = tree_shift_id(id, from, to, range);
                memcpy(p + off + 4, &id, 4);
        }
        return 0;
}

struct shift {
        uint32_t from, to, range;
        uint64_t mnt_id; /* the tree's mount: nothing below another one is touched */
};

/* xattrs are read and written through /proc/self/fd/N of an O_PATH fd: the exact inode, never a
 * path that could have been swapped. */
static ssize_t xattr_get(const char *proc, const char *name, void *buf, size_t size) {
        ssize_t n = getxattr(proc, name, buf, size);
        return n < 0 ? -errno : n;
}

static int shift_acl(const char *proc, const char *name, const struct shift *s) {
        char buf[8192];
        ssize_t n = xattr_get(proc, name, buf, sizeof buf);

        if (n == -ENODATA || n == -EOPNOTSUPP || n == -ENOTSUP)
                return 0;
        if (n < 0)
                return (int) n;
        if (tree_shift_acl(buf, (size_t) n, s->from, s->to, s->range) < 0)
                return 0; /* not an ACL we know: leave it */
        return setxattr(proc, name, buf, (size_t) n, 0) < 0 ? -errno : 0;
}

/* One inode (fd: O_PATH, not followed). */
static int shift_inode(int fd, const struct statx *st, const struct shift *s) {
        uint32_t uid = tree_shift_id(st->stx_uid, s->from, s->to, s->range),
                 gid = tree_shift_id(st->stx_gid, s->from, s->to, s->range);
        bool lnk = S_ISLNK(st->stx_mode), dir = S_ISDIR(st->stx_mode);
        char proc[64], caps[64];
        ssize_t n_caps = -ENODATA;
        int r;

        if (uid == st->stx_uid && gid == st->stx_gid)
                return 0;
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        /* chown(2) drops file capabilities and the setuid/setgid bits: keep them */
        if (S_ISREG(st->stx_mode))
                n_caps = xattr_get(proc, "security.capability", caps, sizeof caps);
        if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (lnk)
                return 0;
        if (n_caps >= 4) {
                uint32_t magic, rootid;
                memcpy(&magic, caps, 4);
                if ((magic & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_3 && n_caps >= 24) {
                        memcpy(&rootid, caps + 20, 4);
                        rootid = tree_shift_id(rootid, s->from, s->to, s->range);
                        memcpy(caps + 20, &rootid, 4);
                }
                if (setxattr(proc, "security.capability", caps, (size_t) n_caps, 0) < 0)
                        return -errno;
        }
        if ((r = shift_acl(proc, "system.posix_acl_access", s)) < 0)
                return r;
        if (dir && (r = shift_acl(proc, "system.posix_acl_default", s)) < 0)
                return r;
        if ((st->stx_mode & (S_ISUID | S_ISGID)) && !dir && chmod(proc, st->stx_mode & 07777) < 0)
                return -errno;
        return 0;
}

static int shift_dir(int dir_fd, const struct shift *s, unsigned depth);

/* The entry name of dir_fd: its inode, and (a directory on the same mount) what is below it. */
static int shift_entry(int dir_fd, const char *name, const struct shift *s, unsigned depth) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct statx st;
        int r;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
                  STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_MNT_ID, &st) < 0)
                return -errno;
        if (st.stx_mnt_id != s->mnt_id)
                return 0; /* another mount: not the tree's */
        if (S_ISDIR(st.stx_mode)) {
                _cleanup_close_ int sub = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sub < 0)
                        return -errno;
                if ((r = shift_dir(sub, s, depth + 1)) < 0)
                        return r;
        }
        return shift_inode(fd, &st, s);
}

static int shift_dir(int dir_fd, const struct shift *s, unsigned depth) {
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (depth > 4096)
                return -ELOOP;
        int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        while (r >= 0 && (errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = shift_entry(dirfd(d), de->d_name, s, depth);
        }
        if (r >= 0 && errno > 0)
                r = -errno;
        closedir(d);
        return r;
}

int tree_shift(int tree_fd, uint32_t from, uint32_t to, uint32_t range) {
        _cleanup_close_ int root = openat(tree_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct statx st;
        int r;

        if (from == to)
                return 0;
        if (root < 0)
                return -errno;
        if (statx(root, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_MNT_ID,
                  &st) < 0)
                return -errno;
        struct shift s = {.from = from, .to = to, .range = range, .mnt_id = st.stx_mnt_id};
        r = shift_dir(root, &s, 0);
        /* the root last: it records that the shift is complete */
        return r < 0 ? r : shift_inode(root, &st, &s);
}
