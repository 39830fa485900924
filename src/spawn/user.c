/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * -u USER inside the container (see user.h): flat files, getent's output, running getent, and
 * the home directory. Runs in the container's PID 1 after pivot_root.
 */
#include "user.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chase.h"
#include "errmsg.h"
#include "fdutil.h"
#include "macro.h"
#include "parse-util.h"

void user_record_done(struct user_record *u) {
        free(u->name);
        free(u->home);
        free(u->shell);
        free(u->groups);
        *u = (struct user_record){};
}

static int add_group(gid_t **groups, size_t *n, gid_t g) {
        for (size_t i = 0; i < *n; i++)
                if ((*groups)[i] == g)
                        return 0;
        if (*n >= NGROUPS_MAX)
                return -E2BIG;
        gid_t *l = realloc(*groups, (*n + 1) * sizeof(gid_t));
        if (!l)
                return -ENOMEM;
        l[(*n)++] = g;
        *groups = l;
        return 0;
}

/* ---- flat files ------------------------------------------------------------------------------ */

/* A file of the tree for reading: a regular file only (a FIFO or a device would hang or never end). */
static FILE *open_regular(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                return NULL;
        if (!S_ISREG(st.st_mode)) {
                errno = EBADF;
                return NULL;
        }
        FILE *f = fdopen(fd, "re");
        if (f)
                TAKE_FD(fd);
        return f;
}

static bool pw_matches(const struct passwd *pw, const char *user, bool numeric, uint32_t uid) {
        return numeric ? pw->pw_uid == uid : streq(pw->pw_name, user);
}

/* Supplementary groups: every group listing the user as a member. */
static int load_groups(const char *group_path, struct user_record *u) {
        _cleanup_fclose_ FILE *f = open_regular(group_path);
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        struct group *gr;
        while ((gr = fgetgrent(f)))
                for (char **m = gr->gr_mem; m && *m; m++)
                        if (streq(*m, u->name)) {
                                int r = add_group(&u->groups, &u->n_groups, gr->gr_gid);
                                if (r < 0)
                                        return r;
                        }
        return 0;
}

int user_resolve(const char *passwd_path, const char *group_path, const char *user,
                 struct user_record *ret) {
        uint32_t uid = 0;
        bool numeric = parse_uint32(user, &uid) >= 0;
        _cleanup_fclose_ FILE *f = open_regular(passwd_path);
        if (!f)
                return -errno;

        struct passwd *pw;
        while ((pw = fgetpwent(f)))
                if (pw_matches(pw, user, numeric, uid))
                        break;
        if (!pw)
                return -ESRCH;

        struct user_record u = {
                .uid = pw->pw_uid,
                .gid = pw->pw_gid,
                .name = strdup(pw->pw_name),
                .home = strdup(isempty(pw->pw_dir) ? "/" : pw->pw_dir),
                .shell = strdup(isempty(pw->pw_shell) ? "/bin/sh" : pw->pw_shell),
        };
        /* The primary group is a supplementary group too, as initgroups(3) makes it. */
        int r = (!u.name || !u.home || !u.shell) ? -ENOMEM : add_group(&u.groups, &u.n_groups, u.gid);
        if (r >= 0)
                r = load_groups(group_path, &u);
        if (r < 0) {
                user_record_done(&u);
                return r;
        }
        *ret = u;
        return 0;
}

/* ---- getent's output ------------------------------------------------------------------------- */

/* The one line of text (a trailing newline removed), as a string; -EBADMSG for a NUL byte or a
 * second line. */
static int one_line(const char *text, size_t size, char **ret) {
        if (size > 0 && text[size - 1] == '\n')
                size--;
        if (memchr(text, 0, size) || memchr(text, '\n', size))
                return -EBADMSG;
        *ret = strndup(text, size);
        return *ret ? 0 : -ENOMEM;
}

/* A UID or GID: decimal digits only, and not one of the two "-1"s (65535 for 16-bit IDs). */
static int parse_id(const char *s, uint32_t *ret) {
        uint32_t v;

        if (isempty(s) || strspn(s, "0123456789") != strlen(s) || parse_uint32(s, &v) < 0 ||
            v == UINT32_MAX || v == 65535)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static bool printable_word(const char *s) {
        if (isempty(s))
                return false;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p <= ' ' || *p == 0x7f)
                        return false;
        return true;
}

