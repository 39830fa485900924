/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "lock-file.h"
#include "macro.h"
#include "undo.h"

/* The guard program under test: the nspawn-guard of this build (meson passes its path). */
static const char *guard_path(void) {
        const char *p = getenv("NSPAWN_GUARD");
        assert_non_null(p);
        return p;
}

TEST_SCRATCH_DIR(scratch, "/tmp/test-guard-XXXXXX")

static int dir_fd(void) {
        int fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static bool exists(const char *name) {
        struct stat st;
        char p[256];
        snprintf(p, sizeof p, "%s/%s", scratch, name);
        return lstat(p, &st) == 0;
}

/* A directory with a file in it. */
static void make_tree(const char *name) {
        char p[256];
        snprintf(p, sizeof p, "%s/%s", scratch, name);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof p, "%s/%s/file", scratch, name);
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
}

/* Poll for up to 5 s: the guard works after we hand over, asynchronously. */
static bool gone_soon(const char *name) {
        for (int i = 0; i < 500; i++) {
                if (!exists(name))
                        return true;
                usleep(10 * 1000);
        }
        return false;
}

static int push_tree(struct guard *g, int dfd, const char *name) {
        return guard_push(g, &(struct undo){.kind = UNDO_TREE, .path = name, .fds = {dfd}, .n_fds = 1});
}

/* Hand-over (nspawn ends): every duty is carried out. */
static void test_hand_over(void **state) {
        _cleanup_close_ int dfd = dir_fd();
        struct guard *g = NULL;

        make_tree("a");
        make_tree("b");
        assert_int_equal(guard_start_at(guard_path(), &g), 0);
        assert_int_equal(push_tree(g, dfd, "a"), 1);
        assert_int_equal(push_tree(g, dfd, "b"), 2);
        assert_true(exists("a") && exists("b"));
        guard_hand_over(g);
        assert_true(gone_soon("a"));
        assert_true(gone_soon("b"));
}

/* "done": nspawn undid everything itself; the guard touches nothing. Cancelled duties neither. */
static void test_release_and_cancel(void **state) {
        _cleanup_close_ int dfd = dir_fd();
        struct guard *g = NULL;

        make_tree("kept1");
        make_tree("kept2");
        make_tree("gone");
        assert_int_equal(guard_start_at(guard_path(), &g), 0);
        int a = push_tree(g, dfd, "kept1");
        assert_true(a > 0);
        assert_true(push_tree(g, dfd, "gone") > 0);
        assert_int_equal(guard_cancel(g, a), 0);
        guard_hand_over(g);
        assert_true(gone_soon("gone"));
        assert_true(exists("kept1"));

        assert_int_equal(guard_start_at(guard_path(), &g), 0);
        assert_true(push_tree(g, dfd, "kept2") > 0);
        guard_release(g);
        usleep(200 * 1000);
        assert_true(exists("kept2"));
}

/* SIGKILL of the supervisor: its guard undoes what it registered. The child pushes and is killed. */
static void test_sigkill(void **state) {
        _cleanup_close_ int dfd = dir_fd();
        int ready[2];
        char c;

        make_tree("killed");
        assert_int_equal(pipe(ready), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct guard *g = NULL;
                if (guard_start_at(guard_path(), &g) < 0 || push_tree(g, dfd, "killed") <= 0)
                        _exit(1);
                (void) write(ready[1], "x", 1);
                pause();
                _exit(0);
        }
        close(ready[1]);
        assert_int_equal(read(ready[0], &c, 1), 1);
        close(ready[0]);
        assert_true(exists("killed"));
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        assert_true(gone_soon("killed"));
}

/* UNDO_FILE removes a name only while it is one of the inodes the guard holds; UPDATE replaces
 * them (a record rewritten under the same name). */
static void test_file_identity(void **state) {
        _cleanup_close_ int dfd = dir_fd();
        struct guard *g = NULL;
        char p[256];

        snprintf(p, sizeof p, "%s/rec", scratch);
        int old = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        assert_true(old >= 0);
        assert_int_equal(guard_start_at(guard_path(), &g), 0);
        int id = guard_push(g,
                            &(struct undo){.kind = UNDO_FILE, .path = "rec", .fds = {dfd, old}, .n_fds = 2});
        assert_true(id > 0);
        /* the name now points at another inode, which the guard learns about */
        assert_int_equal(unlink(p), 0);
        int new = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        assert_true(new >= 0);
        assert_int_equal(
                guard_update(
                        g, id,
                        &(struct undo){.kind = UNDO_FILE, .path = "rec", .fds = {dfd, new}, .n_fds = 2}),
                0);
        /* a foreign file under a name it was told about, but not its inode: left alone */
        snprintf(p, sizeof p, "%s/foreign", scratch);
        int foreign = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        assert_true(foreign >= 0);
        assert_true(guard_push(g, &(struct undo){.kind = UNDO_FILE,
                                                 .path = "foreign",
                                                 .fds = {dfd, old},
                                                 .n_fds = 2}) > 0);
        guard_hand_over(g);
        assert_true(gone_soon("rec"));
        usleep(100 * 1000);
        assert_true(exists("foreign"));
        close(old);
        close(new);
        close(foreign);
        assert_int_equal(unlink(p), 0);
}

