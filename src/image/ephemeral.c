/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * -x snapshots and --template (see ephemeral.h). Runs in the supervisor, on the host, before the
 * container exists.
 */

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "ephemeral.h"
#include "btrfs-util.h"
#include "guard.h"
#include "image-tmp.h"
#include "macro.h"

#define SNAPSHOT_PREFIX ".#machine."
#define TEMPLATE_PREFIX ".#template."

/* ---- names ---------------------------------------------------------------------------------- */

int ephemeral_machine_name(const char *name, char **ret) {
        char hex[TMP_HEX_LEN + 1];
        int r = tmp_random_hex(hex);

        if (r < 0)
                return r;
        /* 64 = HOST_NAME_MAX; "-" and the suffix take 17 */
        return asprintf(ret, "%.47s-%s", name, hex) < 0 ? -ENOMEM : 0;
}

/* ---- locks and the sweep -------------------------------------------------------------------- */

/* flock with a short patience: a sweep holds LOCK_EX on the tree only for a moment. */
static int lock_wait(int fd, int op, unsigned timeout_ms) {
        for (unsigned waited = 0;; waited += 10) {
                if (flock(fd, op | LOCK_NB) >= 0)
                        return 0;
                if (errno != EWOULDBLOCK)
                        return negative_errno();
                if (waited >= timeout_ms)
                        return -EBUSY;
                nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        }
}

/* systemd-nspawn keeps its lock in a file next to the snapshot, .#NAME.lck: a snapshot with one
 * belongs to a systemd-nspawn and is never ours to sweep. */
static bool has_systemd_lock(int parent_fd, const char *name) {
        char lck[NAME_MAX + 16];

        snprintf(lck, sizeof(lck), ".#%s.lck", name);
        return faccessat(parent_fd, lck, F_OK, AT_SYMLINK_NOFOLLOW) >= 0;
}

static bool snapshot_remove(int parent_fd, const char *name, int fd) {
        if (has_systemd_lock(parent_fd, name) || !btrfs_is_subvolume(fd))
                return false; /* a systemd-nspawn's, or not a snapshot */
        return btrfs_destroy(parent_fd, name) >= 0;
}

int ephemeral_sweep(int parent_fd, const char *prefix) {
        return tmp_sweep_full(parent_fd, prefix, false, snapshot_remove);
}

/* ---- the guard ----------------------------------------------------------------------------- */

/* Before the snapshot exists, its removal is the guard's (guard.h); once it is locked the guard
 * holds the lock too, so the snapshot stays "owned" (never swept by another -x) until it is gone. */
static int snapshot_undo(struct ephemeral *e, struct guard *guard) {
        struct undo u = {.kind = UNDO_TREE, .path = e->name, .fds = {e->parent_fd, e->lock_fd}, .n_fds = 1};
        if (e->lock_fd >= 0)
                u.n_fds = 2;
        if (e->undo_id > 0)
                return guard_update(guard, e->undo_id, &u);
        int r = guard_push(guard, &u);
        if (r < 0)
                return r;
        e->undo_id = r;
        e->guard = guard;
        return 0;
}

/* ---- -x ------------------------------------------------------------------------------------- */

