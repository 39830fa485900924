/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "guard.h"
#include "macro.h"

TEST_SCRATCH_DIR(dir, "/tmp/test-guard-XXXXXX")

static void touch_mark(void *userdata) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", dir, (const char *) userdata);
        int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd >= 0)
                close(fd);
}

static bool mark_exists(const char *name, int timeout_ms) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", dir, name);
        for (int i = 0; i <= timeout_ms / 10; i++) {
                if (access(p, F_OK) == 0)
                        return true;
                usleep(10000);
        }
        return false;
}

/* Released by a supervisor that cleaned up itself, the guard exits by itself, without its
 * cleanup. */
static void test_release(void **state) {
        struct guard g = GUARD_INIT;

        assert_int_equal(guard_start(&g, "test-guard", NULL, 0, touch_mark, (void *) "released"), 0);
        assert_true(g.pid > 0);
        pid_t pid = g.pid;
        assert_false(mark_exists("released", 200));
        guard_release(&g);
        for (int i = 0; i < 200 && waitpid(pid, NULL, WNOHANG) == 0; i++)
                usleep(10 * 1000);
        assert_int_equal(kill(pid, 0), -1); /* gone (and reaped) */
        assert_false(mark_exists("released", 0));
        assert_int_equal(g.pid, 0);
        assert_int_equal(g.fd, -EBADF);
        guard_release(&g); /* idempotent */
}

/* Handed over, the guard runs its cleanup at once, while we go on; then it is done with. */
static void test_hand_over(void **state) {
        struct guard g = GUARD_INIT;

        assert_int_equal(guard_start(&g, "test-guard", NULL, 0, touch_mark, (void *) "handed"), 0);
        pid_t pid = g.pid;
        assert_false(mark_exists("handed", 100));
        assert_int_equal(guard_hand_over(&g), 0);
        assert_int_equal(g.pid, 0);
        assert_int_equal(g.fd, -EBADF);
        assert_true(mark_exists("handed", 5000));
        for (int i = 0; i < 200 && waitpid(pid, NULL, WNOHANG) == 0; i++)
                usleep(10 * 1000);
        assert_int_equal(kill(pid, 0), -1);
        assert_int_equal(guard_hand_over(&g), -ESRCH); /* no guard any more */
        guard_release(&g);
}

/* fds given to the guard stay open until it exits: a pipe keeps its reader. */
static void test_adopt_fds(void **state) {
        struct guard g = GUARD_INIT;
        int p[2];

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(guard_start(&g, "test-guard", NULL, 0, touch_mark, (void *) "adopt"), 0);
        pid_t pid = g.pid;
        assert_int_equal(guard_adopt_fds(&g, &p[0], 1), 0);
        close(p[0]);
        signal(SIGPIPE, SIG_IGN);
        assert_int_equal(write(p[1], "x", 1), 1); /* the guard holds the read end */
        guard_release(&g);
        assert_int_equal(guard_adopt_fds(&g, &p[1], 1), -ESRCH);
        for (int i = 0; i < 200 && waitpid(pid, NULL, WNOHANG) == 0; i++)
                usleep(10 * 1000);
        assert_int_equal(write(p[1], "x", 1), -1); /* gone with the guard */
        assert_int_equal(errno, EPIPE);
        close(p[1]);
        assert_false(mark_exists("adopt", 0)); /* released: no cleanup */
}

/* A guard that died (killed by someone) cannot take the cleanup over: the caller does it. */
static void test_hand_over_dead(void **state) {
        struct guard g = GUARD_INIT;

        assert_int_equal(guard_start(&g, "test-guard", NULL, 0, touch_mark, (void *) "dead"), 0);
        assert_int_equal(kill(g.pid, SIGKILL), 0);
        siginfo_t si;
        assert_int_equal(waitid(P_PID, (id_t) g.pid, &si, WEXITED | WNOWAIT), 0);
        assert_int_equal(guard_hand_over(&g), -ESRCH);
        assert_int_equal(g.fd, -EBADF);
        assert_false(mark_exists("dead", 100));
}

/* A supervisor killed with SIGKILL: the guard still runs its cleanup. */
static void test_sigkill(void **state) {
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t sup = fork();
        assert_true(sup >= 0);
        if (sup == 0) {
                struct guard g = GUARD_INIT;
                close(p[0]);
                if (guard_start(&g, "test-guard", NULL, 0, touch_mark, (void *) "killed") < 0)
                        _exit(1);
                (void) write(p[1], "x", 1);
                pause();
                _exit(0);
        }
        close(p[1]);
        char c;
        assert_int_equal(read(p[0], &c, 1), 1);
        close(p[0]);
        assert_false(mark_exists("killed", 100));
        kill(sup, SIGKILL);
        waitpid(sup, NULL, 0);
        assert_true(mark_exists("killed", 5000));
}

static int count_fds(pid_t pid) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/fd", (int) pid);
        DIR *d = opendir(p);
        int n = 0;
        if (!d)
                return -1;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

/* The guard holds stdio (/dev/null), its pipe and the kept fds: nothing else of ours. */
static void test_fds(void **state) {
        struct guard g = GUARD_INIT;
        int keep = open("/", O_PATH | O_CLOEXEC);
        int other = open("/", O_PATH | O_CLOEXEC);

        assert_true(keep >= 0 && other >= 0);
        assert_int_equal(guard_start(&g, "test-guard", &keep, 1, touch_mark, (void *) "fds"), 0);
        int n = -1;
        for (int i = 0; i < 100 && n != 5; i++) { /* the guard closes fds right after the fork */
                usleep(10000);
                n = count_fds(g.pid);
        }
        assert_int_equal(n, 5); /* 0 1 2, pipe, keep */
        guard_release(&g);
        close(keep);
        close(other);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_release),        cmocka_unit_test(test_hand_over),
                cmocka_unit_test(test_hand_over_dead), cmocka_unit_test(test_adopt_fds),
                cmocka_unit_test(test_sigkill),        cmocka_unit_test(test_fds),
        };
        return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
