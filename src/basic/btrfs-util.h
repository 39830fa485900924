/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* btrfs subvolumes through file descriptors. All return 0 or a negative errno. */

#include <stdbool.h>
#include <stdint.h>

/* Is fd (a directory opened for reading) the root of a btrfs subvolume? */
bool btrfs_is_subvolume(int fd);
/* Snapshot the subvolume src_fd as parent_fd/name (-EEXIST if name exists). */
int btrfs_snapshot(int src_fd, int parent_fd, const char *name);
/* The same, read-only if asked (a read-only source gives a writable snapshot unless asked). */
int btrfs_snapshot_full(int src_fd, int parent_fd, const char *name, bool read_only);
/* A new, empty subvolume parent_fd/name. */
int btrfs_subvol_create(int parent_fd, const char *name);
/* Destroy the subvolumes anywhere below the directory dir_fd (not dir_fd itself). */
int btrfs_destroy_below(int dir_fd);
/* Destroy the subvolume parent_fd/name and the subvolumes below it. */
int btrfs_destroy(int parent_fd, const char *name);
/* The same, retried for up to timeout_ms while the kernel says busy (a container's mount
 * namespace may still be on its way out); a missing subvolume is not an error. */
int btrfs_destroy_wait(int parent_fd, const char *name, unsigned timeout_ms);

/* The read-only flag of the subvolume fd: 1 read-only, 0 writable, or a negative errno. */
int btrfs_subvol_get_read_only(int fd);
int btrfs_subvol_set_read_only(int fd, bool read_only);

struct btrfs_subvol_info {
        uint64_t id;         /* the subvolume's tree ID (its level-0 qgroup is 0/id) */
        uint64_t otime_usec; /* creation, CLOCK_REALTIME µs */
        bool read_only;
};
/* Facts about the subvolume fd (BTRFS_IOC_GET_SUBVOL_INFO, Linux 4.18). */
int btrfs_subvol_get_info(int fd, struct btrfs_subvol_info *ret);

/* Quota of the subvolume fd: of its "subtree" qgroup as systemd-machined sets them up (level/ID
 * of the lowest level above 0 that its own qgroup 0/ID is a member of: it and what is below it),
 * else of its own 0/ID. UINT64_MAX where unknown or unlimited. */
struct btrfs_quota {
        uint64_t referenced, exclusive;
        uint64_t referenced_max, exclusive_max;
};
/* -ENOTCONN when quotas are not enabled on the file system, -EBUSY while a rescan runs (the
 * numbers are not right yet), -ENODATA when the subvolume has no qgroup. Needs CAP_SYS_ADMIN. */
int btrfs_quota_get(int fd, struct btrfs_quota *ret);
/* Is quota accounting enabled on the file system of fd? 1, 0 or a negative errno. */
int btrfs_quota_enabled(int fd);
/* Limit the data the subvolume fd refers to (UINT64_MAX: no limit), on the same qgroup. -ENOTCONN
 * when quotas are not enabled, -EBUSY during a rescan. */
int btrfs_quota_set_limit(int fd, uint64_t referenced_max);
