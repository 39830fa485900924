/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* btrfs subvolumes through file descriptors. All return 0 or a negative errno. */

#include <stdbool.h>

/* Is fd (a directory opened for reading) the root of a btrfs subvolume? */
bool btrfs_is_subvolume(int fd);
/* Snapshot the subvolume src_fd as parent_fd/name (-EEXIST if name exists). */
int btrfs_snapshot(int src_fd, int parent_fd, const char *name);
/* A new, empty subvolume parent_fd/name. */
int btrfs_subvol_create(int parent_fd, const char *name);
/* Destroy the subvolume parent_fd/name and the subvolumes below it. */
int btrfs_destroy(int parent_fd, const char *name);
/* The same, retried for up to timeout_ms while the kernel says busy (a container's mount
 * namespace may still be on its way out); a missing subvolume is not an error. */
int btrfs_destroy_wait(int parent_fd, const char *name, unsigned timeout_ms);
