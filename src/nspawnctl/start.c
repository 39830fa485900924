/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * `start NAME...`: each machine as a service (service.h). Every name is checked first, as
 * machinectl checks it ("Invalid machine name X.", "Machine image 'X' does not exist."), so bad
 * input starts nothing. Then, with systemd as PID 1, `systemctl start nspawn@NAME.service ...`
 * (it waits for the jobs and says what failed, as machinectl does); otherwise start forks a
 * supervisor of its own for each machine (supervise.c) and waits for its report: READY=1 from
 * nspawn, or nspawn's end and what it printed. A machine that runs already, or whose supervisor
 * is starting it, is success; one whose supervision is ending is started anew after that.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fdutil.h"
#include "machine.h"
#include "macro.h"
#include "nspawnctl.h"
#include "proc.h"
#include "service.h"
#include "strv.h"
#include "supervise.h"

static const char *const systemctl_dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin", NULL};

/* systemctl VERB [-q] nspawn@A.service …: its exit status (messages are systemctl's). */
int service_systemctl(bool quiet, const char *verb, const char *extra_unit, int argc, char *argv[]) {
        _cleanup_free_ char *systemctl = service_find_in("/", systemctl_dirs, "systemctl");
        _cleanup_strv_free_ char **cmd = NULL;

        if (!systemctl)
                return log_error("systemd is PID 1, but systemctl is missing.");
        if (strv_extend(&cmd, systemctl) < 0 || strv_extend(&cmd, verb) < 0 ||
            (quiet && strv_extend(&cmd, "-q") < 0) || (extra_unit && strv_extend(&cmd, extra_unit) < 0))
                return log_error("Out of memory.");
        for (int i = 1; i < argc; i++) {
                char *unit = service_unit_name(argv[i]);
                if (!unit || strv_push(&cmd, unit) < 0)
                        return log_error("Out of memory.");
        }
        int r = service_run(cmd, false);
        if (r < 0)
                return log_error("Failed to run %s: %s", systemctl, strerror(-r));
        return r == 0 ? 0 : -1;
}

/* ---- without systemd: a supervisor of our own (supervise.c) ---- */

