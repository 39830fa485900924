/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * User namespaces as objects (see userns-fd.h). Runs in the supervisor, in the host's namespaces.
 */
#include "userns-fd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errmsg.h"
#include "fdutil.h"
#include "macro.h"
#include "user.h"

static int write_map(pid_t pid, const char *file, const struct userns_map *m) {
        char path[64], buf[USERNS_MAP_MAX * 36];
        _cleanup_close_ int fd = -EBADF;
        int n = userns_map_format(m, buf, sizeof buf);

        if (n < 0)
                return n;
        snprintf(path, sizeof path, "/proc/%i/%s", (int) pid, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* one write: the kernel takes a map once, whole */
        if (write(fd, buf, (size_t) n) != n)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

int userns_write_maps(pid_t pid, const struct userns_map *uid, const struct userns_map *gid) {
        int r = write_map(pid, "gid_map", gid);
        return r < 0 ? r : write_map(pid, "uid_map", uid);
}

/* newuidmap PID INSIDE OUTSIDE COUNT…: the helper checks the caller's subordinate ranges. */
static int run_map_helper(const char *helper, pid_t pid, const struct userns_map *m, char **ret_error) {
        static const char *const dirs[] = {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/", NULL};
        char paths[4][64], pidbuf[16], nums[USERNS_MAP_MAX * 3][11];
        const char *pathv[5];
        char *argv[USERNS_MAP_MAX * 3 + 3];
        _cleanup_free_ char *out = NULL;
        size_t size;
        int status;

        for (size_t i = 0; dirs[i]; i++) {
                snprintf(paths[i], sizeof paths[i], "%s%s", dirs[i], helper);
                pathv[i] = paths[i];
        }
        pathv[4] = NULL;
        snprintf(pidbuf, sizeof pidbuf, "%i", (int) pid);
        argv[0] = (char *) helper;
        argv[1] = pidbuf;
        userns_map_to_argv(m, nums, argv + 2);
        struct user_helper h = {.paths = pathv,
                                .argv = argv,
                                .max_output = 4096,
                                .timeout_ms = 10000,
                                .stderr_to_stdout = true};
        int r = user_helper_run(&h, &out, &size, &status);
        if (r == -ENOENT)
                return error_setf(ret_error, r,
                                  "%s is missing: install shadow's uidmap package (Debian: uidmap).",
                                  helper);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to run %s: %s", helper, strerror(-r));
        if (status != 0) {
                out[strcspn(out, "\n")] = 0;
                return error_setf(ret_error, -EPERM, "%s failed: %s", helper,
                                  isempty(out) ? "(no message)" : out);
        }
        return 0;
}

int userns_write_maps_helper(pid_t pid, const struct userns_map *uid, const struct userns_map *gid,
                             char **ret_error) {
        int r = run_map_helper("newgidmap", pid, gid, ret_error);
        return r < 0 ? r : run_map_helper("newuidmap", pid, uid, ret_error);
}

int userns_make_fd(const struct userns_map *uid, const struct userns_map *gid) {
        struct clone_args args = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
        _cleanup_close_ int fd = -EBADF;
        char path[64], b;
        int gate[2], r;

        if (pipe2(gate, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof args);
        if (pid == 0) {
                /* In a new, empty user namespace: wait until the parent has what it wants. */
                safe_close(gate[1]);
                while (read(gate[0], &b, 1) < 0 && errno == EINTR)
                        ;
                _exit(EXIT_SUCCESS);
        }
        r = pid < 0 ? -errno : 0;
        safe_close(gate[0]);
        if (r >= 0)
                r = userns_write_maps(pid, uid, gid);
        if (r >= 0) {
                snprintf(path, sizeof path, "/proc/%i/ns/user", (int) pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        r = -errno;
        }
        safe_close(gate[1]); /* EOF: the child exits */
        if (pid > 0)
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        return r < 0 ? r : TAKE_FD(fd);
}

int userns_idmap_mount(int mnt_fd, int userns_fd, bool recursive) {
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns_fd};
        if (mount_setattr(mnt_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) <
            0)
                return -errno;
        return 0;
}

bool userns_idmap_unsupported(int r) {
        return r == -EINVAL || r == -EOPNOTSUPP || r == -ENOSYS || r == -EPERM;
}
