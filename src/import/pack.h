/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Packing an image for export-tar and export-raw with libarchive, in a sandboxed child process
 * (sandbox.h: it dies with nspawnctl, has no network and holds only the image and the stream).
 *
 * A tree is read from inside: the child's root is the image directory (fchdir + chroot on the fd
 * nspawnctl opened), so a symlink the guest planted, even one swapped in while it is read, never
 * leads out of it; it keeps only CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH. The archive is what
 * systemd-importd's tar writes: POSIX (pax, ustar where it can) with "./"-prefixed members, numeric
 * owners, modes, times, hard links, extended attributes, ACLs and file capabilities, symlinks as
 * they are; then compressed (uncompressed, xz, gzip, bzip2 or zstd).
 *
 * A raw image's file is compressed as it is.
 */

#include "import-util.h"
#include "sandbox.h"

enum pack_kind {
        PACK_TAR,
        PACK_RAW,
};

/* source_fd: the image's directory (PACK_TAR) or its file (PACK_RAW). The archive comes out of
 * ret->stream_fd; at its end sandbox_finish() reports the child's error, if any. */
int packer_start(enum pack_kind kind, int source_fd, enum import_compression compression,
                 struct sandbox *ret);
