/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawn's side of the guard (see guard.h). */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "fdutil.h"
#include "guard.h"
#include "macro.h"

#define GUARD_STACK_SIZE (16 * 1024)

struct guard {
        pid_t pid;
        int fd; /* our end of the socket */
        uint32_t last_id;
        bool ready;
        /* Read by the clone()d child before its execve(), in our memory (CLONE_VM): they stay
         * valid until the guard is freed, long after the exec. */
        char *path;
        char fd_arg[16];
        char *argv[3];
        char *envp[1];
        _Alignas(16) char stack[GUARD_STACK_SIZE];
};

int helper_path(const char *name, char **ret) {
        char self[PATH_MAX], *p;
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

        if (n > 0) {
                self[n] = 0;
                char *slash = strrchr(self, '/');
                if (slash && asprintf(&p, "%.*s/%s", (int) (slash - self), self, name) >= 0) {
                        if (access(p, X_OK) >= 0) {
                                *ret = p;
                                return 0;
                        }
                        free(p);
                }
        }
        if (asprintf(&p, "%s/%s", LIBEXECDIR, name) < 0)
                return -ENOMEM;
        if (access(p, X_OK) < 0) {
                int r = -errno;
                free(p);
                return r;
        }
        *ret = p;
        return 0;
}

/* The clone()d child, in our memory until its execve(): it touches nothing but what the parent
 * prepared (no allocation, no stdio), and ends with the exec or _exit(). */
static int guard_exec(void *userdata) {
        struct guard *g = userdata;
        execve(g->path, g->argv, g->envp);
        _exit(127);
}

static struct guard *guard_free(struct guard *g) {
        if (!g)
                return NULL;
        safe_close(g->fd);
        if (g->pid > 0)
                (void) waitpid(g->pid, NULL, WNOHANG); /* reaped if gone; else it goes on alone */
        free(g->path);
        free(g);
        return NULL;
}

int guard_start(struct guard **ret) {
        _cleanup_free_ char *path = NULL;
        int r = helper_path("nspawn-guard", &path);
        return r < 0 ? r : guard_start_at(path, ret);
}

int guard_start_at(const char *path, struct guard **ret) {
        struct guard *g = calloc(1, sizeof(*g));
        int pair[2], r = 0;

        if (!g)
                return -ENOMEM;
        g->fd = -EBADF;
        g->path = strdup(path);
        if (!g->path) {
                guard_free(g);
                return -ENOMEM;
        }
        /* The guard's end is inherited across the exec (no CLOEXEC); nothing else runs in this
         * process meanwhile, and the guard closes every other fd it inherits. */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) < 0) {
                r = -errno;
                guard_free(g);
                return r;
        }
        g->fd = pair[0];
        if (fcntl(g->fd, F_SETFD, FD_CLOEXEC) < 0)
                r = -errno;
        snprintf(g->fd_arg, sizeof(g->fd_arg), "%d", pair[1]);
        g->argv[0] = (char *) "nspawn-guard";
        g->argv[1] = g->fd_arg;
        g->pid = r < 0 ? -1 : clone(guard_exec, g->stack + sizeof(g->stack), CLONE_VM | SIGCHLD, g);
        if (r >= 0 && g->pid < 0)
                r = -errno;
        safe_close(pair[1]);
        if (r < 0) {
                guard_free(g);
                return r;
        }
        *ret = g;
        return 0;
}

/* The guard's first message says it runs (the exec worked) and holds nothing of ours. */
static int guard_wait_ready(struct guard *g) {
        char c = 0;
        ssize_t n;

        if (g->ready)
                return 0;
        while ((n = recv(g->fd, &c, 1, 0)) < 0 && errno == EINTR)
                ;
        if (n != 1 || c != GUARD_OP_READY)
                return -ESRCH;
        g->ready = true;
        return 0;
}

static int guard_send(struct guard *g, char op, uint32_t id, const struct undo *u) {
        char buf[UNDO_WIRE_MAX];
        int r = guard_wait_ready(g);

        if (r < 0)
                return r;
        int n = undo_wire_encode(u, id, buf, sizeof(buf));
        if (n < 0)
                return n;
        return msg_send_fds(g->fd, op, buf, (size_t) n, u->fds, u->n_fds);
}

int guard_push(struct guard *g, const struct undo *u) {
        if (!g)
                return 0;
        int r = guard_send(g, GUARD_OP_PUSH, g->last_id + 1, u);
        if (r < 0)
                return r;
        return (int) ++g->last_id;
}

int guard_update(struct guard *g, int id, const struct undo *u) {
        if (!g || id <= 0)
                return 0;
        return guard_send(g, GUARD_OP_UPDATE, (uint32_t) id, u);
}

int guard_cancel(struct guard *g, int id) {
        if (!g || id <= 0)
                return 0;
        return guard_send(g, GUARD_OP_CANCEL, (uint32_t) id, &(struct undo){.kind = UNDO_KEEP});
}

void guard_hand_over(struct guard *g) {
        guard_free(g); /* EOF: the guard undoes everything now */
}

void guard_release(struct guard *g) {
        if (g && g->fd >= 0)
                (void) send(g->fd, (char[]){GUARD_OP_DONE}, 1, MSG_NOSIGNAL);
        guard_free(g);
}
