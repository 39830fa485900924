/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The session process (control.h has the picture): cloned by the supervisor per request, into the
 * container's cgroup2 cgroup; nspawn's own code, in the host's PID namespace all its life, so no
 * process of the container can see it, ptrace it or take its fds. It enters everything of the
 * container but the PID namespace, makes the session's stdio and becomes nspawn-enter, whose child
 * is the only process that enters the PID namespace — already with the container's privileges.
 * Every failure goes to the client as 'E' and ends the process.
 */

#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "chase.h"
#include "control-protocol.h"
#include "env.h"
#include "errmsg.h"
#include "fdutil.h"
#include "macro.h"
#include "resources.h"
#include "session.h"
#include "spawn.h"
#include "strv.h"
#include "syscall-filter.h"
#include "user.h"

#define REQUEST_TIMEOUT_SEC 10

struct session {
        const struct session_context *ctx;
        const struct settings *s;
        struct control_request req;
        struct user_record user;
        int conn, leader_fd, stub_fd;
        int stdio[3];     /* the process's stdin, stdout, stderr: the pty's slave, or pipe ends */
        char *tty_mode;   /* nspawn-enter's MODE */
        char **exec_argv; /* PATH ARGV0 ARGS... */
        char **env;
};

_Noreturn _printf_(3, 4) static void session_fail(struct session *s, int r, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        errno = -r;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        (void) msg_send_fds(s->conn, CONTROL_MSG_ERROR, msg, strlen(msg), NULL, 0);
        _exit(EXIT_FAILURE);
}

/* A private copy of fd numbered 10 or above (user_helper's hooks need them above 3). */
static int fd_move_high(int fd) {
        int k = fcntl(fd, F_DUPFD_CLOEXEC, 10);
        safe_close(fd);
        return k;
}

/* Die with the supervisor; leave its session (the caller's terminal and its signals are not ours),
 * its signal set-up and every fd of its but ours: its console, guard socket and registry record
 * must not come near the container. */
static void session_setup_process(struct session *s) {
        const struct session_context *ctx = s->ctx;
        sigset_t none;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != ctx->supervisor)
                _exit(EXIT_FAILURE);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);
        (void) setsid();
        int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
        for (int i = 0; i < 3; i++)
                if (null_fd < 0 || dup2(null_fd, i) < 0)
                        _exit(EXIT_FAILURE);
        int keep[2 + CGROUP_MAX_JOIN_FDS] = {ctx->conn, ctx->leader_fd};
        memcpy(keep + 2, ctx->cgroup_fds, ctx->n_cgroup_fds * sizeof(int));
        if (close_all_fds_but(keep, 2 + ctx->n_cgroup_fds) < 0)
                _exit(EXIT_FAILURE);
        s->conn = ctx->conn;
        s->leader_fd = fd_move_high(ctx->leader_fd);
        if (s->leader_fd < 0)
                session_fail(s, negative_errno(), "Failed to duplicate the leader's pidfd: %m");
}

/* The connection is non-blocking (the supervisor's file description too): the request may not be
 * there yet when we are. */
static void session_read_request(struct session *s) {
        _cleanup_free_ char *buf = malloc(CONTROL_REQUEST_MAX + 1);
        struct pollfd p = {.fd = s->conn, .events = POLLIN};
        size_t n_fds = 0;
        char type = 0;
        int k;

        while ((k = poll(&p, 1, REQUEST_TIMEOUT_SEC * 1000)) < 0 && errno == EINTR)
                ;
        if (!buf || k <= 0)
                _exit(EXIT_FAILURE);
        ssize_t n = msg_recv_fds(s->conn, &type, buf, CONTROL_REQUEST_MAX + 1, NULL, &n_fds);
        if (n <= 0)
                _exit(EXIT_FAILURE); /* the client went, or said nothing */
        if (type != CONTROL_MSG_REQUEST || control_request_decode(buf, (size_t) n - 1, &s->req) < 0)
                session_fail(s, -EBADMSG, "Invalid request.");
}

/* Into the container: its v1 cgroups (cgroup2: we were cloned into it), its resource limits, then
 * its mount (root and working directory become the container's root), UTS, IPC, network and
 * cgroup namespaces in one setns() on PID 1's pidfd. Not its PID namespace: see session_exec(). */
