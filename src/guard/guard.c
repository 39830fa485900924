/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "guard.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fdutil.h"
#include "macro.h"

#define GUARD_DONE 'D'
#define GUARD_KEEP 'K'
#define GUARD_READY 'R'

/* Wait for the supervisor's word: true for "done", false for EOF (it died or handed over). fds
 * sent to be kept stay open until we exit. */
static bool wait_supervisor(int sock_fd) {
        for (;;) {
                int fds[MSG_MAX_FDS];
                size_t n_fds = ELEMENTSOF(fds);
                char type = 0;
                ssize_t got = msg_recv_fds(sock_fd, &type, NULL, 0, fds, &n_fds);
                if (got == 1 && type == GUARD_KEEP)
                        continue;
                return got == 1 && type == GUARD_DONE;
        }
}

_Noreturn static void guard_main(int sock_fd, const char *name, const int *keep, size_t n, guard_fn fn,
                                 void *userdata) {
        static const int ignored[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGTSTP,
                                      SIGTTIN, SIGTTOU, SIGPIPE, SIGUSR1, SIGUSR2};
        sigset_t none;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (size_t i = 0; i < ELEMENTSOF(ignored); i++)
                signal(ignored[i], SIG_IGN);
        (void) setsid();
        (void) prctl(PR_SET_NAME, name);
        (void) chdir("/");
        for (int i = 0; i < 3 && null >= 0; i++)
                (void) dup2(null, i);
        int all[n + 1];
        for (size_t i = 0; i < n; i++)
                all[i] = keep[i];
        all[n] = sock_fd;
        (void) close_all_fds_but(all, n + 1);
        /* we hold nothing of the supervisor's but what we must keep: it may hand over now */
        (void) send(sock_fd, (char[]){GUARD_READY}, 1, MSG_NOSIGNAL);

        bool done = wait_supervisor(sock_fd);
        /* Cleanup is background work: it must not take the CPU from what runs next (a new
         * container, the caller that waited for nspawn). */
        (void) setpriority(PRIO_PROCESS, 0, 19);
        if (!done)
                fn(userdata);
        _exit(EXIT_SUCCESS);
}

int guard_start(struct guard *g, const char *name, const int *keep_fds, size_t n_keep, guard_fn fn,
                void *userdata) {
        int p[2];

        /* a socket, so the "done" byte never raises SIGPIPE */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                safe_close(p[0]);
                safe_close(p[1]);
                return r;
        }
        if (pid == 0) {
                safe_close(p[1]);
                guard_main(p[0], name, keep_fds, n_keep, fn, userdata);
        }
        safe_close(p[0]);
        *g = (struct guard){.pid = pid, .fd = p[1]};
        return 0;
}

/* Reaped if it is gone already; else it exits on its own within a moment (a zombie of ours until
 * then, or until we exit): waiting would cost a scheduling round trip. */
static void guard_let_go(struct guard *g) {
        g->fd = safe_close(g->fd);
        if (g->pid > 0)
                (void) waitpid(g->pid, NULL, WNOHANG);
        g->pid = 0;
}

void guard_release(struct guard *g) {
        if (g->fd >= 0)
                (void) send(g->fd, (char[]){GUARD_DONE}, 1, MSG_NOSIGNAL);
        guard_let_go(g);
}

int guard_adopt_fds(struct guard *g, const int *fds, size_t n) {
        if (g->fd < 0)
                return -ESRCH;
        return msg_send_fds(g->fd, GUARD_KEEP, NULL, 0, fds, n);
}

/* The guard has closed what it inherited but must not keep ('R'; sent long before, as a rule,
 * so this does not block). false if it is gone. */
static bool guard_ready(struct guard *g) {
        char c = 0;
        ssize_t n;
        while ((n = recv(g->fd, &c, 1, 0)) < 0 && errno == EINTR)
                ;
        return n == 1 && c == GUARD_READY;
}

int guard_hand_over(struct guard *g) {
        bool alive = g->fd >= 0 && g->pid > 0 && waitpid(g->pid, NULL, WNOHANG) == 0 && guard_ready(g);
        if (!alive)
                g->pid = 0; /* reaped, or not ours to wait for */
        guard_let_go(g);
        return alive ? 0 : -ESRCH;
}
