/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A guard is a small child process that outlives a SIGKILLed supervisor and then undoes one host
 * side effect the kernel would not clean by itself (a cgroup, a btrfs snapshot). It waits for EOF
 * on a pipe whose write end only the supervisor holds: the supervisor closing it on a normal exit
 * (after cleaning up itself) and the kernel closing it when the supervisor dies look the same, so
 * the cleanup must be idempotent and must check that what it removes is still its own.
 *
 * The guard ignores terminal and job-control signals, runs in its own session, has /dev/null as
 * stdio and keeps only the fds it is told to keep (at their numbers), so it holds nothing of the
 * caller's open.
 */

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>

struct guard {
        pid_t pid;
        int fd; /* the pipe's write end */
};

#define GUARD_INIT                                                                                          \
        { .pid = 0, .fd = -EBADF }

typedef void (*guard_fn)(void *userdata);

/* Fork the guard. fn(userdata) runs in it once the supervisor is done or dead. */
int guard_start(struct guard *g, const char *name, const int *keep_fds, size_t n_keep, guard_fn fn,
                void *userdata);
/* The supervisor is done: wake the guard and wait for it. Idempotent. */
void guard_release(struct guard *g);