static void session_enter(struct session *s) {
        const struct session_context *ctx = s->ctx;
        _cleanup_free_ char *error = NULL;

        int r = cgroup_join_self(ctx->cgroup_fds, ctx->n_cgroup_fds);
        close_many(ctx->cgroup_fds, ctx->n_cgroup_fds);
        if (r < 0)
                session_fail(s, r, "Failed to join the container's cgroups: %m");
        /* /proc is still the host's: our own /proc/self */
        resources_new_session();
        r = resources_apply(s->s, &ctx->host->init_nproc, &ctx->host->init_sigpending, &error);
        if (r < 0)
                session_fail(s, r, "%s", error);
        if (setns(s->leader_fd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP) <
            0)
                session_fail(s, negative_errno(),
                             errno == ESRCH ? "The machine is not running any more."
                                            : "Failed to enter the container: %m");
        s->stub_fd = enter_memfd();
        if (s->stub_fd >= 0)
                s->stub_fd = fd_move_high(s->stub_fd);
        if (s->stub_fd < 0)
                session_fail(s, s->stub_fd, "Failed to prepare the enter program: %m");
}

/* ---- the user -------------------------------------------------------------------------------- */

/* getent's helper (user_helper_run() forked it: our child, nspawn's code, outside the container's
 * PID namespace): its children go into the container's PID namespace, then the sandbox of -u's
 * getent (resources.h), all before any guest code runs. */
static int getent_sandbox(void *userdata) {
        struct session *s = userdata;
        if (setns(s->leader_fd, CLONE_NEWPID) < 0)
                return negative_errno();
        return resources_getent_sandbox(s->ctx->p->seccomp, s->ctx->p->caps);
}

/* …and instead of executing getent itself, it becomes nspawn-enter, whose child does. */
static int getent_exec(const char *path, char *const *argv, void *userdata) {
        struct session *s = userdata;
        char *args[8] = {(char *) "nspawn-enter", (char *) "-", (char *) path};
        char *empty_env[] = {NULL};
        size_t n = 3;

        if (access(path, X_OK) < 0)
                return negative_errno();
        for (; *argv && n < ELEMENTSOF(args) - 1; argv++)
                args[n++] = *argv;
        syscall(SYS_execveat, s->stub_fd, "", args, empty_env, AT_EMPTY_PATH);
        return negative_errno();
}

/* root with a command needs nothing of the guest's database (systemd synthesizes root the same
 * way); login runs as root. Else the guest's getent, run as for -u, or its flat files. */
static void session_resolve_user(struct session *s) {
        const char *user = s->req.user ? s->req.user : "root";
        _cleanup_free_ char *error = NULL;
        int r;

        if ((streq(user, "root") || streq(user, "0")) && (s->req.argv || s->req.kind == CONTROL_LOGIN)) {
                s->user = (struct user_record){
                        .name = strdup("root"), .home = strdup("/root"), .shell = strdup("/bin/sh")};
                if (!s->user.name || !s->user.home || !s->user.shell)
                        session_fail(s, -ENOMEM, "Out of memory.");
                return;
        }
        if (user_getent_present()) {
                int keep[] = {s->leader_fd, s->stub_fd};
                struct user_helper how = {.sandbox = getent_sandbox,
                                          .exec = getent_exec,
                                          .userdata = s,
                                          .keep_fds = keep,
                                          .n_keep_fds = ELEMENTSOF(keep)};
                r = user_resolve_getent_with(user, &how, &s->user, &error);
        } else {
                r = user_resolve("/etc/passwd", "/etc/group", user, &s->user);
                if (r == -ESRCH)
                        (void) error_setf(&error, r, "no such user");
        }
        if (r < 0)
                session_fail(s, r, "Failed to resolve user '%s' in the container: %s", user,
                             error ? error : strerror(-r));
}

/* ---- the program --------------------------------------------------------------------------- */

static int exec_argv_set(struct session *s, const char *path, const char *argv0, char *const *args) {
        if (strv_extend(&s->exec_argv, path) < 0 || strv_extend(&s->exec_argv, argv0) < 0)
                return -ENOMEM;
        STRV_FOREACH(a, args)
        if (strv_extend(&s->exec_argv, *a) < 0)
                return -ENOMEM;
        return 0;
}

/* shell: the command as given (never through the user's shell: nobody's is nologin), else the
 * user's login shell ("-bash"). */
static int choose_shell(struct session *s) {
        if (s->req.argv)
                return exec_argv_set(s, s->req.argv[0], s->req.argv[0], s->req.argv + 1);
        const char *base = strrchr(s->user.shell, '/');
        _cleanup_free_ char *argv0 = NULL;
        if (asprintf(&argv0, "-%s", base ? base + 1 : s->user.shell) < 0)
                return -ENOMEM;
        return exec_argv_set(s, s->user.shell, argv0, NULL);
}

/*
 * login: the guest's own getty on the pty (stdin: "-"), which prints the issue and
 * "HOSTNAME login: " and executes the guest's login; else its login. util-linux agetty and busybox
 * getty take different options; a getty is told apart by what it resolves to in the guest.
 */
