/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * PID 1 of an --as-pid2 container: reaps every orphan, turns the init signals into a request to
 * the payload (PID 2), and ends with the payload's exit status (255 if it did not exit normally).
 * A separate static program, executed by nspawn from a sealed memfd so /proc/1/exe inside the
 * container is never a host binary that could be opened and overwritten.
 *
 * Signals, as systemd-nspawn's stub: SIGRTMIN+3/+4/+13/+14 ask for power-off, SIGINT and
 * SIGRTMIN+5/+6/+15/+16 for reboot: the payload gets SIGTERM and SIGHUP, and once it is gone (or
 * after 90 s) the stub calls reboot(2), which in a PID namespace ends the container with the
 * matching status for nspawn. SIGTERM and SIGHUP to the stub itself are ignored.
 */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STOP_TIMEOUT_SEC 90

/* The real-time signals as systemd numbers them: glibc's SIGRTMIN is 34, musl's (which builds this
 * program where it can) 35, and nspawnctl and systemd send 34 + N. */
#define RTSIG(n) (34 + (n))

enum request { REQ_NONE, REQ_POWEROFF, REQ_REBOOT };

static enum request signal_request(int sig) {
        if (sig == RTSIG(3) || sig == RTSIG(4) || sig == RTSIG(13) || sig == RTSIG(14))
                return REQ_POWEROFF;
        if (sig == SIGINT || sig == RTSIG(5) || sig == RTSIG(6) || sig == RTSIG(15) || sig == RTSIG(16))
                return REQ_REBOOT;
        return REQ_NONE;
}

/* Reap all exited children; returns true once the payload is among them. */
static bool reap(pid_t payload, int *status) {
        bool gone = false;
        for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);
                if (p <= 0)
                        return gone;
                if (p == payload) {
                        *status = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
                        gone = true;
                }
        }
}

int main(int argc, char *argv[]) {
        sigset_t all;
        pid_t payload;
        enum request req = REQ_NONE;
        time_t deadline = 0;
        int status = 255;

        if (argc < 2 || (payload = (pid_t) atoi(argv[1])) <= 0)
                return 255;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        syscall(SYS_close_range, 0, ~0U, 0);

        for (;;) {
                struct timespec ts = {.tv_sec = 1};
                siginfo_t si;
                int sig = sigtimedwait(&all, &si, &ts);

                if (reap(payload, &status))
                        break;
                if (sig > 0 && req == REQ_NONE && (req = signal_request(sig)) != REQ_NONE) {
                        kill(payload, SIGTERM);
                        kill(payload, SIGHUP);
                        deadline = time(NULL) + STOP_TIMEOUT_SEC;
                }
                if (req != REQ_NONE && time(NULL) >= deadline)
                        break;
        }
        if (req == REQ_POWEROFF)
                reboot(RB_POWER_OFF);
        else if (req == REQ_REBOOT)
                reboot(RB_AUTOBOOT);
        return status;
}
