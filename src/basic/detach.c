/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A helper program's first step (see detach.h). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "detach.h"
#include "fdutil.h"
#include "macro.h"

int helper_socket_arg(int argc, char *argv[]) {
        char *end;
        long fd = argc == 2 ? strtol(argv[1], &end, 10) : -1;

        if (fd < 3 || fd > 65535 || *end)
                return -EINVAL;
        return (int) fd;
}

int helper_detach(int keep_fd, bool keep_stderr) {
        static const int ignored[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGTSTP,
                                      SIGTTIN, SIGTTOU, SIGPIPE, SIGUSR1, SIGUSR2};
        sigset_t none;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        for (int sig = 1; sig < _NSIG; sig++)
                (void) signal(sig, SIG_DFL);
        for (size_t i = 0; i < ELEMENTSOF(ignored); i++)
                (void) signal(ignored[i], SIG_IGN);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        (void) setsid();
        (void) chdir("/");
        for (int i = 0; i < (keep_stderr ? 2 : 3) && null >= 0; i++)
                (void) dup2(null, i);
        safe_close(null);
        if (fcntl(keep_fd, F_SETFD, FD_CLOEXEC) < 0)
                return -errno;
        return close_all_fds_but(&keep_fd, 1);
}
