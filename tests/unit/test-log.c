/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdutil.h"
#include "log.h"
#include "macro.h"

/* What log_*() write to stderr while fn runs. */
static char *captured(void (*fn)(void)) {
        char path[] = "/tmp/test-log-XXXXXX";
        int fd = mkstemp(path), saved = dup(STDERR_FILENO);
        char *text = NULL;

        assert_true(fd >= 0 && saved >= 0);
        unlink(path);
        fflush(stderr);
        dup2(fd, STDERR_FILENO);
        fn();
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        assert_true(lseek(fd, 0, SEEK_SET) == 0);
        assert_true(read_fd(fd, &text, 4096) >= 0);
        close(fd);
        return text;
}

static void emit(void) {
        log_debug("debug %d", 1);
        log_info("info");
        log_warning("warning");
        errno = 42;
        log_error_errno(-ENOENT, "error: %m");
        assert_int_equal(errno, 42); /* errno is left as it was */
}

static void test_levels(void **state) {
        log_set_max_level(LOG_INFO);
        char *t = captured(emit);
        assert_string_equal(t, "info\nwarning\nerror: No such file or directory\n");
        free(t);

        log_set_max_level(LOG_DEBUG);
        t = captured(emit);
        assert_string_equal(t, "debug 1\ninfo\nwarning\nerror: No such file or directory\n");
        free(t);

        log_set_max_level(LOG_ERR);
        t = captured(emit);
        assert_string_equal(t, "error: No such file or directory\n");
        free(t);
        log_set_max_level(LOG_INFO);
}

static void test_return_values(void **state) {
        log_set_max_level(LOG_EMERG); /* nothing printed */
        assert_int_equal(log_error_errno(-EPERM, "x"), -EPERM);
        assert_int_equal(log_error_errno(EPERM, "x"), -EPERM);
        assert_int_equal(log_error("x"), -1);
        log_set_max_level(LOG_INFO);
}

static void test_names_and_environment(void **state) {
        assert_int_equal(log_level_from_string("debug"), LOG_DEBUG);
        assert_int_equal(log_level_from_string("err"), LOG_ERR);
        assert_int_equal(log_level_from_string("4"), LOG_WARNING);
        assert_int_equal(log_level_from_string("8"), -EINVAL);
        assert_int_equal(log_level_from_string("verbose"), -EINVAL);
        assert_string_equal(log_level_to_string(LOG_NOTICE), "notice");
        for (int l = LOG_EMERG; l <= LOG_DEBUG; l++)
                assert_int_equal(log_level_from_string(log_level_to_string(l)), l);

        setenv("SYSTEMD_LOG_LEVEL", "debug", 1);
        log_setup();
        assert_int_equal(log_get_max_level(), LOG_DEBUG);
        setenv("SYSTEMD_LOG_LEVEL", "nonsense", 1); /* ignored: the level stays */
        log_setup();
        assert_int_equal(log_get_max_level(), LOG_DEBUG);
        unsetenv("SYSTEMD_LOG_LEVEL");
        log_set_max_level(LOG_INFO);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_levels),
                cmocka_unit_test(test_return_values),
                cmocka_unit_test(test_names_and_environment),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
