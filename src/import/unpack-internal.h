/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The unpacker child's parts (unpack.c: the process; unpack-tar.c, unpack-raw.c: the formats). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct archive;

/* Bounds the child keeps to (unpack.h, "a bomb"). */
struct unpack_space {
        int fd;                 /* on the target's file system */
        uint64_t since_check;   /* bytes written since the last look */
        unsigned entries;       /* entries since the last look */
        uint64_t reserve_bytes; /* set at the first look */
        uint64_t reserve_inodes;
};
#define UNPACK_CHECK_BYTES (UINT64_C(4) << 20)
#define UNPACK_CHECK_ENTRIES 512

/* About to write n bytes (or make an entry, n == 0): -ENOSPC (message in *error) when that could
 * take the file system below the reserve. */
int unpack_space_check(struct unpack_space *s, size_t n, bool entry, char **error);

/* A libarchive reader with the decompression filters (gzip, bzip2, xz, lzma, zstd, lz4) and format
 * (tar, or raw for a disk image), not opened yet. */
struct archive *unpack_reader_new(bool tar);

/* Unpack the tarball on the reader into the current root ("/", the chroot). */
int unpack_tar(struct archive *a, struct unpack_space *space, char **error);
/* Write the raw stream on the reader to out_fd. */
int unpack_raw(struct archive *a, int out_fd, struct unpack_space *space, char **error);
