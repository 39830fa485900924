/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The guard: one small process per nspawn (the program nspawn-guard, guard-main.c) that undoes
 * nspawn's host effects once nspawn is gone, however it ends — a normal exit, a failed start, or
 * SIGKILL at any moment.
 *
 * nspawn starts it before its first host effect (guard_start()). Every mechanism that makes an
 * effect the kernel does not clean up by itself (a cgroup, the machine's registry record, a
 * btrfs snapshot, a half-made template copy, an overlay work dir; later veth links, nft rules,
 * uid-range leases, loop devices) registers its undo (undo.h) with guard_push() BEFORE it makes
 * the effect, so the duty to undo exists before the effect does. The guard keeps the duties in
 * order. When nspawn's end of the socket closes — nspawn handed over (guard_hand_over()) or died —
 * the guard carries them out in reverse order and exits. What nspawn removes itself (before a
 * restart, a snapshot it must destroy before it exits) it cancels (guard_cancel()), or it may
 * leave the duty in place: every undo is idempotent.
 *
 * The guard is a helper program (helper.h): nspawn waits neither for its exec nor for a copy of its
 * page tables; it only checks the guard's "ready" message before the first duty. The guard holds
 * nothing of nspawn's but its socket and the fds the duties carry.
 */

#include <stdint.h>

#include "undo.h"

struct guard;

/* Spawn the guard (the nspawn-guard program next to the running binary, else in LIBEXECDIR). */
int guard_start(struct guard **ret);
/* The same with the program at path (unit tests; NULL: as guard_start()). */
int guard_start_at(const char *path, struct guard **ret);

/* Register an undo; returns its id (> 0). The fds of u are passed (duplicated) to the guard; the
 * caller keeps its own. The first call waits for the guard's "ready": -ESRCH if it is gone. A
 * NULL guard (unit tests) accepts everything and returns 0. */
int guard_push(struct guard *g, const struct undo *u);
/* Replace duty id (e.g. the record after a rewrite: its new inode). */
int guard_update(struct guard *g, int id, const struct undo *u);
/* Duty id is done (nspawn undid it itself) or no longer wanted (the effect became permanent). */
int guard_cancel(struct guard *g, int id);

/* nspawn is done: the guard carries out every duty now, in reverse order, while nspawn goes on
 * (it is not waited for). Frees g. */
void guard_hand_over(struct guard *g);
/* nspawn is done and has undone everything itself: the guard exits without undoing. Frees g. */
void guard_release(struct guard *g);
