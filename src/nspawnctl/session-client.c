/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* nspawnctl's side of a shell or login session (session-client.h). */

#include "session-client.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "event.h"
#include "fdutil.h"
#include "machine.h"
#include "macro.h"
#include "pty-forward.h"
#include "stdio-forward.h"
#include "strv.h"

/* How the forwarding ended. */
enum leave {
        LEAVE_END,    /* the supervisor said how the process ended */
        LEAVE_LOST,   /* the connection closed without that */
        LEAVE_ESCAPE, /* ^] three times */
        LEAVE_SIGNAL, /* SIGINT or SIGTERM to us */
};

struct client {
        const char *machine;
        const char *what; /* "Failed to get shell PTY" */
        struct control_request *req;
        int conn, sigfd;
        enum leave leave;
        struct control_end end;
        int signal;
};

/* The machine's control socket, if its peer is the supervisor the record names. */
static int client_connect(struct client *cl, struct ctl *c) {
        struct machine m = {.leader_fd = -EBADF};
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        const char *name = cl->machine;

        if (streq(name, HOST_MACHINE))
                return log_error("%s: Sessions on the local host (.host) are not supported yet.", cl->what);
        int r = machine_get(c->registry_dir, name, &m);
        if (r == -ENOENT)
                return log_error("%s: No machine '%s' known", cl->what, name);
        if (r < 0)
                return log_error("%s: %s", cl->what, strerror(-r));
        pid_t supervisor = m.rec.supervisor;
        enum machine_state state = machine_state(&m);
        machine_done(&m);
        if (state == MACHINE_CLOSING) /* its leader is gone: the machine is going */
                return log_error("%s: No machine '%s' known", cl->what, name);
        bool starting = state == MACHINE_OPENING;
        if (cl->req->argv && cl->req->argv[0][0] != '/')
                return log_error("%s: Specified path '%s' is not absolute", cl->what, cl->req->argv[0]);

        r = control_socket_path(name, sa.sun_path, sizeof(sa.sun_path));
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (r < 0 || fd < 0)
                return log_error("%s: %s", cl->what, strerror(r < 0 ? -r : errno));
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                if (starting && (errno == ENOENT || errno == ECONNREFUSED))
                        return log_error("%s: Machine '%s' is still starting.", cl->what, name);
                if (errno == ENOENT || errno == ECONNREFUSED)
                        return log_error("%s: Machine '%s' has no control socket (%s): its supervisor "
                                         "(PID %d) does not serve shell and login.",
                                         cl->what, name, sa.sun_path, (int) supervisor);
                return log_error("%s: Failed to connect to %s: %m", cl->what, sa.sun_path);
        }
        struct ucred uc;
        socklen_t l = sizeof(uc);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) < 0 || uc.uid != 0 || uc.pid != supervisor)
                return log_error("%s: The control socket %s is not served by machine '%s''s supervisor "
                                 "(PID %d).",
                                 cl->what, sa.sun_path, name, (int) supervisor);
        cl->conn = TAKE_FD(fd);
        return 0;
}

static int client_request(struct client *cl) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        struct winsize ws;

        if (cl->req->pty &&
            (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) >= 0)) {
                cl->req->rows = ws.ws_row;
                cl->req->cols = ws.ws_col;
        }
        int r = control_request_encode(cl->req, &buf, &size);
        if (r == -E2BIG)
                return log_error("%s: The command line and environment are too long.", cl->what);
        if (r >= 0)
                r = msg_send_fds(cl->conn, CONTROL_MSG_REQUEST, buf, size, NULL, 0);
        if (r == -EPIPE)
                return 0; /* turned away: client_ready() reads why */
        return r < 0 ? log_error("%s: %s", cl->what, strerror(-r)) : 0;
}

