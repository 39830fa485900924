/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fdutil.h"
#include "macro.h"

static int pair[2] = {-EBADF, -EBADF};

static int socket_setup(void **state) {
        (void) state;
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
        return 0;
}

static int socket_teardown(void **state) {
        (void) state;
        pair[0] = safe_close(pair[0]);
        pair[1] = safe_close(pair[1]);
        return 0;
}

/* One fd (or none) at a time, as the protocol's steps send them. */
static int msg_send(int sock, char type, const void *data, size_t size, int fd) {
        return msg_send_fds(sock, type, data, size, &fd, fd >= 0 ? 1 : 0);
}

static ssize_t msg_recv(int sock, char *ret_type, void *buf, size_t size, int *ret_fd) {
        size_t n_fds = 1;
        ssize_t n = msg_recv_fds(sock, ret_type, buf, size, ret_fd, &n_fds);
        if (n_fds == 0)
                *ret_fd = -EBADF;
        return n;
}

static void test_msg_plain(void **state) {
        (void) state;
        char buf[64] = {}, type = 0;
        int fd = 42;

        assert_int_equal(msg_send(pair[0], 'A', "hello", 5, -EBADF), 0);
        assert_int_equal(msg_send(pair[0], 'B', "second message", 14, -EBADF), 0);
        assert_int_equal(msg_send(pair[0], 'C', NULL, 0, -EBADF), 0);

        /* One message per call: the boundaries of the seqpacket are kept, type byte counted. */
        assert_int_equal(msg_recv(pair[1], &type, buf, sizeof(buf), &fd), 6);
        assert_int_equal(type, 'A');
        assert_memory_equal(buf, "hello", 5);
        assert_int_equal(fd, -EBADF);

        memset(buf, 0, sizeof(buf));
        assert_int_equal(msg_recv(pair[1], &type, buf, sizeof(buf), &fd), 15);
        assert_int_equal(type, 'B');
        assert_memory_equal(buf, "second message", 14);
        assert_int_equal(fd, -EBADF);

        assert_int_equal(msg_recv(pair[1], &type, buf, sizeof(buf), &fd), 1);
        assert_int_equal(type, 'C');
        assert_int_equal(fd, -EBADF);
}

static void test_msg_fd(void **state) {
        (void) state;
        int p[2], fd = -EBADF;
        char buf[16] = {}, type = 0;
        struct stat a, b;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(msg_send(pair[0], 'F', "pipe", 4, p[1]), 0);
        assert_int_equal(msg_recv(pair[1], &type, buf, sizeof(buf), &fd), 5);
        assert_int_equal(type, 'F');
        assert_memory_equal(buf, "pipe", 4);

        /* A new descriptor for the same pipe, close-on-exec. */
        assert_true(fd >= 0);
        assert_int_not_equal(fd, p[1]);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        assert_int_equal(fstat(fd, &a), 0);
        assert_int_equal(fstat(p[1], &b), 0);
        assert_int_equal(a.st_ino, b.st_ino);
        assert_int_equal(write(fd, "x", 1), 1);
        assert_int_equal(read(p[0], buf, 1), 1);
        assert_int_equal(buf[0], 'x');
        close(fd);

        /* An fd without payload. */
        assert_int_equal(msg_send(pair[0], 'G', NULL, 0, p[0]), 0);
        assert_int_equal(msg_recv(pair[1], &type, buf, sizeof(buf), &fd), 1);
        assert_int_equal(type, 'G');
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &a), 0);
        assert_int_equal(a.st_ino, b.st_ino);
        close(fd);

        close(p[0]);
        close(p[1]);
}

/* Is fd open? */
static bool fd_open(int fd) {
        return fcntl(fd, F_GETFD) >= 0;
}

