/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* File descriptor passing and small fd helpers. */

#include <stddef.h>
#include <sys/types.h>

#define MSG_MAX_FDS 16

/* Send a typed message (one byte type, payload, up to MSG_MAX_FDS fds) over a SOCK_SEQPACKET
 * socket. */
int msg_send_fds(int sock, char type, const void *data, size_t size, const int *fds, size_t n_fds);
/* Receive one: returns the payload size + 1 (the type byte), 0 at EOF, or -errno. Up to *n_fds
 * fds (at most MSG_MAX_FDS) are kept, *n_fds is set to how many; received fds beyond are closed. */
ssize_t msg_recv_fds(int sock, char *ret_type, void *buf, size_t size, int *ret_fds, size_t *n_fds);

/* Write a whole buffer (retrying on EINTR and partial writes). */
int write_all(int fd, const void *buf, size_t size);
/* Read at most max bytes of fd into a NUL-terminated malloc'ed string; returns the length. */
int read_fd(int fd, char **ret, size_t max);
/* Read a small file into a NUL-terminated malloc'ed string. */
int read_file_at(int dir_fd, const char *path, char **ret, size_t max);
/* mkdir -p of an absolute host path: missing parents get 0755, the last component mode; the
 * directories it creates get exactly those modes whatever the umask. Existing ones are left. */
int mkdir_p(const char *path, mode_t mode);
/* Give the anonymous file fd (O_TMPFILE) the name dir_fd/name: -EEXIST if it is taken. */
int link_tmpfile(int fd, int dir_fd, const char *name);
/* Create/truncate a file at path (relative to dir_fd, no symlink followed) with contents. */
int write_file_at(int dir_fd, const char *path, const char *contents, mode_t mode);

/* Close every fd from 3 up except the ones in keep (any order; negative ones are ignored). */
int close_all_fds_but(const int *keep, size_t n);
