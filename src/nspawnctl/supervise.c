/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * nspawnctl's own supervisor (service.h): what systemd does for nspawn@NAME.service, on a host
 * where systemd is not PID 1.
 *
 *   nspawnctl start NAME ─fork─► supervisor: a session of its own, "/" as cwd, stdio /dev/null,
 *   (waits on a pipe for    │    SERVICE_DIR/NAME locked for its whole life
 *    READY or nspawn's end) ├─ before each start: /machine.slice/nspawn@NAME.service (unit-cgroup.h)
 *                           ├─fork─► nspawn NSPAWN_SERVICE_ARGS --machine=NAME in that cgroup, in a
 *                           │        session of its own, with a clean environment, stdout and
 *                           │        stderr appended to SERVICE_LOG_DIR/NAME.log, NOTIFY_SOCKET
 *                           │        the supervisor's (an abstract socket; only nspawn is heard)
 *                           ├─ READY=1 (nspawn sends it once its record names the leader): start
 *                           │  returns 0
 *                           ├─ nspawn exits 133 (the guest rebooted; --keep-unit): it is started
 *                           │  again after 100 ms, at most 5 times in 10 s
 *                           └─ any other end (poweroff: 0, terminate, a failure) ends the
 *                              supervision; the unit's cgroup and the state file go
 *
 * SIGTERM or SIGINT to the supervisor is a stop, as the unit's (KillMode=process): SIGTERM to
 * nspawn, which halts the container; SIGKILL to nspawn after 90 s (the container dies with it);
 * nothing is restarted. A start that does not reach READY=1 within 90 s is stopped the same way
 * (TimeoutStartSec=). Whatever is left in the unit's cgroup 15 s after nspawn has ended is killed
 * (nspawn's guard has removed the machine's record and cgroups by then).
 *
 * nspawn writes to the log file itself and does not depend on the supervisor: a killed supervisor
 * leaves the container running (it is then not restarted on a reboot). The supervisor keeps the
 * log below SERVICE_LOG_MAX: beyond it, the log is copied to NAME.log.1 and emptied.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fdutil.h"
#include "macro.h"
#include "notify.h"
#include "nspawnctl.h"
#include "proc.h"
#include "service.h"
#include "supervise.h"
#include "strv.h"
#include "unit-cgroup.h"

struct supervisor {
        const char *name;
        char *unit, *log_path, *nspawn;
        char **argv, **envp;
        int state_fd, report_fd, log_fd, notify_fd, signal_fd, devnull;
        struct unit_cgroup *cgroup;
        struct start_limit limit;
        pid_t main_pid;
        int main_fd;
        bool stopping, ready;
        uint64_t deadline; /* CLOCK_MONOTONIC µs when the start or the stop takes too long; 0 */
};

char *supervise_state_path(const char *name) {
        char *s;
        return asprintf(&s, SERVICE_DIR "/%s", name) < 0 ? NULL : s;
}

/* ---- the supervisor ---- */

_printf_(2, 3) static void note(struct supervisor *s, const char *fmt, ...) {
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (n > 0)
                dprintf(s->log_fd, "nspawnctl: %s: %s\n", s->unit, buf);
}

static void report(struct supervisor *s, const struct report *rep) {
        if (s->report_fd < 0)
                return;
        (void) write(s->report_fd, rep, sizeof(*rep));
        s->report_fd = safe_close(s->report_fd);
}

static void report_failure(struct supervisor *s, int r, const char *what) {
        struct report rep = {.type = 'F', .status = -r};
        snprintf(rep.what, sizeof rep.what, "%s", what);
        note(s, "%s: %s", what, strerror(-r));
        report(s, &rep);
}

/* The state file: who supervises, nspawn's PID, and whether the machine is "starting", "running"
 * (nspawn said READY=1) or "stopping" (its supervision ends: a start waits for that, then starts
 * it anew). */
static void state_write(struct supervisor *s, const char *state) {
        char buf[1024];
        int n = snprintf(buf, sizeof buf, "SUPERVISOR=%d\nMAIN=%d\nUNIT=%s\nLOG=%s\nSTATE=%s\n",
                         (int) getpid(), (int) s->main_pid, s->unit, s->log_path, state);
        if (n > 0 && pwrite(s->state_fd, buf, (size_t) n, 0) == n)
                (void) ftruncate(s->state_fd, n);
}

/* The log beyond SERVICE_LOG_MAX: copied to NAME.log.1, then emptied (nspawn appends to it). */
static void log_bound(struct supervisor *s) {
        _cleanup_free_ char *old = NULL;
        struct stat st;
        char buf[64 * 1024];

        if (fstat(s->log_fd, &st) < 0 || st.st_size <= SERVICE_LOG_MAX ||
            asprintf(&old, "%s.1", s->log_path) < 0)
                return;
        _cleanup_close_ int fd = open(old, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
        for (off_t off = 0; fd >= 0;) {
                ssize_t n = pread(s->log_fd, buf, sizeof buf, off);
                if (n <= 0 || write_all(fd, buf, (size_t) n) < 0)
                        break;
                off += n;
        }
        (void) ftruncate(s->log_fd, 0);
}

/* In the child: become nspawn (returns only on failure, after saying why in the log). */
static void child_exec(struct supervisor *s) {
        sigset_t none;
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        (void) signal(SIGPIPE, SIG_DFL);
        (void) setsid();
        int r = unit_cgroup_join(s->cgroup);
        if (r < 0) {
                dprintf(s->log_fd, "nspawnctl: Failed to move nspawn into the cgroup of %s: %s\n", s->unit,
                        strerror(-r));
                return;
        }
        if (dup2(s->devnull, STDIN_FILENO) < 0 || dup2(s->log_fd, STDOUT_FILENO) < 0 ||
            dup2(s->log_fd, STDERR_FILENO) < 0 || close_all_fds_but(NULL, 0) < 0)
                return;
        execve(s->nspawn, s->argv, s->envp);
        dprintf(STDERR_FILENO, "nspawnctl: Failed to execute %s: %m\n", s->nspawn);
}

/* A datagram on the notify socket: READY=1 from nspawn (and nobody else) means it runs. */
static void on_notify(struct supervisor *s) {
        char buf[4096];
        struct ucred uc;
        ssize_t n;

        while ((n = notify_recv(s->notify_fd, buf, sizeof buf, &uc)) != -EAGAIN) {
                struct notify_message m = {};
                if (n < 0 && n != -EMSGSIZE && n != -EINTR)
                        return;
                if (n < 0 || uc.pid != s->main_pid || notify_parse(buf, &m) < 0)
                        continue;
                if (m.ready && !s->ready && !s->stopping) {
                        s->ready = true;
                        s->deadline = 0;
                        state_write(s, "running");
                        report(s, &(struct report){.type = 'R'});
                }
                notify_message_done(&m);
        }
}

static void stop(struct supervisor *s, const char *why) {
        if (s->stopping)
                return;
        s->stopping = true;
        state_write(s, "stopping");
        if (s->main_fd < 0)
                return; /* between two runs of nspawn: none is started */
        note(s, "%s: stopping nspawn (SIGTERM).", why);
        (void) pidfd_signal(s->main_fd, SIGTERM);
        s->deadline = now_usec(CLOCK_MONOTONIC) + TIMEOUT_USEC;
}

static void on_signal(struct supervisor *s) {
        struct signalfd_siginfo si;
        while (read(s->signal_fd, &si, sizeof si) == sizeof si)
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
                        stop(s, "Stop requested");
}

static void on_deadline(struct supervisor *s) {
        if (s->stopping) {
                note(s, "nspawn did not end within %llu s: killing it.", TIMEOUT_USEC / 1000000ULL);
                (void) pidfd_signal(s->main_fd, SIGKILL);
                s->deadline = 0;
        } else
                stop(s, "The machine did not start in time");
}

/* Wait for nspawn to end, handling what comes meanwhile; its waitid() result. */
static void wait_main(struct supervisor *s, siginfo_t *ret) {
        struct pollfd p[] = {
                {.fd = s->main_fd, .events = POLLIN},
                {.fd = s->signal_fd, .events = POLLIN},
                {.fd = s->notify_fd, .events = POLLIN},
        };
        for (;;) {
                uint64_t now = now_usec(CLOCK_MONOTONIC);
                int timeout = LOG_CHECK_MS;
                if (s->deadline > 0)
                        timeout = s->deadline <= now
                                          ? 0
                                          : (int) MIN((s->deadline - now) / 1000 + 1, LOG_CHECK_MS);
                int n = poll(p, ELEMENTSOF(p), timeout);
                if (n < 0 && errno != EINTR)
                        break;
                if (p[1].revents)
                        on_signal(s);
                if (p[2].revents)
                        on_notify(s);
                if (s->deadline > 0 && now_usec(CLOCK_MONOTONIC) >= s->deadline)
                        on_deadline(s);
                log_bound(s);
                if (p[0].revents)
                        break;
        }
        *ret = (siginfo_t){};
        while (waitid((idtype_t) P_PIDFD, (id_t) s->main_fd, ret, WEXITED) < 0 && errno == EINTR)
                ;
}

/* One run of nspawn. Returns what to do next. */
static enum service_exit run_once(struct supervisor *s) {
        off_t from = lseek(s->log_fd, 0, SEEK_END);
        siginfo_t si;
        int r;

        on_signal(s); /* a stop that came after the last run */
        if (s->stopping)
                return SERVICE_EXIT_SUCCESS;
        if (!start_limit_allow(&s->limit, now_usec(CLOCK_MONOTONIC))) {
                note(s, "Start request repeated too quickly: not starting nspawn again.");
                return SERVICE_EXIT_FAILURE;
        }
        if ((r = unit_cgroup_create(s->cgroup)) < 0) {
                report_failure(s, r, "Failed to create the cgroup of the unit");
                return SERVICE_EXIT_FAILURE;
        }
        s->ready = false;
        s->deadline = now_usec(CLOCK_MONOTONIC) + TIMEOUT_USEC;
        s->main_pid = fork();
        if (s->main_pid == 0) {
                child_exec(s);
                _exit(EXIT_FAILURE);
        }
        if (s->main_pid < 0 || (s->main_fd = pidfd_open_pid(s->main_pid)) < 0) {
                report_failure(s, s->main_pid < 0 ? -errno : s->main_fd, "Failed to start nspawn");
                if (s->main_pid > 0)
                        (void) waitpid(s->main_pid, NULL, 0);
                return SERVICE_EXIT_FAILURE;
        }
        state_write(s, "starting");
        wait_main(s, &si);
        s->main_fd = safe_close(s->main_fd);
        off_t to = lseek(s->log_fd, 0, SEEK_END);

        enum service_exit e = service_exit_action(si.si_code, si.si_status, s->stopping);
        if (e != SERVICE_EXIT_RESTART)
                state_write(s, "stopping");
        if (si.si_code == CLD_EXITED)
                note(s, "nspawn exited with status %d%s.", si.si_status,
                     e == SERVICE_EXIT_RESTART ? ": the guest rebooted, starting it again" : "");
        else
                note(s, "nspawn was killed by signal %d.", si.si_status);
        /* its guard removes the container's cgroups and record; then the unit's cgroup can go */
        if ((r = unit_cgroup_remove(s->cgroup, REMOVE_WAIT_MS)) < 0)
                note(s, "Failed to remove the cgroup of the unit: %s", strerror(-r));
        if (e != SERVICE_EXIT_RESTART && !s->ready)
                report(s, &(struct report){.type = 'E',
                                           .status = si.si_code == CLD_EXITED ? si.si_status
                                                                              : 128 + si.si_status,
                                           .log_from = from,
                                           .log_to = to});
        return e;
}

static int setup(struct supervisor *s) {
        char addr[108];
        uint64_t rnd = 0;
        int one = 1, r;

        if ((r = mkdir_p(SERVICE_LOG_DIR, 0755)) < 0)
                return r;
        s->log_fd = open(s->log_path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0640);
        if (s->log_fd < 0)
                return -errno;
        log_bound(s);

        /* an abstract address nobody can guess; only nspawn's own datagrams count (on_notify) */
        (void) getrandom(&rnd, sizeof rnd, GRND_NONBLOCK);
        snprintf(addr, sizeof addr, "@nspawnctl/%s/%016llx", s->name, (unsigned long long) rnd);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        memcpy(sa.sun_path + 1, addr + 1, strlen(addr) - 1);
        s->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s->notify_fd < 0 || setsockopt(s->notify_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0 ||
            bind(s->notify_fd, (struct sockaddr *) &sa,
                 (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(addr))) < 0)
                return -errno;

        /* nspawn@.service's command line and a service's environment */
        _cleanup_strv_free_ char **args = NULL;
        _cleanup_free_ char *machine = NULL, *notify = NULL;
        if (strv_extend(&s->argv, s->nspawn) < 0 || strv_split(NSPAWN_SERVICE_ARGS, " ", &args) < 0)
                return -ENOMEM;
        STRV_FOREACH(a, args)
        if (strv_extend(&s->argv, *a) < 0)
                return -ENOMEM;
        if (asprintf(&machine, "--machine=%s", s->name) < 0 || strv_extend(&s->argv, machine) < 0 ||
            asprintf(&notify, "NOTIFY_SOCKET=%s", addr) < 0 || strv_extend(&s->envp, notify) < 0 ||
            strv_extend(&s->envp, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0)
                return -ENOMEM;
        return unit_cgroup_new(s->unit, &s->cgroup);
}

/* A clean process of its own: default signal dispositions (SIGPIPE ignored: start may be gone
 * when we report), SIGTERM, SIGINT and SIGHUP read from a signalfd (SIGHUP is ignored: the
 * terminal that ran start may close), a session, "/" as cwd, /dev/null as stdio, no other fds. */
static int detach(struct supervisor *s) {
        sigset_t mask;
        int keep[] = {s->state_fd, s->report_fd};

        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) signal(sig, SIG_DFL);
        (void) signal(SIGPIPE, SIG_IGN);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_SETMASK, &mask, NULL) < 0 || setsid() < 0 || chdir("/") < 0)
                return -errno;
        umask(0022);
        s->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (s->devnull < 0 || dup2(s->devnull, STDIN_FILENO) < 0 || dup2(s->devnull, STDOUT_FILENO) < 0 ||
            dup2(s->devnull, STDERR_FILENO) < 0)
                return -errno;
        int r = close_all_fds_but(keep, ELEMENTSOF(keep));
        if (r < 0)
                return r;
        s->devnull = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
        s->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        return s->devnull < 0 || s->signal_fd < 0 ? -errno : 0;
}