/* UNDO_LOCK_FILE: a systemd lock file, removed by the guard only when no one else holds it (its
 * lock can be made exclusive); nspawn's own release drops the lock the guard shares. */
struct lock_duty {
        struct guard *g;
        int id;
};

static int lock_hook(int dfd, const char *name, int fd, void *userdata) {
        struct lock_duty *d = userdata;
        struct undo u = {
                .kind = UNDO_FILE, .flags = UNDO_LOCK_FILE, .path = name, .fds = {dfd, fd}, .n_fds = 2};
        assert_false(exists(name)); /* the duty exists before the file has its name */
        d->id = guard_push(d->g, &u);
        return d->id > 0 ? 0 : -EIO;
}

static void test_lock_file(void **state) {
        _cleanup_close_ int dfd = dir_fd();
        struct lock_file ours = LOCK_FILE_INIT, other = LOCK_FILE_INIT;
        struct lock_duty d = {};

        /* shared with another holder: the guard leaves it to that one */
        assert_int_equal(guard_start_at(guard_path(), &d.g), 0);
        assert_int_equal(lock_file_acquire(dfd, "lck", LOCK_SH, lock_hook, &d, &ours), 0);
        assert_true(d.id > 0 && exists("lck"));
        assert_int_equal(lock_file_acquire(dfd, "lck", LOCK_SH, NULL, NULL, &other), 0);
        close(ours.fd); /* nspawn SIGKILLed: only the guard's duplicate holds its lock now */
        ours.fd = -EBADF;
        lock_file_release(&ours);
        guard_hand_over(d.g);
        usleep(200 * 1000);
        assert_true(exists("lck"));
        /* the guard's lock is gone with it: the other holder is the last and removes it */
        lock_file_release(&other);
        assert_false(exists("lck"));

        /* alone: the guard removes it */
        d = (struct lock_duty){};
        assert_int_equal(guard_start_at(guard_path(), &d.g), 0);
        assert_int_equal(lock_file_acquire(dfd, "lck", LOCK_EX, lock_hook, &d, &ours), 0);
        close(ours.fd);
        ours.fd = -EBADF;
        lock_file_release(&ours);
        guard_hand_over(d.g);
        assert_true(gone_soon("lck"));
}

/* UNDO_KEEP: the guard holds the fds until it exits, after the undo. */
static void test_keep(void **state) {
        struct guard *g = NULL;
        int p[2];
        char c;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(guard_start_at(guard_path(), &g), 0);
        assert_true(guard_push(g, &(struct undo){.kind = UNDO_KEEP, .fds = {p[1]}, .n_fds = 1}) > 0);
        close(p[1]);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        guard_hand_over(g);
        assert_int_equal(read(p[0], &c, 1), 0); /* EOF: the guard has exited */
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_true(t1.tv_sec - t0.tv_sec < 5);
        close(p[0]);
}

/* A guard that cannot start is noticed at the first duty, before any effect relies on it. */
static void test_missing_program(void **state) {
        _cleanup_close_ int dfd = dir_fd();
        struct guard *g = NULL;

        assert_int_equal(guard_start_at("/nonexistent/nspawn-guard", &g), 0);
        assert_int_equal(push_tree(g, dfd, "x"), -ESRCH);
        guard_release(g);
        /* and the NULL guard of unit tests accepts everything */
        assert_int_equal(push_tree(NULL, dfd, "x"), 0);
        assert_int_equal(guard_cancel(NULL, 1), 0);
}

