/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Tarballs that hold their OS tree in a single top-level directory ("stage3/etc/os-release"
 * instead of "etc/os-release"): systemd 252's import_mangle_os_tree() moves that tree one level
 * up, so the image is the OS tree. Only when the top has no os-release and holds exactly one
 * entry, a directory that has one.
 */

/* 1 and the directory's name when the tree was moved up, 0 when it was left as it is. The
 * directory's owner, mode and times become the top's. */
int os_tree_mangle(int tree_fd, char **ret_moved);
/* Has the tree an os-release (/etc/os-release or /usr/lib/os-release, as a file or symlink)? */
int os_tree_has_os_release(int tree_fd);
