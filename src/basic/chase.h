/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * Paths inside a container tree belong to the guest. These open them relative to a root fd
 * without ever leaving the root (openat2 RESOLVE_IN_ROOT, no magic links), so a symlink in the
 * image can never point nspawn at a host file.
 */

#include <fcntl.h>
#include <sys/stat.h>

/* openat2(root_fd, path, flags, mode, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS). fd or -errno. */
int chase_open(int root_fd, const char *path, int flags, mode_t mode);
/* Like chase_open, but no symlink at all is followed (RESOLVE_NO_SYMLINKS). */
int chase_open_nofollow(int root_fd, const char *path, int flags, mode_t mode);
/* A regular file as chase_open() resolves it, opened read-only without blocking on a FIFO or
 * opening a device: -EBADMSG if it is anything else. */
int chase_open_regular(int root_fd, const char *path);
/* Its contents (at most max bytes) as a NUL-terminated malloc'ed string; returns the length. */
int chase_read_regular(int root_fd, const char *path, size_t max, char **ret);
/* mkdir -p inside root_fd, refusing any symlink on the way; returns an O_PATH|O_DIRECTORY fd
 * of the final directory. */
int chase_mkdir_p(int root_fd, const char *path, mode_t mode);
