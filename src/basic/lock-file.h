/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Lock files as systemd's tools take them (its lockfile-util): an open file description lock
 * (fcntl F_OFD_SETLK, whole file; write lock for LOCK_EX, read lock for LOCK_SH) on a file that
 * exists only while locked. Whoever releases it as the last holder removes it: an exclusive holder
 * unlinks it, a shared one only if it can make its lock exclusive. A locker that finds the file
 * unlinked after it got the lock (its link count is 0) tries again with a new one. So
 * systemd-nspawn, systemd-machined, nspawn and nspawnctl exclude each other on the same names.
 *
 * A file left by a killed holder is free (the kernel dropped the lock) and is taken over by the
 * next locker.
 */

#include <stdbool.h>

struct lock_file {
        int dir_fd; /* the directory holding it */
        char *name;
        int fd;        /* holds the lock */
        int operation; /* LOCK_SH or LOCK_EX */
};

#define LOCK_FILE_INIT                                                                                      \
        (struct lock_file) {                                                                                \
                .dir_fd = -EBADF, .fd = -EBADF                                                              \
        }

/* Called with the locked fd: for a new file before it gets its name (so that its removal can be
 * arranged before it exists: the file is an O_TMPFILE until then), for an existing one right
 * after it was locked. It may be called more than once (a retry); a negative return aborts. */
typedef int (*lock_file_hook_t)(int dir_fd, const char *name, int fd, void *userdata);

/* Take dir_fd/name (created 0600 if missing) with operation LOCK_SH or LOCK_EX, never waiting:
 * -EBUSY when someone holds a conflicting lock. hook may be NULL. */
int lock_file_acquire(int dir_fd, const char *name, int operation, lock_file_hook_t hook, void *userdata,
                      struct lock_file *ret);

/* Release as the protocol above says (unlink when exclusive, or made exclusive); the lock is
 * dropped even where another process holds a duplicate of the fd. Safe on LOCK_FILE_INIT. */
void lock_file_release(struct lock_file *f);

/* Remove dir_fd/name if it is a lock file nobody holds (left by a killed holder): 1 removed, 0 in
 * use (or gone), or a negative errno. Safe against lockers: it is removed while we hold it
 * exclusively, and a locker that got it meanwhile sees it unlinked and starts over. */
int lock_file_remove_stale(int dir_fd, const char *name);

/* Does the OFD lock of fd become exclusive (an upgrade where fd holds a shared one)? */
bool lock_file_try_exclusive(int fd);
