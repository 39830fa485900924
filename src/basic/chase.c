/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Path resolution inside a root directory with openat2(2). The kernel does the whole walk, so
 * there is no user-space loop that a concurrent rename or symlink swap could race:
 *   RESOLVE_IN_ROOT       "/" and ".." are clamped at root_fd, absolute symlinks are relative to it
 *   RESOLVE_NO_MAGICLINKS /proc/PID/{root,cwd,fd/N} style links are refused (they could lead out)
 *   RESOLVE_NO_SYMLINKS   (the _nofollow variant) any symlink on the way is refused with ELOOP
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "chase.h"
#include "fdutil.h"
#include "macro.h"

static int openat2_resolve(int dir_fd, const char *path, int flags, mode_t mode, uint64_t resolve) {
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC,
                /* openat2 refuses a mode without O_CREAT/O_TMPFILE, unlike openat */
                .mode = (flags & (O_CREAT | __O_TMPFILE)) ? mode : 0,
                .resolve = resolve,
        };
        int fd = -1;

        /* "" means the root itself; openat2 would say ENOENT. EAGAIN: a rename or mount somewhere
         * while ".." was resolved (the kernel cannot prove the walk stayed inside): try again. */
        for (int i = 0; i < 32; i++) {
                fd = (int) syscall(SYS_openat2, dir_fd, isempty(path) ? "." : path, &how, sizeof(how));
                if (fd >= 0 || errno != EAGAIN)
                        break;
        }
        return fd < 0 ? negative_errno() : fd;
}

int chase_open(int root_fd, const char *path, int flags, mode_t mode) {
        return openat2_resolve(root_fd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int chase_open_nofollow(int root_fd, const char *path, int flags, mode_t mode) {
        return openat2_resolve(root_fd, path, flags, mode,
                               RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS);
}

int chase_open_regular(int root_fd, const char *path) {
        /* O_NONBLOCK: a FIFO or a tty put there must not hang the open */
        _cleanup_close_ int fd = chase_open(root_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
        struct stat st;

        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        return S_ISREG(st.st_mode) ? TAKE_FD(fd) : -EBADMSG;
}

int chase_read_regular(int root_fd, const char *path, size_t max, char **ret) {
        _cleanup_close_ int fd = chase_open_regular(root_fd, path);
        return fd < 0 ? fd : read_fd(fd, ret, max);
}

/* One step of mkdir -p: create name below dir_fd (fine if it exists) and open it, refusing a
 * symlink: mkdirat never follows one (EEXIST), and the open below refuses it with ELOOP. */
static int mkdir_step(int dir_fd, const char *name, mode_t mode) {
        if (mkdirat(dir_fd, name, mode) < 0 && errno != EEXIST)
                return negative_errno();
        return openat2_resolve(dir_fd, name, O_PATH | O_DIRECTORY, 0,
                               RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

int chase_mkdir_p(int root_fd, const char *path, mode_t mode) {
        _cleanup_free_ char *copy = NULL;
        _cleanup_close_ int fd = -EBADF;
        char *save = NULL;
        int r;

        /* The common case is that everything exists already: one syscall. */
        r = chase_open_nofollow(root_fd, path, O_PATH | O_DIRECTORY, 0);
        if (r != -ENOENT)
                return r;

        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        /* ".." would need the parent fd; nobody needs it: refuse before creating anything */
        for (const char *p = path; (p = strstr(p, "..")); p += 2)
                if ((p == path || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
                        return -EINVAL;

        fd = openat2_resolve(root_fd, ".", O_PATH | O_DIRECTORY, 0, RESOLVE_BENEATH);
        if (fd < 0)
                return fd;

        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                int next;

                if (streq(c, "."))
                        continue;

                next = mkdir_step(fd, c, mode);
                if (next < 0)
                        return next;
                safe_close(fd);
                fd = next;
        }

        return TAKE_FD(fd);
}
