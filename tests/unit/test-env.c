/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "env.h"
#include "macro.h"
#include "settings.h"
#include "strv.h"

static const uint8_t uuid[16] = {
        0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};

/* env_build_base reads the caller's environment: start every test from a known one. */
static int clean_env(void **state) {
        (void) state;
        unsetenv("TERM");
        unsetenv("SYSTEMD_NSPAWN_CONTAINER_SERVICE");
        unsetenv("LANG");
        return 0;
}

static char **build(enum start_mode mode, enum console_mode console, const char *os_release) {
        struct settings s;
        char **env = NULL;

        settings_init(&s);
        s.start_mode = mode;
        assert_int_equal(env_build_base(&s, uuid, console, os_release, &env), 0);
        settings_done(&s);
        assert_non_null(env);
        return env;
}

static void test_base(void **state) {
        (void) state;
        setenv("HOME", "/root/of/caller", 1); /* must not leak */
        _cleanup_strv_free_ char **env = build(START_PID1, CONSOLE_INTERACTIVE, NULL);

        assert_string_equal(strv_env_get(env, "PATH"), DEFAULT_PATH);
        assert_string_equal(strv_env_get(env, "container"), "systemd-nspawn");
        assert_string_equal(strv_env_get(env, "container_uuid"), "01234567-89ab-cdef-fedc-ba9876543210");
        assert_string_equal(strv_env_get(env, "NOTIFY_SOCKET"), "/run/host/notify");
        assert_string_equal(strv_env_get(env, "LANG"), "C.UTF-8");
        assert_null(strv_env_get(env, "TERM"));
        assert_null(strv_env_get(env, "HOME"));
        /* Exactly these: nothing else of the caller's environment. */
        assert_int_equal(strv_length(env), 5);
}

static void test_term(void **state) {
        (void) state;
        _cleanup_strv_free_ char **inter = NULL, **pipe_unset = NULL, **pipe_set = NULL;

        setenv("TERM", "xterm-256color", 1);
        inter = build(START_PID1, CONSOLE_INTERACTIVE, NULL);
        assert_string_equal(strv_env_get(inter, "TERM"), "xterm-256color");
        pipe_set = build(START_PID1, CONSOLE_PIPE, NULL);
        assert_string_equal(strv_env_get(pipe_set, "TERM"), "xterm-256color");

        unsetenv("TERM");
        pipe_unset = build(START_PID1, CONSOLE_PIPE, NULL);
        assert_string_equal(strv_env_get(pipe_unset, "TERM"), "dumb");
}

static void test_lang(void **state) {
        (void) state;
        _cleanup_strv_free_ char **pid2 = build(START_PID2, CONSOLE_READ_ONLY, NULL);
        _cleanup_strv_free_ char **boot = build(START_BOOT, CONSOLE_READ_ONLY, NULL);

        assert_string_equal(strv_env_get(pid2, "LANG"), "C.UTF-8");
        /* With -b the container's init sets its own locale. */
        assert_null(strv_env_get(boot, "LANG"));
        assert_non_null(strv_env_get(boot, "PATH"));
}

static void test_container_service(void **state) {
        (void) state;
        _cleanup_strv_free_ char **set = NULL, **empty = NULL;

        setenv("SYSTEMD_NSPAWN_CONTAINER_SERVICE", "my-manager", 1);
        set = build(START_PID1, CONSOLE_READ_ONLY, NULL);
        assert_string_equal(strv_env_get(set, "container"), "my-manager");

        setenv("SYSTEMD_NSPAWN_CONTAINER_SERVICE", "", 1);
        empty = build(START_PID1, CONSOLE_READ_ONLY, NULL);
        assert_string_equal(strv_env_get(empty, "container"), "systemd-nspawn");
}

static void test_host_os_release(void **state) {
        (void) state;
        static const char os_release[] = "# a comment=with an equals sign\n"
                                         "NAME=\"Debian GNU/Linux\"\n"
                                         "\n"
                                         "ID=debian\n"
                                         "VERSION_ID='12'\n"
                                         "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                                         "no equals sign here\n"
                                         "=novalue\n"
                                         "HOME_URL=https://www.debian.org/\n"
                                         "EMPTY=\n";
        _cleanup_strv_free_ char **env = build(START_PID1, CONSOLE_READ_ONLY, os_release);

        assert_string_equal(strv_env_get(env, "container_host_name"), "Debian GNU/Linux");
        assert_string_equal(strv_env_get(env, "container_host_id"), "debian");
        assert_string_equal(strv_env_get(env, "container_host_version_id"), "12");
        assert_string_equal(strv_env_get(env, "container_host_pretty_name"),
                            "Debian GNU/Linux 12 (bookworm)");
        assert_string_equal(strv_env_get(env, "container_host_home_url"), "https://www.debian.org/");
        assert_string_equal(strv_env_get(env, "container_host_empty"), "");
        /* The comment and the malformed lines are skipped; the base is untouched. */
        STRV_FOREACH(e, env) {
                assert_null(strstr(*e, "comment"));
                assert_null(strstr(*e, "no equals"));
                assert_null(strstr(*e, "novalue"));
        }
        assert_int_equal(strv_length(env), 5 + 6);
        assert_string_equal(strv_env_get(env, "PATH"), DEFAULT_PATH);
}

static void test_finalize(void **state) {
        (void) state;
        _cleanup_strv_free_ char **env = build(START_PID1, CONSOLE_READ_ONLY, NULL);
        char *assignments[] = {"USER=override", "PATH=/custom", "FOO=bar", "FOO=baz", NULL};

        assert_int_equal(env_finalize(&env, "/home/alice", "alice", NULL), 0);
        assert_string_equal(strv_env_get(env, "HOME"), "/home/alice");
        assert_string_equal(strv_env_get(env, "USER"), "alice");
        assert_string_equal(strv_env_get(env, "LOGNAME"), "alice");

        /* -E assignments come last and win, including over PATH and the user's variables. */
        assert_int_equal(env_finalize(&env, "/root", "root", assignments), 0);
        assert_string_equal(strv_env_get(env, "HOME"), "/root");
        assert_string_equal(strv_env_get(env, "USER"), "override");
        assert_string_equal(strv_env_get(env, "LOGNAME"), "root");
        assert_string_equal(strv_env_get(env, "PATH"), "/custom");
        assert_string_equal(strv_env_get(env, "FOO"), "baz");
        /* Replaced, not duplicated. */
        assert_int_equal(strv_length(env), 5 + 3 + 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_base, clean_env),
                cmocka_unit_test_setup(test_term, clean_env),
                cmocka_unit_test_setup(test_lang, clean_env),
                cmocka_unit_test_setup(test_container_service, clean_env),
                cmocka_unit_test_setup(test_host_os_release, clean_env),
                cmocka_unit_test_setup(test_finalize, clean_env),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