static bool no_control(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < ' ' || *p == 0x7f)
                        return false;
        return true;
}

/* An absolute path, or empty (then def). */
static int path_field(const char *s, const char *def, char **ret) {
        if (!isempty(s) && (s[0] != '/' || !no_control(s)))
                return -EBADMSG;
        *ret = strdup(isempty(s) ? def : s);
        return *ret ? 0 : -ENOMEM;
}

int user_parse_passwd(const char *text, size_t size, const char *key, struct user_record *ret) {
        _cleanup_free_ char *line = NULL;
        uint32_t uid, gid, key_uid;
        char *f[7];
        size_t n = 0;
        int r;

        r = one_line(text, size, &line);
        if (r < 0)
                return r;
        /* name:password:UID:GID:GECOS:home:shell — strsep, not strtok: empty fields count */
        for (char *p = line; p;)
                if (n++ < ELEMENTSOF(f))
                        f[n - 1] = strsep(&p, ":");
                else
                        break;
        if (n != ELEMENTSOF(f) || strchr(f[6], ':'))
                return -EBADMSG;
        if (!printable_word(f[0]) || parse_id(f[2], &uid) < 0 || parse_id(f[3], &gid) < 0)
                return -EBADMSG;
        /* the entry asked for, not another one */
        if (!streq(f[0], key) && !(parse_id(key, &key_uid) >= 0 && key_uid == uid))
                return -EBADMSG;

        struct user_record u = {.uid = uid, .gid = gid, .name = strdup(f[0])};
        r = u.name ? 0 : -ENOMEM;
        if (r >= 0)
                r = path_field(f[5], "/", &u.home);
        if (r >= 0)
                r = path_field(f[6], "/bin/sh", &u.shell);
        if (r < 0) {
                user_record_done(&u);
                return r;
        }
        *ret = u;
        return 0;
}

int user_parse_initgroups(const char *text, size_t size, const char *name, gid_t **ret_groups,
                          size_t *ret_n_groups) {
        _cleanup_free_ char *line = NULL;
        _cleanup_free_ gid_t *groups = NULL;
        size_t n = 0;
        char *save = NULL;
        int r;

        r = one_line(text, size, &line);
        if (r < 0)
                return r;
        const char *first = strtok_r(line, " \t", &save);
        if (!first || !streq(first, name))
                return -EBADMSG;
        for (const char *w; (w = strtok_r(NULL, " \t", &save));) {
                uint32_t gid;
                if (parse_id(w, &gid) < 0)
                        return -EBADMSG;
                r = add_group(&groups, &n, gid);
                if (r < 0)
                        return r;
        }
        *ret_groups = TAKE_PTR(groups);
        *ret_n_groups = n;
        return 0;
}

/* ---- running getent ---------------------------------------------------------------------------- */

const char *const user_getent_paths[] = {"/usr/bin/getent", "/bin/getent", NULL};

bool user_getent_present(void) {
        for (const char *const *p = user_getent_paths; *p; p++)
                if (access(*p, F_OK) >= 0)
                        return true;
        return false;
}

/* The helper's side of the fork: never returns. err_fd (close-on-exec) gets the errno if the set-up
 * or every execve fails; EOF there means the exec happened. */
_Noreturn static void helper_child(const struct user_helper *h, int out_fd, int err_fd) {
        char *empty_env[] = {NULL};
        int r = 0, exec_r = -ENOENT, null_fd, report;

        /* everything above stdio first (stdio may have been closed: then a pipe could be fd 0),
         * so that the dup2s below cannot clobber them */
        out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 4);
        report = fcntl(err_fd, F_DUPFD_CLOEXEC, 4);
        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (null_fd >= 0)
                null_fd = fcntl(null_fd, F_DUPFD_CLOEXEC, 4);
        if (out_fd < 0 || report < 0 || null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
            dup2(out_fd, STDOUT_FILENO) < 0 ||
            dup2(h->stderr_to_stdout ? out_fd : null_fd, STDERR_FILENO) < 0)
                r = negative_errno();
        if (r >= 0 && dup3(report, 3, O_CLOEXEC) >= 0)
                report = 3;
        else if (r >= 0)
                r = negative_errno();
        /* our controlling terminal (the caller's) is not the helper's, nor our process group */
        if (r >= 0 && setsid() < 0)
                r = negative_errno();
        if (r >= 0 && h->n_keep_fds > USER_HELPER_MAX_KEEP)
                r = -E2BIG;
        if (r >= 0) {
                int keep[USER_HELPER_MAX_KEEP + 1] = {3};
                memcpy(keep + 1, h->keep_fds, h->n_keep_fds * sizeof(int));
                r = close_all_fds_but(keep, h->n_keep_fds + 1);
        }
        if (r >= 0 && h->sandbox)
                r = h->sandbox(h->userdata);
        for (const char *const *p = h->paths; r >= 0 && *p; p++) {
                int e = h->exec ? h->exec(*p, h->argv, h->userdata)
                                : (execve(*p, h->argv, empty_env), -errno);
                if (e != -ENOENT) /* a path that exists tells more than one that does not */
                        exec_r = e;
        }
        int err = r < 0 ? -r : -exec_r;
        if (report >= 0)
                (void) !write(report, &err, sizeof(err));
        _exit(127);
}

