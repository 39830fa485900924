/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What machinectl's image verbs do to an image (systemd 252's image_clone(), image_rename(),
 * image_remove(), image_read_only(), image_set_limit() and machined's CleanPool), on an image
 * found by image_get() (image.h), without machined.
 *
 * Exclusion: remove, rename and read-only hold image_path_lock(LOCK_EX) while they work, so a
 * running container (nspawn's or systemd-nspawn's), machined and another nspawnctl make them fail
 * with -EBUSY; clone and rename hold systemd's name lock of the new name. Images below /usr and
 * .host are never changed (-EROFS).
 *
 * Nothing half-done: a clone is written under a hidden temporary name in the pool and renamed into
 * place (a btrfs snapshot is made in place at once); a removed directory is first renamed to a
 * hidden temporary name. Temporaries are flock()ed by their maker while it lives (image-tmp.h),
 * so those of a killed nspawnctl are found and removed by the next clone or clean.
 *
 * Each returns 0 or a negative errno and, where the errno alone would not say what is wrong, a
 * message in *error (errmsg.h).
 */

#include <stdbool.h>
#include <stdint.h>

struct image;

#define IMAGE_CLONE_PREFIX ".#clone."
#define IMAGE_REMOVE_PREFIX ".#remove."
/* nspawnctl's transfer verbs make new images under this prefix (transfer.h) */
#define IMAGE_IMPORT_PREFIX ".#import."

/* Copy i to the pool as new_name (NEW or NEW.raw): a btrfs snapshot where i is a subvolume on the
 * pool's file system, else a copy (a subvolume on btrfs; reflinked files where the file system
 * can). Its .nspawn files (and NAME.roothash) are copied next to the original ones. The clone is
 * writable unless read_only. -EEXIST when an image new_name exists. */
int image_clone(const struct image *i, const char *new_name, bool read_only, char **error);
/* Rename i (and its .nspawn and .roothash files) to new_name in its directory; the read-only
 * mark stays. */
int image_rename(const struct image *i, const char *new_name, char **error);
/* Remove i, also when read-only, and its .nspawn and .roothash files. */
int image_remove(const struct image *i, char **error);
/* Mark i read-only or writable: the immutable attribute of a directory's top, the read-only flag
 * of a subvolume, the write bits of a raw file, BLKROSET on a block device. */
int image_set_read_only(const struct image *i, bool read_only, char **error);
/* Mark the image fd read-only as systemd-importd does (import_make_read_only_fd()): the read-only
 * flag of a subvolume, the immutable attribute of a directory's top, a regular file's write bits,
 * BLKROSET on a block device. */
int image_make_read_only_fd(int fd);
/* The pool directory (image.h's image_pool_path()), made if missing; returns its fd. */
int image_pool_open(void);
/* The btrfs quota limit of the subvolume i (UINT64_MAX: none). -EOPNOTSUPP for other types,
 * -ENOTCONN when quota is not enabled on its file system. */
int image_set_limit(const struct image *i, uint64_t limit, char **error);

/* The pool's qgroup usage and limit (UINT64_MAX unknown), as machined's PoolUsage/PoolLimit. */
void image_pool_quota(uint64_t *ret_usage, uint64_t *ret_limit);
/* The limit of the pool (a btrfs subvolume with quota enabled). */
int image_pool_set_limit(uint64_t limit, char **error);

/* Remove the hidden images (all: every image) but those below /usr and .host; images in use
 * (-EBUSY) are kept. removed is called for each image removed. Also removes the temporaries of
 * killed nspawnctl and nspawn runs in the search path. */
typedef void (*image_removed_fn)(const struct image *i, void *userdata);
int image_clean(bool all, image_removed_fn removed, void *userdata, char **error);
