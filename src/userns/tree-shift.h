/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * --private-users-ownership=chown: the tree's owners are shifted on disk, once, from the range it
 * is in to the container's. Each uid and gid u becomes to + rel(u), rel(u) = u - from for u in
 * [from, from + range), else the low 16 bits of u (systemd-nspawn's "patch uid"); ids whose rel is
 * outside the range are left alone. POSIX ACL entries are shifted the same way; the setuid and
 * setgid bits and the file capabilities that chown(2) drops are put back. Mounts below the tree
 * are not entered (a bind mount's files are not the image's), symlinks are changed, never followed.
 *
 * The root directory is changed last: its owner records the shift (the tree's base is its owner's
 * high 16 bits), so a run that was interrupted is redone from the start next time, and a tree
 * shifted already costs one stat.
 */

#include <stddef.h>
#include <stdint.h>

/* The tree's base: its root directory's owner & 0xFFFF0000 (-EBADMSG: uid and gid differ there). */
int tree_base(int tree_fd, uint32_t *ret);

/* Shift below tree_fd (an O_PATH or O_DIRECTORY fd of the tree's root) from base `from` to `to`.
 * Nothing to do when they are equal. */
int tree_shift(int tree_fd, uint32_t from, uint32_t to, uint32_t range);

/* The shifted id (exposed for the unit tests). */
uint32_t tree_shift_id(uint32_t id, uint32_t from, uint32_t to, uint32_t range);
/* Shift the ids of a system.posix_acl_* xattr value in place; -EBADMSG if it is not one. */
int tree_shift_acl(void *value, size_t size, uint32_t from, uint32_t to, uint32_t range);