/* The wire format round-trips; what it cannot carry or a damaged message is refused. */
static void test_wire(void **state) {
        char buf[UNDO_WIRE_MAX];
        struct undo u = {.kind = UNDO_FILE, .flags = UNDO_PRUNE, .path = "a/b", .path2 = ".#t"}, got;
        uint32_t id;

        int n = undo_wire_encode(&u, 7, buf, sizeof buf);
        assert_true(n > 0);
        assert_int_equal(undo_wire_decode(buf, (size_t) n, &id, &got), 0);
        assert_int_equal(id, 7);
        assert_int_equal(got.kind, UNDO_FILE);
        assert_int_equal(got.flags, UNDO_PRUNE);
        assert_string_equal(got.path, "a/b");
        assert_string_equal(got.path2, ".#t");

        u = (struct undo){.kind = UNDO_KEEP};
        n = undo_wire_encode(&u, 1, buf, sizeof buf);
        assert_int_equal(undo_wire_decode(buf, (size_t) n, &id, &got), 0);
        assert_null(got.path);
        assert_null(got.path2);

        assert_int_equal(undo_wire_decode(buf, (size_t) n - 1, &id, &got), -EBADMSG);
        buf[4] = 99; /* kind */
        assert_int_equal(undo_wire_decode(buf, (size_t) n, &id, &got), -EBADMSG);
        assert_int_equal(undo_run(&(struct undo){.kind = UNDO_TREE, .path = "x"}, 0), -EINVAL);
}

/* undo_run() in-process: a missing object is success (every undo is idempotent). */
static void test_idempotent(void **state) {
        _cleanup_close_ int dfd = dir_fd();

        make_tree("twice");
        struct undo u = {.kind = UNDO_TREE, .path = "twice", .fds = {dfd}, .n_fds = 1};
        assert_int_equal(undo_run(&u, 0), 0);
        assert_false(exists("twice"));
        assert_int_equal(undo_run(&u, 0), 0);
        u = (struct undo){.kind = UNDO_CGROUP, .path = "no-such", .fds = {dfd}, .n_fds = 1};
        assert_int_equal(undo_run(&u, 0), 0);
        u = (struct undo){.kind = UNDO_FILE, .path = "no-such", .fds = {dfd, dfd}, .n_fds = 2};
        assert_int_equal(undo_run(&u, 0), 0);
}

/* UNDO_EXEC: the program runs with the duty's fds at 3, 4, … (nothing else of ours open), its
 * arguments split at spaces; status 0 is success, a hang is killed after wait_ms. */
static void test_exec(void **state) {
        _cleanup_close_ int sh = open("/bin/sh", O_PATH | O_CLOEXEC);
        _cleanup_close_ int dfd = dir_fd();
        _cleanup_close_ int other = open("/dev/null", O_RDONLY | O_CLOEXEC);
        char sub[256];

        snprintf(sub, sizeof sub, "%s/sub", scratch);
        assert_int_equal(mkdir(sub, 0755), 0);
        _cleanup_close_ int sfd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(sh >= 0 && sfd >= 0);
        struct undo u = {.kind = UNDO_EXEC,
                         .path = "-c :>/proc/self/fd/4/made&&test${IFS}!${IFS}-e${IFS}/proc/self/fd/5",
                         .path2 = "undo-test",
                         .fds = {sh, sfd, dfd},
                         .n_fds = 3};
        assert_int_equal(undo_run(&u, 5000), 0);
        assert_true(exists("made")); /* fd 4 is the second duty fd: the scratch dir, not sub */
        assert_true(other >= 0);     /* nor was any other fd of ours at 5 */

        u.path = "-c exit${IFS}3";
        assert_int_equal(undo_run(&u, 5000), -EIO);
        u.path = "-c sleep${IFS}10";
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(undo_run(&u, 200), -ETIMEDOUT);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_true(t1.tv_sec - t0.tv_sec < 5);

        /* through the guard, at hand-over */
        struct guard *g = NULL;
        assert_int_equal(guard_start_at(guard_path(), &g), 0);
        u = (struct undo){
                .kind = UNDO_EXEC, .path = "-c :>/proc/self/fd/3/by-guard", .fds = {sh, dfd}, .n_fds = 2};
        assert_true(guard_push(g, &u) > 0);
        guard_hand_over(g);
        for (int i = 0; i < 500 && !exists("by-guard"); i++)
                usleep(10 * 1000);
        assert_true(exists("by-guard"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hand_over), cmocka_unit_test(test_release_and_cancel),
                cmocka_unit_test(test_sigkill),   cmocka_unit_test(test_file_identity),
                cmocka_unit_test(test_keep),      cmocka_unit_test(test_missing_program),
                cmocka_unit_test(test_wire),      cmocka_unit_test(test_idempotent),
                cmocka_unit_test(test_lock_file), cmocka_unit_test(test_exec),
        };
        return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
