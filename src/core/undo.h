/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Every host-side effect is pushed here the moment it exists; teardown runs the list in reverse
 * on every exit path. (Effects that must also survive a SIGKILL of nspawn are designed to be
 * cleaned by the kernel instead: locks are flock()s, throw-away directories live in the
 * container's own mount namespace.)
 */

#include <stddef.h>

struct undo_entry {
        void (*fn)(void *data);
        void *data;
};

struct undo {
        struct undo_entry *entries;
        size_t n;
};

/* On failure fn(data) is run at once, so the effect is never left behind. */
int undo_push(struct undo *u, void (*fn)(void *data), void *data);
void undo_run(struct undo *u);
