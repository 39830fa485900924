/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Loop devices for -i/--image: attached with LOOP_CONFIGURE and LO_FLAGS_AUTOCLEAR, so the kernel
 * detaches one when its last reference goes — our fd, and the mounts made from it, which live
 * only in detached trees and the container's mount namespace. However nspawn ends (SIGKILL
 * included), nothing is left to undo. Partitions are added with BLKPG_ADD_PARTITION from what
 * the dissection found (a kernel without partition table parsers, as this project's test
 * machine, finds none by itself) and go with the device.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct loop_device {
        int fd; /* the whole device, open: keeps it attached until the mounts hold it */
        int nr; /* /dev/loopN */
        dev_t devno;
        bool read_only;
};
#define LOOP_DEVICE_INIT                                                                                    \
        { .fd = -EBADF, .nr = -1 }

/* A new loop device over backing_fd (a regular file or a block device), autoclear, partition
 * scanning on, read-only if asked. */
int loop_attach(int backing_fd, bool read_only, struct loop_device *ret, char **ret_error);

/* Partition partno (start and size in bytes) of the device: added unless the kernel has it at that
 * place already, then opened (its node in /dev, checked to be that partition). Returns the fd. */
int loop_partition_open(const struct loop_device *l, int partno, uint64_t start, uint64_t size,
                        char **ret_error);

void loop_device_done(struct loop_device *l);