static bool is_mount_root(int fd) {
        struct statx sx;

        return statx(fd, "", AT_EMPTY_PATH, 0, &sx) >= 0 &&
               (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* Where the snapshot goes: next to the tree, or inside it if the tree is a mount point (as
 * systemd-nspawn does). Sets parent_fd and returns the name prefix for the sweep. */
static int snapshot_place(struct ephemeral *e, const char *directory, int src_fd, char **ret_prefix) {
        _cleanup_free_ char *copy2 = strdup(directory);
        const char *base;

        if (!copy2)
                return -ENOMEM;
        if (is_mount_root(src_fd)) {
                e->parent_fd = fcntl(src_fd, F_DUPFD_CLOEXEC, 3);
                base = "";
        } else {
                /* the tree's own parent, whatever its path names now */
                e->parent_fd = openat(src_fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                base = basename(copy2);
        }
        if (e->parent_fd < 0)
                return negative_errno();
        return tmp_name(SNAPSHOT_PREFIX, base, ret_prefix, &e->name);
}

/* The snapshot, made while we hold LOCK_SH on the tree; locked before that is released. */
static int snapshot_create(struct ephemeral *e, const char *directory, int src_fd, struct guard *guard) {
        _cleanup_free_ char *prefix = NULL, *copy = strdup(directory);
        int r;

        if (!copy)
                return -ENOMEM;
        r = snapshot_place(e, directory, src_fd, &prefix);
        if (r < 0)
                return r;
        if (flock(src_fd, LOCK_EX | LOCK_NB) >= 0) /* nobody is setting up a snapshot: sweep */
                (void) ephemeral_sweep(e->parent_fd, prefix);
        r = lock_wait(src_fd, LOCK_SH, 1000);
        if (r < 0)
                return r;

        r = snapshot_undo(e, guard);
        if (r < 0)
                return r;
        r = btrfs_snapshot(src_fd, e->parent_fd, e->name);
        if (r < 0)
                return r;
        e->lock_fd = openat(e->parent_fd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (e->lock_fd < 0 || flock(e->lock_fd, LOCK_EX | LOCK_NB) < 0) {
                r = negative_errno();
                (void) btrfs_destroy(e->parent_fd, e->name);
                return r;
        }
        if (asprintf(&e->path, "%s/%s", is_mount_root(src_fd) ? directory : dirname(copy), e->name) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = snapshot_undo(e, guard);
        if (r < 0) {
                (void) btrfs_destroy(e->parent_fd, e->name);
                return r;
        }
        return 0;
}

static void ephemeral_reset(struct ephemeral *e) {
        (void) guard_cancel(e->guard, e->undo_id);
        e->guard = NULL;
        e->undo_id = 0;
        e->parent_fd = safe_close(e->parent_fd);
        e->lock_fd = safe_close(e->lock_fd);
        free(e->name);
        free(e->path);
        e->name = e->path = NULL;
}

int ephemeral_setup(int tree_fd, const char *directory, struct guard *guard, struct ephemeral *ret) {
        _cleanup_close_ int src_fd = -EBADF;
        struct ephemeral e = EPHEMERAL_INIT;
        int r;

        /* an open file description of our own: the locks below are its */
        src_fd = openat(tree_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src_fd < 0)
                return negative_errno();

        if (btrfs_is_subvolume(src_fd)) {
                r = snapshot_create(&e, directory, src_fd, guard);
                if (r >= 0) {
                        *ret = e; /* the tree's LOCK_SH goes with src_fd: the snapshot is ours */
                        return 0;
                }
                ephemeral_reset(&e);
                if (r == -EBUSY)
                        return r;
                (void) flock(src_fd, LOCK_UN); /* no snapshot here (read-only, quota ...): overlay */
        }

        /* The tree is the overlay's lower layer for the whole run: nobody may write it. */
        r = lock_wait(src_fd, LOCK_SH, 1000);
        if (r < 0)
                return r;
        e.overlay = true;
        e.lock_fd = TAKE_FD(src_fd);
        *ret = e;
        return 0;
}

void ephemeral_done(struct ephemeral *e) {
        if (e->name && e->parent_fd >= 0)
                (void) btrfs_destroy_wait(e->parent_fd, e->name, 5000);
        ephemeral_reset(e);
        e->overlay = false;
}

/* ---- --template ----------------------------------------------------------------------------- */

int template_populate(const char *template_path, const char *directory, struct guard *guard) {
        _cleanup_free_ char *pcopy = strdup(directory), *bcopy = strdup(directory);
        _cleanup_close_ int tpl_fd = -EBADF, parent_fd = -EBADF;
        struct stat st;
        const char *base;
        int r;

        if (!pcopy || !bcopy)
                return -ENOMEM;
        if (fstatat(AT_FDCWD, directory, &st, AT_SYMLINK_NOFOLLOW) >= 0)
                return -EEXIST;
        if (errno != ENOENT)
                return negative_errno();
        base = basename(bcopy);
        tpl_fd = open(template_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (tpl_fd < 0)
                return negative_errno();
        parent_fd = open(dirname(pcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent_fd < 0)
                return negative_errno();

        if (btrfs_is_subvolume(tpl_fd)) {
                r = btrfs_snapshot(tpl_fd, parent_fd, base);
                if (r >= 0 || r == -EEXIST)
                        return r;
        }
        return tmp_tree_copy(tpl_fd, parent_fd, TEMPLATE_PREFIX, base, guard, NULL);
}
