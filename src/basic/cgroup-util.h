/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* cgroupfs through directory fds: control files, and removing cgroup trees. Knows nothing of
 * containers; used by src/cgroup/ and by the guard. */

#include <stdbool.h>

/* Write a control file: no O_CREAT (a missing file is -ENOENT, not a new file). */
int cg_write(int dir_fd, const char *file, const char *value);
/* Read a control file into a NUL-terminated malloc'ed string. */
int cg_read(int dir_fd, const char *file, char **ret);
/* The cgroup at path (relative to a hierarchy's root fd), O_PATH|O_DIRECTORY; "" is the root. */
int cg_open(int root_fd, const char *path);

/*
 * Remove the cgroup parent_fd/name and everything below it, deepest first (the guest may have
 * made sub-cgroups). A missing cgroup is success. While one is populated: with kill_procs its
 * processes are killed (cgroup.kill, else each listed process), else -EBUSY; either way the
 * removal is retried for up to wait_ms.
 */
int cg_remove_tree(int parent_fd, const char *name, bool kill_procs, unsigned wait_ms);
/* Remove the empty parents of path (relative to root_fd), deepest first, e.g. machine.slice; a
 * busy one (another container's) ends the walk. */
void cg_remove_parents(int root_fd, const char *path);
