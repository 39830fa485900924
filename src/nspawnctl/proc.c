/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Process helpers for nspawnctl: pidfds, /proc/PID files. See proc.h. */

#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"

int pidfd_open_pid(pid_t pid) {
        if (pid <= 0)
                return -ESRCH;
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        return fd < 0 ? -errno : fd;
}

bool pidfd_alive(int pidfd) {
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        return poll(&p, 1, 0) == 0;
}

int pidfd_signal(int pidfd, int sig) {
        return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

static int proc_read(pid_t pid, const char *what, char **ret, size_t max) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/%s", (int) pid, what);
        int r = read_file_at(AT_FDCWD, path, ret, max);
        return r == -ENOENT ? -ESRCH : r;
}

int proc_comm(pid_t pid, char **ret) {
        char *s;
        int r = proc_read(pid, "comm", &s, 64);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = 0;
        *ret = s;
        return 0;
}

int proc_cmdline(pid_t pid, char **ret) {
        _cleanup_free_ char *raw = NULL;
        char *buf = NULL;
        size_t size = 0;
        char path[64];

        snprintf(path, sizeof path, "/proc/%d/cmdline", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        /* read_fd() stops at the first NUL for us: read the raw bytes */
        raw = malloc(64 * 1024);
        if (!raw)
                return -ENOMEM;
        ssize_t n = 0, k;
        while (n < 64 * 1024 && (k = read(fd, raw + n, 64 * 1024 - n)) > 0)
                n += k;
        while (n > 0 && raw[n - 1] == 0)
                n--;
        if (n == 0) {
                _cleanup_free_ char *comm = NULL;
                int r = proc_comm(pid, &comm);
                if (r < 0)
                        return r;
                return asprintf(ret, "[%s]", comm) < 0 ? -ENOMEM : 0;
        }
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        for (ssize_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char) raw[i];
                if (ch == 0)
                        fputc(' ', f);
                else if (ch < ' ' || ch == 0x7f)
                        fprintf(f, "\\x%02x", ch);
                else
                        fputc(ch, f);
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

int proc_ppid(pid_t pid, pid_t *ret) {
        _cleanup_free_ char *s = NULL;
        int r = proc_read(pid, "stat", &s, 4096);
        if (r < 0)
                return r;
        char *p = strrchr(s, ')');
        int ppid;
        if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
                return -EBADMSG;
        *ret = ppid;
        return 0;
}

int proc_open_verified(int pidfd, pid_t pid, const char *what, int flags) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/%s", (int) pid, what);
        _cleanup_close_ int fd = open(path, flags | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        if (!pidfd_alive(pidfd))
                return -ESRCH;
        return TAKE_FD(fd);
}

uint64_t now_usec(int clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}
