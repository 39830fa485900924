/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A session without a pty (nspawnctl shell when stdin or stdout is not a terminal): its stdin,
 * stdout and stderr are pipes, and these forward nspawnctl's own stdio to and from them, byte for
 * byte (binary-clean). nspawnctl's stdio is never handed into the container: only the session's
 * pipes are. Our stdin's EOF becomes the session's; output that cannot be written any more (a
 * closed pipe) is dropped so the session never blocks on it.
 */

#include <stddef.h>

struct stdio_forward;

/* in_w: the write end of the session's stdin; out_r, err_r: the read ends of its stdout and
 * stderr. Taken over (closed by stdio_forward_free()). */
int stdio_forward_new(int in_w, int out_r, int err_r, struct stdio_forward **ret);
/* Move bytes until one of extra (n ≤ 4 fds, polled for input) is readable: returns its index,
 * or a negative errno. */
int stdio_forward_wait(struct stdio_forward *f, const int *extra, size_t n);
/* The session's process has ended: write out what it left in the pipes (without waiting for
 * processes it left behind that still hold them). */
void stdio_forward_drain(struct stdio_forward *f);
struct stdio_forward *stdio_forward_free(struct stdio_forward *f);
