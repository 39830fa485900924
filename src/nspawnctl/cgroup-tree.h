/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A machine's cgroup2 subtree (its path as in the record's CGROUP=, relative to the cgroup2
 * mount): shown as systemd's cgroup tree, and signalled process by process through pidfds, each
 * proven to be inside the subtree before it is signalled.
 */

#include <stdbool.h>
#include <stdio.h>

/* Where cgroup2 is mounted: /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid);
 * -ENOMEDIUM if nowhere. */
int cgroup2_mount(const char **ret);
/* An absolute cgroup path without "." or ".." components, as written by nspawn. */
bool cgroup_path_valid(const char *path);

/* Print the tree of path below prefix: its processes ("├─PID cmdline"), then each non-empty
 * child cgroup (all with show_empty) and its tree, as systemd's show_cgroup_by_path(). */
int cgroup_show_tree(const char *path, const char *prefix, bool show_empty, FILE *f);

/* Send sig to every process of path's subtree, until a pass finds no process it has not
 * signalled yet. A process is signalled through a pidfd, and only if /proc shows it inside the
 * subtree while the pidfd's process still lives. Returns the number signalled, or -errno of the
 * first failure to signal one (EPERM). */
int cgroup_kill_recursive(const char *path, int sig);