static int count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        int n = 0;
        assert_non_null(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static void test_msg_fds(void **state) {
        (void) state;
        int p[2], got[4] = {-1, -1, -1, -1}, one = -EBADF;
        size_t n = 4;
        char type = 0;
        struct stat a, b;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        int send[3] = {p[0], p[1], p[0]};
        assert_int_equal(msg_send_fds(pair[0], 'M', "x", 1, send, 3), 0);
        assert_int_equal(msg_recv_fds(pair[1], &type, NULL, 0, got, &n), 1);
        assert_int_equal(type, 'M');
        assert_int_equal(n, 3);
        assert_int_equal(fstat(got[1], &a), 0);
        assert_int_equal(fstat(p[1], &b), 0);
        assert_int_equal(a.st_ino, b.st_ino);
        assert_true(got[0] != got[2] && fd_open(got[0]) && fd_open(got[2]));
        close_many(got, n);

        /* More fds than asked for: the extra ones are closed, not leaked. msg_recv takes one. */
        assert_int_equal(msg_send_fds(pair[0], 'N', NULL, 0, send, 3), 0);
        int before = count_fds();
        assert_int_equal(msg_recv(pair[1], &type, NULL, 0, &one), 1);
        assert_int_equal(type, 'N');
        assert_true(one >= 0);
        close(one);
        assert_int_equal(count_fds(), before);

        /* None sent, none received; too many to send is -E2BIG. */
        n = 4;
        assert_int_equal(msg_send_fds(pair[0], 'O', NULL, 0, NULL, 0), 0);
        assert_int_equal(msg_recv_fds(pair[1], &type, NULL, 0, got, &n), 1);
        assert_int_equal(n, 0);
        int many[MSG_MAX_FDS + 1];
        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                many[i] = p[0];
        assert_int_equal(msg_send_fds(pair[0], 'P', NULL, 0, many, ELEMENTSOF(many)), -E2BIG);
        close(p[0]);
        close(p[1]);
}

/* In a child (it closes the test's own fds): only the kept ones and stdio stay open. */
static void test_close_all_fds_but(void **state) {
        (void) state;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int fds[6];
                for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                        if ((fds[i] = open("/dev/null", O_RDONLY)) < 0)
                                _exit(10);
                int keep[] = {fds[4], -1, fds[1], fds[4]}; /* any order, negatives, twice */
                if (close_all_fds_but(keep, ELEMENTSOF(keep)) != 0)
                        _exit(11);
                for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                        if (fd_open(fds[i]) != (i == 1 || i == 4))
                                _exit(20 + (int) i);
                if (!fd_open(0) || !fd_open(1) || !fd_open(2))
                        _exit(30);
                if (count_fds() != 2 + 3 + 2 + 1) /* ".", "..", stdio, the two kept, the dir read */
                        _exit(31);
                /* more than fit on its stack: as many as given are kept */
                int many[100];
                for (size_t i = 0; i < ELEMENTSOF(many); i++)
                        many[i] = i == 50 ? fds[1] : -1;
                _exit(close_all_fds_but(many, ELEMENTSOF(many)) == 0 && fd_open(fds[1]) && !fd_open(fds[4])
                              ? 0
                              : 32);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_msg_eof(void **state) {
        (void) state;
        char buf[8], type = 'z';
        int fd = 42;

        pair[0] = safe_close(pair[0]);
        assert_int_equal(msg_recv(pair[1], &type, buf, sizeof(buf), &fd), 0);
        assert_int_equal(fd, -EBADF);
        assert_int_equal(type, 'z'); /* untouched at EOF */

        /* Sending to a closed peer is an error, not a SIGPIPE. */
        assert_int_equal(msg_send(pair[1], 'A', "x", 1, -EBADF), -EPIPE);

        /* The kernel raises SIGPIPE only on stream sockets, so that is where it shows. */
        int s[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
        close(s[0]);
        assert_int_equal(msg_send(s[1], 'A', "x", 1, -EBADF), -EPIPE);
        close(s[1]);
}

static char dir[64];
static int dir_fd = -EBADF;

static int rm_entry(const char *p, const struct stat *st, int type, struct FTW *f) {
        (void) st;
        (void) f;
        return type == FTW_DP ? rmdir(p) : unlink(p);
}

static int dir_setup(void **state) {
        (void) state;
        snprintf(dir, sizeof(dir), "/tmp/test-fdutil-XXXXXX");
        assert_non_null(mkdtemp(dir));
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dir_fd >= 0);
        return 0;
}

static int dir_teardown(void **state) {
        (void) state;
        dir_fd = safe_close(dir_fd);
        assert_int_equal(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
        return 0;
}

static void on_alarm(int sig) {
        (void) sig;
}

static void test_write_all(void **state) {
        (void) state;
        size_t size = 1 << 20; /* far more than a pipe holds: the reader must keep up */
        _cleanup_free_ char *data = malloc(size);
        int p[2];

        assert_non_null(data);
        for (size_t i = 0; i < size; i++)
                data[i] = (char) (i * 7 + i / 251);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* A slow reader that checks every byte and reports by exit status. */
                close(p[1]);
                size_t n = 0;
                char b[4096];
                ssize_t k;
                while ((k = read(p[0], b, sizeof(b))) > 0) {
                        for (ssize_t i = 0; i < k; i++, n++)
                                if (b[i] != (char) (n * 7 + n / 251))
                                        _exit(2);
                        usleep(50);
                }
                _exit(k == 0 && n == size ? 0 : 1);
        }
        close(p[0]);

        /* A signal handler without SA_RESTART firing every 200µs interrupts the blocked write:
         * write() then returns a partial count (or EINTR), which write_all must carry on from. */
        struct sigaction sa = {.sa_handler = on_alarm}, old_sa;
        struct itimerval tick = {{0, 200}, {0, 200}}, off = {};
        assert_int_equal(sigaction(SIGALRM, &sa, &old_sa), 0);
        assert_int_equal(setitimer(ITIMER_REAL, &tick, NULL), 0);
        int r = write_all(p[1], data, size);
        assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
        assert_int_equal(sigaction(SIGALRM, &old_sa, NULL), 0);
        assert_int_equal(r, 0);
        assert_int_equal(write_all(p[1], data, 0), 0);
        close(p[1]);

        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);

        /* Errors come back as negative errno. */
        assert_int_equal(write_all(dir_fd, "x", 1), -EBADF);
}

static void test_read_fd(void **state) {
        (void) state;
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
        int p[2];

        /* Each read of a seqpacket socket returns one packet: read_fd must go on until EOF,
         * not stop after the first short read. */
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p), 0);
        assert_int_equal(write(p[1], "abc", 3), 3);
        assert_int_equal(write(p[1], "def", 3), 3);
        close(p[1]);
        assert_int_equal(read_fd(p[0], &a, 100), 6);
        assert_string_equal(a, "abcdef");
        close(p[0]);

        /* At most max bytes, NUL-terminated. */
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(write(p[1], "hello world", 11), 11);
        assert_int_equal(read_fd(p[0], &b, 5), 5);
        assert_string_equal(b, "hello");
        close(p[1]);
        assert_int_equal(read_fd(p[0], &c, 0), 0);
        assert_string_equal(c, "");
        assert_int_equal(read_fd(p[0], &d, 100), 6);
        assert_string_equal(d, " world");
        close(p[0]);

        char *untouched = (char *) "keep";
        assert_int_equal(read_fd(-1, &untouched, 10), -EBADF);
        assert_string_equal(untouched, "keep");
}

