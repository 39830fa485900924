/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The volatile root file systems (see volatile.h).
 *
 * Namespace state: volatile_mount_root() and volatile_mount_var() run in the child, in the
 * container's new mount namespace whose / is already a slave (nothing propagates to the host),
 * before pivot_root, with its privileges (in a user namespace: those of its root). Everything is
 * stacked on fds, no path is resolved; the host's /proc is still visible, so /proc/self/fd paths
 * name exactly the inodes opened here. volatile_check_tree() runs in the supervisor.
 */

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "chase.h"
#include "errmsg.h"
#include "macro.h"
#include "mount-util.h"
#include "volatile.h"

/* The tmpfs under an overlay root of -x: as large as tmpfs allows by default (half the RAM);
 * systemd-nspawn copies the tree to disk instead, so it has no such bound. */
#define EPHEMERAL_TMPFS_OPTIONS "mode=0755"

/* ---- supervisor side ------------------------------------------------------------------------ */

int volatile_check_tree(int root_fd, enum volatile_mode mode) {
        static const char *const merged[] = {"bin", "sbin", "lib", "lib64"};

        if (mode != VOLATILE_YES)
                return 1;
        for (size_t i = 0; i < ELEMENTSOF(merged); i++) {
                struct stat st;

                if (fstatat(root_fd, merged[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return negative_errno();
                }
                if (!S_ISLNK(st.st_mode))
                        return 0;
        }
        return 1;
}

bool volatile_tree_read_only(enum volatile_mode mode) {
        return mode == VOLATILE_STATE;
}

/* ---- child side ----------------------------------------------------------------------------- */

static int tmpfs_on(const char *path, const char *options) {
        if (mount("tmpfs", path, "tmpfs", MS_STRICTATIME, options) < 0)
                return negative_errno();
        return 0;
}

/* A tmpfs stacked on the mount whose root is fd; returns an fd of the tmpfs' root. */
static int tmpfs_stack(int fd, const char *options) {
        _cleanup_close_ int mnt = mount_fs_new("tmpfs", "tmpfs", options, MOUNT_ATTR_STRICTATIME);
        int r;

        if (mnt < 0)
                return mnt;
        r = mount_attach(mnt, fd);
        return r < 0 ? r : TAKE_FD(mnt);
}

/* A directory of the new root, with an exact mode (umask does not apply). */
static int mkdir_exact(int dir_fd, const char *name, mode_t mode) {
        if (mkdirat(dir_fd, name, mode) < 0 && errno != EEXIST)
                return negative_errno();
        if (fchmodat(dir_fd, name, mode, 0) < 0)
                return negative_errno();
        return 0;
}

/*
 * overlayfs on root: the tree (as it is now, with its bind mount) is the lower layer; a tmpfs
 * stacked on the tree holds upper and work, and the overlay is stacked on top of that tmpfs. The
 * tmpfs stays reachable only through the overlay (which keeps a private clone of it), so it
 * goes away with the container's mount namespace.
 */
static int overlay_root(int tree_fd, const char *tmpfs_options, char **ret_error) {
        _cleanup_close_ int scratch = -EBADF, upper = -EBADF, work = -EBADF, mnt = -EBADF;
        char lower_path[32], upper_path[32], work_path[32];
        struct stat st;
        int r;

        if (fstat(tree_fd, &st) < 0)
                return error_setf(ret_error, negative_errno(), "Failed to stat the tree: %m");
        scratch = tmpfs_stack(tree_fd, tmpfs_options);
        if (scratch < 0)
                return error_setf(ret_error, scratch, "Failed to mount tmpfs for the overlay: %s",
                                  strerror(-scratch));

        /* The merged root directory takes the upper dir's owner and mode: give it the image's
         * (as the container sees it: in a user namespace the id-mapped owner). */
        if ((r = mkdir_exact(scratch, "upper", st.st_mode & 07777)) < 0 ||
            (fchownat(scratch, "upper", st.st_uid, st.st_gid, 0) < 0 && (r = negative_errno())) ||
            (r = mkdir_exact(scratch, "work", 0700)) < 0)
                return error_setf(ret_error, r, "Failed to create the overlay's upper directory: %s",
                                  strerror(-r));
        upper = openat(scratch, "upper", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        work = openat(scratch, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (upper < 0 || work < 0)
                return error_setf(ret_error, negative_errno(),
                                  "Failed to open the overlay's upper directory: %m");

        snprintf(lower_path, sizeof(lower_path), "/proc/self/fd/%d", tree_fd);
        snprintf(upper_path, sizeof(upper_path), "/proc/self/fd/%d", upper);
        snprintf(work_path, sizeof(work_path), "/proc/self/fd/%d", work);
        mnt = mount_overlay_new(lower_path, upper_path, work_path, false);
        if (mnt < 0)
                return error_setf(ret_error, mnt, "Failed to create the overlay: %s", strerror(-mnt));
        r = mount_attach(mnt, scratch);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to mount the overlay: %s", strerror(-r));
        return TAKE_FD(mnt);
}

/* The base directories and the merged-/usr symlinks of an empty root, as systemd's
 * base_filesystem_create() makes them: a symlink only where its target exists in /usr. */
static int base_filesystem(int root_fd) {
        static const struct {
                const char *name;
                mode_t mode;
        } dirs[] = {{"etc", 0755}, {"var", 0755}, {"root", 0700}, {"tmp", 01777}};
        static const struct {
                const char *name, *target;
        } links[] = {
                {"bin", "usr/bin"},
                {"sbin", "usr/sbin"},
                {"lib", "usr/lib"},
                {"lib64", "usr/lib64"},
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if ((r = mkdir_exact(root_fd, dirs[i].name, dirs[i].mode)) < 0)
                        return r;
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                struct stat st;

                if (fstatat(root_fd, links[i].target, &st, 0) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                if (symlinkat(links[i].target, root_fd, links[i].name) < 0)
                        return negative_errno();
        }
        return 0;
}

/* --volatile=yes: a tmpfs over root, and the image's /usr (with its submounts) read-only in it. */
static int tmpfs_root(int tree_fd, char **ret_error) {
        _cleanup_close_ int usr = -EBADF, usr_mnt = -EBADF, new_root = -EBADF, target = -EBADF;
        struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
        int r;

        usr = chase_open(tree_fd, "usr", O_PATH | O_DIRECTORY, 0);
        if (usr < 0)
                return error_setf(ret_error, usr, "Failed to open /usr of the image: %s", strerror(-usr));
        usr_mnt = open_tree(usr, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
        if (usr_mnt < 0 || mount_setattr(usr_mnt, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0)
                return error_setf(ret_error, negative_errno(), "Failed to bind /usr of the image: %m");

        new_root = tmpfs_stack(tree_fd, VOLATILE_TMPFS_OPTIONS);
        if (new_root < 0)
                return error_setf(ret_error, new_root, "Failed to mount the volatile root's tmpfs: %s",
                                  strerror(-new_root));
        r = mkdir_exact(new_root, "usr", 0755);
        if (r >= 0) {
                target = openat(new_root, "usr", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (target < 0 || move_mount(usr_mnt, "", target, "",
                                             MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        r = negative_errno();
        }
        if (r < 0)
                return error_setf(ret_error, r, "Failed to mount /usr in the volatile root: %s",
                                  strerror(-r));
        r = base_filesystem(new_root);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to populate the volatile root: %s", strerror(-r));
        return TAKE_FD(new_root);
}

int volatile_mount_root(int tree_fd, enum volatile_mode mode, bool overlay, char **ret_error) {
        mode_t saved = umask(0022);
        int r;

        if (mode == VOLATILE_YES)
                r = tmpfs_root(tree_fd, ret_error);
        else if (mode == VOLATILE_OVERLAY)
                r = overlay_root(tree_fd, VOLATILE_TMPFS_OPTIONS, ret_error);
        else if (overlay && mode == VOLATILE_NO)
                r = overlay_root(tree_fd, EPHEMERAL_TMPFS_OPTIONS, ret_error);
        else if ((r = fcntl(tree_fd, F_DUPFD_CLOEXEC, 3)) < 0) /* nothing on top: the tree is the root */
                r = error_setf(ret_error, negative_errno(), "Failed to duplicate the tree's fd: %m");
        umask(saved);
        return r;
}

int volatile_mount_var(int tree_fd, enum volatile_mode mode, char **ret_error) {
        _cleanup_close_ int var = -EBADF;
        char path[32];
        int r;

        if (mode != VOLATILE_STATE)
                return 0;
        var = chase_open(tree_fd, "var", O_PATH | O_DIRECTORY, 0);
        if (var < 0)
                return error_setf(ret_error, var, "Failed to open /var of the image: %s", strerror(-var));
        snprintf(path, sizeof(path), "/proc/self/fd/%d", var);
        r = tmpfs_on(path, VOLATILE_TMPFS_OPTIONS);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to mount tmpfs on /var: %s", strerror(-r));
        return 0;
}