static long long now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct helper_output {
        char *buf;
        size_t size, max;
};

/* Read what is there (fd is non-blocking): 1 at EOF, 0 for more later, -EFBIG over the limit. */
static int output_read(struct helper_output *o, int fd) {
        for (;;) {
                char chunk[4096];
                ssize_t n = read(fd, chunk, sizeof(chunk));
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                if (n == 0)
                        return 1;
                if ((size_t) n > o->max - o->size)
                        return -EFBIG;
                char *b = realloc(o->buf, o->size + (size_t) n + 1);
                if (!b)
                        return -ENOMEM;
                memcpy(b + o->size, chunk, (size_t) n);
                o->buf = b;
                o->size += (size_t) n;
                o->buf[o->size] = 0;
        }
}

/* Collect the output until the helper has exited (and its output is read) or the time is up.
 * What is still buffered once it exited counts; something it left behind that keeps the pipe open
 * does not hold us up. */
static int helper_wait(const struct user_helper *h, int out_fd, int pidfd, struct helper_output *o) {
        long long deadline = now_ms() + h->timeout_ms;
        bool eof = false;

        for (;;) {
                struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
                                      {.fd = eof ? -1 : out_fd, .events = POLLIN}};
                long long left = deadline - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                if (poll(p, 2, (int) left) < 0 && errno != EINTR)
                        return -errno;
                if (!eof && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                        int r = output_read(o, out_fd);
                        if (r < 0)
                                return r;
                        eof = r > 0;
                }
                if (p[0].revents & POLLIN) {
                        int r = eof ? 1 : output_read(o, out_fd);
                        return r < 0 ? r : 0;
                }
        }
}