static void test_files_at(void **state) {
        (void) state;
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
        struct stat st;

        assert_int_equal(write_file_at(dir_fd, "f", "first contents\n", 0640), 0);
        assert_int_equal(fstatat(dir_fd, "f", &st, 0), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0640);
        assert_int_equal(read_file_at(dir_fd, "f", &a, 4096), 15);
        assert_string_equal(a, "first contents\n");

        /* Rewriting truncates. */
        assert_int_equal(write_file_at(dir_fd, "f", "2nd", 0640), 0);
        assert_int_equal(read_file_at(dir_fd, "f", &b, 4096), 3);
        assert_string_equal(b, "2nd");

        assert_int_equal(write_file_at(dir_fd, "empty", "", 0644), 0);
        assert_int_equal(read_file_at(dir_fd, "empty", &c, 4096), 0);
        assert_string_equal(c, "");

        assert_int_equal(read_file_at(dir_fd, "f", &d, 2), 2);
        assert_string_equal(d, "2n");

        /* A symlink in the last component is refused, and its target is not touched. */
        assert_int_equal(symlinkat("f", dir_fd, "link"), 0);
        assert_int_equal(write_file_at(dir_fd, "link", "evil", 0644), -ELOOP);
        assert_int_equal(read_file_at(dir_fd, "f", &e, 4096), 3);
        assert_string_equal(e, "2nd");
        /* A dangling one is not created through either. */
        assert_int_equal(symlinkat("created-through-link", dir_fd, "dangling"), 0);
        assert_int_equal(write_file_at(dir_fd, "dangling", "evil", 0644), -ELOOP);
        assert_int_equal(faccessat(dir_fd, "created-through-link", F_OK, 0), -1);
        assert_int_equal(errno, ENOENT);

        char *untouched = (char *) "keep";
        assert_int_equal(read_file_at(dir_fd, "missing", &untouched, 10), -ENOENT);
        assert_string_equal(untouched, "keep");
        assert_int_equal(write_file_at(dir_fd, "no/such/dir", "x", 0644), -ENOENT);
}

/* mkdir -p: exact modes on what it creates whatever the umask, existing ones left alone. */
static void test_mkdir_p(void **state) {
        char path[128], parent[128];
        struct stat st;
        mode_t old = umask(0077);

        snprintf(parent, sizeof parent, "%s/a", dir);
        snprintf(path, sizeof path, "%s/a/b/c", dir);
        assert_int_equal(mkdir_p(path, 0700), 0);
        umask(old);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_int_equal(stat(parent, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_int_equal(chmod(parent, 0711), 0);
        assert_int_equal(mkdir_p(path, 0700), 0); /* again: fine, and the parent keeps its mode */
        assert_int_equal(stat(parent, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0711);
        assert_int_equal(mkdir_p("relative/path", 0755), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_msg_plain, socket_setup, socket_teardown),
                cmocka_unit_test_setup_teardown(test_msg_fd, socket_setup, socket_teardown),
                cmocka_unit_test_setup_teardown(test_msg_fds, socket_setup, socket_teardown),
                cmocka_unit_test_setup_teardown(test_msg_eof, socket_setup, socket_teardown),
                cmocka_unit_test(test_close_all_fds_but),
                cmocka_unit_test_setup_teardown(test_write_all, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_read_fd, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_files_at, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(test_mkdir_p, dir_setup, dir_teardown),
        };
        umask(022);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
