/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd's lock files (see lock-file.h). */

#include "lock-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"

static int ofd_lock(int fd, int operation) {
        struct flock fl = {
                .l_type = operation == LOCK_UN   ? F_UNLCK
                          : operation == LOCK_EX ? F_WRLCK
                                                 : F_RDLCK,
                .l_whence = SEEK_SET,
        };
        if (fcntl(fd, F_OFD_SETLK, &fl) >= 0)
                return 0;
        return errno == EAGAIN || errno == EACCES ? -EBUSY : negative_errno();
}

bool lock_file_try_exclusive(int fd) {
        return ofd_lock(fd, LOCK_EX) >= 0;
}

/* Is the name still the file fd? */
static bool name_is_fd(int dir_fd, const char *name, int fd) {
        struct stat ours, now;
        return fstat(fd, &ours) >= 0 && fstatat(dir_fd, name, &now, AT_SYMLINK_NOFOLLOW) >= 0 &&
               ours.st_dev == now.st_dev && ours.st_ino == now.st_ino;
}

/* A new lock file: an O_TMPFILE locked and shown to the hook before it is linked (where the file
 * system has no O_TMPFILE: created, then locked). Returns the fd, -EEXIST if the name was taken
 * meanwhile. */
static int create_locked(int dir_fd, const char *name, int operation, lock_file_hook_t hook,
                         void *userdata) {
        _cleanup_close_ int fd = openat(dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        bool linked = false;
        int r;

        if (fd < 0) {
                if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
                        return negative_errno();
                fd = openat(dir_fd, name, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                            0600);
                if (fd < 0)
                        return negative_errno();
                linked = true;
        }
        r = ofd_lock(fd, operation);
        if (r >= 0 && hook)
                r = hook(dir_fd, name, fd, userdata);
        if (r >= 0 && !linked)
                r = link_tmpfile(fd, dir_fd, name);
        if (r < 0 && linked)
                (void) unlinkat(dir_fd, name, 0);
        return r < 0 ? r : TAKE_FD(fd);
}

/* An existing lock file, locked; -ENOENT if there is none (or it went away). */
static int open_locked(int dir_fd, const char *name, int operation, lock_file_hook_t hook, void *userdata) {
        _cleanup_close_ int fd =
                openat(dir_fd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        int r;

        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADF; /* not a lock file of anyone's */
        r = ofd_lock(fd, operation);
        if (r < 0)
                return r;
        /* removed by its last holder between our open and our lock: worthless, start over */
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (st.st_nlink == 0)
                return -ENOENT;
        if (hook && (r = hook(dir_fd, name, fd, userdata)) < 0)
                return r;
        return TAKE_FD(fd);
}

int lock_file_acquire(int dir_fd, const char *name, int operation, lock_file_hook_t hook, void *userdata,
                      struct lock_file *ret) {
        struct lock_file f = LOCK_FILE_INIT;
        int fd = -ENOENT;

        operation &= ~LOCK_NB;
        if (operation != LOCK_SH && operation != LOCK_EX)
                return -EINVAL;
        for (int attempt = 0; attempt < 64 && (fd == -ENOENT || fd == -EEXIST); attempt++) {
                fd = open_locked(dir_fd, name, operation, hook, userdata);
                if (fd == -ENOENT)
                        fd = create_locked(dir_fd, name, operation, hook, userdata);
        }
        if (fd < 0)
                return fd == -ENOENT || fd == -EEXIST ? -EBUSY : fd;
        f.fd = fd;
        f.operation = operation;
        f.dir_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        f.name = strdup(name);
        if (f.dir_fd < 0 || !f.name) {
                int r = f.dir_fd < 0 ? negative_errno() : -ENOMEM;
                lock_file_release(&f);
                return r;
        }
        *ret = f;
        return 0;
}

void lock_file_release(struct lock_file *f) {
        if (f->fd >= 0) {
                /* only if the name is still our file */
                if ((f->operation == LOCK_EX || lock_file_try_exclusive(f->fd)) && f->name &&
                    f->dir_fd >= 0 && name_is_fd(f->dir_fd, f->name, f->fd))
                        (void) unlinkat(f->dir_fd, f->name, 0);
                (void) ofd_lock(f->fd, LOCK_UN); /* a duplicate elsewhere (a guard) keeps no lock */
        }
        f->fd = safe_close(f->fd);
        f->dir_fd = safe_close(f->dir_fd);
        free(f->name);
        f->name = NULL;
        f->operation = 0;
}

int lock_file_remove_stale(int dir_fd, const char *name) {
        _cleanup_close_ int fd = open_locked(dir_fd, name, LOCK_EX, NULL, NULL);
        int r = 0;

        if (fd == -EBUSY || fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        if (name_is_fd(dir_fd, name, fd))
                r = unlinkat(dir_fd, name, 0) < 0 ? negative_errno() : 1;
        (void) ofd_lock(fd, LOCK_UN);
        return r;
}
