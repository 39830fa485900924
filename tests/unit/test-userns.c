/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "bind-user.h"
#include "fdutil.h"
#include "macro.h"
#include "test-util.h"
#include "tree-shift.h"
#include "uid-lease.h"
#include "userns-map.h"

TEST_SCRATCH_DIR(dir, "/tmp/test-userns-XXXXXX");

static const char *at(const char *rel) {
        static char buf[4][256];
        static int i;
        i = (i + 1) % 4;
        snprintf(buf[i], sizeof buf[i], "%s/%s", dir, rel);
        return buf[i];
}

static void put(const char *rel, const char *text) {
        assert_int_equal(write_file_at(AT_FDCWD, at(rel), text, 0644), 0);
}

/* ---- maps ---- */

static void test_map_format_check(void **state) {
        struct userns_map m = {};
        const char *reason = NULL;
        char buf[256];

        assert_int_equal(userns_map_add(&m, 0, 1879048192, 65536), 0);
        assert_int_equal(userns_map_format(&m, buf, sizeof buf), (int) strlen("0 1879048192 65536\n"));
        assert_string_equal(buf, "0 1879048192 65536\n");
        assert_true(userns_map_is_single(&m, 1879048192, 65536));
        assert_int_equal(userns_map_to_outside(&m, 5), 1879048197);
        assert_int_equal(userns_map_to_outside(&m, 65536), UINT32_MAX);
        assert_int_equal(userns_map_to_inside(&m, 1879048192 + 65535), 65535);
        assert_int_equal(userns_map_to_inside(&m, 0), UINT32_MAX);
        assert_int_equal(userns_map_check(&m, &reason), 0);
        assert_int_equal(userns_map_format(&m, buf, 5), -ENOBUFS);

        assert_int_equal(userns_map_add(&m, 0, 0, 0), -EINVAL);
        assert_int_equal(userns_map_add(&m, UINT32_MAX, 0, 2), -EINVAL);
        /* overlaps inside, then outside */
        assert_int_equal(userns_map_add(&m, 100, 5, 1), 0);
        assert_int_equal(userns_map_check(&m, &reason), -EINVAL);
        assert_non_null(strstr(reason, "inside"));
        m.r[1] = (struct userns_range){70000, 1879048192 + 10, 1};
        assert_int_equal(userns_map_check(&m, &reason), -EINVAL);
        assert_non_null(strstr(reason, "host"));
        m.r[1] = (struct userns_range){70000, 5, 1};
        assert_int_equal(userns_map_check(&m, &reason), 0);
}

static void test_map_punch(void **state) {
        struct userns_map m = {};
        const char *reason = NULL;

        assert_int_equal(userns_map_add(&m, 0, 1000000, 65536), 0);
        assert_int_equal(userns_map_punch(&m, 60514, 1000), 0);
        assert_int_equal(m.n, 3);
        assert_int_equal(userns_map_check(&m, &reason), 0);
        assert_int_equal(userns_map_to_outside(&m, 60514), 1000);
        assert_int_equal(userns_map_to_outside(&m, 60513), 1000000 + 60513);
        assert_int_equal(userns_map_to_outside(&m, 60515), 1000000 + 60515);
        assert_int_equal(userns_map_to_outside(&m, 0), 1000000);
        assert_int_equal(userns_map_to_outside(&m, 65535), 1000000 + 65535);
        /* at the edges: no empty pieces */
        assert_int_equal(userns_map_punch(&m, 0, 2000), 0);
        assert_int_equal(userns_map_to_outside(&m, 0), 2000);
        assert_int_equal(userns_map_to_outside(&m, 1), 1000001);
        assert_int_equal(userns_map_check(&m, &reason), 0);
        /* outside every range: a line of its own */
        size_t n = m.n;
        assert_int_equal(userns_map_punch(&m, 70000, 3000), 0);
        assert_int_equal(m.n, n + 1);
}

static void test_map_parse_line(void **state) {
        struct userns_map u = {}, g = {};
        const char *reason = NULL;

        assert_int_equal(userns_map_parse_line("b:0:100000:65536", &u, &g, &reason), 0);
        assert_int_equal(userns_map_parse_line("u:65536:1000:1", &u, &g, &reason), 0);
        assert_int_equal(userns_map_parse_line("g:65536:1001:1", &u, &g, &reason), 0);
        assert_int_equal(u.n, 2);
        assert_int_equal(g.n, 2);
        assert_int_equal(u.r[1].outside, 1000);
        assert_int_equal(g.r[1].outside, 1001);
        static const char *const bad[] = {"",        "x:0:0:1",   "u:0:0",  "u:0:0:0",
                                          "u:a:0:1", "u:0:0:1:2", "u::0:1", "u:4294967295:0:2",
                                          "u0:0:1",  "u:0:0:-1"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                reason = NULL;
                if (userns_map_parse_line(bad[i], &u, &g, &reason) != -EINVAL || !reason)
                        fail_msg("'%s' accepted", bad[i]);
        }
}

