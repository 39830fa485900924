/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The guest's init: which one, and how it is asked to stop. See guest-init.h. */

#include "guest-init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chase.h"
#include "fdutil.h"
#include "macro.h"
#include "proc.h"

#define EXE_SCAN_MAX (16 * 1024 * 1024)

/* sysvinit's initreq.h: the request telinit writes to /run/initctl (384 bytes). */
#define INIT_MAGIC 0x03091969
#define INIT_CMD_RUNLVL 1
struct init_request {
        int magic;
        int cmd;
        int runlevel;
        int sleeptime;
        char data[368];
};
_Static_assert(sizeof(struct init_request) == 384, "sysvinit's struct init_request");

static const char *const init_names[_GUEST_INIT_MAX] = {
        [GUEST_INIT_UNKNOWN] = "unknown",
        [GUEST_INIT_SYSTEMD] = "systemd",
        [GUEST_INIT_BUSYBOX] = "busybox",
        [GUEST_INIT_SYSVINIT] = "sysvinit",
};

const char *guest_init_to_string(enum guest_init i) {
        return i >= 0 && i < _GUEST_INIT_MAX ? init_names[i] : NULL;
}

/* Markers in the executable, first match wins. */
static const struct {
        const char *marker;
        enum guest_init init;
} exe_markers[] = {
        {"BusyBox v", GUEST_INIT_BUSYBOX},
        {"/run/initctl", GUEST_INIT_SYSVINIT},
        {"/dev/initctl", GUEST_INIT_SYSVINIT},
};

static enum guest_init scan_exe(int fd) {
        enum guest_init found = GUEST_INIT_UNKNOWN;
        size_t best = SIZE_MAX;
        _cleanup_free_ char *buf = malloc(EXE_SCAN_MAX);
        if (!buf)
                return GUEST_INIT_UNKNOWN;
        size_t n = 0;
        ssize_t k;
        while (n < EXE_SCAN_MAX && (k = read(fd, buf + n, EXE_SCAN_MAX - n)) > 0)
                n += (size_t) k;
        for (size_t i = 0; i < ELEMENTSOF(exe_markers); i++)
                if (memmem(buf, n, exe_markers[i].marker, strlen(exe_markers[i].marker)) && i < best) {
                        best = i;
                        found = exe_markers[i].init;
                }
        return found;
}

enum guest_init guest_init_detect(int pidfd, pid_t pid) {
        _cleanup_free_ char *comm = NULL;
        if (proc_comm(pid, &comm) >= 0 && streq(comm, "systemd") && pidfd_alive(pidfd))
                return GUEST_INIT_SYSTEMD;
        /* the executable itself (a magic link to the file the process runs) */
        _cleanup_close_ int fd = proc_open_verified(pidfd, pid, "exe", O_RDONLY | O_NOCTTY);
        if (fd < 0)
                return GUEST_INIT_UNKNOWN;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return GUEST_INIT_UNKNOWN;
        return scan_exe(fd);
}

int guest_init_signal(enum guest_init i, enum guest_action a) {
        switch (i) {
        case GUEST_INIT_BUSYBOX:
                return a == GUEST_POWEROFF ? SIGUSR2 : SIGTERM;
        case GUEST_INIT_SYSVINIT:
                return 0;
        default:
                return a == GUEST_POWEROFF ? SIGRTMIN + 4 : SIGINT;
        }
}

int sysvinit_request_runlevel(int pidfd, pid_t pid, char runlevel) {
        struct init_request req = {
                .magic = INIT_MAGIC,
                .cmd = INIT_CMD_RUNLVL,
                .runlevel = runlevel,
                .sleeptime = 5,
        };
        struct stat st;
        char proc[64];

        /* the container's root as its leader sees it, proven to be the leader's */
        _cleanup_close_ int root_fd = proc_open_verified(pidfd, pid, "root", O_PATH | O_DIRECTORY);
        if (root_fd < 0)
                return root_fd;
        _cleanup_close_ int path_fd = chase_open(root_fd, "/run/initctl", O_PATH | O_CLOEXEC, 0);
        if (path_fd < 0)
                return path_fd;
        if (fstat(path_fd, &st) < 0)
                return -errno;
        if (!S_ISFIFO(st.st_mode))
                return -ENOTSUP; /* not what sysvinit listens on: do not write into it */
        /* reopen the FIFO we checked, for writing, never waiting for a reader */
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", path_fd);
        _cleanup_close_ int fd = open(proc, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENXIO ? -ECONNREFUSED : -errno;
        /* at most PIPE_BUF bytes: one atomic write */
        ssize_t n = write(fd, &req, sizeof(req));
        if (n < 0)
                return -errno;
        return n == (ssize_t) sizeof(req) ? 0 : -EIO;
}
