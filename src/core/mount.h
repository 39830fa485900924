/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The container's file system, built by the child in its new mount namespace.
 *
 * The order avoids ever resolving a guest path on the host:
 *   1. mount_prepare(), before pivot_root: make / a slave, bind the image tree to itself, and open
 *      everything that comes from the host (bind sources, overlay layers, os-release) as detached
 *      mounts (open_tree/fsmount) — host paths only, nothing inside the image is looked at.
 *   2. pivot_root into the tree and detach the old root: from here on the host is unreachable.
 *   3. mount_finish(), in the container's root: API file systems from the table, /dev, /run/host,
 *      /proc masks, custom mounts (sorted by destination), read-only remounts. Every mount point is
 *      opened with RESOLVE_NO_SYMLINKS: an image whose /dev or /proc is a symlink is refused.
 */

#include <stdbool.h>
#include <stdint.h>

#include "settings.h"

struct mount_context {
        const struct settings *settings;
        const char *root;           /* host path of the tree */
        const char *uuid_string;    /* dashed container UUID, for /run/host/container-uuid */
        bool private_network;
        /* filled by mount_prepare */
        int *detached_fds; /* one per custom mount (-EBADF if made later), then os-release */
        int os_release_fd;
        char *error;       /* malloc'ed message on failure: "Failed to mount tmpfs on /tmp: ..." */
};

int mount_prepare(struct mount_context *ctx);
int mount_pivot(struct mount_context *ctx);
int mount_finish(struct mount_context *ctx);
void mount_context_done(struct mount_context *ctx);
