/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "macro.h"
#include "user.h"

/* A passwd and a group file in a temporary directory, never the host's. */
struct files {
        char dir[64];
        char passwd[96];
        char group[96];
        char missing[96];
};

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
        static struct files f;

        snprintf(f.dir, sizeof(f.dir), "/tmp/test-user-XXXXXX");
        assert_non_null(mkdtemp(f.dir));
        snprintf(f.passwd, sizeof(f.passwd), "%s/passwd", f.dir);
        snprintf(f.group, sizeof(f.group), "%s/group", f.dir);
        snprintf(f.missing, sizeof(f.missing), "%s/no-such-group", f.dir);

        write_text(f.passwd, "# comments, blank and broken lines are skipped\n"
                             "\n"
                             "broken line\n"
                             "root:x:0:0:root:/root:/bin/bash\n"
                             "alice:x:1000:1000:Alice:/home/alice:/bin/zsh\n"
                             "bare:x:1001:1002:::\n"
                             "bob:x:2000:2000::/home/bob:/bin/sh\n");
        write_text(f.group, "# comment\n"
                            "root:x:0:\n"
                            "wheel:x:10:bob,alice\n"
                            "audio:x:29:alice,alice\n" /* listed twice in one group */
                            "wheel-alias:x:10:alice\n" /* same GID under another name */
                            "video:x:44:bob\n"         /* not alice's */
                            "alicette:x:45:alicette\n" /* a prefix match must not count */
                            "staff:x:50:carol,alice\n");
        *state = &f;
        return 0;
}

static int teardown(void **state) {
        struct files *f = *state;
        unlink(f->passwd);
        unlink(f->group);
        rmdir(f->dir);
        return 0;
}

static bool has_group(const struct user_record *u, gid_t g) {
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == g)
                        return true;
        return false;
}

static void test_by_name(void **state) {
        struct files *f = *state;
        struct user_record u = {};

        assert_int_equal(user_resolve(f->passwd, f->group, "alice", &u), 0);
        assert_int_equal(u.uid, 1000);
        assert_int_equal(u.gid, 1000);
        assert_string_equal(u.name, "alice");
        assert_string_equal(u.home, "/home/alice");
        assert_string_equal(u.shell, "/bin/zsh");
        user_record_done(&u);
        assert_null(u.name);
        assert_null(u.groups);
        assert_int_equal(u.n_groups, 0);
}

static void test_by_uid(void **state) {
        struct files *f = *state;
        struct user_record u = {};

        assert_int_equal(user_resolve(f->passwd, f->group, "2000", &u), 0);
        assert_string_equal(u.name, "bob");
        assert_int_equal(u.uid, 2000);
        assert_string_equal(u.home, "/home/bob");
        user_record_done(&u);

        assert_int_equal(user_resolve(f->passwd, f->group, "0", &u), 0);
        assert_string_equal(u.name, "root");
        assert_int_equal(u.uid, 0);
        user_record_done(&u);
}

static void test_unknown(void **state) {
        struct files *f = *state;
        struct user_record u = {.uid = 4242};

        assert_int_equal(user_resolve(f->passwd, f->group, "mallory", &u), -ESRCH);
        assert_int_equal(user_resolve(f->passwd, f->group, "4242", &u), -ESRCH);
        assert_int_equal(user_resolve(f->passwd, f->group, "ali", &u), -ESRCH);
        /* ret is written only on success. */
        assert_int_equal(u.uid, 4242);
        assert_null(u.name);

        assert_int_equal(user_resolve(f->missing, f->group, "alice", &u), -ENOENT);
}

static void test_defaults(void **state) {
        struct files *f = *state;
        struct user_record u = {};

        assert_int_equal(user_resolve(f->passwd, f->group, "bare", &u), 0);
        assert_int_equal(u.uid, 1001);
        assert_int_equal(u.gid, 1002);
        assert_string_equal(u.home, "/");
        assert_string_equal(u.shell, "/bin/sh");
        /* The primary group is always among the supplementary groups (as getent initgroups). */
        assert_int_equal(u.n_groups, 1);
        assert_true(has_group(&u, 1002));
        user_record_done(&u);
}

static void test_groups(void **state) {
        struct files *f = *state;
        struct user_record u = {};

        assert_int_equal(user_resolve(f->passwd, f->group, "alice", &u), 0);
        /* The primary group 1000, wheel (10, twice via the alias), audio (29, listed twice),
         * staff (50): each once. */
        assert_int_equal(u.n_groups, 4);
        assert_true(has_group(&u, 1000));
        assert_true(has_group(&u, 10));
        assert_true(has_group(&u, 29));
        assert_true(has_group(&u, 50));
        assert_false(has_group(&u, 44));
        assert_false(has_group(&u, 45));
        user_record_done(&u);

        assert_int_equal(user_resolve(f->passwd, f->group, "bob", &u), 0);
        assert_int_equal(u.n_groups, 3);
        assert_true(has_group(&u, 10));
        assert_true(has_group(&u, 44));
        user_record_done(&u);
}

static void test_missing_group_file(void **state) {
        struct files *f = *state;
        struct user_record u = {};

        assert_int_equal(user_resolve(f->passwd, f->missing, "alice", &u), 0);
        assert_string_equal(u.name, "alice");
        assert_int_equal(u.n_groups, 1);
        assert_true(has_group(&u, 1000));
        user_record_done(&u);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_by_name), cmocka_unit_test(test_by_uid),
                cmocka_unit_test(test_unknown), cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_groups),  cmocka_unit_test(test_missing_group_file),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
