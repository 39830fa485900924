/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Doing something in another process's mount and cgroup namespaces, and coming back. The supervisor
 * uses it to mount /sys/fs/cgroup in the container while the container's PID 1 goes on (spawn.c).
 * The calling process must be single-threaded (setns of a mount namespace needs an fs_struct of
 * its own). While inside, our root and working directory are the other namespace's root.
 */

#include <errno.h>

/* What it takes to come back: our namespaces, root and working directory. */
struct ns_return {
        int mnt_fd, cgroup_fd, root_fd, cwd_fd;
};

#define NS_RETURN_INIT                                                                                      \
        { .mnt_fd = -EBADF, .cgroup_fd = -EBADF, .root_fd = -EBADF, .cwd_fd = -EBADF }

/* Open what it takes to come back (our namespaces, root and working directory), ahead of
 * ns_enter() (which opens them itself if this was not done). */
int ns_return_prepare(struct ns_return *back);

/* Enter the mount and cgroup namespaces of the process pidfd refers to (one setns, so both or
 * neither). *back: prepared (ns_return_prepare()) or NS_RETURN_INIT. On failure we are where we
 * were and *back is closed. */
int ns_enter(int pidfd, struct ns_return *back);

/* Just close *back's fds. */
void ns_return_close(struct ns_return *back);

/* Come back and close *back's fds. -ENOTRECOVERABLE if that failed: the process is then still in
 * the other namespaces, or without its root, and must not act on the host any more. */
int ns_return(struct ns_return *back);
