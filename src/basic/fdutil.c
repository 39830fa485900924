/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fdutil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "macro.h"

int msg_send_fds(int sock, char type, const void *data, size_t size, const int *fds, size_t n_fds) {
        struct iovec iov[2] = {
                {.iov_base = &type, .iov_len = 1},
                {.iov_base = (void *) data, .iov_len = size},
        };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
        } control = {};
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = size > 0 ? 2 : 1};

        if (n_fds > MSG_MAX_FDS)
                return -E2BIG;
        if (n_fds > 0) {
                mh.msg_control = &control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

/* Keep the first max of the fds in one SCM_RIGHTS header (appending to ret_fds at *n), close the
 * rest: a peer sending more than asked for cannot leak fds into us. */
static void take_fds(const struct cmsghdr *c, int *ret_fds, size_t max, size_t *n) {
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                if (*n < max)
                        ret_fds[(*n)++] = fd;
                else
                        safe_close(fd);
        }
}

ssize_t msg_recv_fds(int sock, char *ret_type, void *buf, size_t size, int *ret_fds, size_t *n_fds) {
        char type = 0;
        struct iovec iov[2] = {
                {.iov_base = &type, .iov_len = 1},
                {.iov_base = buf, .iov_len = size},
        };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
        } control = {};
        struct msghdr mh = {
                .msg_iov = iov,
                .msg_iovlen = 2,
                .msg_control = &control,
                .msg_controllen = sizeof(control.buf),
        };
        size_t max = *n_fds;
        ssize_t n;

        *n_fds = 0;
        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        take_fds(c, ret_fds, max, n_fds);
        if (n == 0)
                return 0;
        *ret_type = type;
        return n; /* type byte included: >= 1 */
}

int write_all(int fd, const void *buf, size_t size) {
        const char *p = buf;
        while (size > 0) {
                ssize_t k = write(fd, p, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                size -= (size_t) k;
        }
        return 0;
}

int read_fd(int fd, char **ret, size_t max) {
        _cleanup_free_ char *buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;
        size_t n = 0;
        while (n < max) {
                ssize_t k = read(fd, buf + n, max - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        return (int) n;
}

int read_file_at(int dir_fd, const char *path, char **ret, size_t max) {
        _cleanup_close_ int fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_fd(fd, ret, max);
}

int write_file_at(int dir_fd, const char *path, const char *contents, mode_t mode) {
        _cleanup_close_ int fd =
                openat(dir_fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, mode);
        if (fd < 0)
                return -errno;
        return write_all(fd, contents, strlen(contents));
}

static int mkdir_exact(const char *path, mode_t mode) {
        if (mkdir(path, mode) < 0)
                return errno == EEXIST ? 0 : -errno;
        /* new: set the mode the umask took away, on what we just made (not through a symlink) */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fchmod(fd, mode) < 0)
                return -errno;
        return 0;
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);
        int r;

        if (!p)
                return -ENOMEM;
        if (p[0] != '/')
                return -EINVAL;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                r = mkdir_exact(p, 0755);
                if (r < 0)
                        return r;
                *s = '/';
        }
        return mkdir_exact(p, mode);
}

static int int_cmp(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;
        return (x > y) - (x < y);
}

int close_all_fds_but(const int *keep, size_t n) {
        int stack[64];
        _cleanup_free_ int *heap = n > ELEMENTSOF(stack) ? malloc(n * sizeof(int)) : NULL;
        int *sorted = n > ELEMENTSOF(stack) ? heap : stack;
        int from = 3;

        if (!sorted)
                return -ENOMEM;
        if (n > 0)
                memcpy(sorted, keep, n * sizeof(int));
        qsort(sorted, n, sizeof(int), int_cmp);
        for (size_t i = 0; i < n; i++) {
                if (sorted[i] < from)
                        continue;
                if (sorted[i] > from && syscall(SYS_close_range, from, sorted[i] - 1, 0) < 0)
                        return -errno;
                from = sorted[i] + 1;
        }
        return syscall(SYS_close_range, from, ~0U, 0) < 0 ? -errno : 0;
}

int link_tmpfile(int fd, int dir_fd, const char *name) {
        char proc[64];

        if (linkat(fd, "", dir_fd, name, AT_EMPTY_PATH) >= 0)
                return 0;
        if (errno != ENOENT && errno != EPERM)
                return negative_errno();
        /* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the /proc link works without. */
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        return linkat(AT_FDCWD, proc, dir_fd, name, AT_SYMLINK_FOLLOW) < 0 ? negative_errno() : 0;
}
