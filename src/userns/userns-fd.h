/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * User namespaces as objects: writing a process's maps, making a namespace of given maps for an
 * id-mapped mount, and setting such a mount's id map. The supervisor's side (host root).
 */

#include <stdbool.h>
#include <sys/types.h>

#include "userns-map.h"

/* Write pid's gid_map and uid_map (the writer must be privileged over them: host root). */
int userns_write_maps(pid_t pid, const struct userns_map *uid, const struct userns_map *gid);

/* The same through newuidmap/newgidmap (setuid helpers of shadow's uidmap package), for an
 * unprivileged caller whose /etc/subuid and /etc/subgid allow the ranges. On failure a malloc'ed
 * message (the helper's stderr) in *ret_error. */
int userns_write_maps_helper(pid_t pid, const struct userns_map *uid, const struct userns_map *gid,
                             char **ret_error);

/* A user namespace with these maps, as an fd (O_RDONLY of its nsfs file): a short-lived child is
 * cloned into a new user namespace, its maps written, its namespace opened, then it exits. */
int userns_make_fd(const struct userns_map *uid, const struct userns_map *gid);

/* Give the detached mount mnt_fd (and with recursive every mount below it) the id map of the
 * user namespace userns_fd: an on-disk id k appears as the host id that userns_fd maps k to.
 * -EINVAL/-EOPNOTSUPP/-EPERM: a file system that cannot (userns_idmap_unsupported()). */
int userns_idmap_mount(int mnt_fd, int userns_fd, bool recursive);
/* Does r mean "this file system (or kernel) has no id-mapped mounts" rather than a failure? */
bool userns_idmap_unsupported(int r);