/* The state file locked: its fd; -EBUSY when a supervisor holds it. */
static int state_lock(const char *path) {
        for (;;) {
                _cleanup_close_ int fd =
                        open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
                struct stat a, b;
                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                        return errno == EWOULDBLOCK ? -EBUSY : -errno;
                if (fstat(fd, &a) < 0)
                        return -errno;
                /* not the file an ending supervisor removed just now */
                if (stat(path, &b) >= 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                        return TAKE_FD(fd);
        }
}

/* Does the machine run (its leader proven alive), whoever started it? */
static bool machine_runs(const char *registry_dir, const char *name) {
        struct machine m = {.leader_fd = -EBADF};
        if (machine_get(registry_dir, name, &m) < 0)
                return false;
        bool running = machine_state(&m) == MACHINE_RUNNING;
        machine_done(&m);
        return running;
}

/* What the supervisor holding path says: 1 the machine runs, 0 the supervisor is gone, -EAGAIN
 * it is starting, or its supervision ends (wait for it to go). */
static int supervisor_state(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *text = NULL;
        if (fd < 0 || flock(fd, LOCK_SH | LOCK_NB) >= 0 || errno != EWOULDBLOCK)
                return 0;
        if (read_fd(fd, &text, 4096) >= 0 && strstr(text, "\nSTATE=running\n"))
                return 1;
        return -EAGAIN;
}

/* Another start's supervisor holds the machine: it runs (success, as a start of an active unit
 * is), or wait until it does or the supervisor is gone (as a start joins a queued job, or follows
 * a stop): 1 running, 0 gone, <0 after logging a timeout. */
static int wait_supervisor(const char *name, const char *state_path) {
        for (uint64_t end = now_usec(CLOCK_MONOTONIC) + 3 * TIMEOUT_USEC; now_usec(CLOCK_MONOTONIC) < end;) {
                int r = supervisor_state(state_path);
                if (r >= 0)
                        return r;
                struct timespec ts = {.tv_nsec = 50 * 1000000L};
                nanosleep(&ts, NULL);
        }
        return log_error("Machine %s did not start; see %s/%s.log.", name, SERVICE_LOG_DIR, name);
}

/* nspawn next to nspawnctl (the build directory), else in BINDIR. */
static char *nspawn_path(void) {
        char self[4096], *p = NULL;
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        char *slash = n > 0 ? (self[n] = 0, strrchr(self, '/')) : NULL;
        if (slash) {
                *slash = 0;
                if (asprintf(&p, "%s/nspawn", self) >= 0 && access(p, X_OK) >= 0)
                        return p;
                free(p);
        }
        return access(BINDIR "/nspawn", X_OK) >= 0 ? strdup(BINDIR "/nspawn") : NULL;
}

/* nspawn's output of a failed start: bytes [from, to) of the log (the last ERROR_TAIL_MAX). */
static void copy_log(const char *name, int64_t from, int64_t to) {
        _cleanup_free_ char *path = NULL;
        char buf[4096];

        if (from < 0 || to <= from || asprintf(&path, SERVICE_LOG_DIR "/%s.log", name) < 0)
                return;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        fflush(stderr);
        for (off_t off = MAX(from, to - ERROR_TAIL_MAX); fd >= 0 && off < to;) {
                ssize_t n = pread(fd, buf, (size_t) MIN((int64_t) sizeof buf, to - off), off);
                if (n <= 0 || write_all(STDERR_FILENO, buf, (size_t) n) < 0)
                        break;
                off += n;
        }
}

static int wait_report(const char *name, int fd) {
        struct report rep = {};
        ssize_t n;
        while ((n = read(fd, &rep, sizeof rep)) < 0 && errno == EINTR)
                ;
        if (n != (ssize_t) sizeof rep)
                return log_error("Failed to start machine %s: its supervisor ended unexpectedly.", name);
        switch (rep.type) {
        case 'R':
                return 0;
        case 'F':
                return log_error("Failed to start machine %s: %s: %s", name, rep.what, strerror(rep.status));
        default:
                copy_log(name, rep.log_from, rep.log_to);
                if (rep.status == 0 || rep.log_from < 0)
                        return log_error("Machine %s ended before it ran; see %s/%s.log.", name,
                                         SERVICE_LOG_DIR, name);
                return rep.status;
        }
}

int supervise_start(const char *registry_dir, const char *name) {
        _cleanup_free_ char *state = supervise_state_path(name), *nspawn = nspawn_path();
        int r, pipe_fds[2];

        if (!state)
                return log_error("Out of memory.");
        if (!nspawn)
                return log_error(
                        "Failed to start machine %s: nspawn is neither next to nspawnctl nor in %s.", name,
                        BINDIR);
        if ((r = mkdir_p(SERVICE_DIR, 0755)) < 0)
                return log_error("Failed to create %s: %s", SERVICE_DIR, strerror(-r));
        _cleanup_close_ int fd = -EBADF;
        while ((fd = state_lock(state)) == -EBUSY)
                if ((r = wait_supervisor(name, state)) != 0)
                        return r > 0 ? 0 : r;
        if (fd < 0)
                return log_error("Failed to lock %s: %s", state, strerror(-fd));
        if (machine_runs(registry_dir, name)) {
                /* running, but not as a service of ours: as machinectl, a start of a running unit */
                (void) unlink(state);
                return 0;
        }
        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return log_error("Failed to start machine %s: %m", name);
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
                close_many(pipe_fds, 2);
                return log_error("Failed to start machine %s: %m", name);
        }
        if (pid == 0) {
                safe_close(pipe_fds[0]);
                supervisor_main(name, state, TAKE_PTR(nspawn), TAKE_FD(fd), pipe_fds[1]);
        }
        /* the lock stays with the supervisor (the same open file description) */
        safe_close(pipe_fds[1]);
        r = wait_report(name, pipe_fds[0]);
        safe_close(pipe_fds[0]);
        return r;
}

int verb_start(struct ctl *c, int argc, char *argv[]) {
        int r = service_check_names("/", argc, argv), ret = 0;
        if (r < 0)
                return r;
        if (service_systemd_running())
                return service_systemctl(c->quiet, "start", NULL, argc, argv);
        /* each in turn; one failing does not keep the others from starting (systemctl's jobs) */
        for (int i = 1; i < argc; i++) {
                r = supervise_start(c->registry_dir, argv[i]);
                if (r != 0 && ret == 0)
                        ret = r;
        }
        if (ret > 0)
                c->exit_status = ret; /* nspawn's */
        return ret > 0 ? -1 : ret;
}
