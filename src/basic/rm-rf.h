/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Removing directory trees through file descriptors only: no path is resolved twice, no symlink
 * is followed, and nothing below another mount (a bind mount, a btrfs subvolume) is entered. */

/* Remove everything below the directory dir_fd (O_RDONLY|O_DIRECTORY), not crossing mounts. */
int rm_rf_children(int dir_fd);
/* Remove parent_fd/name and everything below it; a missing name is not an error. */
int rm_rf_at(int parent_fd, const char *name);
