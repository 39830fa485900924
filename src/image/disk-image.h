/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * -i/--image: a raw disk image or block device made into one detached mount tree, in the
 * supervisor, before anything of the container exists: opened (and locked), a loop device
 * attached (loop.h: autoclear, gone with its last reference), dissected under the image policy
 * (dissect.h), verity set up where asked (verity.h), its partitions mounted with fsmount() and
 * assembled — root, /usr, /home, /srv, /var, /var/tmp, the ESP on /efi (or /boot), XBOOTLDR on
 * /boot — as one tree that no host mount point ever shows. The child attaches a clone of it as it
 * attaches a directory's bind (host.c, mount.c). Nothing here needs an undo: the tree and the
 * loop device go when nspawn and the container's mount namespace are gone.
 */

#include <stdbool.h>

#include "dissect.h"
#include "image-policy.h"
#include "loop.h"

struct guard;

struct disk_image_options {
        bool read_only;                    /* --read-only: everything read-only, the loop device too */
        const struct image_policy *policy; /* NULL: systemd-nspawn's default (image_policy_container) */
        const char *root_hash;             /* --root-hash= (hex), NULL: none */
        const char *root_hash_sig;         /* --root-hash-sig= (path or "base64:…") */
        const char *verity_data;           /* --verity-data= */
        struct guard *guard;               /* removes a verity device if nspawn dies while it sets it up */
};

struct disk_image {
        int image_fd; /* the file or device, open: its flock is the image's lock */
        struct loop_device loop;
        struct loop_device verity_loop; /* --verity-data= of a regular file */
        struct dissected_image dissected;
        int tree_mnt;   /* the assembled detached tree (an O_PATH fd of its root directory) */
        bool read_only; /* the root is mounted read-only */
};
#define DISK_IMAGE_INIT                                                                                     \
        { .image_fd = -EBADF, .loop = LOOP_DEVICE_INIT, .verity_loop = LOOP_DEVICE_INIT, .tree_mnt = -EBADF }

/* Returns 0, or a negative errno and systemd-nspawn's message (e.g. "IMAGE: image does not match
 * image policy.", "Disk image IMAGE is currently busy."). */
int disk_image_open(const char *path, const struct disk_image_options *o, struct disk_image *ret,
                    char **ret_error);
void disk_image_done(struct disk_image *d);

/* Is path a disk image rather than a directory (a regular file or a block device)? */
bool disk_image_path_is_image(const char *path);
