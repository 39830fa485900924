/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/personality.h>

#include "macro.h"
#include "name-valid.h"
#include "parse-util.h"
#include "path-util.h"
#include "proc-names.h"
#include "uuid.h"
#include "strv.h"

static void test_boolean(void **state) {
        const char *yes[] = {"1", "yes", "YES", "y", "true", "True", "t", "on", "ON"};
        const char *no[] = {"0", "no", "No", "n", "false", "f", "off", "OFF"};
        const char *bad[] = {"", "2", "yess", "enable", " yes", "of"};

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                assert_int_equal(parse_boolean(yes[i]), 1);
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                assert_int_equal(parse_boolean(no[i]), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(parse_boolean(bad[i]), -EINVAL);
        assert_int_equal(parse_boolean(NULL), -EINVAL);
}

static void test_ints(void **state) {
        int i = 7;
        uint32_t u = 7;
        uint16_t port;

        assert_int_equal(parse_int("-1000", &i), 0);
        assert_int_equal(i, -1000);
        assert_int_equal(parse_int("+12", &i), 0);
        assert_int_equal(i, 12);
        assert_int_equal(parse_int("2147483648", &i), -ERANGE);
        assert_int_equal(parse_int("", &i), -EINVAL);
        assert_int_equal(parse_int(" 1", &i), -EINVAL);
        assert_int_equal(parse_int("1x", &i), -EINVAL);
        assert_int_equal(i, 12); /* untouched on failure */

        assert_int_equal(parse_uint32("4294967295", &u), 0);
        assert_int_equal(u, UINT32_MAX);
        assert_int_equal(parse_uint32("4294967296", &u), -ERANGE);
        assert_int_equal(parse_uint32("-1", &u), -EINVAL);

        assert_int_equal(parse_port("80", &port), 0);
        assert_int_equal(port, 80);
        assert_int_equal(parse_port("0", &port), -ERANGE);
        assert_int_equal(parse_port("65536", &port), -ERANGE);
}

static void test_signals(void **state) {
        char buf[16];

        assert_int_equal(signal_from_string("SIGTERM"), SIGTERM);
        assert_int_equal(signal_from_string("TERM"), SIGTERM);
        assert_int_equal(signal_from_string("15"), 15);
        assert_int_equal(signal_from_string("SIGUSR2"), SIGUSR2);
        assert_int_equal(signal_from_string("SIGRTMIN+3"), SIGRTMIN + 3);
        assert_int_equal(signal_from_string("RTMIN+3"), SIGRTMIN + 3);
        assert_int_equal(signal_from_string("SIGRTMIN"), SIGRTMIN);
        assert_int_equal(signal_from_string("SIGRTMAX"), SIGRTMAX);
        assert_int_equal(signal_from_string("SIGRTMAX-1"), SIGRTMAX - 1);
        assert_int_equal(signal_from_string("64"), SIGRTMAX);
        assert_int_equal(signal_from_string("SIGRTMIN+30"), SIGRTMIN + 30);

        assert_int_equal(signal_from_string("SIGRTMIN+31"), -EINVAL);
        assert_int_equal(signal_from_string("65"), -EINVAL);
        assert_int_equal(signal_from_string("0"), -EINVAL);
        assert_int_equal(signal_from_string("term"), -EINVAL);
        assert_int_equal(signal_from_string("SIGFOO"), -EINVAL);
        assert_int_equal(signal_from_string("RTMIN+"), -EINVAL);
        assert_int_equal(signal_from_string("RTMIN-1"), -EINVAL);
        assert_int_equal(signal_from_string(""), -EINVAL);

        assert_string_equal(signal_to_string(SIGTERM, buf, sizeof(buf)), "SIGTERM");
        assert_string_equal(signal_to_string(SIGRTMIN + 3, buf, sizeof(buf)), "SIGRTMIN+3");
        assert_null(signal_to_string(0, buf, sizeof(buf)));

        /* Every signal's name parses back to it. */
        for (int sig = 1; sig <= SIGRTMAX; sig++) {
                const char *n = signal_to_string(sig, buf, sizeof(buf));
                if (!n)
                        continue;
                assert_int_equal(signal_from_string(n), sig);
        }
}

static void test_rlimits(void **state) {
        struct rlimit rl = {};

        assert_int_equal(rlimit_from_string("NOFILE"), RLIMIT_NOFILE);
        assert_int_equal(rlimit_from_string("RLIMIT_NOFILE"), RLIMIT_NOFILE);
        assert_int_equal(rlimit_from_string("RTTIME"), RLIMIT_RTTIME);
        assert_int_equal(rlimit_from_string("nofile"), -EINVAL);
        assert_int_equal(rlimit_from_string("FOO"), -EINVAL);
        for (int r = 0; r < RLIMIT_NLIMITS; r++)
                assert_int_equal(rlimit_from_string(rlimit_to_string(r)), r);
        assert_null(rlimit_to_string(RLIMIT_NLIMITS));

        assert_int_equal(parse_rlimit_value("5", &rl), 0);
        assert_int_equal(rl.rlim_cur, 5);
        assert_int_equal(rl.rlim_max, 5);
        assert_int_equal(parse_rlimit_value("5:infinity", &rl), 0);
        assert_int_equal(rl.rlim_cur, 5);
        assert_true(rl.rlim_max == RLIM_INFINITY);
        assert_int_equal(parse_rlimit_value("infinity", &rl), 0);
        assert_true(rl.rlim_cur == RLIM_INFINITY);
        assert_int_equal(parse_rlimit_value("5:4", &rl), -EINVAL);
        assert_int_equal(parse_rlimit_value("infinity:5", &rl), -EINVAL);
        assert_int_equal(parse_rlimit_value("", &rl), -EINVAL);
        assert_int_equal(parse_rlimit_value("x", &rl), -EINVAL);
        assert_int_equal(parse_rlimit_value("1:", &rl), -EINVAL);
        assert_int_equal(parse_rlimit_value("-1", &rl), -EINVAL);
}

static void test_uuid(void **state) {
        static const uint8_t expect[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                           0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
        uint8_t u[16], v[16];
        char buf[37], plain[33];

        assert_int_equal(uuid_parse("0123456789abcdef0123456789ABCDEF", u), 0);
        assert_memory_equal(u, expect, 16);
        assert_int_equal(uuid_parse("01234567-89ab-cdef-0123-456789abcdef", u), 0);
        assert_memory_equal(u, expect, 16);
        uuid_format(u, buf);
        assert_string_equal(buf, "01234567-89ab-cdef-0123-456789abcdef");
        uuid_format_plain(u, plain);
        assert_string_equal(plain, "0123456789abcdef0123456789abcdef");

        assert_int_equal(uuid_parse("0123456789ab-cdef-0123-456789abcdef", u), -EINVAL);
        assert_int_equal(uuid_parse("0123456789abcdef0123456789abcde", u), -EINVAL);
        assert_int_equal(uuid_parse("0123456789abcdef0123456789abcdeg", u), -EINVAL);
        assert_int_equal(uuid_parse("00000000000000000000000000000000", u), -EINVAL);
        assert_int_equal(uuid_parse("00000000-0000-0000-0000-000000000000", u), -EINVAL);

        assert_int_equal(uuid_random(u), 0);
        assert_int_equal(uuid_random(v), 0);
        assert_memory_not_equal(u, v, 16);
        assert_int_equal(u[6] >> 4, 4);      /* version 4 */
        assert_int_equal(u[8] & 0xc0, 0x80); /* RFC 4122 variant */
        uuid_format(u, buf);
        assert_int_equal(uuid_parse(buf, v), 0);
        assert_memory_equal(u, v, 16);
}

static void test_cpu_set(void **state) {
        cpu_set_t *set = NULL;
        size_t size = 0;

        assert_int_equal(parse_cpu_set("0-3,6 8", &set, &size), 0);
        assert_non_null(set);
        for (int c = 0; c <= 8; c++)
                assert_int_equal(!!CPU_ISSET_S(c, size, set), c <= 3 || c == 6 || c == 8);
        assert_int_equal(CPU_COUNT_S(size, set), 6);
        CPU_FREE(set);

        assert_int_equal(parse_cpu_set("8191", &set, &size), 0);
        assert_true(CPU_ISSET_S(8191, size, set));
        CPU_FREE(set);

        assert_int_equal(parse_cpu_set("", &set, &size), 0);
        assert_null(set);
        assert_int_equal(size, 0);

        assert_int_equal(parse_cpu_set("8192", &set, &size), -ERANGE);
        assert_int_equal(parse_cpu_set("3-1", &set, &size), -EINVAL);
        assert_int_equal(parse_cpu_set("a", &set, &size), -EINVAL);
        assert_int_equal(parse_cpu_set("1-", &set, &size), -EINVAL);
}

static void test_personality(void **state) {
        unsigned long p = 0;

#if defined(__x86_64__)
        assert_int_equal(personality_from_string("x86", &p), 0);
        assert_int_equal(p, PER_LINUX32);
        assert_int_equal(personality_from_string("x86-64", &p), 0);
        assert_int_equal(p, PER_LINUX);
        assert_int_equal(personality_from_string("arm64", &p), -EINVAL);
#endif
        assert_int_equal(personality_from_string("bogus", &p), -EINVAL);
        assert_int_equal(personality_from_string("", &p), -EINVAL);
}

static void test_hostname(void **state) {
        char long64[65], long65[66];

        memset(long64, 'a', 64);
        long64[64] = 0;
        memset(long65, 'a', 65);
        long65[65] = 0;

        assert_true(hostname_is_valid("foo"));
        assert_true(hostname_is_valid("foo.bar"));
        assert_true(hostname_is_valid("a-b.c0"));
        assert_true(hostname_is_valid("FOO"));
        assert_true(hostname_is_valid(long64));
        assert_false(hostname_is_valid(long65));
        assert_false(hostname_is_valid(""));
        assert_false(hostname_is_valid("-foo"));
        assert_false(hostname_is_valid("foo-"));
        assert_false(hostname_is_valid("a.-b"));
        assert_false(hostname_is_valid("a_b"));
        assert_false(hostname_is_valid("a."));
        assert_false(hostname_is_valid(".a"));
        assert_false(hostname_is_valid("a..b"));
        assert_false(hostname_is_valid("a b"));
        assert_false(hostname_is_valid("a/b"));

        assert_true(machine_name_is_valid("foo.bar"));
        assert_true(machine_name_is_valid(long64));
        assert_false(machine_name_is_valid(long65));
        assert_false(machine_name_is_valid("."));
        assert_false(machine_name_is_valid(".."));
        assert_false(machine_name_is_valid("a/b"));
        assert_false(machine_name_is_valid(""));
}

/* systemd's parse_size(): suffixes of base, fractions, several parts added. */
static void test_size(void **state) {
        uint64_t v;
        assert_int_equal(parse_size("0", 1024, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(parse_size("512", 1024, &v), 0);
        assert_int_equal(v, 512);
        assert_int_equal(parse_size("512B", 1024, &v), 0);
        assert_int_equal(v, 512);
        assert_int_equal(parse_size("16K", 1024, &v), 0);
        assert_int_equal(v, 16384);
        assert_int_equal(parse_size("1.5G", 1024, &v), 0);
        assert_int_equal(v, UINT64_C(1610612736));
        assert_int_equal(parse_size("1G 512M", 1024, &v), 0);
        assert_int_equal(v, UINT64_C(1610612736));
        assert_int_equal(parse_size("10M", 1000, &v), 0);
        assert_int_equal(v, 10000000);
        assert_int_equal(parse_size(" 2 M", 1024, &v), 0);
        assert_int_equal(v, 2 * 1024 * 1024);
        assert_int_equal(parse_size("16E", 1024, &v), -ERANGE);
        assert_int_equal(parse_size("-1", 1024, &v), -ERANGE);
        assert_int_equal(parse_size("", 1024, &v), -EINVAL);
        assert_int_equal(parse_size("1X", 1024, &v), -EINVAL);
        assert_int_equal(parse_size("1m", 1024, &v), -EINVAL);
        assert_int_equal(parse_size("G", 1024, &v), -EINVAL);
}

static void test_names(void **state) {
        assert_true(ifname_is_valid("eth0"));
        assert_true(ifname_is_valid("abcdefghijklmno"));
        assert_false(ifname_is_valid("abcdefghijklmnop"));
        assert_false(ifname_is_valid("12345"));
        assert_false(ifname_is_valid("eth0:foo"));
        assert_false(ifname_is_valid("a/b"));
        assert_false(ifname_is_valid("a b"));
        assert_false(ifname_is_valid(""));

        assert_true(env_name_is_valid("FOO_1"));
        assert_true(env_name_is_valid("_x"));
        assert_false(env_name_is_valid("1FOO"));
        assert_false(env_name_is_valid("FO-O"));
        assert_false(env_name_is_valid(""));
        assert_true(env_assignment_is_valid("FOO="));
        assert_true(env_assignment_is_valid("FOO=a=b"));
        assert_false(env_assignment_is_valid("FOO"));
        assert_false(env_assignment_is_valid("=x"));
        assert_false(env_assignment_is_valid("1FOO=x"));

        assert_true(user_name_is_valid("root"));
        assert_true(user_name_is_valid("1000"));
        assert_false(user_name_is_valid("-root"));
        assert_false(user_name_is_valid("a:b"));
        assert_false(user_name_is_valid("a/b"));
        assert_false(user_name_is_valid(".."));

        /* image names as machinectl takes them: spaces, long names, hidden ones */
        assert_true(image_name_is_valid("bb1"));
        assert_true(image_name_is_valid(".hid"));
        assert_true(image_name_is_valid("a b"));
        assert_true(image_name_is_valid("ünïcode"));
        assert_true(image_name_is_valid(
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert_false(image_name_is_valid("bad/n"));
        assert_false(image_name_is_valid(".#tmp"));
        assert_false(image_name_is_valid(".."));
        assert_false(image_name_is_valid(""));
        assert_false(image_name_is_valid("tab\there"));
        assert_false(image_name_is_valid("del\x7f"));
        assert_false(image_name_is_valid("bad\xff"));
        assert_false(image_name_is_valid("\xc0\xaf"));     /* overlong "/" */
        assert_false(image_name_is_valid("\xed\xa0\x80")); /* a surrogate */

        assert_true(filename_is_valid("foo"));
        assert_false(filename_is_valid("a/b"));
        assert_false(filename_is_valid(".."));
        assert_false(filename_is_valid(""));
}

/* path_split_last() as systemd's path_extract_filename()/path_extract_directory(). */
static void split_one(const char *p, const char *dir, const char *name, int r) {
        char *d = NULL, *n = NULL;

        assert_int_equal(path_split_last(p, dir || r == -EDESTADDRREQ ? &d : NULL, &n), r);
        if (r < 0) {
                assert_null(d);
                assert_null(n);
                return;
        }
        if (dir)
                assert_string_equal(d, dir);
        assert_string_equal(n, name);
        free(d);
        free(n);
}

static void test_split_last(void **state) {
        char long_name[300];

        split_one("/a/b/c", "/a/b", "c", 0);
        split_one("/a/b/c/", "/a/b", "c", 0);
        split_one("/a", "/", "a", 0);
        split_one("/////////////a/////////", "/", "a", 0);
        split_one("/a//./.", "/", "a", 0);
        split_one("/foo/bar/.", "/foo", "bar", 0);
        split_one("a/b", "a", "b", 0);
        split_one("a/", NULL, "a", 0);
        split_one("a", NULL, NULL, -EDESTADDRREQ);
        split_one("/a/.b", "/a", ".b", 0);
        split_one("/a/...", "/a", "...", 0);
        split_one("/", NULL, NULL, -EADDRNOTAVAIL);
        split_one("//", NULL, NULL, -EADDRNOTAVAIL);
        split_one("/.", NULL, NULL, -EADDRNOTAVAIL);
        split_one("./.", NULL, NULL, -EADDRNOTAVAIL);
        split_one("", NULL, NULL, -EINVAL);
        split_one(NULL, NULL, NULL, -EINVAL);
        split_one("/..", NULL, NULL, -EINVAL);
        split_one("/a/../", NULL, NULL, -EINVAL);
        memset(long_name, 'x', sizeof(long_name));
        long_name[0] = '/';
        long_name[sizeof(long_name) - 1] = 0;
        split_one(long_name, NULL, NULL, -EINVAL); /* a name longer than NAME_MAX */
}

static void test_paths(void **state) {
        char a[] = "//a/./b//c/", b[] = "/", c[] = "a/./b/", d[] = "/a/../b", e[] = "./";
        char *abs = NULL;

        assert_true(path_is_absolute("/a"));
        assert_false(path_is_absolute("a"));
        assert_false(path_is_absolute(NULL));

        assert_true(path_is_normalized("/"));
        assert_true(path_is_normalized("/a/b"));
        assert_true(path_is_normalized("/a/.b/..c"));
        assert_false(path_is_normalized("a/b"));
        assert_false(path_is_normalized("/a/"));
        assert_false(path_is_normalized("/a//b"));
        assert_false(path_is_normalized("/a/./b"));
        assert_false(path_is_normalized("/a/../b"));
        assert_false(path_is_normalized("/.."));

        assert_string_equal(path_simplify(a), "/a/b/c");
        assert_string_equal(path_simplify(b), "/");
        assert_string_equal(path_simplify(c), "a/b");
        assert_string_equal(path_simplify(d), "/a/../b");
        assert_string_equal(path_simplify(e), ".");

        assert_int_equal(path_make_absolute_cwd("/x//y/", &abs), 0);
        assert_string_equal(abs, "/x/y");
        free(abs);
        assert_int_equal(chdir("/tmp"), 0);
        assert_int_equal(path_make_absolute_cwd("x/./y", &abs), 0);
        assert_string_equal(abs, "/tmp/x/y");
        free(abs);
        assert_int_equal(path_make_absolute_cwd("", &abs), -EINVAL);
}

static void test_extract_word(void **state) {
        const char *p = "a\\:b::c";
        char *w;

        assert_int_equal(extract_word(&p, ":", &w), 1);
        assert_string_equal(w, "a:b");
        free(w);
        assert_int_equal(extract_word(&p, ":", &w), 1);
        assert_string_equal(w, "");
        free(w);
        assert_int_equal(extract_word(&p, ":", &w), 1);
        assert_string_equal(w, "c");
        free(w);
        assert_null(p);
        assert_int_equal(extract_word(&p, ":", &w), 0);

        p = "x:";
        assert_int_equal(extract_word(&p, ":", &w), 1);
        assert_string_equal(w, "x");
        assert_string_equal(p, "");
        free(w);

        p = "bad\\";
        assert_int_equal(extract_word(&p, ":", &w), -EINVAL);
}

static void test_split_quoted(void **state) {
        char **l = NULL;

        assert_int_equal(split_quoted("  a 'b c' \"d \\\"e\\\"\" f\\ g  ", &l), 0);
        assert_int_equal(strv_length(l), 4);
        assert_string_equal(l[0], "a");
        assert_string_equal(l[1], "b c");
        assert_string_equal(l[2], "d \"e\"");
        assert_string_equal(l[3], "f g");
        strv_free(l);

        assert_int_equal(split_quoted("FOO='x y'z", &l), 0);
        assert_int_equal(strv_length(l), 1);
        assert_string_equal(l[0], "FOO=x yz");
        strv_free(l);

        assert_int_equal(split_quoted("", &l), 0);
        assert_int_equal(strv_length(l), 0);
        strv_free(l);

        assert_int_equal(split_quoted("'unbalanced", &l), -EINVAL);
        assert_int_equal(split_quoted("trailing\\", &l), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_boolean),      cmocka_unit_test(test_ints),
                cmocka_unit_test(test_signals),      cmocka_unit_test(test_rlimits),
                cmocka_unit_test(test_uuid),         cmocka_unit_test(test_cpu_set),
                cmocka_unit_test(test_personality),  cmocka_unit_test(test_hostname),
                cmocka_unit_test(test_names),        cmocka_unit_test(test_paths),
                cmocka_unit_test(test_split_last),   cmocka_unit_test(test_extract_word),
                cmocka_unit_test(test_split_quoted), cmocka_unit_test(test_size),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
