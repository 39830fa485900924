/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The control socket, supervisor side (control.h): the socket, the sessions' bookkeeping on the
 * run's epoll set. The session process itself is session.c. Nothing here blocks the supervisor's
 * loop: accepting and cloning is all it does per request; the session process reads the request.
 */

#include "control.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "control-protocol.h"
#include "errmsg.h"
#include "event.h"
#include "fdutil.h"
#include "guard.h"
#include "log.h"
#include "macro.h"
#include "name-valid.h"
#include "rm-rf.h"
#include "session.h"
#include "spawn.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Sessions at a time; a further client is told so and turned away. */
#define CONTROL_MAX_SESSIONS 64

/* A session. The slots are never freed while the control lives: an event of an ended session still
 * in the loop's current batch finds its slot (perhaps already someone else's) and checks what it
 * is told before it acts. */
struct session_slot {
        struct control *control;
        bool active;
        bool hung_up;
        struct event_source exit_src; /* the session process's pidfd */
        struct event_source conn_src; /* the client's connection: watched for its hangup */
};

static int on_session_exit(struct event_source *src, uint32_t events);
static int on_session_hangup(struct event_source *src, uint32_t events);

struct control {
        char *machine;
        struct guard *guard;
        int dir_fd;    /* CONTROL_DIR */
        int listen_fd; /* -EBADF until the first run */
        struct event_source listen_src;
        int epfd; /* the current run's, -EBADF between runs */
        struct control_run run;
        struct session_slot sessions[CONTROL_MAX_SESSIONS];
};

int control_new(const char *machine, struct guard *guard, struct control **ret) {
        struct control *c = calloc(1, sizeof(*c));
        if (!c || !(c->machine = strdup(machine))) {
                free(c);
                return -ENOMEM;
        }
        c->guard = guard;
        c->dir_fd = c->listen_fd = c->epfd = -EBADF;
        for (size_t i = 0; i < CONTROL_MAX_SESSIONS; i++) {
                struct session_slot *s = &c->sessions[i];
                *s = (struct session_slot){
                        .control = c,
                        .exit_src = {.fd = -EBADF, .dispatch = on_session_exit, .userdata = s},
                        .conn_src = {.fd = -EBADF, .dispatch = on_session_hangup, .userdata = s},
                };
        }
        *ret = c;
        return 0;
}

struct control *control_free(struct control *c) {
        if (!c)
                return NULL;
        control_stop(c);
        safe_close(c->listen_fd);
        safe_close(c->dir_fd);
        free(c->machine);
        free(c);
        return NULL;
}

/* CONTROL_DIR, root's and only root's to enter (a symlink or another owner is refused). */
static int open_control_dir(bool create) {
        struct stat st;
        if (create) {
                int r = mkdir_p(CONTROL_DIR, 0700);
                if (r < 0)
                        return r;
        }
        _cleanup_close_ int fd = open(CONTROL_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_uid != 0 || (st.st_mode & 0077))
                return -EPERM;
        return TAKE_FD(fd);
}

/* CONTROL_DIR/NAME/socket. The name is ours (we hold the machine's record), so whatever is there
 * is a stale one of a killed nspawn and guard. The guard's duty comes first: the directory. */
static int control_listen(struct control *c, char **ret_error) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int r = control_socket_path(c->machine, sa.sun_path, sizeof(sa.sun_path));
        if (r < 0)
                return error_setf(ret_error, r, "Invalid machine name for a control socket: %s", c->machine);
        if (c->dir_fd < 0 && (c->dir_fd = open_control_dir(true)) < 0)
                return error_setf(ret_error, c->dir_fd, "Failed to open %s: %s", CONTROL_DIR,
                                  strerror(-c->dir_fd));
        struct undo u = {.kind = UNDO_TREE, .path = c->machine, .fds = {c->dir_fd}, .n_fds = 1};
        if ((r = guard_push(c->guard, &u)) < 0)
                return error_setf(ret_error, r, "Failed to register the control socket's removal: %s",
                                  strerror(-r));
        (void) rm_rf_at(c->dir_fd, c->machine);
        if (mkdirat(c->dir_fd, c->machine, 0700) < 0)
                return error_setf(ret_error, -errno, "Failed to create %s/%s: %m", CONTROL_DIR, c->machine);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
                return error_setf(ret_error, -errno, "Failed to create the control socket %s: %m",
                                  sa.sun_path);
        c->listen_fd = TAKE_FD(fd);
        return 0;
}

