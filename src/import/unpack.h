/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Unpacking an image stream (a tarball or a raw disk image, compressed with xz, gzip, bzip2, zstd,
 * lz4 or not at all — recognised by content, as systemd-importd does) with libarchive, in a
 * sandboxed child process (sandbox.h: it dies with nspawnctl, has no network and holds nothing but
 * the target and the stream):
 *
 *   - a tarball is unpacked into the target directory made the child's root (fchdir + chroot on
 *     the fd nspawnctl made and holds): no member, symlink or hard link of the tarball can name
 *     anything outside it, whatever it holds. libarchive's secure flags are on as well
 *     (ARCHIVE_EXTRACT_SECURE_NODOTDOT, _SECURE_SYMLINKS, _SECURE_NOABSOLUTEPATHS): a member with
 *     ".." is refused, nothing is written through a symlink the tarball planted (the member fails),
 *     leading "/" are removed from member names as GNU tar does (the member lands inside the image);
 *     symlinks are made as they are (absolute ones point inside the guest);
 *   - the child keeps only the capabilities importd's tar keeps (CHOWN, DAC_OVERRIDE, FOWNER, FSETID,
 *     MKNOD, SETFCAP), with no_new_privs: owners (numeric), modes, times, extended attributes,
 *     ACLs and file capabilities are restored, file flags (chattr) are not;
 *   - device nodes: only the character devices a container may use (null, zero, full, random,
 *     urandom, tty, console, ptmx, net/tun) are made; any other device node is left out with a
 *     warning (a tarball cannot plant a host disk's node, world-writable, in the pool);
 *   - a bomb cannot fill the host: before every 4 MiB written and every 512 entries the target's
 *     file system is checked, and the unpack fails (ENOSPC) before its free space or free inodes
 *     would fall below a reserve — a tenth of the file system, at most 750 MiB (systemd's
 *     VAR_LIB_MACHINES_FREE_MIN) and 10% of its inodes.
 *
 * A raw image is written to the target file with its zero blocks left as holes; a QCOW2 image is
 * refused (conversion is not built).
 */

#include <stdbool.h>
#include <stdint.h>

#include "sandbox.h"

enum unpack_kind {
        UNPACK_TAR,
        UNPACK_RAW,
};

/* Start the child on target_fd: for UNPACK_TAR the new image's directory, for UNPACK_RAW its
 * regular file (written from offset 0). The stream goes to ret->stream_fd (blocking); then
 * sandbox_finish() gives the size of the uncompressed stream or the child's error, and
 * sandbox_abort() kills it. */
int unpacker_start(enum unpack_kind kind, int target_fd, struct sandbox *ret);

/* Is the character device MAJOR:MINOR one a tarball may bring (the list above)? */
bool unpack_device_allowed(unsigned major, unsigned minor);
/* The free space (bytes) and inodes to keep on a file system of this size. */
void unpack_reserve(uint64_t fs_bytes, uint64_t fs_inodes, uint64_t *ret_bytes, uint64_t *ret_inodes);