/* The helper's end: reaped, and whatever of its session still runs is killed. */
static int helper_reap(pid_t pid, bool kill_first) {
        siginfo_t si = {};

        if (kill_first)
                (void) kill(-pid, SIGKILL), (void) kill(pid, SIGKILL);
        while (waitid(P_PID, (id_t) pid, &si, WEXITED) < 0)
                if (errno != EINTR)
                        return -1;
        (void) kill(-pid, SIGKILL); /* its session is its process group: nothing of it outlives it */
        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

int user_helper_run(const struct user_helper *h, char **ret_output, size_t *ret_size, int *ret_status) {
        _cleanup_close_ int out_r = -EBADF, out_w = -EBADF, err_r = -EBADF, err_w = -EBADF, pidfd = -EBADF;
        struct helper_output o = {.max = h->max_output};
        int fds[2], r, err = 0;

        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        out_r = fds[0], out_w = fds[1];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        err_r = fds[0], err_w = fds[1];
        /* the helper's stdout blocks as a normal one */
        if (fcntl(out_w, F_SETFL, 0) < 0)
                return -errno;

        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                helper_child(h, out_w, err_w);
        out_w = safe_close(out_w);
        err_w = safe_close(err_w);

        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        r = pidfd < 0 ? -errno : helper_wait(h, out_r, pidfd, &o);
        int status = helper_reap(pid, r < 0);
        if (r >= 0 && read(err_r, &err, sizeof(err)) == (ssize_t) sizeof(err) && err > 0)
                r = -err;
        if (r >= 0 && status < 0)
                r = -ECHILD;
        if (r < 0) {
                free(o.buf);
                return r;
        }
        *ret_output = o.buf ? o.buf : strdup("");
        if (!*ret_output)
                return -ENOMEM;
        *ret_size = o.size;
        *ret_status = status;
        return 0;
}

/* One getent call: its output if it exited 0. -ESRCH when it says the key is unknown (exit 2) or
 * prints nothing; else -EIO or the helper's error, with a message. */
static int getent_query(const char *db, const char *key, const struct user_helper *how, char **ret_output,
                        size_t *ret_size, char **ret_error) {
        char *argv[] = {(char *) "getent", (char *) db, (char *) key, NULL};
        struct user_helper h = *how;

        h.paths = user_getent_paths;
        h.argv = argv;
        h.max_output = USER_GETENT_MAX_OUTPUT;
        h.timeout_ms = USER_GETENT_TIMEOUT_MS;
        _cleanup_free_ char *out = NULL;
        size_t size = 0;
        int status = 0, r;

        r = user_helper_run(&h, &out, &size, &status);
        if (r == -ETIMEDOUT)
                return error_setf(ret_error, r, "getent %s %s did not finish within %d s", db, key,
                                  USER_GETENT_TIMEOUT_MS / 1000);
        if (r == -EFBIG)
                return error_setf(ret_error, r, "getent %s %s printed more than %zu KiB", db, key,
                                  USER_GETENT_MAX_OUTPUT / 1024);
        if (r < 0)
                return error_setf(ret_error, r, "failed to run getent %s %s: %s", db, key, strerror(-r));
        if (status == 2 || (status == 0 && size == 0))
                return error_setf(ret_error, -ESRCH, "no such user");
        if (status != 0)
                return error_setf(ret_error, -EIO, "getent %s %s failed with exit status %d", db, key,
                                  status);
        *ret_output = TAKE_PTR(out);
        *ret_size = size;
        return 0;
}

int user_resolve_getent(const char *user, int (*sandbox)(void *userdata), void *userdata,
                        struct user_record *ret, char **ret_error) {
        struct user_helper how = {.sandbox = sandbox, .userdata = userdata};
        return user_resolve_getent_with(user, &how, ret, ret_error);
}

int user_resolve_getent_with(const char *user, const struct user_helper *how, struct user_record *ret,
                             char **ret_error) {
        _cleanup_free_ char *out = NULL;
        struct user_record u = {};
        size_t size;
        int r;

        r = getent_query("passwd", user, how, &out, &size, ret_error);
        if (r < 0)
                return r;
        r = user_parse_passwd(out, size, user, &u);
        if (r < 0)
                return error_setf(ret_error, r, "getent passwd %s printed no valid entry of it", user);
        free(out);
        out = NULL;

        /* By the name found: a UID given as USER has no groups of its own name. */
        r = getent_query("initgroups", u.name, how, &out, &size, ret_error);
        if (r >= 0) {
                r = user_parse_initgroups(out, size, u.name, &u.groups, &u.n_groups);
                if (r < 0)
                        (void) error_setf(ret_error, r, "getent initgroups %s printed no valid group list",
                                          u.name);
        }
        if (r < 0) {
                user_record_done(&u);
                return r;
        }
        *ret = u;
        return 0;
}

/* ---- the home directory ------------------------------------------------------------------------ */

int user_make_home(int root_fd, const char *home, uid_t uid, gid_t gid) {
        _cleanup_free_ char *parent = NULL;
        _cleanup_close_ int fd = -EBADF, dir_fd = -EBADF;
        struct stat st;

        fd = chase_open(root_fd, home, O_PATH | O_DIRECTORY, 0);
        if (fd != -ENOENT)
                return fd < 0 ? fd : 0;
        fd = -EBADF;

        const char *slash = strrchr(home, '/');
        if (home[0] != '/' || !slash || isempty(slash + 1) || streq(slash + 1, ".") ||
            streq(slash + 1, ".."))
                return -EINVAL;
        parent = strndup(home, (size_t) (slash - home));
        if (!parent)
                return -ENOMEM;
        dir_fd = chase_mkdir_p(root_fd, isempty(parent) ? "/" : parent, 0755);
        if (dir_fd < 0)
                return dir_fd;
        if (mkdirat(dir_fd, slash + 1, 0700) < 0)
                return errno == EEXIST ? 0 : -errno; /* someone else made it meanwhile: theirs */
        fd = openat(dir_fd, slash + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* what we made (ours), not something swapped in since */
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_uid != geteuid())
                return -EEXIST;
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, 0755) < 0)
                return -errno;
        return 0;
}
