/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Copying and removing directory trees through file descriptors only (no path is resolved twice,
 * no symlink is followed). Mount points below the top are not crossed: a mounted directory is
 * copied as an empty directory (rm-rf.h removes trees).
 */

/*
 * Copy the contents of the directory src_fd into the empty directory dst_fd, like `cp -a`:
 * regular files (reflinked where the file system can), directories, symlinks, device nodes,
 * fifos and sockets, with owner, mode, timestamps and extended attributes (ACLs and file
 * capabilities included); hard links within the tree stay hard links. dst_fd itself gets
 * src_fd's owner, mode, times and xattrs. Both fds: O_RDONLY|O_DIRECTORY.
 */
int copy_tree(int src_fd, int dst_fd);

/* Copy the contents of the regular file in to the empty regular file out: a reflink where the
 * file system can, else copy_file_range() of the data segments (holes stay holes), else
 * read/write. Both fds are left at unspecified offsets. */
int copy_file_data(int in_fd, int out_fd);
