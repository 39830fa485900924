/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A guard is a small child process that outlives a SIGKILLed supervisor and then undoes one host
 * side effect the kernel would not clean by itself (a cgroup, a btrfs snapshot). It waits on a
 * socket whose write end only the supervisor holds: EOF means the supervisor died (the kernel closed
 * the socket), and the guard cleans up; a "done" byte first means the supervisor cleaned up itself,
 * and the guard just exits. The cleanup must still be idempotent and check that what it removes
 * is its own (a supervisor killed between its own clean-up and the byte).
 *
 * The guard ignores terminal and job-control signals, runs in its own session, has /dev/null as
 * stdio and keeps only the fds it is told to keep (at their numbers), so it holds nothing of the
 * caller's open. It cleans up at the lowest priority (nice 19).
 */

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>

struct guard {
        pid_t pid;
        int fd; /* the supervisor's end of the socket pair */
};

#define GUARD_INIT                                                                                          \
        { .pid = 0, .fd = -EBADF }

typedef void (*guard_fn)(void *userdata);

/* One more thing a guard undoes, for a guard owned elsewhere: the fds it must keep open (at the
 * same numbers) and the function it then runs. */
struct guard_duty {
        int fds[4];
        size_t n_fds;
        guard_fn fn;
        void *userdata;
};

/* Fork the guard. fn(userdata) runs in it once the supervisor is done or dead. */
int guard_start(struct guard *g, const char *name, const int *keep_fds, size_t n_keep, guard_fn fn,
                void *userdata);
/* The guard keeps duplicates of these fds (at most MSG_MAX_FDS) open until it exits, so that
 * their last close — a costly one, such as the container's file system that its notify socket
 * holds — happens there, after the supervisor is gone. The caller closes its own. */
int guard_adopt_fds(struct guard *g, const int *fds, size_t n);
/* The supervisor is done and has cleaned up: tell the guard so; it exits by itself (without
 * its cleanup) and is not waited for. Idempotent. */
void guard_release(struct guard *g);
/* The supervisor is done and leaves the cleanup to the guard: once the guard has closed what it
 * inherited but must not keep (it says so right after its start), our end of the socket is
 * closed without the "done" byte, so the guard runs its function now, as after our death, while
 * we go on (it is not waited for). -ESRCH if there is no guard (never started, released, or gone:
 * then the caller must clean up itself). */
int guard_hand_over(struct guard *g);
