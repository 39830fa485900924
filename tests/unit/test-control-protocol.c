/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "control-protocol.h"
#include "macro.h"
#include "strv.h"

static char *argv_sh[] = {(char *) "/bin/sh", (char *) "-c", (char *) "exit 3", NULL};
static char *env_two[] = {(char *) "TERM=xterm", (char *) "FOO=", NULL};

static void roundtrip(const struct control_request *in, struct control_request *out) {
        char *buf = NULL;
        size_t size = 0;
        assert_int_equal(control_request_encode(in, &buf, &size), 0);
        assert_int_equal(control_request_decode(buf, size, out), 0);
        free(buf);
}

static void test_roundtrip(void **state) {
        struct control_request in = {.kind = CONTROL_SHELL,
                                     .pty = true,
                                     .rows = 33,
                                     .cols = 101,
                                     .user = (char *) "nobody",
                                     .argv = argv_sh,
                                     .env = env_two};
        struct control_request out;

        roundtrip(&in, &out);
        assert_int_equal(out.kind, CONTROL_SHELL);
        assert_true(out.pty);
        assert_int_equal(out.rows, 33);
        assert_int_equal(out.cols, 101);
        assert_string_equal(out.user, "nobody");
        assert_int_equal(strv_length(out.argv), 3);
        assert_string_equal(out.argv[2], "exit 3");
        assert_int_equal(strv_length(out.env), 2);
        assert_string_equal(out.env[1], "FOO=");
        control_request_done(&out);

        /* root, no command, no environment: all NULL again */
        struct control_request bare = {.kind = CONTROL_LOGIN, .pty = true};
        roundtrip(&bare, &out);
        assert_int_equal(out.kind, CONTROL_LOGIN);
        assert_null(out.user);
        assert_null(out.argv);
        assert_null(out.env);
        control_request_done(&out);
}

/* Encode in, change the payload with f, expect the decoder to refuse it. */
static void refused(const struct control_request *in, void (*f)(char *buf, size_t *size)) {
        char *buf = NULL;
        size_t size = 0;
        struct control_request out;
        assert_int_equal(control_request_encode(in, &buf, &size), 0);
        buf = realloc(buf, size + 16);
        f(buf, &size);
        assert_int_equal(control_request_decode(buf, size, &out), -EBADMSG);
        free(buf);
}

static void append_byte(char *buf, size_t *size) {
        buf[(*size)++] = 'x';
}
static void cut_last(char *buf, size_t *size) {
        (*size)--; /* the last NUL: a string without its end */
}
static void bad_kind(char *buf, size_t *size) {
        buf[0] = 7;
}
static void bad_pty(char *buf, size_t *size) {
        buf[1] = 2;
}
static void too_short(char *buf, size_t *size) {
        *size = 3;
}
static void keep(char *buf, size_t *size) {
}

static void test_strict(void **state) {
        struct control_request ok = {.kind = CONTROL_SHELL, .argv = argv_sh, .env = env_two};
        refused(&ok, append_byte);
        refused(&ok, cut_last);
        refused(&ok, bad_kind);
        refused(&ok, bad_pty);
        refused(&ok, too_short);

        /* what the client must not ask for */
        char *relative[] = {(char *) "sh", NULL};
        struct control_request r = {.kind = CONTROL_SHELL, .argv = relative};
        refused(&r, keep);
        struct control_request login_cmd = {.kind = CONTROL_LOGIN, .argv = argv_sh};
        refused(&login_cmd, keep);
        char *bad_env[] = {(char *) "NOEQUALS", NULL};
        struct control_request e = {.kind = CONTROL_SHELL, .env = bad_env};
        refused(&e, keep);
        char *bad_name[] = {(char *) "1X=y", NULL};
        e.env = bad_name;
        refused(&e, keep);
        static const char *const users[] = {"a:b", "a/b", "-x", "a b", ".."};
        for (size_t i = 0; i < ELEMENTSOF(users); i++) {
                struct control_request u = {.kind = CONTROL_SHELL, .user = (char *) users[i]};
                refused(&u, keep);
        }
}

static void test_too_big(void **state) {
        char *big = malloc(CONTROL_REQUEST_MAX);
        assert_non_null(big);
        memset(big, 'a', CONTROL_REQUEST_MAX - 1);
        big[0] = '/';
        big[CONTROL_REQUEST_MAX - 1] = 0;
        char *argv[] = {big, NULL};
        struct control_request r = {.kind = CONTROL_SHELL, .argv = argv};
        char *buf = NULL;
        size_t size;
        assert_int_equal(control_request_encode(&r, &buf, &size), -E2BIG);
        assert_null(buf);
        free(big);
}

static void test_end_status(void **state) {
        struct control_end e = {CONTROL_END_EXITED, 7};
        assert_int_equal(control_end_exit_status(&e), 7);
        e = (struct control_end){CONTROL_END_KILLED, 9};
        assert_int_equal(control_end_exit_status(&e), 137);
        e = (struct control_end){CONTROL_END_GONE, 9};
        assert_int_equal(control_end_exit_status(&e), 137);
}

static void test_socket_path(void **state) {
        struct sockaddr_un sa;
        assert_int_equal(control_socket_path("deb", sa.sun_path, sizeof(sa.sun_path)), 0);
        assert_string_equal(sa.sun_path, "/run/nspawn/control/deb/socket");
        assert_int_equal(control_socket_path("../x", sa.sun_path, sizeof(sa.sun_path)), -EINVAL);
        assert_int_equal(control_socket_path(".host", sa.sun_path, sizeof(sa.sun_path)), -EINVAL);
        /* the longest machine name fits */
        char name[65];
        memset(name, 'a', 64);
        name[64] = 0;
        assert_int_equal(control_socket_path(name, sa.sun_path, sizeof(sa.sun_path)), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip),   cmocka_unit_test(test_strict),
                cmocka_unit_test(test_too_big),     cmocka_unit_test(test_end_status),
                cmocka_unit_test(test_socket_path),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
