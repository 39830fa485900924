/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What copy-to, copy-from and bind share: a running container's file system as the host reaches
 * it without entering it. The leader is proven first (machine_leader(): a pidfd whose start
 * time is the record's); everything below is opened through /proc/LEADER/... and checked
 * against that pidfd afterwards.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "machine.h"

/* The leader's root directory (O_PATH|O_DIRECTORY): the container's tree as its PID 1 sees it.
 * A walk from it crosses the container's own mounts (its /tmp is its tmpfs); open paths below
 * it with chase_open() (RESOLVE_IN_ROOT), so that no symlink or ".." of the guest leads out. */
int guest_open_root(struct machine *m);

/* 1 if the leader is in a user namespace other than ours (its files' owners would need a
 * mapping), 0 if not. */
int guest_userns_differs(struct machine *m);

/* machined's UID shift of the leader's user namespace: its host UID of root, from a map of one
 * line "0 SHIFT COUNT" with the same for GIDs (0 without a user namespace of its own); -ENXIO
 * for any other ("a complex UID/GID mapping"). */
int guest_uid_shift(struct machine *m, uid_t *ret);

/* mkdir -p of path inside the guest (root_fd from guest_open_root()), the last component a
 * directory, or an empty regular file (0600) when last_is_file; what exists is left as it is.
 * Each component is resolved from the root as the guest would (its symlinks stay inside) and
 * created below the fd of its parent, never through a path. */
int guest_mkdir_p(int root_fd, const char *path, bool last_is_file);

/* The text after "PREFIX: " for an error of machine_leader() (the record's own problem for
 * -ENOKEY, else strerror). */
const char *guest_leader_strerror(int r);
