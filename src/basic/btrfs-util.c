/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* btrfs subvolumes: snapshot, create, destroy (see btrfs-util.h). */

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <stdint.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "btrfs-util.h"
#include "macro.h"

bool btrfs_is_subvolume(int fd) {
        struct statfs sfs;
        struct stat st;

        return fstatfs(fd, &sfs) >= 0 && sfs.f_type == BTRFS_SUPER_MAGIC && fstat(fd, &st) >= 0 &&
               S_ISDIR(st.st_mode) && st.st_ino == BTRFS_FIRST_FREE_OBJECTID;
}

static int btrfs_name(char dst[BTRFS_SUBVOL_NAME_MAX + 1], const char *name) {
        if (strlen(name) > BTRFS_SUBVOL_NAME_MAX)
                return -ENAMETOOLONG;
        strcpy(dst, name);
        return 0;
}

int btrfs_snapshot_full(int src_fd, int parent_fd, const char *name, bool read_only) {
        struct btrfs_ioctl_vol_args_v2 a = {.fd = src_fd, .flags = read_only ? BTRFS_SUBVOL_RDONLY : 0};
        int r = btrfs_name(a.name, name);

        if (r < 0)
                return r;
        return ioctl(parent_fd, BTRFS_IOC_SNAP_CREATE_V2, &a) < 0 ? negative_errno() : 0;
}

int btrfs_snapshot(int src_fd, int parent_fd, const char *name) {
        return btrfs_snapshot_full(src_fd, parent_fd, name, false);
}

int btrfs_subvol_create(int parent_fd, const char *name) {
        struct btrfs_ioctl_vol_args_v2 a = {};
        int r = btrfs_name(a.name, name);

        if (r < 0)
                return r;
        return ioctl(parent_fd, BTRFS_IOC_SUBVOL_CREATE_V2, &a) < 0 ? negative_errno() : 0;
}

static int btrfs_destroy_one(int parent_fd, const char *name) {
        struct btrfs_ioctl_vol_args_v2 a = {};
        struct btrfs_ioctl_vol_args v1 = {};
        int r = btrfs_name(a.name, name);

        if (r < 0)
                return r;
        if (ioctl(parent_fd, BTRFS_IOC_SNAP_DESTROY_V2, &a) >= 0)
                return 0;
        if (errno != ENOTTY && errno != EOPNOTSUPP)
                return negative_errno();
        strncpy(v1.name, name, sizeof(v1.name) - 1); /* before Linux 5.7 */
        return ioctl(parent_fd, BTRFS_IOC_SNAP_DESTROY, &v1) < 0 ? negative_errno() : 0;
}

/* Destroy the subvolumes nested anywhere below dir_fd (the container may have made some). */
int btrfs_destroy_below(int dir_fd) {
        DIR *d;
        int fd = dup(dir_fd), r = 0;

        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return negative_errno();
        }
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                _cleanup_close_ int sub = -EBADF;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                sub = openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                        continue;
                r = btrfs_is_subvolume(sub) ? btrfs_destroy(dir_fd, de->d_name) : btrfs_destroy_below(sub);
        }
        closedir(d);
        return r;
}

/* Destroy a subvolume and the subvolumes below it. */
int btrfs_destroy(int parent_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        int r = btrfs_destroy_one(parent_fd, name);

        if (r != -ENOTEMPTY)
                return r;
        fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        r = btrfs_destroy_below(fd);
        return r < 0 ? r : btrfs_destroy_one(parent_fd, name);
}

/* A container's mount namespace may still be on its way out when its snapshot is destroyed (the
 * kernel tears it down after the last process): retry while it says busy. */
int btrfs_destroy_wait(int parent_fd, const char *name, unsigned timeout_ms) {
        for (unsigned waited = 0;; waited += 10) {
                int r = btrfs_destroy(parent_fd, name);
                if (r != -EBUSY || waited >= timeout_ms)
                        return r == -ENOENT ? 0 : r;
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
}

/* ---- flags, facts, quota ---- */

int btrfs_subvol_get_read_only(int fd) {
        uint64_t flags;

        if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) < 0)
                return negative_errno();
        return !!(flags & BTRFS_SUBVOL_RDONLY);
}

