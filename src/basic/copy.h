/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Copying directory trees through file descriptors (no path is resolved twice, no symlink is
 * followed). Mount points below the top are not crossed: a mounted directory is copied as an
 * empty directory (rm-rf.h removes trees).
 *
 * Either side may belong to someone who changes it while we copy (a container's guest, for
 * nspawnctl copy-to and copy-from): nothing is ever reached through a symlink, a source file is
 * only opened once it is known to be a regular file (a FIFO or device node is never opened, so
 * it neither blocks nor reads a device), and what is made is made new (O_EXCL, mkdirat ...).
 */

/* copy_entry_at(): stop with -EINTR as soon as SIGINT, SIGTERM or SIGHUP is pending (the caller
 * blocks them for the copy, so that an interrupted copy is removed rather than left half-done). */
#define COPY_SIGINT (1U << 0)

/*
 * Copy the contents of the directory src_fd into the empty directory dst_fd, like `cp -a`:
 * regular files (reflinked where the file system can), directories, symlinks, device nodes,
 * fifos and sockets, with owner, mode, timestamps and extended attributes (ACLs and file
 * capabilities included); hard links within the tree stay hard links. dst_fd itself gets
 * src_fd's owner, mode, times and xattrs. Both fds: O_RDONLY|O_DIRECTORY.
 */
int copy_tree(int src_fd, int dst_fd);
/* The same with flags (COPY_SIGINT: -EINTR when a signal asks to stop; the caller removes dst). */
int copy_tree_full(int src_fd, int dst_fd, unsigned flags);

/*
 * Copy src_dir/src_name (a file, a symlink as a symlink, a directory with everything below it as
 * copy_tree(), a device node, FIFO or socket as such) to dst_dir/dst_name, which must not exist
 * (-EEXIST, also for a dangling symlink). On failure nothing of the copy is left.
 */
int copy_entry_at(int src_dir, const char *src_name, int dst_dir, const char *dst_name, unsigned flags);

/* Copy the contents of the regular file in to the empty regular file out: a reflink where the
 * file system can, else copy_file_range() of the data segments (holes stay holes), else
 * read/write. Both fds are left at unspecified offsets. */
int copy_file_data(int in_fd, int out_fd);