static const struct login_program {
        const char *path;
        const char *is; /* the resolved file's name must be this (NULL: any) */
        const char *const argv[8];
} login_programs[] = {
        {"/sbin/agetty", NULL, {"agetty", "--noclear", "--keep-baud", "-", "115200,38400,9600", NULL}},
        {"/usr/sbin/agetty", NULL, {"agetty", "--noclear", "--keep-baud", "-", "115200,38400,9600", NULL}},
        {"/sbin/getty", "busybox", {"getty", "-L", "115200,38400,9600", "-", NULL}},
        {"/usr/sbin/getty", "busybox", {"getty", "-L", "115200,38400,9600", "-", NULL}},
        {"/bin/login", NULL, {"login", NULL}},
        {"/usr/bin/login", NULL, {"login", NULL}},
};

static int choose_login(struct session *s) {
        const char *term = strv_env_get(s->req.env, "TERM");

        for (size_t i = 0; i < ELEMENTSOF(login_programs); i++) {
                const struct login_program *l = &login_programs[i];
                _cleanup_free_ char *real = realpath(l->path, NULL); /* our root is the container's */
                const char *base = real ? strrchr(real, '/') + 1 : NULL;
                if (!real || access(real, X_OK) < 0 || (l->is && !streq(base, l->is)))
                        continue;
                int r = exec_argv_set(s, l->path, l->argv[0], (char *const *) l->argv + 1);
                /* the terminal type is a getty's last argument */
                if (r >= 0 && !streq(l->argv[0], "login"))
                        r = strv_extend(&s->exec_argv, term ? term : "vt220");
                return r;
        }
        return -ENOENT;
}

/* The process's environment: the container's (what its payload gets, without nspawn's
 * NOTIFY_SOCKET and TERM), the user's HOME, USER, LOGNAME and SHELL, then the client's TERM and
 * --setenv= assignments. */
static int build_env(struct session *s) {
        _cleanup_free_ char *shell = NULL;
        STRV_FOREACH(e, s->ctx->p->environment)
        if (!startswith(*e, "NOTIFY_SOCKET=") && !startswith(*e, "TERM=") && strv_extend(&s->env, *e) < 0)
                return -ENOMEM;
        if (s->req.kind == CONTROL_LOGIN)
                return env_finalize(&s->env, "/", "root", s->req.env) < 0 ? -ENOMEM : 0;
        if (asprintf(&shell, "SHELL=%s", s->user.shell) < 0 || strv_env_set(&s->env, shell) < 0)
                return -ENOMEM;
        return env_finalize(&s->env, s->user.home, s->user.name, s->req.env);
}

/* ---- stdio ------------------------------------------------------------------------------------- */

/* A pty of the container's own devpts: /dev/pts/ptmx opened below our root (the container's)
 * without following any symlink, and proven to be a devpts ptmx (the guest owns that tree); the
 * slave comes from the master (TIOCGPTPEER), not from a path. */
static int open_pty(struct session *s, int *ret_master) {
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), master = -EBADF;
        struct statfs sfs;
        struct stat st;
        int unlock = 0;

        if (root < 0)
                return -errno;
        master = chase_open_nofollow(root, "/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
        if (master < 0)
                return master;
        if (fstatfs(master, &sfs) < 0 || fstat(master, &st) < 0)
                return -errno;
        if (sfs.f_type != DEVPTS_SUPER_MAGIC || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 ||
            minor(st.st_rdev) != 2)
                return -ENOTTY;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return -errno;
        if (s->req.rows > 0 && s->req.cols > 0) {
                struct winsize ws = {.ws_row = s->req.rows, .ws_col = s->req.cols};
                (void) ioctl(master, TIOCSWINSZ, &ws);
        }
        int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return -errno;
        /* the user's own terminal, as systemd's chown_terminal() makes it */
        if (fchmod(slave, 0620) < 0 || fchown(slave, s->user.uid, (gid_t) -1) < 0) {
                safe_close(slave);
                return -errno;
        }
        s->stdio[0] = slave;
        s->stdio[1] = fcntl(slave, F_DUPFD_CLOEXEC, 3);
        s->stdio[2] = fcntl(slave, F_DUPFD_CLOEXEC, 3);
        if (s->stdio[1] < 0 || s->stdio[2] < 0)
                return -errno;
        *ret_master = TAKE_FD(master);
        return 0;
}

/* The session's stdio, and the client's ends of it sent ('R'). */
static void session_make_stdio(struct session *s) {
        int client[3] = {-EBADF, -EBADF, -EBADF};
        size_t n = 0;
        int r = 0;

        if (s->req.pty) {
                r = open_pty(s, &client[0]);
                n = 1;
                if (r < 0)
                        session_fail(s, r, "Failed to open a pty in the container: %m");
        } else
                for (int i = 0; i < 3; i++) {
                        int p[2];
                        if (pipe2(p, O_CLOEXEC) < 0)
                                session_fail(s, negative_errno(), "Failed to create a pipe: %m");
                        s->stdio[i] = p[i == 0 ? 0 : 1];
                        client[n++] = p[i == 0 ? 1 : 0];
                }
        r = msg_send_fds(s->conn, CONTROL_MSG_READY, NULL, 0, client, n);
        close_many(client, n);
        if (r < 0)
                _exit(EXIT_FAILURE); /* the client went */
}

