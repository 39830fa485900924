/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Undo duties: what the guard (guard.h) removes when nspawn is gone. Each mechanism that makes a
 * host effect the kernel does not clean up by itself describes its undo here and registers it
 * with the guard BEFORE it makes the effect, so there is no moment at which the effect exists
 * and nobody would remove it. Every undo is therefore idempotent and tolerates an effect that
 * was never made (or was removed by nspawn itself already): a missing object is success.
 *
 * The same functions run in the guard process (src/guard/guard-main.c, a tiny static program)
 * and, where nspawn must remove something itself before it goes on (a restart, a failed start),
 * in nspawn.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum undo_kind {
        /* fds: the roots of cgroup hierarchies; path: a cgroup below each. The cgroup and the ones
         * below it are removed deepest first once empty, in each hierarchy. Nothing is killed: the
         * container's processes die with its PID 1 (PR_SET_PDEATHSIG, then the PID namespace), which empties
         * it; the undo waits for that (UNDO_WAIT_MS). UNDO_PRUNE: also the empty parents (slices). */
        UNDO_CGROUP,
        /* fds[0]: a directory; path: an entry in it; fds[1..]: open files whose inodes are ours.
         * The entry (and the entry named path2, if any) is unlinked if it is one of those inodes.
         * The fds are held until then, and with them their flock()s: a machine record
         * (src/shared/registry.h) stays locked, i.e. "closing", until it is removed. With
         * UNDO_LOCK_FILE, fds[1] holds an OFD lock of a systemd lock file (lock-file.h): it is
         * unlinked only if that lock can be made exclusive (no other holder). */
        UNDO_FILE,
        /* fds[0]: a directory; path: an entry in it, removed with everything below it without
         * crossing into other mounts (a btrfs subvolume is destroyed, waiting while the kernel
         * says busy); fds[1..] are held until then (a lock of the tree). */
        UNDO_TREE,
        /* fds: held open until the guard exits (after every undo), so that their last close — a
         * costly one, such as the container's devpts behind the console's pty master — happens
         * off nspawn's exit path. Nothing to undo. */
        UNDO_KEEP,
        /* fds[0]: /dev/mapper/control; path: a device-mapper device's name. The device is removed
         * (deferred: when its last user goes, if it is in use). A dm-verity device of -i is only
         * ours between its creation and nspawn's own deferred removal (src/image/verity.c). */
        UNDO_DM,
        /* fds[0]: a program (O_PATH); fds[1..]: its fds 3, 4, …; path: its arguments, separated by
         * single spaces (names only: no quoting); path2: its argv[0]. For an undo that needs a
         * library the guard does not link: the rtnetlink of nspawn-net (network.h) — the guard
         * stays a small static program. The program runs with an empty environment, "/" as working
         * directory and /dev/null as stdio, and is waited for (wait_ms at most, then killed); exit
         * status 0 is success. It must tolerate an effect that is gone (the helper itself may have
         * undone it). */
        UNDO_EXEC,
        _UNDO_KIND_MAX,
};

enum {
        UNDO_PRUNE = 1 << 0,     /* UNDO_CGROUP: remove the empty parents of path too */
        UNDO_LOCK_FILE = 1 << 1, /* UNDO_FILE: a lock file, removed by its last holder only */
};

#define UNDO_MAX_FDS 16 /* MSG_MAX_FDS: one message */
#define UNDO_WAIT_MS (10 * 1000)

struct undo {
        enum undo_kind kind;
        unsigned flags;
        const char *path;  /* relative to fds[0]; NULL for UNDO_KEEP; UNDO_EXEC: the arguments */
        const char *path2; /* UNDO_FILE: a second name (a record's temporary link), or NULL;
                              UNDO_EXEC: argv[0] */
        int fds[UNDO_MAX_FDS];
        size_t n_fds;
};

const char *undo_kind_to_string(enum undo_kind k);

/* Carry out one undo (see above). wait_ms bounds the waits for busy objects (0: try once). */
int undo_run(const struct undo *u, unsigned wait_ms);

/*
 * The wire format between nspawn and the guard: one SOCK_SEQPACKET message per operation, its
 * first byte the operation, then struct undo_wire and path\0path2\0, the fds as SCM_RIGHTS.
 */
enum guard_op {
        GUARD_OP_READY = 'R',  /* guard → nspawn: started, holds nothing of nspawn's but its socket */
        GUARD_OP_PUSH = 'P',   /* a new duty, id = the previous id + 1 (the first is 1) */
        GUARD_OP_UPDATE = 'U', /* duty id is replaced (its old fds are closed) */
        GUARD_OP_CANCEL = 'C', /* duty id is done (by nspawn) or no longer wanted */
        GUARD_OP_DONE = 'D',   /* nspawn undid everything itself: exit without undoing */
};

struct undo_wire {
        uint32_t id;
        uint16_t kind;
        uint16_t flags;
        /* then path\0path2\0 (empty strings for none) */
};

#define UNDO_WIRE_MAX (sizeof(struct undo_wire) + 2 * 4096)

/* Encode u as a message payload into buf (at least UNDO_WIRE_MAX bytes); returns its size. */
int undo_wire_encode(const struct undo *u, uint32_t id, char *buf, size_t size);
/* Decode a payload: *ret points into buf (paths); the fds are set by the caller. */
int undo_wire_decode(const char *buf, size_t size, uint32_t *ret_id, struct undo *ret);
