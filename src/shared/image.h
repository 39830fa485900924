/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Images: finding them (as systemd's image discovery does, for nspawn -M and nspawnctl's image
 * verbs), checking and locking the container's tree.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lock-file.h"

/* Where images are looked for, in this order (systemd's search path for machine images). */
extern const char *const image_search_path[];

/* NSPAWN_IMAGE_PATH=DIR[:DIR...]: absolute directories that replace the search path (for tests,
 * and hosts that keep their images elsewhere); the first of them is then also the pool (where
 * clones go). Read by nspawn -M and nspawnctl alike. */
#define IMAGE_PATH_ENV "NSPAWN_IMAGE_PATH"
#define IMAGE_POOL_DEFAULT "/var/lib/machines"

/* The search path in force (a NULL-terminated malloc'ed list): NSPAWN_IMAGE_PATH, else
 * image_search_path. -EINVAL for a bad NSPAWN_IMAGE_PATH (an empty or relative entry). */
int image_search_path_get(char ***ret);
/* The pool directory in force: the first entry of NSPAWN_IMAGE_PATH, else /var/lib/machines. */
int image_pool_path(char **ret);

/* Find the image of machine NAME in the search path in force (or the given NULL-terminated list):
 * in each directory, NAME (a directory, or a symlink to a block device) and then NAME.raw (a
 * regular file: a disk image). Returns 0 and the malloc'ed path, or -ENOENT. */
int image_find(const char *name, const char *const *search_path, char **ret_path);

/* ---- discovery (image-discover.c) ---- */

enum image_type {
        IMAGE_DIRECTORY,
        IMAGE_SUBVOLUME, /* a btrfs subvolume */
        IMAGE_RAW,       /* NAME.raw, a disk image */
        IMAGE_BLOCK,     /* a block device (or a symlink to one) */
        _IMAGE_TYPE_MAX,
};
const char *image_type_to_string(enum image_type t);

#define IMAGE_HOST ".host"

/* An image as machined describes it. Times in CLOCK_REALTIME µs, 0 unknown; sizes UINT64_MAX
 * unknown (usage is known for raw files and block devices, and for subvolumes where btrfs quota
 * is on; limits are a raw file's size, a block device's, a subvolume's qgroup limit). */
struct image {
        char *name;
        char *path; /* the search directory (symlinks resolved) + "/" + the entry's name */
        enum image_type type;
        bool read_only; /* below /usr, on read-only storage, immutable, a read-only subvolume, a raw
                           file without write permission, a read-only block device */
        uint64_t crtime, mtime;
        uint64_t usage, usage_exclusive, limit, limit_exclusive;
};
void image_done(struct image *i);
void image_array_free(struct image *a, size_t n);
bool image_is_host(const struct image *i);
bool image_is_vendor(const struct image *i); /* below /usr: never changed by the image verbs */
bool image_is_hidden(const struct image *i); /* a name starting with "." */

/* The image NAME: in each directory of the search path NAME (a directory, btrfs subvolume or
 * block device, symlinks followed) or NAME.raw; ".host" is the host's "/". -ENOENT when there is
 * none, also for an invalid name. */
int image_get(const char *name, struct image *ret);
/* Every image of the search path (the first of a name wins) and .host, sorted by name. */
int image_discover(struct image **ret, size_t *ret_n);

/* ---- locks (image-lock.c) ---- */

/*
 * What keeps two programs from working on one image at once. nspawn holds flock() on the tree
 * itself (image_lock()) and systemd's global lock file; systemd-nspawn and systemd-machined hold
 * systemd's two lock files, /run/systemd/nspawn/locks/inode-DEV:INO ("global") and
 * PARENT/.#NAME.lck next to the image ("local"). image_path_lock() takes all three, so nspawnctl
 * excludes and is excluded by all of them. SYSTEMD_NSPAWN_LOCK=0 turns the lock files off, as for
 * systemd's tools.
 */
#define IMAGE_LOCK_DIR "/run/systemd/nspawn/locks"

