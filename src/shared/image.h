/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Finding, checking and locking the container's tree. */

#include <stdbool.h>
#include <stdint.h>

/* Where -M NAME looks for its image when neither -D nor -i is given. */
extern const char *const image_search_path[];

/* Find the image of machine NAME in image_search_path (or the given NULL-terminated list): in each
 * directory, NAME (a directory, or a symlink to a block device) and then NAME.raw (a regular file:
 * a disk image). Returns 0 and the malloc'ed path, or -ENOENT. */
int image_find(const char *name, const char *const *search_path, char **ret_path);

/* Resolve path once (realpath) and open the tree it names: every later step works on this fd, so
 * a component swapped afterwards cannot make the lock, the snapshot and the container different
 * trees. Returns the fd (O_RDONLY|O_DIRECTORY) and the canonical path (for messages and names). */
int image_open(const char *path, char **ret_canonical);

/* Is the image read-only as systemd's image discovery sees it: below /usr (by its canonical path),
 * on a read-only file system, immutable (chattr +i), or a read-only btrfs subvolume. */
bool image_is_read_only(int tree_fd, const char *canonical);

enum image_check {
        IMAGE_OK,
        IMAGE_NO_USR,        /* no /usr: "doesn't look like it has an OS tree" */
        IMAGE_NO_OS_RELEASE, /* -b without /etc/os-release or /usr/lib/os-release */
};
/* The OS tree checks systemd-nspawn makes, resolved inside the root. */
int image_check_os_tree(int root_fd, bool boot, enum image_check *ret);

/*
 * Lock the tree so two containers cannot run it read-write at once: flock() on the directory
 * itself, LOCK_EX (LOCK_SH with read_only). The kernel drops the lock when nspawn dies, however it
 * dies, and nothing is written on disk. Returns the fd holding the lock (its own open file
 * description of tree_fd's directory), or -EBUSY.
 */
int image_lock(int tree_fd, bool read_only);

/* The machine ID in the tree's /etc/machine-id, if it holds a valid one: 1 and the ID; 0 if
 * missing, empty or "uninitialized"; negative errno on error. */
int image_read_machine_id(int root_fd, uint8_t ret[16]);