/* ---- privileges, exec ------------------------------------------------------------------------- */

/* As PID 1 drops them (child.c): the filter (needs CAP_SYS_ADMIN), the user (CAP_SETUID), the
 * capabilities last. Before: setns() into the PID namespace, for our children only. */
static void session_drop_privileges(struct session *s) {
        const struct spawn_params *p = s->ctx->p;
        int r;

        if (setns(s->leader_fd, CLONE_NEWPID) < 0)
                session_fail(s, negative_errno(), "Failed to enter the container's PID namespace: %m");
        s->leader_fd = safe_close(s->leader_fd);
        if (p->seccomp && (r = seccomp_program_load(p->seccomp)) < 0)
                session_fail(s, r, "Failed to install the system call filter: %m");
        if (s->user.uid != 0 || s->user.gid != 0) {
                r = caps_change_user(s->user.uid, s->user.gid, s->user.groups, s->user.n_groups);
                if (r < 0)
                        session_fail(s, r, "Failed to change to user %s: %m", s->user.name);
                /* a credential change clears the parent-death signal */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != s->ctx->supervisor)
                        _exit(EXIT_FAILURE);
        } else if (setgroups(s->user.n_groups, s->user.groups) < 0)
                session_fail(s, negative_errno(), "Failed to set the supplementary groups: %m");
        r = caps_apply(p->caps, 0, s->user.uid == 0);
        if (r < 0)
                session_fail(s, r, "Failed to set capabilities: %m");
        if (s->s->no_new_privileges > 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                session_fail(s, negative_errno(), "Failed to set no_new_privs: %m");
        /* as the user, as systemd's WorkingDirectory=-~: the home, else / */
        if (s->req.kind == CONTROL_LOGIN || chdir(s->user.home) < 0)
                (void) chdir("/");
}

/* nspawn-enter with the session's stdio as 0, 1, 2 and no other fd (the connection and the memfd
 * close on exec; if the exec fails the client still hears why). */
_Noreturn static void session_exec(struct session *s) {
        _cleanup_strv_free_ char **argv = NULL;

        for (int i = 0; i < 3; i++)
                if (dup2(s->stdio[i], i) < 0)
                        session_fail(s, negative_errno(), "Failed to set up stdio: %m");
        int keep[] = {s->conn, s->stub_fd};
        if (close_all_fds_but(keep, ELEMENTSOF(keep)) < 0 || strv_extend(&argv, "nspawn-enter") < 0 ||
            strv_extend(&argv, s->tty_mode) < 0)
                session_fail(s, -ENOMEM, "Failed to prepare the session.");
        STRV_FOREACH(a, s->exec_argv)
        if (strv_extend(&argv, *a) < 0)
                session_fail(s, -ENOMEM, "Out of memory.");
        syscall(SYS_execveat, s->stub_fd, "", argv, s->env, AT_EMPTY_PATH);
        session_fail(s, negative_errno(), "Failed to execute the enter program: %m");
}

_Noreturn void session_main(const struct session_context *ctx) {
        struct session s = {.ctx = ctx,
                            .s = ctx->p->settings,
                            .conn = ctx->conn,
                            .leader_fd = -EBADF,
                            .stub_fd = -EBADF,
                            .stdio = {-EBADF, -EBADF, -EBADF}};
        int r;

        session_setup_process(&s);
        session_read_request(&s);
        session_enter(&s);
        session_resolve_user(&s);
        r = s.req.kind == CONTROL_LOGIN ? choose_login(&s) : choose_shell(&s);
        if (r == -ENOENT)
                session_fail(&s, r, "No getty or login program found in the container.");
        if (r < 0 || build_env(&s) < 0)
                session_fail(&s, -ENOMEM, "Out of memory.");
        s.tty_mode = (char *) (s.req.pty ? "t" : "s");
        session_make_stdio(&s);
        session_drop_privileges(&s);
        session_exec(&s);
}

extern const char nspawn_enter_start[], nspawn_enter_end[];

int enter_memfd(void) {
        _cleanup_close_ int fd = memfd_create("nspawn-enter", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, nspawn_enter_start, (size_t) (nspawn_enter_end - nspawn_enter_start));
        if (r < 0)
                return r;
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                return -errno;
        return TAKE_FD(fd);
}
