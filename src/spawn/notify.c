/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"

/* sockaddr_un for a path or an '@'-prefixed abstract name; *ret_len is the address length. */
static int notify_address(const char *path, struct sockaddr_un *ret, socklen_t *ret_len) {
        size_t n = strlen(path);

        *ret = (struct sockaddr_un){.sun_family = AF_UNIX};
        if (path[0] != '/' && path[0] != '@')
                return -EINVAL;
        if (n > sizeof(ret->sun_path) - (path[0] == '/'))
                return -EINVAL;
        memcpy(ret->sun_path, path, n);
        if (path[0] == '@') {
                ret->sun_path[0] = 0; /* abstract: no terminating NUL counts */
                *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n);
        } else
                *ret_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + 1);
        return 0;
}

int notify_send(const char *path, const char *message) {
        struct sockaddr_un sa;
        socklen_t len;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (isempty(path))
                return 0;
        r = notify_address(path, &sa, &len);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *) &sa, len) < 0)
                return -errno;
        return 0;
}

/* Close every fd an SCM_RIGHTS message brought: the guest may not leave fds in the supervisor. */
static void close_passed_fds(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                int *fds = (int *) CMSG_DATA(c);
                for (size_t i = 0; i < n; i++)
                        safe_close(fds[i]);
        }
}

ssize_t notify_recv(int fd, char *buf, size_t size, struct ucred *ret_ucred) {
        union {
                struct cmsghdr align;
                char data[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
        } control;
        struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };

        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        close_passed_fds(&mh);
        *ret_ucred = (struct ucred){};
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                        memcpy(ret_ucred, CMSG_DATA(c), sizeof(struct ucred));
        if ((size_t) n >= size || (mh.msg_flags & MSG_TRUNC))
                return -EMSGSIZE;
        buf[n] = 0;
        return n;
}

int notify_parse(const char *msg, struct notify_message *ret) {
        struct notify_message m = {};

        for (const char *line = msg; line && *line;) {
                const char *end = strchrnul(line, '\n');
                size_t len = (size_t) (end - line);

                if (len == 7 && strncmp(line, "READY=1", 7) == 0)
                        m.ready = true;
                else if (!m.status && len >= 7 && strncmp(line, "STATUS=", 7) == 0) {
                        m.status = strndup(line + 7, len - 7);
                        if (!m.status)
                                return -ENOMEM;
                }
                line = *end ? end + 1 : NULL;
        }
        *ret = m;
        return 0;
}

void notify_message_done(struct notify_message *m) {
        free(m->status);
        m->status = NULL;
}

static int pid_namespace_of(pid_t pid, struct stat *ret) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%i/ns/pid", (int) pid);
        return stat(path, ret) < 0 ? -errno : 0;
}

bool notify_sender_allowed(pid_t sender_pid, pid_t leader_pid, bool any_in_container) {
        struct stat a, b;

        if (sender_pid <= 0 || leader_pid <= 0)
                return false;
        if (sender_pid == leader_pid)
                return true;
        if (!any_in_container)
                return false;
        return pid_namespace_of(sender_pid, &a) >= 0 && pid_namespace_of(leader_pid, &b) >= 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}
