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

#include "copy.h"
#include "ephemeral.h"
#include "btrfs-util.h"
#include "guard.h"
#include "macro.h"
#include "rm-rf.h"

#define SNAPSHOT_PREFIX ".#machine."
#define TEMPLATE_PREFIX ".#template."
#define HEX_SUFFIX_LEN 16

/* ---- names ---------------------------------------------------------------------------------- */

static int random_hex(char buf[HEX_SUFFIX_LEN + 1]) {
        uint64_t v;

        if (getrandom(&v, sizeof(v), 0) != sizeof(v))
                return negative_errno();
        snprintf(buf, HEX_SUFFIX_LEN + 1, "%016llx", (unsigned long long) v);
        return 0;
}

static bool is_hex_suffix(const char *s) {
        return strlen(s) == HEX_SUFFIX_LEN && strspn(s, "0123456789abcdef") == HEX_SUFFIX_LEN;
}

/* prefix + base (shortened so the name fits) + 16 hex digits. */
static int temp_name(const char *prefix, const char *base, char **ret_prefix, char **ret_name) {
        char hex[HEX_SUFFIX_LEN + 1];
        int r = random_hex(hex);

        if (r < 0)
                return r;
        if (asprintf(ret_prefix, "%s%.200s", prefix, base) < 0)
                return -ENOMEM;
        if (asprintf(ret_name, "%s%s", *ret_prefix, hex) < 0) {
                free(*ret_prefix);
                return -ENOMEM;
        }
        return 0;
}

int ephemeral_machine_name(const char *name, char **ret) {
        char hex[HEX_SUFFIX_LEN + 1];
        int r = random_hex(hex);

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

/* What a sweep finds: parent_fd/name, an entry named PREFIX + 16 hex digits that is a directory
 * nobody holds a lock on; fd is that directory, which we hold LOCK_EX on. Returns whether it
 * removed it. */
typedef bool (*sweep_fn)(int parent_fd, const char *name, int fd);

/* Leftovers of killed nspawns: their owners held a lock on them while alive. Returns the
 * number removed. */
static int sweep(int parent_fd, const char *prefix, sweep_fn remove) {
        int fd = dup(parent_fd), removed = 0;
        DIR *d;

        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return negative_errno();
        }
        for (struct dirent *de; (de = readdir(d));) {
                const char *rest = startswith(de->d_name, prefix);
                _cleanup_close_ int entry = -EBADF;

                if (!rest || !is_hex_suffix(rest))
                        continue;
                entry = openat(parent_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (entry >= 0 && flock(entry, LOCK_EX | LOCK_NB) >= 0 &&
                    remove(parent_fd, de->d_name, entry))
                        removed++;
        }
        closedir(d);
        return removed;
}

static bool snapshot_remove(int parent_fd, const char *name, int fd) {
        if (has_systemd_lock(parent_fd, name) || !btrfs_is_subvolume(fd))
                return false; /* a systemd-nspawn's, or not a snapshot */
        return btrfs_destroy(parent_fd, name) >= 0;
}

int ephemeral_sweep(int parent_fd, const char *prefix) {
        return sweep(parent_fd, prefix, snapshot_remove);
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
        return temp_name(SNAPSHOT_PREFIX, base, ret_prefix, &e->name);
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

/* Remove the half-made copy. */
static void template_discard(int parent_fd, const char *name, bool subvolume) {
        _cleanup_close_ int fd = -EBADF;

        if (subvolume && btrfs_destroy(parent_fd, name) >= 0)
                return;
        fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
                (void) rm_rf_children(fd);
        (void) unlinkat(parent_fd, name, AT_REMOVEDIR);
}

static bool copy_remove(int parent_fd, const char *name, int fd) {
        template_discard(parent_fd, name, btrfs_is_subvolume(fd));
        return true;
}

/* A new, empty copy directory that we hold LOCK_EX on, under a fresh name. Another nspawn's
 * sweep may take it between its creation and our lock (it is unlocked then): so the lock must
 * be ours and the name still this directory's, else it is tried again under a new name. */
static int copy_dir_new(int parent_fd, const char *base, struct guard *guard, int *ret_undo, char **ret_name,
                        bool *ret_subvolume) {
        for (int attempt = 0; attempt < 16; attempt++) {
                _cleanup_free_ char *prefix = NULL, *name = NULL;
                _cleanup_close_ int fd = -EBADF;
                struct stat a, b;
                int r = temp_name(TEMPLATE_PREFIX, base, &prefix, &name);

                if (r < 0)
                        return r;
                if (attempt == 0)
                        (void) sweep(parent_fd, prefix, copy_remove);
                r = guard_push(
                        guard,
                        &(struct undo){.kind = UNDO_TREE, .path = name, .fds = {parent_fd}, .n_fds = 1});
                if (r < 0)
                        return r;
                *ret_undo = r;
                /* On btrfs the copy is a subvolume, so that -x can snapshot it later. */
                bool subvolume = btrfs_subvol_create(parent_fd, name) >= 0;
                if (!subvolume && mkdirat(parent_fd, name, 0700) < 0)
                        return negative_errno();
                fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &a) < 0 ||
                    fstatat(parent_fd, name, &b, AT_SYMLINK_NOFOLLOW) < 0 || a.st_ino != b.st_ino ||
                    a.st_dev != b.st_dev) {
                        (void) guard_cancel(guard, *ret_undo);
                        *ret_undo = 0;
                        continue; /* swept: the sweeper removes it (or has) */
                }
                *ret_name = TAKE_PTR(name);
                *ret_subvolume = subvolume;
                return TAKE_FD(fd);
        }
        return -EBUSY;
}

static int template_copy(int tpl_fd, int parent_fd, const char *base, struct guard *guard) {
        _cleanup_free_ char *name = NULL;
        bool subvolume = false;
        int undo_id = 0;

        _cleanup_close_ int dst = copy_dir_new(parent_fd, base, guard, &undo_id, &name, &subvolume);
        if (dst < 0) {
                (void) guard_cancel(guard, undo_id);
                return dst;
        }
        int r = copy_tree(tpl_fd, dst);
        if (r >= 0 && renameat2(parent_fd, name, parent_fd, base, RENAME_NOREPLACE) < 0)
                r = negative_errno();
        if (r < 0)
                template_discard(parent_fd, name, subvolume);
        (void) guard_cancel(guard, undo_id); /* in place (ours to keep now), or removed */
        return r;
}

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
        r = template_copy(tpl_fd, parent_fd, base, guard);
        return r == -EEXIST || r == -ENOTEMPTY ? -EEXIST : r;
}