int btrfs_subvol_set_read_only(int fd, bool read_only) {
        uint64_t flags, nflags;

        if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) < 0)
                return negative_errno();
        nflags = read_only ? flags | BTRFS_SUBVOL_RDONLY : flags & ~(uint64_t) BTRFS_SUBVOL_RDONLY;
        if (nflags == flags)
                return 0;
        return ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &nflags) < 0 ? negative_errno() : 0;
}

int btrfs_subvol_get_info(int fd, struct btrfs_subvol_info *ret) {
        struct btrfs_ioctl_get_subvol_info_args a = {};

        if (ioctl(fd, BTRFS_IOC_GET_SUBVOL_INFO, &a) < 0)
                return negative_errno();
        *ret = (struct btrfs_subvol_info){
                .id = a.treeid,
                .otime_usec = a.otime.sec * UINT64_C(1000000) + a.otime.nsec / 1000,
                .read_only = !!(a.flags & BTRFS_ROOT_SUBVOL_RDONLY),
        };
        return 0;
}

/* Items of the quota tree with objectid, type in [min_type, max_type] and offset in [min_offset,
 * max_offset]: calls fn on each. -ENOTCONN when there is no quota tree (quotas off). */
typedef void (*quota_item_fn)(uint32_t type, uint64_t offset, const void *item, uint32_t len,
                              void *userdata);

static int quota_tree_search(int fd, uint64_t objectid, uint32_t min_type, uint32_t max_type,
                             uint64_t min_offset, uint64_t max_offset, quota_item_fn fn, void *userdata) {
        struct btrfs_ioctl_search_args a = {
                .key = {.tree_id = BTRFS_QUOTA_TREE_OBJECTID,
                        .min_objectid = objectid,
                        .max_objectid = objectid,
                        .min_offset = min_offset,
                        .max_offset = max_offset,
                        .max_transid = UINT64_MAX,
                        .min_type = min_type,
                        .max_type = max_type,
                        .nr_items = 64},
        };

        if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &a) < 0)
                return errno == ENOENT ? -ENOTCONN : negative_errno();
        size_t off = 0;
        for (uint32_t i = 0; i < a.key.nr_items; i++) {
                struct btrfs_ioctl_search_header h;
                if (off + sizeof(h) > sizeof(a.buf))
                        break;
                memcpy(&h, a.buf + off, sizeof(h));
                off += sizeof(h);
                if (off + h.len > sizeof(a.buf))
                        break;
                /* the key range is (objectid, type, offset) in order: it holds items of other
                 * offsets for the types between min_type and max_type */
                if (h.objectid == objectid && h.type >= min_type && h.type <= max_type &&
                    h.offset >= min_offset && h.offset <= max_offset)
                        fn(h.type, h.offset, a.buf + off, h.len, userdata);
                off += h.len;
        }
        return (int) a.key.nr_items;
}

struct quota_search {
        struct btrfs_quota q;
        bool have_info, have_status;
        uint64_t status_flags;
};

static void quota_item(uint32_t type, uint64_t offset, const void *item, uint32_t len, void *userdata) {
        struct quota_search *s = userdata;

        if (type == BTRFS_QGROUP_STATUS_KEY && len >= sizeof(struct btrfs_qgroup_status_item)) {
                struct btrfs_qgroup_status_item st;
                memcpy(&st, item, sizeof(st));
                s->have_status = true;
                s->status_flags = le64toh(st.flags);
        } else if (type == BTRFS_QGROUP_INFO_KEY && len >= sizeof(struct btrfs_qgroup_info_item)) {
                struct btrfs_qgroup_info_item in;
                memcpy(&in, item, sizeof(in));
                s->have_info = true;
                s->q.referenced = le64toh(in.rfer);
                s->q.exclusive = le64toh(in.excl);
        } else if (type == BTRFS_QGROUP_LIMIT_KEY && len >= sizeof(struct btrfs_qgroup_limit_item)) {
                struct btrfs_qgroup_limit_item l;
                memcpy(&l, item, sizeof(l));
                uint64_t flags = le64toh(l.flags);
                if (flags & BTRFS_QGROUP_LIMIT_MAX_RFER)
                        s->q.referenced_max = le64toh(l.max_rfer);
                if (flags & BTRFS_QGROUP_LIMIT_MAX_EXCL)
                        s->q.exclusive_max = le64toh(l.max_excl);
        }
}