/* 'R' with its fds, or the session's error. */
static int client_ready(struct client *cl, int *fds, size_t *n) {
        char buf[1025], type = 0;
        size_t want = cl->req->pty ? 1 : 3;
        *n = 3;
        ssize_t k = msg_recv_fds(cl->conn, &type, buf, sizeof(buf) - 1, fds, n);
        if (k > 0 && type == CONTROL_MSG_ERROR) {
                close_many(fds, *n);
                buf[k - 1] = 0;
                return log_error("%s: %s", cl->what, buf);
        }
        if (k > 0 && type == CONTROL_MSG_READY && *n == want)
                return 0;
        close_many(fds, *n);
        if (k < 0)
                return log_error("%s: %s", cl->what, strerror((int) -k));
        return log_error("%s: The machine's supervisor ended the session before it started.", cl->what);
}

/* The connection is readable: the end, or the supervisor is gone. 1: leave the loop. */
static int client_on_conn(struct client *cl) {
        char buf[1025], type = 0;
        size_t n = 0;
        ssize_t k = msg_recv_fds(cl->conn, &type, buf, sizeof(buf) - 1, NULL, &n);
        if (k < 0 && (k == -EAGAIN || k == -EINTR))
                return 0;
        if (k > 0 && type == CONTROL_MSG_END && (size_t) k - 1 == sizeof(cl->end)) {
                memcpy(&cl->end, buf, sizeof(cl->end));
                cl->leave = LEAVE_END;
                return 1;
        }
        if (k > 0 && type == CONTROL_MSG_ERROR) {
                buf[k - 1] = 0;
                (void) log_error("%s: %s", cl->what, buf);
        }
        cl->leave = LEAVE_LOST;
        return 1;
}

/* SIGWINCH resizes; SIGINT and SIGTERM leave (the session then hangs up). 1: leave the loop. */
static int client_on_signal(struct client *cl, struct pty_forward *f) {
        struct signalfd_siginfo si;
        if (read(cl->sigfd, &si, sizeof(si)) != sizeof(si))
                return 0;
        if (si.ssi_signo == SIGWINCH) {
                pty_forward_window_changed(f);
                return 0;
        }
        cl->leave = LEAVE_SIGNAL;
        cl->signal = (int) si.ssi_signo;
        return 1;
}

enum { SRC_CONN = PTY_FORWARD_ESCAPE + 1, SRC_SIGNAL };
static int dispatch_conn(struct event_source *s, uint32_t e) {
        return SRC_CONN;
}
static int dispatch_signal(struct event_source *s, uint32_t e) {
        return SRC_SIGNAL;
}

/* The pty: nspawnctl's terminal in raw mode, forwarded until the end. Returns the last byte
 * written, for machinectl's line end. */
static int client_forward_pty(struct client *cl, int master, char *ret_last) {
        _cleanup_close_ int epfd = epoll_create1(EPOLL_CLOEXEC);
        struct event_source conn = {.fd = cl->conn, .dispatch = dispatch_conn},
                            sig = {.fd = cl->sigfd, .dispatch = dispatch_signal};
        struct pty_forward *f = NULL;
        int r = epfd < 0 ? -errno
                         : pty_forward_new(epfd, master, STDIN_FILENO, STDOUT_FILENO, CONSOLE_INTERACTIVE,
                                           &f);
        if (r >= 0 && (r = event_add(epfd, &conn, EPOLLIN)) >= 0)
                r = event_add(epfd, &sig, EPOLLIN);
        for (bool done = false; r >= 0 && !done;) {
                struct epoll_event ev[8];
                int n = epoll_wait(epfd, ev, ELEMENTSOF(ev), -1);
                if (n < 0 && errno != EINTR)
                        r = -errno;
                for (int i = 0; i < n && r >= 0 && !done; i++) {
                        struct event_source *src = ev[i].data.ptr;
                        int k = src->dispatch(src, ev[i].events);
                        if (k == PTY_FORWARD_ESCAPE)
                                cl->leave = LEAVE_ESCAPE, done = true;
                        else if (k == SRC_CONN)
                                done = client_on_conn(cl) > 0;
                        else if (k == SRC_SIGNAL)
                                done = client_on_signal(cl, f) > 0;
                        else if (k < 0)
                                r = k;
                }
        }
        if (r >= 0 && cl->leave == LEAVE_END)
                pty_forward_drain(f);
        *ret_last = pty_forward_last_char(f);
        pty_forward_free(f);
        return r < 0 ? log_error("Failed to forward the pty: %s", strerror(-r)) : 0;
}

