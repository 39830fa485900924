/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container console, child side: a pty from the container's own devpts instance becomes the
 * payload's stdio and controlling terminal (the supervisor forwards it: pty-forward.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "macro.h"

enum console_mode console_mode_resolve(enum console_mode m, bool stdin_tty, bool stdout_tty) {
        bool tty = stdin_tty && stdout_tty;

        /* systemd-nspawn asks isatty() of both stdin and stdout for both automatic modes. */
        switch (m) {
        case CONSOLE_AUTO:
                return tty ? CONSOLE_INTERACTIVE : CONSOLE_READ_ONLY;
        case CONSOLE_AUTOPIPE:
                return tty ? CONSOLE_INTERACTIVE : CONSOLE_PIPE;
        default:
                return m;
        }
}

int console_allocate(int *ret_master, char **ret_slave_path) {
        _cleanup_close_ int master = -EBADF;
        unsigned int n;
        int unlock = 0;
        char *path;

        /* /dev/pts/ptmx, not /dev/ptmx: the latter may still point at the host's instance. */
        master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return negative_errno();
        /* grantpt() is a no-op on devpts; unlocking is what the slave needs to be openable. */
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return negative_errno();
        if (ioctl(master, TIOCGPTN, &n) < 0)
                return negative_errno();
        if (asprintf(&path, "/dev/pts/%u", n) < 0)
                return -ENOMEM;

        *ret_master = TAKE_FD(master);
        *ret_slave_path = path;
        return 0;
}

int console_attach_stdio(const char *slave_path) {
        int fd;

        /* A new session has no controlling terminal, so the open below acquires the slave. If we
         * already lead a session, setsid() fails with EPERM and the existing session is used. */
        if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
                return negative_errno();

        /* No O_CLOEXEC: if the fd lands on 0..2, dup2() onto itself would keep the flag. */
        fd = open(slave_path, O_RDWR);
        if (fd < 0)
                return negative_errno();

        if (ioctl(fd, TIOCSCTTY, 0) < 0) {
                int r = negative_errno();
                if (fd > STDERR_FILENO)
                        close(fd);
                return r;
        }

        for (int i = STDIN_FILENO; i <= STDERR_FILENO; i++)
                if (fd != i && dup2(fd, i) < 0) {
                        int r = negative_errno();
                        if (fd > STDERR_FILENO)
                                close(fd);
                        return r;
                }

        if (fd > STDERR_FILENO)
                close(fd);
        return 0;
}