struct image_lock {
        int tree_fd; /* the image's own file (directory, raw file, block device), flock()ed */
        struct lock_file global, local;
};
#define IMAGE_LOCK_INIT                                                                                     \
        (struct image_lock) {                                                                               \
                .tree_fd = -EBADF, .global = LOCK_FILE_INIT, .local = LOCK_FILE_INIT                        \
        }

/* Lock the image at path (operation LOCK_SH or LOCK_EX; never waits): -EBUSY when anyone holds a
 * conflicting lock (a running container holds LOCK_EX, or LOCK_SH when read-only). An exclusive
 * lock on "/" is always -EBUSY. A shared local lock on read-only storage is left out. */
int image_path_lock(const char *path, int operation, struct image_lock *ret);
void image_path_unlock(struct image_lock *l);

/* systemd's name lock, /run/systemd/nspawn/locks/name-NAME: held while an image of that name is
 * being made, so two never make it at once. ".host" is always -EBUSY. */
int image_name_lock(const char *name, struct lock_file *ret);

/* The global lock file of the tree tree_fd; hook as lock_file_acquire()'s. 0 and an unlocked *ret
 * with SYSTEMD_NSPAWN_LOCK=0. */
int image_lock_global(int tree_fd, int operation, lock_file_hook_t hook, void *userdata,
                      struct lock_file *ret);

/*
 * nspawn's lock of the tree it runs (canonical path path; for -i the disk image's file, which
 * disk-image.c flocks itself: with_flock false): image_lock() and systemd's global lock file (not
 * the local one next to the image: on one host the global one excludes machined and systemd-nspawn
 * alike, and lives on /run, not on the image's file system). The lock file's removal is
 * registered with guard before the file gets its name, so a SIGKILLed nspawn leaves none. -EBUSY
 * when the tree is in use.
 */
struct guard;
struct tree_lock {
        int fd; /* image_lock() */
        struct lock_file global;
        struct guard *guard;
        int undo_id;
};
#define TREE_LOCK_INIT                                                                                      \
        (struct tree_lock) {                                                                                \
                .fd = -EBADF, .global = LOCK_FILE_INIT                                                      \
        }
int image_tree_lock(int tree_fd, const char *path, bool read_only, bool with_flock, struct guard *guard,
                    struct tree_lock *ret);
void image_tree_unlock(struct tree_lock *l);

/* Resolve path once (realpath) and open the tree it names: every later step works on this fd, so
 * a component swapped afterwards cannot make the lock, the snapshot and the container different
 * trees. Returns the fd (O_RDONLY|O_DIRECTORY) and the canonical path (for messages and names). */
int image_open(const char *path, char **ret_canonical);

/* Is the image read-only as systemd's image discovery sees it: below /usr (by its canonical path),
 * on a read-only file system, immutable (chattr +i), or a read-only btrfs subvolume. */
bool image_is_read_only(int tree_fd, const char *canonical);

enum image_check {
        IMAGE_OK,
        IMAGE_NO_USR,        /* no /usr: "doesn't look like it has an OS tree" */
        IMAGE_NO_OS_RELEASE, /* -b without /etc/os-release or /usr/lib/os-release */
};
/* The OS tree checks systemd-nspawn makes, resolved inside the root. */
int image_check_os_tree(int root_fd, bool boot, enum image_check *ret);

/*
 * Lock the tree so two containers cannot run it read-write at once: flock() on the directory
 * itself, LOCK_EX (LOCK_SH with read_only). The kernel drops the lock when nspawn dies, however it
 * dies, and nothing is written on disk. Returns the fd holding the lock (its own open file
 * description of tree_fd's directory), or -EBUSY.
 */
int image_lock(int tree_fd, bool read_only);

/* The machine ID in the tree's /etc/machine-id, if it holds a valid one: 1 and the ID; 0 if
 * missing, empty or "uninitialized"; negative errno on error. */
int image_read_machine_id(int root_fd, uint8_t ret[16]);
