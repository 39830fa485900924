/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Output through a pager, as systemd's tools do. See pager.h. */

#include "pager.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"

static pid_t pager_pid;

void pager_open(void) {
        const char *pager = getenv("SYSTEMD_PAGER");
        int fds[2];

        if (pager_pid > 0 || !isatty(STDOUT_FILENO))
                return;
        if (!pager)
                pager = getenv("PAGER");
        if (pager && (!*pager || streq(pager, "cat")))
                return;
        fflush(stdout);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return;
        pid_t pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return;
        }
        if (pid == 0) {
                /* the pager: reads our output from the pipe, on the terminal */
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                setenv("LESS", "FRSXMK", 0);
                setenv("LESSCHARSET", "utf-8", 0);
                if (pager)
                        execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
                execlp("less", "less", (char *) NULL);
                execlp("more", "more", (char *) NULL);
                /* no pager: copy through */
                char buf[4096];
                ssize_t n;
                while ((n = read(STDIN_FILENO, buf, sizeof buf)) > 0)
                        if (write(STDOUT_FILENO, buf, (size_t) n) != n)
                                break;
                _exit(EXIT_SUCCESS);
        }
        if (dup2(fds[1], STDOUT_FILENO) < 0) {
                close(fds[0]);
                close(fds[1]);
                return;
        }
        close(fds[0]);
        close(fds[1]);
        signal(SIGPIPE, SIG_DFL);
        pager_pid = pid;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        fclose(stdout);
        (void) close(STDOUT_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}
