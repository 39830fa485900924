/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Dissection of a disk image as systemd does it (libblkid, never a GPT reader of our own): a bare
 * file system is the root; a GPT is read by the Discoverable Partitions Specification (root and
 * /usr of this architecture — else its secondary one — /home, /srv, /var, /var/tmp, the ESP,
 * XBOOTLDR, swap, the verity partitions; a single generic Linux partition is the root when no
 * root is marked); an MBR by its single bootable 0x83 partition (0xEA: XBOOTLDR). The image
 * policy decides which partitions may exist, must be absent or are ignored (image-policy.h).
 * Only reads: works on a regular file or a block device alike.
 */

#include <stdbool.h>
#include <stdint.h>

#include "image-policy.h"

struct dissected_partition {
        bool found;
        bool ignored;   /* there, but the policy says "unused" */
        int partno;     /* 0: the whole device (a bare file system) */
        uint64_t start; /* bytes */
        uint64_t size;  /* bytes */
        uint64_t gpt_flags;
        bool rw; /* GPT read-only flag off, not a read-only file system type */
        bool growfs;
        char fstype[32]; /* as blkid names it: "ext4", "squashfs", "crypto_LUKS"; empty: unknown */
        char label[128]; /* the GPT partition name */
        int arch;        /* index of the architecture that matched; -1 none (generic) */
};

struct dissected_image {
        struct dissected_partition partitions[_PARTITION_DESIGNATOR_MAX];
        bool single_filesystem; /* a bare file system, no partition table */
        bool has_verity_sig;    /* a verity signature partition (not used without --root-hash=) */
};

/* want_verity: --root-hash= was given (the root's verity partitions are then used and the root
 * is read-only). Errors as systemd's (dissect_image_error_message() words them): -ENOPKG nothing
 * recognised, -ENXIO no root, -ENOTUNIQ several generic partitions, -EADDRNOTAVAIL verity data
 * without its partition, -ERFKILL refused by the policy (the detail in *ret_detail),
 * -ENOMSG nothing usable. */
int dissect_image(int fd, const struct image_policy *policy, bool want_verity, struct dissected_image *ret,
                  char **ret_detail);

/* systemd-nspawn's message for a dissection error r of image name. */
int dissect_error_message(int r, const char *name, char **ret_error);

/* The file system types that are read-only by nature. */
bool fstype_is_ro(const char *fstype);
