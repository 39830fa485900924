/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding and starting nspawn's helper programs (see helper.h). */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "helper.h"
#include "macro.h"
#include "strv.h"

#define HELPER_STACK_SIZE (16 * 1024)

/* struct helper and what the clone()d child reads before its execve(): in our memory (CLONE_VM),
 * valid until helper_free(), long after the exec. */
struct helper_state {
        struct helper pub;
        char *path;
        char fd_arg[16];
        char *argv[3];
        char **envp; /* a copy: the caller's may be gone before the exec */
        _Alignas(16) char stack[HELPER_STACK_SIZE];
};

/* dir/name if it is an executable regular file, else NULL (errno ENOMEM if that failed). */
static char *try_dir(const char *dir, size_t dir_len, const char *name) {
        struct stat st;
        char *p;

        if (asprintf(&p, "%.*s/%s", (int) dir_len, dir, name) < 0) {
                errno = ENOMEM;
                return NULL;
        }
        if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
                free(p);
                errno = ENOENT;
                return NULL;
        }
        return p;
}

int helper_path(const char *name, char **ret) {
        char exe[PATH_MAX];
        char *p = NULL;

        if (!name || !*name || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return -EINVAL;
        /* a replaced binary reads "/dir/nspawn (deleted)": its directory is still right */
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
                exe[n] = 0;
                const char *slash = strrchr(exe, '/');
                if (slash)
                        p = try_dir(exe, (size_t) (slash - exe), name);
        }
        if (!p)
                p = try_dir(LIBEXECDIR, strlen(LIBEXECDIR), name);
        if (!p)
                return errno == ENOMEM ? -ENOMEM : -ENOENT;
        *ret = p;
        return 0;
}

/* The clone()d child, on its own stack in our memory until it execs: it touches nothing but what
 * helper_start_at() prepared (no allocation, no stdio) and ends in the exec or _exit(). Not
 * instrumented by ASan: its redzones on the borrowed stack would outlive it there. */
__attribute__((no_sanitize_address)) static int helper_exec(void *userdata) {
        struct helper_state *s = userdata;
        execve(s->path, s->argv, s->envp);
        _exit(127);
}

struct helper *helper_free(struct helper *h, bool wait) {
        struct helper_state *s = (struct helper_state *) h;

        if (!s)
                return NULL;
        safe_close(s->pub.fd);
        if (s->pub.pid > 0)
                while (waitpid(s->pub.pid, NULL, wait ? 0 : WNOHANG) < 0 && errno == EINTR)
                        ;
        free(s->path);
        strv_free(s->envp);
        free(s);
        return NULL;
}

int helper_start_at(const char *path, char *const *envp, struct helper **ret) {
        static char *const no_env[] = {NULL};
        struct helper_state *s = calloc(1, sizeof(*s));
        int pair[2], r = 0;

        if (!s)
                return -ENOMEM;
        s->pub.fd = -EBADF;
        if (!(s->path = strdup(path)) || !(s->envp = strv_copy(envp ?: no_env))) {
                helper_free(&s->pub, false);
                return -ENOMEM;
        }
        /* The helper's end is inherited across the exec (no close-on-exec): nothing else execs in
         * this process meanwhile, and the helper closes every other fd it inherits. */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) < 0) {
                r = -errno;
                helper_free(&s->pub, false);
                return r;
        }
        s->pub.fd = pair[0];
        if (fcntl(s->pub.fd, F_SETFD, FD_CLOEXEC) < 0)
                r = -errno;
        snprintf(s->fd_arg, sizeof(s->fd_arg), "%d", pair[1]);
        s->argv[0] = strrchr(s->path, '/') ? strrchr(s->path, '/') + 1 : s->path;
        s->argv[1] = s->fd_arg;
        s->pub.pid = r < 0 ? -1 : clone(helper_exec, s->stack + sizeof(s->stack), CLONE_VM | SIGCHLD, s);
        if (r >= 0 && s->pub.pid < 0)
                r = -errno;
        safe_close(pair[1]);
        if (r < 0) {
                helper_free(&s->pub, false);
                return r;
        }
        *ret = &s->pub;
        return 0;
}

int helper_start(const char *name, char *const *envp, struct helper **ret) {
        _cleanup_free_ char *path = NULL;
        int r = helper_path(name, &path);
        return r < 0 ? r : helper_start_at(path, envp, ret);
}
