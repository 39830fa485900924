/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors and the small primitives of the new mount API (fsopen/fsmount/open_tree/move_mount/
 * mount_setattr) the mount-*.c files share. Runs in the container's child, see mount.c.
 */

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>

#include "macro.h"
#include "mount-util.h"

/* ---- errors --------------------------------------------------------------------------------- */

/* ---- small mount primitives ----------------------------------------------------------------- */

int mount_attach(int mnt_fd, int target_fd) {
        if (move_mount(mnt_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return negative_errno();
        return 0;
}

int mount_set_attrs(int fd, unsigned flags, uint64_t attrs) {
        struct mount_attr a = {.attr_set = attrs};

        if (mount_setattr(fd, "", AT_EMPTY_PATH | flags, &a, sizeof(a)) < 0)
                return negative_errno();
        return 0;
}

/* A detached copy of the mount at fd (or of the subtree there), with attrs applied. */
int mount_clone_tree(int fd, const char *path, bool recursive, uint64_t attrs) {
        _cleanup_close_ int tree = -EBADF;
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        int r;

        tree = open_tree(fd, path, flags | (isempty(path) ? AT_EMPTY_PATH : 0));
        if (tree < 0)
                return negative_errno();
        if (attrs != 0) {
                r = mount_set_attrs(tree, recursive ? AT_RECURSIVE : 0, attrs);
                if (r < 0)
                        return r;
        }
        return TAKE_FD(tree);
}

/* "k=v,flag,..." as fsconfig calls (only for the few file systems made with fsmount: /proc, which
 * exists before /proc does, and the detached scratch tmpfs). */
static int fs_config_options(int fs, const char *options) {
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;

        if (isempty(options))
                return 0;
        copy = strdup(options);
        if (!copy)
                return -ENOMEM;

        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(o, '=');
                int k;

                if (eq) {
                        *eq = 0;
                        k = fsconfig(fs, FSCONFIG_SET_STRING, o, eq + 1, 0);
                } else
                        k = fsconfig(fs, FSCONFIG_SET_FLAG, o, NULL, 0);
                if (k < 0)
                        return negative_errno();
        }
        return 0;
}

/* A new, detached instance of a file system: fsopen → options → create → fsmount. */
int mount_fs_new(const char *type, const char *source, const char *options, uint64_t attrs) {
        _cleanup_close_ int fs = -EBADF;
        int r, mnt;

        fs = fsopen(type, FSOPEN_CLOEXEC);
        if (fs < 0)
                return negative_errno();
        if (source && fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
                return negative_errno();
        r = fs_config_options(fs, options);
        if (r < 0)
                return r;
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return negative_errno();
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned) attrs);
        return mnt < 0 ? negative_errno() : mnt;
}

int mount_overlay_new(const char *lower, const char *upper, const char *work, bool read_only) {
        _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
        int mnt;

        if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "source", "overlay", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
            (upper && fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0) ||
            (work && fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0) ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return negative_errno();
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, read_only ? MOUNT_ATTR_RDONLY : 0);
        return mnt < 0 ? negative_errno() : mnt;
}

static unsigned long attrs_to_ms(uint64_t attrs) {
        static const struct {
                uint64_t attr;
                unsigned long ms;
        } map[] = {
                {MOUNT_ATTR_RDONLY, MS_RDONLY},
                {MOUNT_ATTR_NOSUID, MS_NOSUID},
                {MOUNT_ATTR_NODEV, MS_NODEV},
                {MOUNT_ATTR_NOEXEC, MS_NOEXEC},
                {MOUNT_ATTR_STRICTATIME, MS_STRICTATIME},
        };
        unsigned long ms = 0;

        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (attrs & map[i].attr)
                        ms |= map[i].ms;
        return ms;
}

/* A new file system on the mount point target_fd, with mount(2) on its /proc/self/fd path (the
 * exact inode opened, no second lookup): one syscall where fsopen/fsconfig.../fsmount/move_mount
 * take six to nine, and the options string is passed to the kernel as the user gave it, as
 * systemd-nspawn does. Needs /proc, i.e. not for /proc itself. */
int mount_fs_at(int target_fd, const char *type, const char *source, const char *options, uint64_t attrs) {
        char path[32];

        snprintf(path, sizeof(path), "/proc/self/fd/%d", target_fd);
        if (mount(source, path, type, attrs_to_ms(attrs), options) < 0)
                return negative_errno();
        return 0;
}
