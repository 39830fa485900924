/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * nspawn-enter: how every process that nspawnctl asks for in a running container (shell, login,
 * and the getent runs that resolve their user) comes into being. A static program, embedded in
 * nspawn and executed from a sealed memfd, so that no process in the container's PID namespace
 * ever runs a host binary (src/spawn/control.h).
 *
 * nspawn's session process has entered the container's namespaces — all but the PID namespace,
 * which only children can enter — its cgroups and its security context (system call filter,
 * bounding set, user, no_new_privs) when it executes this program. Here the process is forked:
 * it is born in the container's PID namespace, with nothing more than the container's
 * privileges, running this program until it executes the guest's. This process stays outside,
 * holding no fd at all, waits for it and ends as it ended: that is how the exit status travels
 * back (the supervisor reaps us).
 *
 *   nspawn-enter MODE PATH ARGV0 [ARGS...]        (the environment is the program's)
 *   MODE  "-"  nothing more (the getent runs: they stay in our process group)
 *         "s"  a session of its own
 *         "t"  a session of its own whose controlling terminal is stdin (a pty)
 *
 * Every signal we get (the supervisor's SIGHUP when nspawnctl hangs up) goes on to the process's
 * group, SIGHUP followed by SIGCONT as a terminal's hangup. We end with its exit status; killed by
 * a signal, by the same signal (never dumping core); if it cannot be executed, it says why on its
 * stderr and ends with 127 (not found) or 126, as a shell does.
 */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

_Noreturn static void run_child(const char *mode, const sigset_t *mask, char **argv) {
        sigprocmask(SIG_SETMASK, mask, NULL);
        if ((mode[0] == 's' || mode[0] == 't') && setsid() < 0)
                _exit(126);
        if (mode[0] == 't' && ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
                _exit(126);
        execve(argv[0], argv + 1, environ);
        int e = errno;
        dprintf(STDERR_FILENO, "Failed to execute %s: %s\n", argv[0], strerror(e));
        _exit(e == ENOENT ? 127 : 126);
}

/* End as the process ended. A signal is raised on ourselves, not dumping core: a core of this
 * program (in the host's PID namespace) would go to the host's core handler. */
_Noreturn static void end_like(int status) {
        if (WIFEXITED(status))
                _exit(WEXITSTATUS(status));
        int sig = WTERMSIG(status);
        sigset_t one;
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        signal(sig, SIG_DFL);
        sigemptyset(&one);
        sigaddset(&one, sig);
        sigprocmask(SIG_UNBLOCK, &one, NULL);
        raise(sig);
        _exit(128 + sig); /* a signal that does not terminate */
}

int main(int argc, char *argv[]) {
        sigset_t all, old;

        if (argc < 4 || strlen(argv[1]) != 1 || !strchr("-st", argv[1][0]))
                return 126;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
        pid_t pid = fork();
        if (pid < 0)
                return 126;
        if (pid == 0)
                run_child(argv[1], &old, argv + 2);

        /* The session's stdio is the child's alone: its pty hangs up when the child's session ends. */
        close(STDIN_FILENO);
        close(STDOUT_FILENO);
        close(STDERR_FILENO);
        bool group = argv[1][0] != '-';
        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si), status;
                if (sig == SIGCHLD) {
                        pid_t p = waitpid(pid, &status, WNOHANG);
                        if (p == pid)
                                end_like(status);
                        if (p < 0 && errno == ECHILD)
                                return 126;
                } else if (sig > 0) {
                        /* before the child's setsid() there is no such group yet: the child */
                        if (!group || kill(-pid, sig) < 0)
                                (void) kill(pid, sig);
                        if (sig == SIGHUP && (!group || kill(-pid, SIGCONT) < 0))
                                (void) kill(pid, SIGCONT);
                }
        }
}
