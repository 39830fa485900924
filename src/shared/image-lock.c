/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Image locks: nspawn's flock() on the tree, and systemd's lock files (systemd 252's
 * image_path_lock() and image_name_lock(), src/shared/discover-image.c). See image.h.
 */

#include "image.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fdutil.h"
#include "guard.h"
#include "macro.h"
#include "name-valid.h"
#include "parse-util.h"

/* SYSTEMD_NSPAWN_LOCK=0: no lock files (systemd's switch, for its tools too). */
static bool lock_files_enabled(void) {
        const char *e = getenv("SYSTEMD_NSPAWN_LOCK");
        return !e || parse_boolean(e) != 0;
}

static int lock_dir_open(void) {
        int fd = open(IMAGE_LOCK_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0 || errno != ENOENT)
                return fd >= 0 ? fd : negative_errno();
        int r = mkdir_p(IMAGE_LOCK_DIR, 0700);
        if (r < 0 && r != -EEXIST)
                return r;
        fd = open(IMAGE_LOCK_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd >= 0 ? fd : negative_errno();
}

/* inode-DEV:INO (block-MAJOR:MINOR for a block device), as systemd names it. */
static int global_name(const struct stat *st, char *buf, size_t size) {
        if (S_ISBLK(st->st_mode))
                snprintf(buf, size, "block-%u:%u", major(st->st_rdev), minor(st->st_rdev));
        else if (S_ISDIR(st->st_mode) || S_ISREG(st->st_mode))
                snprintf(buf, size, "inode-%lu:%lu", (unsigned long) st->st_dev, (unsigned long) st->st_ino);
        else
                return -ENOTTY;
        return 0;
}

static int global_lock(const struct stat *st, int operation, lock_file_hook_t hook, void *userdata,
                       struct lock_file *ret) {
        _cleanup_close_ int dir_fd = -EBADF;
        char name[64];
        int r = global_name(st, name, sizeof name);

        if (r < 0)
                return r;
        dir_fd = lock_dir_open();
        if (dir_fd < 0)
                return dir_fd;
        return lock_file_acquire(dir_fd, name, operation, hook, userdata, ret);
}

int image_lock_global(int tree_fd, int operation, lock_file_hook_t hook, void *userdata,
                      struct lock_file *ret) {
        struct stat st;

        *ret = LOCK_FILE_INIT;
        if (!lock_files_enabled())
                return 0;
        if (fstat(tree_fd, &st) < 0)
                return negative_errno();
        return global_lock(&st, operation, hook, userdata, ret);
}

/* PARENT/.#NAME.lck */
static int local_lock(const char *path, int operation, struct lock_file *ret) {
        _cleanup_free_ char *dcopy = strdup(path), *bcopy = strdup(path), *name = NULL;
        _cleanup_close_ int dir_fd = -EBADF;

        if (!dcopy || !bcopy || asprintf(&name, ".#%s.lck", basename(bcopy)) < 0)
                return -ENOMEM;
        dir_fd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return negative_errno();
        return lock_file_acquire(dir_fd, name, operation, NULL, NULL, ret);
}

/* nspawn's lock: flock() on the image's own file (nspawn -i flocks a disk image's file or block
 * device the same way). */
static int tree_lock(const char *path, const struct stat *st, int operation) {
        _cleanup_close_ int fd = -EBADF;

        fd = open(path,
                  (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        if (flock(fd, operation | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EBUSY : negative_errno();
        return TAKE_FD(fd);
}

int image_path_lock(const char *path, int operation, struct image_lock *ret) {
        struct image_lock l = IMAGE_LOCK_INIT;
        bool exclusive = operation == LOCK_EX;
        struct stat st;
        int r;

        if (path[0] != '/' || (operation != LOCK_EX && operation != LOCK_SH))
                return -EINVAL;
        if (streq(path, "/")) {
                /* the host's own tree: never exclusively; a shared lock means nothing there */
                *ret = l;
                return exclusive ? -EBUSY : 0;
        }
        if (stat(path, &st) < 0)
                return negative_errno();
        l.tree_fd = tree_lock(path, &st, operation);
        if (l.tree_fd < 0)
                return l.tree_fd;
        if (lock_files_enabled()) {
                r = startswith(path, "/dev/") ? 0 : local_lock(path, operation, &l.local);
                if (r == -EROFS && !exclusive)
                        r = 0; /* read-only storage: nobody can change it anyway */
                if (r >= 0)
                        r = global_lock(&st, operation, NULL, NULL, &l.global);
                if (r < 0) {
                        image_path_unlock(&l);
                        return r;
                }
        }
        *ret = l;
        return 0;
}

void image_path_unlock(struct image_lock *l) {
        lock_file_release(&l->global);
        lock_file_release(&l->local);
        l->tree_fd = safe_close(l->tree_fd);
}

int image_name_lock(const char *name, struct lock_file *ret) {
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_free_ char *file = NULL;

        *ret = LOCK_FILE_INIT;
        if (streq(name, IMAGE_HOST))
                return -EBUSY;
        if (!image_name_is_valid(name))
                return -EINVAL;
        if (!lock_files_enabled())
                return 0;
        if (asprintf(&file, "name-%s", name) < 0)
                return -ENOMEM;
        dir_fd = lock_dir_open();
        if (dir_fd < 0)
                return dir_fd;
        return lock_file_acquire(dir_fd, file, LOCK_EX, NULL, NULL, ret);
}

/* ---- nspawn's lock -------------------------------------------------------------------------- */

/* Before the lock file gets its name (or right after an existing one was locked): the guard
 * removes it once nspawn is gone, if nobody else holds it then. */
static int tree_lock_hook(int dir_fd, const char *name, int fd, void *userdata) {
        struct tree_lock *l = userdata;
        struct undo u = {
                .kind = UNDO_FILE, .flags = UNDO_LOCK_FILE, .path = name, .fds = {dir_fd, fd}, .n_fds = 2};
        int r;

        if (l->undo_id > 0)
                return guard_update(l->guard, l->undo_id, &u);
        r = guard_push(l->guard, &u);
        if (r < 0)
                return r;
        l->undo_id = r;
        return 0;
}

int image_tree_lock(int tree_fd, const char *path, bool read_only, bool with_flock, struct guard *guard,
                    struct tree_lock *ret) {
        struct tree_lock l = TREE_LOCK_INIT;
        int r;

        l.guard = guard;
        if (with_flock && (l.fd = image_lock(tree_fd, read_only)) < 0)
                return l.fd;
        /* the host's own tree ("/", only ever shared): systemd takes no lock file for it */
        r = streq(path, "/") ? 0
                             : image_lock_global(tree_fd, read_only ? LOCK_SH : LOCK_EX, tree_lock_hook, &l,
                                                 &l.global);
        /* an unprivileged caller (-U) cannot write systemd's lock directory: its flock() alone */
        if ((r == -EACCES || r == -EPERM) && geteuid() != 0)
                r = 0;
        if (r < 0) {
                image_tree_unlock(&l);
                return r;
        }
        *ret = l;
        return 0;
}

void image_tree_unlock(struct tree_lock *l) {
        lock_file_release(&l->global);
        (void) guard_cancel(l->guard, l->undo_id);
        l->undo_id = 0;
        l->fd = safe_close(l->fd);
}