static void test_map_argv(void **state) {
        struct userns_map m = {};
        char nums[6][11];
        char *argv[7];

        assert_int_equal(userns_map_add(&m, 0, 1000, 1), 0);
        assert_int_equal(userns_map_add(&m, 1, 100000, 65536), 0);
        userns_map_to_argv(&m, nums, argv);
        assert_string_equal(argv[0], "0");
        assert_string_equal(argv[1], "1000");
        assert_string_equal(argv[4], "100000");
        assert_string_equal(argv[5], "65536");
        assert_null(argv[6]);
}

static void test_subid(void **state) {
        struct userns_range r[4];
        size_t n;

        put("subuid", "alice:100000:65536\n1001:300000:10\nbob:200000:65536\n"
                      "alice:bad:1\nalice:500000:0\nalice:400000:1000\n");
        assert_int_equal(userns_subid_ranges(at("subuid"), "alice", 1001, r, 4, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(r[0].outside, 100000);
        assert_int_equal(r[0].count, 65536);
        assert_int_equal(r[1].outside, 300000); /* by uid */
        assert_int_equal(r[2].outside, 400000);
        assert_int_equal(userns_subid_ranges(at("none"), "alice", 1001, r, 4, &n), 0);
        assert_int_equal(n, 0);
}

/* ---- pick ---- */

static struct uid_pick_files files(void) {
        static char p[5][256];
        static const char *const names[5] = {"passwd", "group", "subuid2", "subgid2", "leases"};
        for (size_t i = 0; i < 5; i++)
                snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
        return (struct uid_pick_files){
                .passwd = p[0], .group = p[1], .subuid = p[2], .subgid = p[3], .lease_dir = p[4]};
}

static void test_pick_checks(void **state) {
        struct uid_pick_files f = files();

        put("passwd", "root:x:0:0::/root:/bin/sh\nsvc:x:1879113727:100::/:/bin/false\n");
        put("group", "root:x:0:\nbig:x:1610612741:\n");
        put("subuid2", "alice:1342177280:65536\n");
        put("subgid2", "");
        assert_false(uid_range_in_use(&f, 1073741824, 0x10000));
        assert_true(uid_range_in_use(&f, 1879048192, 0x10000));          /* a user, at base + 0xFFFF */
        assert_true(uid_range_in_use(&f, 1610612736, 0x10000));          /* a group */
        assert_true(uid_range_in_use(&f, 1342177280 - 0x8000, 0x10000)); /* a subordinate range */
        assert_false(uid_range_in_use(&f, 1342177280 + 0x10000, 0x10000));

        assert_true(uid_pick_candidate_valid(0x00080000));
        assert_true(uid_pick_candidate_valid(0x6FFF0000));
        assert_false(uid_pick_candidate_valid(0x70000000));
        assert_false(uid_pick_candidate_valid(0x00070000));
        assert_false(uid_pick_candidate_valid(0x00080001));
        assert_false(uid_pick_candidate_valid(0));
        uint32_t c = uid_pick_from_name("debian");
        assert_true(uid_pick_candidate_valid(c));
        assert_int_equal(c, uid_pick_from_name("debian"));
        assert_int_not_equal(c, uid_pick_from_name("debian2"));
}

/* Leases are exclusive (also within one process: an OFD lock belongs to its open file), the
 * preferred base comes first, and a file nobody holds is taken over. */
static void test_pick_lease(void **state) {
        struct uid_pick_files f = files();
        struct uid_lease a = UID_LEASE_INIT, b = UID_LEASE_INIT, c = UID_LEASE_INIT;
        char name[64];

        put("passwd", "root:x:0:0::/root:/bin/sh\n");
        put("group", "root:x:0:\n");
        put("subuid2", "");
        put("subgid2", "");
        assert_int_equal(uid_lease_pick(&f, 0x10000000, "m", NULL, &a), 0);
        assert_int_equal(a.base, 0x10000000);
        assert_int_equal(uid_lease_pick(&f, 0x10000000, "m", NULL, &b), 0);
        assert_int_not_equal(b.base, a.base);
        assert_int_equal(b.base, uid_pick_from_name("m"));
        snprintf(name, sizeof name, "leases/%u", a.base);
        assert_int_equal(access(at(name), F_OK), 0);

        /* a's file stays (its guard is gone too): unlocked once closed, so the next pick takes it */
        uid_lease_done(&a);
        assert_int_equal(uid_lease_pick(&f, 0x10000000, "m", NULL, &c), 0);
        assert_int_equal(c.base, 0x10000000);
        uid_lease_done(&b);
        uid_lease_done(&c);

        /* a base in use by a user is never picked, even when preferred */
        put("passwd", "root:x:0:0::/root:/bin/sh\nu:x:268435457:0::/:/bin/sh\n");
        assert_int_equal(uid_lease_pick(&f, 0x10000000, "m", NULL, &a), 0);
        assert_int_not_equal(a.base, 0x10000000);
        uid_lease_done(&a);
}

/* ---- chown ---- */

static void test_shift_id(void **state) {
        assert_int_equal(tree_shift_id(0, 0, 0x10000000, 0x10000), 0x10000000);
        assert_int_equal(tree_shift_id(65534, 0, 0x10000000, 0x10000), 0x10000000 + 65534);
        assert_int_equal(tree_shift_id(0x20000005, 0x20000000, 0x10000000, 0x10000), 0x10000005);
        /* outside the old range: its low 16 bits (systemd-nspawn's patch uid) */
        assert_int_equal(tree_shift_id(0x30000007, 0x20000000, 0x10000000, 0x10000), 0x10000007);
        /* beyond a short range: left alone */
        assert_int_equal(tree_shift_id(2000, 0, 0x10000000, 1000), 2000);
        assert_int_equal(tree_shift_id(UINT32_MAX, 0, 0x10000000, 0x10000), UINT32_MAX);
}

static void test_shift_acl(void **state) {
        /* version 2; USER_OBJ; USER 1000; GROUP 0x20000003; MASK; OTHER */
        uint8_t acl[4 + 5 * 8] = {};
        uint32_t v = 2, id;
        uint16_t tags[] = {0x01, 0x02, 0x08, 0x10, 0x20};
        uint32_t ids[] = {UINT32_MAX, 1000, 0x20000003, UINT32_MAX, UINT32_MAX};

        memcpy(acl, &v, 4);
        for (size_t i = 0; i < 5; i++) {
                memcpy(acl + 4 + 8 * i, &tags[i], 2);
                memcpy(acl + 4 + 8 * i + 4, &ids[i], 4);
        }
        assert_int_equal(tree_shift_acl(acl, sizeof acl, 0x20000000, 0x10000000, 0x10000), 0);
        memcpy(&id, acl + 4 + 8 + 4, 4);
        assert_int_equal(id, 0x10000000 + 1000);
        memcpy(&id, acl + 4 + 16 + 4, 4);
        assert_int_equal(id, 0x10000003);
        memcpy(&id, acl + 4 + 4, 4);
        assert_int_equal(id, UINT32_MAX); /* USER_OBJ has no id */
        assert_int_equal(tree_shift_acl(acl, 7, 0, 1, 1), -EBADMSG);
        v = 1;
        memcpy(acl, &v, 4);
        assert_int_equal(tree_shift_acl(acl, sizeof acl, 0, 1, 1), -EBADMSG);
}

/* A real tree (as root): owners shifted, setuid bit and file capabilities kept, the root last,
 * a symlink changed itself and never followed, a second run a no-op. */
static void test_shift_tree(void **state) {
        struct stat st;
        int fd;

        if (geteuid() != 0)
                skip();
        assert_int_equal(mkdir(at("t"), 0755), 0);
        assert_int_equal(mkdir(at("t/d"), 0700), 0);
        put("t/d/f", "x");
        put("t/suid", "x");
        put("outside", "x");
        assert_int_equal(chmod(at("t/suid"), 04755), 0);
        assert_int_equal(chown(at("t/d/f"), 1000, 1001), 0);
        assert_int_equal(symlink(at("outside"), at("t/link")), 0);
        /* cap_net_raw+ep, a v2 capability */
        uint32_t caps[5] = {0x02000001, 1u << 13, 0, 0, 0};
        bool have_caps = setxattr(at("t/suid"), "security.capability", caps, sizeof caps, 0) == 0;

        fd = open(at("t"), O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(tree_shift(fd, 0, 0x10000000, 0x10000), 0);
        uint32_t base;
        assert_int_equal(tree_base(fd, &base), 0);
        assert_int_equal(base, 0x10000000);

        assert_int_equal(stat(at("t/d/f"), &st), 0);
        assert_int_equal(st.st_uid, 0x10000000 + 1000);
        assert_int_equal(st.st_gid, 0x10000000 + 1001);
        assert_int_equal(stat(at("t/suid"), &st), 0);
        assert_int_equal(st.st_mode & 07777, 04755);
        assert_int_equal(lstat(at("t/link"), &st), 0);
        assert_int_equal(st.st_uid, 0x10000000);
        assert_int_equal(stat(at("outside"), &st), 0);
        assert_int_equal(st.st_uid, 0); /* not followed */
        if (have_caps) {
                uint32_t got[5] = {};
                assert_int_equal(getxattr(at("t/suid"), "security.capability", got, sizeof got), sizeof got);
                assert_int_equal(got[1], 1u << 13);
        }
        /* and back */
        assert_int_equal(tree_shift(fd, 0x10000000, 0, 0x10000), 0);
        assert_int_equal(stat(at("t/d/f"), &st), 0);
        assert_int_equal(st.st_uid, 1000);
        close(fd);
}

/* ---- --bind-user ---- */

static void test_bind_user(void **state) {
        struct bind_user_files f;
        struct bind_user *u = NULL;
        size_t n = 0;
        char *error = NULL, *user = NULL, *group = NULL, hp[256], hg[256];
        int tree;

        snprintf(hp, sizeof hp, "%s/hpasswd", dir);
        snprintf(hg, sizeof hg, "%s/hgroup", dir);
        f = (struct bind_user_files){.passwd = hp, .group = hg};
        put("hpasswd", "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n"
                       "alice:x:1000:1000:Alice:/home/alice:/bin/sh\nbob:x:1001:100::/home/bob:/bin/sh\n"
                       "svc:x:900:900::/var/svc:/bin/false\nin:x:1879048200:1879048200::/:/bin/sh\n"
                       "dup:x:1002:1002::/:/bin/sh\n");
        put("hgroup", "root:x:0:\nusers:x:100:\nalice:x:1000:\nsvc:x:900:\nin:x:1879048200:\ndup:x:1002:\n");
        assert_int_equal(mkdir(at("tree"), 0755), 0);
        assert_int_equal(mkdir(at("tree/etc"), 0755), 0);
        put("tree/etc/passwd",
            "root:x:0:0::/root:/bin/sh\ntaken:x:60514:60514::/:/bin/sh\ndup:x:5:5::/:/bin/sh\n");
        put("tree/etc/group", "root:x:0:\nt2:x:60515:\n");
        tree = open(at("tree"), O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(tree >= 0);

        char *ok[] = {(char *) "alice", (char *) "svc", NULL};
        assert_int_equal(bind_users_resolve(ok, &f, tree, 1879048192, 65536, &u, &n, &error), 0);
        assert_int_equal(n, 2);
        assert_int_equal(u[0].uid, 60516); /* 60514 is a user of the tree, 60515 a group */
        assert_int_equal(u[1].uid, 60517);
        assert_int_equal(u[0].host_uid, 1000);
        assert_int_equal(u[0].host_gid, 1000);
        assert_string_equal(u[0].home, "/home/alice");
        assert_true(u[1].system);
        assert_int_equal(bind_user_records(&u[0], &user, &group), 0);
        assert_string_equal(user, "{\"userName\":\"alice\",\"uid\":60516,\"gid\":60516,\"disposition\":"
                                  "\"regular\",\"homeDirectory\":\"/run/host/home/alice\",\"service\":"
                                  "\"io.systemd.NSpawn\"}\n");
        assert_string_equal(group, "{\"groupName\":\"alice\",\"gid\":60516,\"disposition\":\"regular\","
                                   "\"service\":\"io.systemd.NSpawn\"}\n");
        free(user);
        free(group);
        bind_users_free(u, n);

        static const struct {
                const char *name, *message;
        } bad[] = {
                {"root", "Mapping 'root' user"},
                {"nobody", "Mapping 'nobody' user"},
                {"bob", "without private groups"},
                {"in", "already in container UID range"},
                {"dup", "already exists in the container"},
                {"ghost", "no such user"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *names[] = {(char *) bad[i].name, NULL};
                error = NULL;
                assert_true(bind_users_resolve(names, &f, tree, 1879048192, 65536, &u, &n, &error) < 0);
                if (!error || !strstr(error, bad[i].message))
                        fail_msg("%s: '%s'", bad[i].name, error ?: "");
                free(error);
        }
        close(tree);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_map_format_check),
                cmocka_unit_test(test_map_punch),
                cmocka_unit_test(test_map_parse_line),
                cmocka_unit_test(test_map_argv),
                cmocka_unit_test(test_subid),
                cmocka_unit_test(test_pick_checks),
                cmocka_unit_test(test_pick_lease),
                cmocka_unit_test(test_shift_id),
                cmocka_unit_test(test_shift_acl),
                cmocka_unit_test(test_shift_tree),
                cmocka_unit_test(test_bind_user),
        };
        return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
