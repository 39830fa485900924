/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * -x/--ephemeral and --template: throw-away and initial copies of a tree, never by copying it
 * when the file system can do better.
 *
 * -x never copies. A tree that is a btrfs subvolume gets a snapshot next to it,
 * PARENT/.#machine.NAME<16 hex> (inside it, .#machine.<16 hex>, if the tree is a mount point),
 * as systemd-nspawn names it. Any other tree is run through an overlay whose upper layer lives
 * on a tmpfs in the container's mount namespace (volatile.h): nothing on the host at all.
 *
 * A snapshot must not outlive nspawn, however nspawn ends:
 *   - normal exit: ephemeral_done() destroys it;
 *   - nspawn SIGKILLed: its destruction was registered with the guard (guard.h) before the
 *     snapshot was made; the guard also holds the snapshot's lock until then;
 *   - guard SIGKILLed too: the snapshot is flock()ed by its owners (nspawn and the guard share the
 *     lock); the next -x of the same tree destroys every .#machine.NAME<hex> sibling nobody holds.
 * A sweep runs only while it holds LOCK_EX on the tree, and a creator holds LOCK_SH on the tree
 * from before the snapshot exists until its lock is taken, so a sweep never sees an unlocked
 * snapshot that is still being set up.
 */

#include <stdbool.h>
#include <sys/types.h>

struct ephemeral {
        bool overlay;  /* not a subvolume (or no snapshot possible): the child overlays the tree */
        char *path;    /* the snapshot's path (the container's root), NULL with overlay */
        int parent_fd; /* the directory holding the snapshot */
        char *name;    /* the snapshot's name in it */
        int lock_fd;   /* LOCK_EX on the snapshot; with overlay LOCK_SH on the tree (its lower layer) */
        struct guard *guard; /* destroys the snapshot if nspawn is SIGKILLed (not owned) */
        int undo_id;
};

#define EPHEMERAL_INIT                                                                                      \
        { .parent_fd = -EBADF, .lock_fd = -EBADF }

struct guard;

/* Set up -x for the tree tree_fd, whose canonical path is directory (for the snapshot's name and
 * path). -EBUSY if the tree is in use read-write by another container. A snapshot's destruction
 * is registered with guard (NULL: none) before it is made. */
int ephemeral_setup(int tree_fd, const char *directory, struct guard *guard, struct ephemeral *ret);
/* Destroy the snapshot (if any) and cancel its duty with the guard, release the lock. Safe on
 * EPHEMERAL_INIT. */
void ephemeral_done(struct ephemeral *e);

/* The machine name of an ephemeral container: NAME-<16 hex>, NAME shortened so the result is a
 * valid host name (at most 64 characters). */
int ephemeral_machine_name(const char *name, char **ret);

/* Destroy the stale snapshots in parent_fd: entries named prefix + 16 hex digits that are
 * btrfs subvolumes and that nobody holds a lock on. Returns how many were removed. */
int ephemeral_sweep(int parent_fd, const char *prefix);

/*
 * --template: create directory from template_path: a btrfs snapshot when both are on the same
 * btrfs, else a copy (ownership, modes, times, xattrs, symlinks, device nodes, hard links),
 * written to PARENT/.#template.NAME<16 hex> (a subvolume on btrfs) and renamed into place, so a
 * failure leaves nothing behind: the half-made copy's removal is registered with guard (NULL:
 * none) before it exists, and cancelled once it is in place. -EEXIST if directory exists (it is
 * left alone).
 */
int template_populate(const char *template_path, const char *directory, struct guard *guard);

static inline void ephemeral_donep(struct ephemeral *e) {
        ephemeral_done(e);
}
