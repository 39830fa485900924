/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Starting and calling nspawn's D-Bus helper; see sdbus-client.h. */
#include "sdbus-client.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "config.h"
#include "errmsg.h"
#include "helper-path.h"
#include "macro.h"

struct sdbus_client {
        unsigned n_ref;
        pid_t pid;
        int fd; /* our end of the socket */
};

/* The helper of this process: its connection is one for nspawn's whole life (the machine and its
 * scope are held by it), whoever asked first. */
static struct sdbus_client *shared;

struct exec_args {
        const char *path;
        char **envp;
        int fd;    /* the helper's end of the socket, never at SDBUS_HELPER_FD already */
        int error; /* set by the child if the exec failed (it shares our memory) */
};

/* The child, in our memory and on its own stack until it execs (CLONE_VM|CLONE_VFORK: we wait).
 * Signal dispositions are its own copy (no CLONE_SIGHAND): resetting them does not touch ours.
 * Not instrumented by ASan: its redzones on the borrowed stack would outlive it there. */
__attribute__((no_sanitize_address)) static int exec_helper(void *userdata) {
        struct exec_args *a = userdata;
        char *argv[] = {(char *) SDBUS_HELPER, NULL};
        sigset_t none;
        int null;

        for (int sig = 1; sig < _NSIG; sig++)
                (void) signal(sig, SIG_DFL);
        sigemptyset(&none);
        if (setsid() < 0 || dup2(a->fd, SDBUS_HELPER_FD) < 0 || (null = open("/dev/null", O_RDWR)) < 0 ||
            dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
            syscall(SYS_close_range, SDBUS_HELPER_FD + 1, ~0U, 0) < 0 || chdir("/") < 0 ||
            sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                a->error = errno;
        else {
                execve(a->path, argv, a->envp);
                a->error = errno;
        }
        _exit(127);
}

/* As posix_spawn does it: a vfork-like clone onto a small stack of its own. */
static int spawn_helper(const char *path, int fd, pid_t *ret) {
        _cleanup_free_ char *env_addr = NULL;
        const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        char *envp[2] = {};
        _Alignas(16) char stack[16384];

        if (addr && asprintf(&env_addr, "DBUS_SYSTEM_BUS_ADDRESS=%s", addr) < 0)
                return -ENOMEM;
        envp[0] = env_addr;
        struct exec_args a = {.path = path, .envp = envp, .fd = fd};
        pid_t pid = clone(exec_helper, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
        if (pid < 0)
                return -errno;
        if (a.error != 0) {
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                return -a.error;
        }
        *ret = pid;
        return 0;
}

int sdbus_client_acquire(struct sdbus_client **ret, char **ret_error) {
        _cleanup_free_ char *path = NULL;
        int p[2], r;

        if (shared) {
                shared->n_ref++;
                *ret = shared;
                return 0;
        }
        r = helper_path(SDBUS_HELPER, &path);
        if (r < 0)
                return error_setf(ret_error, r,
                                  "cannot find the helper program %s (next to nspawn or in %s)",
                                  SDBUS_HELPER, LIBEXECDIR);
        /* F_DUPFD_CLOEXEC from 4: the helper's end is never at its target number 3 */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0) {
                r = -errno;
                return error_setf(ret_error, r, "cannot make a socket for %s: %s", SDBUS_HELPER,
                                  strerror(-r));
        }
        int theirs = fcntl(p[1], F_DUPFD_CLOEXEC, SDBUS_HELPER_FD + 1);
        safe_close(p[1]);
        if (theirs < 0) {
                r = -errno;
                safe_close(p[0]);
                return error_setf(ret_error, r, "cannot make a socket for %s: %s", SDBUS_HELPER,
                                  strerror(-r));
        }
        struct sdbus_client *c = calloc(1, sizeof(*c));
        r = c ? spawn_helper(path, theirs, &c->pid) : -ENOMEM;
        safe_close(theirs);
        if (r < 0) {
                free(c);
                safe_close(p[0]);
                return error_setf(ret_error, r, "cannot start %s: %s", path, strerror(-r));
        }
        c->n_ref = 1;
        c->fd = p[0];
        *ret = shared = c;
        return 0;
}

struct sdbus_client *sdbus_client_release(struct sdbus_client *c) {
        if (!c || --c->n_ref > 0)
                return NULL;
        if (shared == c)
                shared = NULL;
        /* EOF: the helper releases what it still holds and exits; reaped here, so that it is done
         * with systemd before nspawn is (it takes a bus round trip at most) */
        safe_close(c->fd);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        free(c);
        return NULL;
}

int sdbus_client_call(struct sdbus_client *c, const struct sdbus_request *req, char **ret_text) {
        _cleanup_free_ void *msg = NULL;
        size_t size;
        int error = 0;

        *ret_text = NULL;
        int r = sdbus_request_pack(req, &msg, &size);
        if (r >= 0)
                r = sdbus_send(c->fd, msg, size);
        if (r >= 0)
                r = sdbus_reply_recv(c->fd, &error, ret_text);
        if (r == -EPIPE || r == -ECONNRESET)
                return error_setf(ret_text, -ECONNRESET, "the helper %s exited", SDBUS_HELPER);
        if (r < 0)
                return error_setf(ret_text, r, "no answer from the helper %s: %s", SDBUS_HELPER,
                                  strerror(-r));
        return error;
}
