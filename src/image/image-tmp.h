/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Temporaries of the image operations (--template copies, nspawnctl's clone and remove): hidden
 * entries named PREFIX + BASE + 16 hex digits next to where the result goes, so that a result
 * appears by one rename, complete, or not at all. Their maker holds flock(LOCK_EX) on each from
 * before anyone else could see it until it is renamed into place or removed; so an entry of
 * that form that nobody holds a lock on is the leftover of a killed maker, and a sweep removes it.
 */

#include <stdbool.h>
#include <sys/types.h>

struct guard;

#define TMP_HEX_LEN 16

/* prefix + base (shortened so the name fits) + 16 random hex digits; *ret_prefix is the name
 * without the digits (what a sweep of that base looks for). */
int tmp_name(const char *prefix, const char *base, char **ret_prefix, char **ret_name);
/* Is s 16 lower-case hex digits? */
bool tmp_is_hex_suffix(const char *s);
/* 16 random lower-case hex digits. */
int tmp_random_hex(char buf[TMP_HEX_LEN + 1]);

/* Remove parent_fd/name whatever it is: a btrfs subvolume is destroyed, a directory removed with
 * everything below it (its top's immutable attribute cleared first), a file unlinked. */
int tmp_remove(int parent_fd, const char *name);

/* Remove the unlocked temporaries in parent_fd named prefix + 16 hex digits (any_base: prefix +
 * anything + 16 hex digits). Returns how many were removed. */
int tmp_sweep(int parent_fd, const char *prefix, bool any_base);
/* The same with a remover of one's own: called for an entry fd (opened without following, a
 * directory or a file) that we hold LOCK_EX on; returns whether it removed it. */
typedef bool (*tmp_remove_fn)(int parent_fd, const char *name, int fd);
int tmp_sweep_full(int parent_fd, const char *prefix, bool any_base, tmp_remove_fn remove);

/* A new, empty temporary directory (a subvolume on btrfs, so that it can be snapshot later) that
 * we hold LOCK_EX on. Its removal is registered with guard (NULL: none) before it exists; the
 * duty's id goes to *ret_undo. Returns the directory's fd. */
int tmp_dir_new(int parent_fd, const char *prefix, const char *base, struct guard *guard, int *ret_undo,
                char **ret_name, bool *ret_subvolume);
/* A new, empty temporary regular file (mode) that we hold LOCK_EX on; returns its fd (O_RDWR). */
int tmp_file_new(int parent_fd, const char *prefix, const char *base, mode_t mode, char **ret_name);

/*
 * Copy the tree src_fd to parent_fd/base (copy_tree(): a reflink of each file where the file
 * system can): written to a temporary (prefix) and renamed into place, so a failure leaves
 * nothing; stale temporaries of the same base are swept first. -EEXIST if base exists (it is left
 * alone). ret_subvolume (may be NULL): whether the copy is a btrfs subvolume.
 */
int tmp_tree_copy(int src_fd, int parent_fd, const char *prefix, const char *base, struct guard *guard,
                  bool *ret_subvolume);