/* ---- sessions ---- */

static void session_slot_free(struct session_slot *s) {
        struct control *c = s->control;
        if (c->epfd >= 0) {
                event_del(c->epfd, &s->exit_src);
                if (!s->hung_up)
                        event_del(c->epfd, &s->conn_src);
        }
        safe_close(s->exit_src.fd);
        safe_close(s->conn_src.fd);
        s->exit_src.fd = s->conn_src.fd = -EBADF;
        s->active = s->hung_up = false; /* the dispatch functions stay: a stale event may come */
}

/* The session process is gone (si: reaped): the client hears how its process ended. */
static void session_end(struct session_slot *s, const siginfo_t *si, bool machine_gone) {
        struct control_end e = {.kind = si->si_code == CLD_EXITED ? CONTROL_END_EXITED : CONTROL_END_KILLED,
                                .status = si->si_status};
        if (machine_gone && e.kind == CONTROL_END_KILLED)
                e.kind = CONTROL_END_GONE;
        (void) msg_send_fds(s->conn_src.fd, CONTROL_MSG_END, &e, sizeof(e), NULL, 0);
        session_slot_free(s);
}

static int session_reap(struct session_slot *s, int flags, siginfo_t *ret) {
        *ret = (siginfo_t){};
        while (waitid((idtype_t) P_PIDFD, (id_t) s->exit_src.fd, ret, WEXITED | flags) < 0)
                if (errno != EINTR)
                        return -errno;
        return ret->si_pid != 0;
}

static int on_session_exit(struct event_source *src, uint32_t events) {
        struct session_slot *s = src->userdata;
        siginfo_t si;
        int r = s->active ? session_reap(s, WNOHANG, &si) : 0;
        if (r < 0) /* reaped already (cannot be): gone all the same */
                si = (siginfo_t){.si_code = CLD_KILLED, .si_status = SIGKILL};
        if (r != 0)
                session_end(s, &si, false);
        return 0;
}

/* nspawnctl hung up: as a terminal's hangup, SIGHUP (nspawn-enter passes it on to the process's
 * group; before that, it ends the session process). */
