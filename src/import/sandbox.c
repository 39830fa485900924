/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libarchive child of a transfer: its sandbox and its report (see sandbox.h). */

#include "sandbox.h"

#include <fcntl.h>
#include <locale.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "caps.h"
#include "errmsg.h"
#include "fdutil.h"
#include "macro.h"
#include "proc-names.h"

struct sandbox_result {
        int32_t error;
        uint64_t size;
};
#define RESULT_MESSAGE_MAX 4096

static int child_setup(unsigned flags, int stream_fd, int *target_fd, int result_fd, pid_t parent,
                       uint64_t keep_caps, char **error) {
        static const int ignored[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE};
        int keep[] = {*target_fd, result_fd}, null_fd;
        sigset_t none;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(EXIT_FAILURE); /* nspawnctl is gone: nobody to report to */
        for (size_t k = 0; k < ELEMENTSOF(ignored); k++)
                signal(ignored[k], SIG_IGN);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);

        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0 || dup2(stream_fd, flags & SANDBOX_READ ? STDIN_FILENO : STDOUT_FILENO) < 0 ||
            dup2(null_fd, flags & SANDBOX_READ ? STDOUT_FILENO : STDIN_FILENO) < 0 ||
            close_all_fds_but(keep, ELEMENTSOF(keep)) < 0)
                return error_setf(error, negative_errno(), "Failed to set up the archive process: %m");
        if (!setlocale(LC_CTYPE, "C.UTF-8"))
                (void) setlocale(LC_CTYPE, "C");
        (void) unshare(CLONE_NEWNET); /* as importd's tar: no network (best effort) */

        if (flags & SANDBOX_CHROOT) {
                if (fchdir(*target_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
                        return error_setf(error, negative_errno(), "Failed to enter the image: %m");
                *target_fd = safe_close(*target_fd);
        }
        if (caps_apply(keep_caps, 0, true) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return error_setf(error, negative_errno(), "Failed to drop privileges: %m");
        return 0;
}

static _noreturn_ void child_main(unsigned flags, int stream_fd, int target_fd, int result_fd, pid_t parent,
                                  uint64_t keep_caps, sandbox_fn fn, void *userdata) {
        struct sandbox_result res = {};
        char *error = NULL;
        int r = child_setup(flags, stream_fd, &target_fd, result_fd, parent, keep_caps, &error);

        if (r >= 0)
                r = fn(target_fd, userdata, &res.size, &error);
        res.error = r < 0 ? r : 0;
        (void) write_all(result_fd, &res, sizeof res);
        if (error)
                (void) write_all(result_fd, error, MIN(strlen(error), (size_t) RESULT_MESSAGE_MAX));
        _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

int sandbox_start(unsigned flags, int target_fd, uint64_t keep_caps, sandbox_fn fn, void *userdata,
                  struct sandbox *ret) {
        int stream[2], result[2], r;
        pid_t parent = getpid(), pid;

        if (pipe2(stream, O_CLOEXEC) < 0)
                return negative_errno();
        if (pipe2(result, O_CLOEXEC) < 0) {
                close_many(stream, 2);
                return negative_errno();
        }
        (void) fcntl(stream[0], F_SETPIPE_SZ, 1 << 20); /* fewer wake-ups per MiB */
        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                close_many(stream, 2);
                close_many(result, 2);
                return r;
        }
        if (pid == 0)
                child_main(flags, flags & SANDBOX_READ ? stream[0] : stream[1], target_fd, result[1], parent,
                           keep_caps, fn, userdata);
        /* stream[0] is the read end: ours when the child writes */
        safe_close(flags & SANDBOX_READ ? stream[0] : stream[1]);
        safe_close(result[1]);
        *ret = (struct sandbox){
                .pid = pid,
                .pidfd = (int) syscall(SYS_pidfd_open, pid, 0),
                .stream_fd = flags & SANDBOX_READ ? stream[1] : stream[0],
                .result_fd = result[0],
        };
        return 0;
}

static void sandbox_close(struct sandbox *s) {
        s->stream_fd = safe_close(s->stream_fd);
        s->result_fd = safe_close(s->result_fd);
        s->pidfd = safe_close(s->pidfd);
        s->pid = 0;
}

void sandbox_abort(struct sandbox *s) {
        if (s->pid > 0) {
                /* our own unreaped child: its PID cannot have been reused */
                if (s->pidfd < 0 || syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0) < 0)
                        (void) kill(s->pid, SIGKILL);
                while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        sandbox_close(s);
}

int sandbox_finish(struct sandbox *s, uint64_t *ret_size, char **error) {
        struct sandbox_result res = {.error = -EPROTO};
        _cleanup_free_ char *message = NULL;
        char signame[32];
        int status = 0, w;
        ssize_t n;

        s->stream_fd = safe_close(s->stream_fd);
        while ((n = read(s->result_fd, &res, sizeof res)) < 0 && errno == EINTR)
                ;
        if (n == (ssize_t) sizeof res)
                (void) read_fd(s->result_fd, &message, RESULT_MESSAGE_MAX);
        while ((w = waitpid(s->pid, &status, 0)) < 0 && errno == EINTR)
                ;
        sandbox_close(s);
        if (n == (ssize_t) sizeof res && res.error >= 0) {
                if (ret_size)
                        *ret_size = res.size;
                return 0;
        }
        if (n == (ssize_t) sizeof res)
                return error_setf(error, res.error, "%s",
                                  message && *message ? message : strerror(-res.error));
        if (w >= 0 && WIFSIGNALED(status))
                return error_setf(error, -EPROTO, "The archive process was killed by %s.",
                                  signal_to_string(WTERMSIG(status), signame, sizeof signame) ?: "a signal");
        return error_setf(error, -EPROTO, "The archive process ended without a report.");
}