int btrfs_quota_enabled(int fd) {
        struct quota_search s = {};
        int r = quota_tree_search(fd, 0, BTRFS_QGROUP_STATUS_KEY, BTRFS_QGROUP_STATUS_KEY, 0, 0, quota_item,
                                  &s);

        if (r == -ENOTCONN)
                return 0;
        if (r < 0)
                return r;
        return s.have_status && (s.status_flags & BTRFS_QGROUP_STATUS_FLAG_ON);
}

#define QGROUP_LEVEL_SHIFT 48

/* The qgroup that stands for the subvolume id and everything below it: systemd's "subtree"
 * qgroup, level/id with the lowest level above 0 of which 0/id is a member (machined makes
 * 1/id), else 0/id itself. */
struct subtree_search {
        uint64_t id, best;
};

static void relation_item(uint32_t type, uint64_t parent, const void *item, uint32_t len, void *userdata) {
        struct subtree_search *s = userdata;
        uint64_t level = parent >> QGROUP_LEVEL_SHIFT;

        if (level > 0 && (parent & ((UINT64_C(1) << QGROUP_LEVEL_SHIFT) - 1)) == s->id &&
            (s->best == s->id || level < s->best >> QGROUP_LEVEL_SHIFT))
                s->best = parent;
}

static uint64_t subtree_qgroup(int fd, uint64_t id) {
        struct subtree_search s = {.id = id, .best = id};
        (void) quota_tree_search(fd, id, BTRFS_QGROUP_RELATION_KEY, BTRFS_QGROUP_RELATION_KEY, 0, UINT64_MAX,
                                 relation_item, &s);
        return s.best;
}

/* Quota on and not being rescanned; the subvolume's subtree qgroup. */
static int quota_qgroup(int fd, uint64_t *ret) {
        struct quota_search s = {};
        struct btrfs_subvol_info info;
        int r = btrfs_subvol_get_info(fd, &info);

        if (r < 0)
                return r;
        r = quota_tree_search(fd, 0, BTRFS_QGROUP_STATUS_KEY, BTRFS_QGROUP_STATUS_KEY, 0, 0, quota_item, &s);
        if (r < 0)
                return r;
        if (!s.have_status || !(s.status_flags & BTRFS_QGROUP_STATUS_FLAG_ON))
                return -ENOTCONN;
        if (s.status_flags & BTRFS_QGROUP_STATUS_FLAG_RESCAN)
                return -EBUSY;
        *ret = subtree_qgroup(fd, info.id);
        return 0;
}

int btrfs_quota_get(int fd, struct btrfs_quota *ret) {
        struct quota_search s = {.q = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}};
        uint64_t qgroup;
        int r = quota_qgroup(fd, &qgroup);

        if (r < 0)
                return r;
        r = quota_tree_search(fd, 0, BTRFS_QGROUP_INFO_KEY, BTRFS_QGROUP_LIMIT_KEY, qgroup, qgroup,
                              quota_item, &s);
        if (r < 0)
                return r;
        if (!s.have_info)
                return -ENODATA;
        *ret = s.q;
        return 0;
}

int btrfs_quota_set_limit(int fd, uint64_t referenced_max) {
        /* UINT64_MAX clears the limit */
        struct btrfs_ioctl_qgroup_limit_args a = {
                .lim = {.flags = BTRFS_QGROUP_LIMIT_MAX_RFER, .max_rfer = referenced_max},
        };
        uint64_t qgroup;
        int r = quota_qgroup(fd, &qgroup);

        if (r < 0)
                return r;
        a.qgroupid = qgroup;
        if (ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &a) >= 0)
                return 0;
        if (errno != EDQUOT)
                return negative_errno();
        /* The ioctl's transaction is charged to the subvolume of fd: one over its limit cannot
         * have the limit raised through itself. Its parent's subvolume can. */
        _cleanup_close_ int parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0)
                return -EDQUOT;
        return ioctl(parent, BTRFS_IOC_QGROUP_LIMIT, &a) < 0 ? negative_errno() : 0;
}
