/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawnctl start/enable/disable: the helpers and the supervisor's policy (service.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"
#include "nspawnctl.h"
#include "service.h"

/* Restart=no, RestartForceExitStatus=133, SuccessExitStatus=133, systemd's clean signals. */
static void test_exit_action(void **state) {
        static const struct {
                int code, status;
                bool stopping;
                enum service_exit want;
        } table[] = {
                {CLD_EXITED, 133, false, SERVICE_EXIT_RESTART}, /* the guest rebooted */
                {CLD_EXITED, 133, true, SERVICE_EXIT_SUCCESS},  /* ... while a stop was asked for */
                {CLD_EXITED, 0, false, SERVICE_EXIT_SUCCESS},   /* poweroff */
                {CLD_EXITED, 0, true, SERVICE_EXIT_SUCCESS},
                {CLD_EXITED, 1, false, SERVICE_EXIT_FAILURE}, /* nspawn failed: never restarted */
                {CLD_EXITED, 134, false, SERVICE_EXIT_FAILURE},
                {CLD_KILLED, SIGTERM, false, SERVICE_EXIT_SUCCESS},
                {CLD_KILLED, SIGPIPE, false, SERVICE_EXIT_SUCCESS},
                {CLD_KILLED, SIGKILL, true, SERVICE_EXIT_FAILURE},
                {CLD_DUMPED, SIGSEGV, false, SERVICE_EXIT_FAILURE},
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                assert_int_equal(service_exit_action(table[i].code, table[i].status, table[i].stopping),
                                 table[i].want);
}

/* 5 starts in 10 s, then none until the fifth-last is 10 s old. */
static void test_start_limit(void **state) {
        struct start_limit l = {};
        uint64_t t = 1000000000;
        for (int i = 0; i < START_LIMIT_BURST; i++)
                assert_true(start_limit_allow(&l, t + i * 1000000ULL));
        assert_false(start_limit_allow(&l, t + 5 * 1000000ULL));
        assert_false(start_limit_allow(&l, t + START_LIMIT_INTERVAL_USEC - 1));
        assert_true(start_limit_allow(&l, t + START_LIMIT_INTERVAL_USEC));      /* the first is 10 s old */
        assert_false(start_limit_allow(&l, t + START_LIMIT_INTERVAL_USEC + 1)); /* the second is not */
        assert_true(start_limit_allow(&l, t + START_LIMIT_INTERVAL_USEC + 1000000ULL));
        /* slow reboots never hit it */
        struct start_limit slow = {};
        for (int i = 0; i < 100; i++)
                assert_true(start_limit_allow(&slow, t + i * 3000000ULL));
}

static void test_names(void **state) {
        _cleanup_free_ char *u = service_unit_name("deb-12.x");
        assert_string_equal(u, "nspawn@deb-12.x.service");
        _cleanup_free_ char *a = service_root_path("/", "/etc/init.d");
        _cleanup_free_ char *b = service_root_path("/tmp/r", "/etc/init.d");
        assert_string_equal(a, "/etc/init.d");
        assert_string_equal(b, "/tmp/r/etc/init.d");
        _cleanup_free_ char *st = supervise_state_path("foo");
        assert_string_equal(st, SERVICE_DIR "/foo");
}

/* A tree with an image and a program in the second of two directories. */
static char *make_root(void) {
        char tmpl[] = "/tmp/test-service.XXXXXX";
        char *root = strdup(mkdtemp(tmpl));
        char p[256];
        assert_non_null(root);
        snprintf(p, sizeof p, "%s/var/lib/machines/foo", root);
        assert_int_equal(mkdir_p(p, 0755), 0);
        snprintf(p, sizeof p, "%s/usr/sbin", root);
        assert_int_equal(mkdir_p(p, 0755), 0);
        snprintf(p, sizeof p, "%s/usr/sbin/tool", root);
        assert_int_equal(write_file_at(AT_FDCWD, p, "#!/bin/sh\n", 0755), 0);
        snprintf(p, sizeof p, "%s/usr/sbin/plain", root);
        assert_int_equal(write_file_at(AT_FDCWD, p, "", 0644), 0);
        return root;
}

static void remove_root(const char *root) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

static void test_find_in(void **state) {
        _cleanup_free_ char *root = make_root();
        static const char *const dirs[] = {"/sbin", "/usr/sbin", NULL};
        _cleanup_free_ char *tool = service_find_in(root, dirs, "tool");
        assert_string_equal(tool, "/usr/sbin/tool");       /* without the root */
        assert_null(service_find_in(root, dirs, "plain")); /* not executable */
        assert_null(service_find_in(root, dirs, "missing"));
        remove_root(root);
}

/* machinectl's checks and messages; the image is looked up below the root. */
static void test_check_names(void **state) {
        _cleanup_free_ char *root = make_root();
        char *ok[] = {"enable", "foo", NULL};
        char *bad[] = {"enable", "foo", "bad/x", NULL};
        char *missing[] = {"enable", "foo", "nosuch", NULL};
        char *dots[] = {"enable", "..", NULL};
        assert_int_equal(service_check_names(root, 2, ok), 0);
        assert_true(service_check_names(root, 3, bad) < 0);
        assert_true(service_check_names(root, 3, missing) < 0);
        assert_true(service_check_names(root, 2, dots) < 0);
        assert_true(service_check_names("/nonexistent-root", 2, ok) < 0);
        remove_root(root);
}

static void test_root(void **state) {
        _cleanup_free_ char *root = make_root();
        unsetenv("NSPAWNCTL_ROOT");
        assert_string_equal(service_root(), "/");
        setenv("NSPAWNCTL_ROOT", root, 1);
        assert_string_equal(service_root(), root);
        setenv("NSPAWNCTL_ROOT", "relative/dir", 1);
        assert_null(service_root());
        setenv("NSPAWNCTL_ROOT", "/nonexistent-root", 1);
        assert_null(service_root());
        unsetenv("NSPAWNCTL_ROOT");
        remove_root(root);
}

static void test_run(void **state) {
        char *t[] = {"/bin/true", NULL}, *f[] = {"/bin/sh", "-c", "exit 7", NULL};
        char *k[] = {"/bin/sh", "-c", "kill -TERM $$", NULL}, *none[] = {"/nonexistent", NULL};
        assert_int_equal(service_run(t, true), 0);
        assert_int_equal(service_run(f, true), 7);
        assert_int_equal(service_run(k, true), 128 + SIGTERM);
        assert_int_equal(service_run(none, true), 127);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exit_action), cmocka_unit_test(test_start_limit),
                cmocka_unit_test(test_names),       cmocka_unit_test(test_find_in),
                cmocka_unit_test(test_check_names), cmocka_unit_test(test_root),
                cmocka_unit_test(test_run),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