static int client_forward_pipes(struct client *cl, const int *fds) {
        struct stdio_forward *f = NULL;
        int r = stdio_forward_new(fds[0], fds[1], fds[2], &f);
        if (r < 0) {
                close_many(fds, 3);
                return log_error("Failed to forward the session's stdio: %s", strerror(-r));
        }
        for (bool done = false; !done;) {
                int k = stdio_forward_wait(f, (int[]){cl->conn, cl->sigfd}, 2);
                if (k < 0) {
                        stdio_forward_free(f);
                        return log_error("Failed to forward the session's stdio: %s", strerror(-k));
                }
                done = (k == 0 ? client_on_conn(cl) : client_on_signal(cl, NULL)) > 0;
        }
        if (cl->leave == LEAVE_END)
                stdio_forward_drain(f);
        stdio_forward_free(f);
        return 0;
}

static int client_signals(struct client *cl) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGPIPE);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        sigdelset(&mask, SIGPIPE); /* blocked: a closed output is an EPIPE */
        cl->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        return cl->sigfd < 0 ? -errno : 0;
}

/* machinectl's words at the end (unless quiet), and the exit status passed on. */
static int client_finish(const struct client *cl, bool quiet) {
        if (quiet)
                ;
        else if (cl->leave == LEAVE_END && cl->end.kind == CONTROL_END_GONE &&
                 cl->req->kind == CONTROL_LOGIN)
                fprintf(stderr, "Machine %s terminated.\n", cl->machine);
        else
                fprintf(stderr, "Connection to machine %s terminated.\n", cl->machine);
        switch (cl->leave) {
        case LEAVE_END:
                return control_end_exit_status(&cl->end);
        case LEAVE_SIGNAL:
                return 128 + cl->signal;
        case LEAVE_ESCAPE:
                return 0;
        default:
                return EXIT_FAILURE;
        }
}

int session_client_run(struct ctl *c, const char *machine, struct control_request *req) {
        struct client cl = {
                .machine = machine,
                .what = req->kind == CONTROL_LOGIN ? "Failed to get login PTY" : "Failed to get shell PTY",
                .req = req,
                .conn = -EBADF,
                .sigfd = -EBADF,
        };
        int fds[3] = {-EBADF, -EBADF, -EBADF}, r;
        size_t n = 0;
        char last = '\n';

        r = client_connect(&cl, c);
        if (r >= 0)
                r = client_request(&cl);
        if (r >= 0)
                r = client_ready(&cl, fds, &n);
        if (r >= 0 && (r = client_signals(&cl)) < 0)
                r = log_error("Failed to set up signals: %s", strerror(-r));
        if (r < 0) {
                close_many(fds, n);
                safe_close(cl.conn);
                return r;
        }
        if (!c->quiet)
                fprintf(stderr,
                        req->pty ? "Connected to machine %s. Press ^] three times within 1s to exit "
                                   "session.\n"
                                 : "Connected to machine %s.\n",
                        machine);
        if (req->pty) {
                r = client_forward_pty(&cl, fds[0], &last);
                safe_close(fds[0]);
        } else
                r = client_forward_pipes(&cl, fds);
        safe_close(cl.sigfd);
        safe_close(cl.conn); /* a session still running hangs up */
        if (r < 0)
                return r;
        if (req->pty && last != '\n') {
                fputc('\n', stdout);
                fflush(stdout);
        }
        return client_finish(&cl, c->quiet);
}
