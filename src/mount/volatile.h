/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * --volatile=yes|state|overlay, and the overlay root of -x on a tree that is not a btrfs
 * subvolume. Everything is mounted by the child in the container's own mount namespace, on top
 * of the tree's bind mount, before pivot_root: nothing appears on the host, nothing is written
 * into the image, and the kernel throws the tmpfs layers away with the namespace, however
 * nspawn ends (SIGKILL included).
 *
 *   yes      a tmpfs is the root; the image's /usr is bound read-only into it; /etc starts empty
 *   state    the image read-only, a tmpfs on /var
 *   overlay  overlayfs on /: the image is the lower layer, upper and work dirs on a tmpfs
 */

#include <stdbool.h>

#include "settings.h"

/* systemd-nspawn's limits for the volatile tmpfs (TMPFS_LIMITS_ROOTFS / _VOLATILE_STATE). */
#define VOLATILE_TMPFS_OPTIONS "mode=0755,size=25%,nr_inodes=1m"

/*
 * Supervisor side, before the container starts: --volatile=yes needs an image whose /bin, /sbin,
 * /lib and /lib64 are symlinks (into /usr) or absent. Returns 1 if the tree can be used, 0 if not
 * (the caller prints systemd's "Sorry, --volatile=yes mode is not supported ..." message), or a
 * negative errno. root_fd: the tree.
 */
int volatile_check_tree(int root_fd, enum volatile_mode mode);

/* Whether the mode wants the whole image mounted read-only (state). */
bool volatile_tree_read_only(enum volatile_mode mode);

/*
 * Child side, in its mount namespace, right after the tree was attached (tree_fd: its root):
 * stack what the mode wants on it. overlay_root: -x on a plain directory, i.e. an overlay as with
 * --volatile=overlay (with yes or state it is not needed: the image is never written then).
 * Returns an fd of the container's root-to-be (the topmost mount; a duplicate of tree_fd when
 * nothing is stacked); on failure a negative errno and a malloc'ed message in *ret_error.
 */
int volatile_mount_root(int tree_fd, enum volatile_mode mode, bool overlay_root, char **ret_error);

/* Child side, after the tree was made read-only: --volatile=state's tmpfs on /var. tree_fd: the
 * container's root (before pivot). A no-op for the other modes. */
int volatile_mount_var(int tree_fd, enum volatile_mode mode, char **ret_error);