/* The supervisor's life; it holds state_fd's lock and reports on report_fd. Does not return. */
_noreturn_ void supervisor_main(const char *name, const char *state_path, char *nspawn, int state_fd,
                                int report_fd) {
        struct supervisor s = {
                .name = name,
                .nspawn = nspawn,
                .state_fd = state_fd,
                .report_fd = report_fd,
                .log_fd = -EBADF,
                .notify_fd = -EBADF,
                .signal_fd = -EBADF,
                .devnull = -EBADF,
                .main_fd = -EBADF,
        };
        enum service_exit e = SERVICE_EXIT_FAILURE;
        int r = detach(&s);

        s.unit = service_unit_name(name);
        if (r >= 0 && (!s.unit || asprintf(&s.log_path, SERVICE_LOG_DIR "/%s.log", name) < 0))
                r = -ENOMEM;
        if (r >= 0 && (r = setup(&s)) < 0 && s.log_fd >= 0)
                note(&s, "Failed to set up: %s", strerror(-r));
        if (r < 0)
                report_failure(&s, r, "Failed to set up the supervisor");
        else
                while ((e = run_once(&s)) == SERVICE_EXIT_RESTART) {
                        struct timespec ts = {.tv_nsec = RESTART_USEC * 1000};
                        nanosleep(&ts, NULL);
                }
        /* what is left to say: the start limit, a failure before nspawn ran */
        if (s.report_fd >= 0)
                report(&s, &(struct report){.type = 'E', .status = EXIT_FAILURE, .log_from = -1});
        (void) unlink(state_path); /* while it is still locked: a new start takes a new file */
        _exit(e == SERVICE_EXIT_SUCCESS ? EXIT_SUCCESS : EXIT_FAILURE);
}