static int on_session_hangup(struct event_source *src, uint32_t events) {
        struct session_slot *s = src->userdata;
        struct pollfd p = {.fd = s->conn_src.fd, .events = POLLRDHUP};
        if (!s->active || s->hung_up || poll(&p, 1, 0) <= 0 ||
            !(p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
                return 0;
        (void) syscall(SYS_pidfd_send_signal, s->exit_src.fd, SIGHUP, NULL, 0);
        event_del(s->control->epfd, &s->conn_src);
        s->hung_up = true;
        return 0;
}

/* The session process, cloned into the container's cgroup2 cgroup (no migration afterwards). */
static pid_t session_clone(struct control *c, int conn, int *ret_pidfd) {
        int v2 = -EBADF, fds[CGROUP_MAX_JOIN_FDS];
        size_t n = 0;
        int r = cgroup_enter_fds(c->run.p->cgroup, c->run.pid, &v2, fds, &n);
        if (r < 0)
                return r;
        struct clone_args args = {
                .flags = CLONE_PIDFD | (v2 >= 0 ? CLONE_INTO_CGROUP : 0),
                .pidfd = (uint64_t) (uintptr_t) ret_pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = v2 >= 0 ? (uint64_t) v2 : 0,
        };
        pid_t supervisor = getpid();
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0) {
                struct session_context ctx = {.p = c->run.p,
                                              .host = c->run.host,
                                              .supervisor = supervisor,
                                              .conn = conn,
                                              .leader_fd = c->run.pidfd,
                                              .cgroup_fds = fds,
                                              .n_cgroup_fds = n};
                session_main(&ctx);
        }
        r = pid < 0 ? -errno : pid;
        safe_close(v2);
        close_many(fds, n);
        return r;
}

static void session_start(struct control *c, int conn) {
        struct session_slot *s = NULL;
        for (size_t i = 0; i < CONTROL_MAX_SESSIONS && !s; i++)
                if (!c->sessions[i].active)
                        s = &c->sessions[i];
        if (!s) {
                static const char busy[] = "Too many sessions in this machine.";
                (void) msg_send_fds(conn, CONTROL_MSG_ERROR, busy, sizeof(busy) - 1, NULL, 0);
                safe_close(conn);
                return;
        }
        int pidfd = -EBADF;
        pid_t pid = session_clone(c, conn, &pidfd);
        if (pid < 0) {
                char msg[128];
                snprintf(msg, sizeof msg, "Failed to start the session: %s", strerror((int) -pid));
                (void) msg_send_fds(conn, CONTROL_MSG_ERROR, msg, strlen(msg), NULL, 0);
                safe_close(conn);
                return;
        }
        s->active = true;
        s->hung_up = false;
        s->exit_src.fd = pidfd;
        s->conn_src.fd = conn;
        log_debug("Session %d started in %s.", (int) pid, c->machine);
        if (event_add(c->epfd, &s->exit_src, EPOLLIN) < 0 ||
            event_add(c->epfd, &s->conn_src, EPOLLRDHUP) < 0) {
                siginfo_t si;
                (void) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                (void) session_reap(s, 0, &si);
                session_end(s, &si, false);
        }
}

/* Root's connections only (the directory lets nobody else near; this says so again). */
static int on_listen(struct event_source *src, uint32_t events) {
        struct control *c = src->userdata;
        for (;;) {
                int conn = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (conn < 0)
                        return 0; /* EAGAIN, or the client is gone already */
                struct ucred uc;
                socklen_t l = sizeof(uc);
                if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &uc, &l) < 0 || uc.uid != 0) {
                        safe_close(conn);
                        continue;
                }
                session_start(c, conn);
        }
}

int control_start(struct control *c, int epfd, const struct control_run *run, char **ret_error) {
        if (!c)
                return 0;
        if (c->listen_fd < 0) {
                int r = control_listen(c, ret_error);
                if (r < 0)
                        return r;
        }
        c->run = *run;
        c->listen_src = (struct event_source){.fd = c->listen_fd, .dispatch = on_listen, .userdata = c};
        int r = event_add(epfd, &c->listen_src, EPOLLIN);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to serve the control socket: %s", strerror(-r));
        c->epfd = epfd;
        return 0;
}

/* PID 1 is gone, and with it every session's process in the container: a session process still
 * there is about to end, or never got that far (it is killed; in a frozen cgroup too). */
void control_stop(struct control *c) {
        if (!c || c->epfd < 0)
                return;
        event_del(c->epfd, &c->listen_src);
        for (size_t i = 0; i < CONTROL_MAX_SESSIONS; i++) {
                struct session_slot *s = &c->sessions[i];
                siginfo_t si;
                if (!s->active)
                        continue;
                if (session_reap(s, WNOHANG, &si) == 0) {
                        (void) syscall(SYS_pidfd_send_signal, s->exit_src.fd, SIGKILL, NULL, 0);
                        (void) session_reap(s, 0, &si);
                }
                session_end(s, &si, true);
        }
        c->epfd = -EBADF;
}

void control_reclaim(const char *machine) {
        _cleanup_close_ int fd = open_control_dir(false);
        if (fd >= 0 && machine_name_is_valid(machine))
                (void) rm_rf_at(fd, machine);
}
