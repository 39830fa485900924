/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "macro.h"

#define BIT(c) (UINT64_C(1) << (c))

static uint64_t all_caps(void) {
        return BIT(capability_last_cap() + 1) - 1;
}

static void test_names(void **state) {
        assert_true(capability_last_cap() >= CAP_AUDIT_READ);

        for (int c = 0; c <= 40; c++) {
                const char *n = capability_to_name(c);
                char lower[64];

                assert_non_null(n);
                assert_true(strncmp(n, "CAP_", 4) == 0);
                assert_int_equal(capability_from_name(n), c);
                /* lower case, and without the prefix */
                for (size_t i = 0; i <= strlen(n); i++)
                        lower[i] = (char) tolower((unsigned char) n[i]);
                assert_int_equal(capability_from_name(lower), c);
                assert_int_equal(capability_from_name(lower + 4), c);
                assert_int_equal(capability_from_name(n + 4), c);
        }
        assert_string_equal(capability_to_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
        assert_string_equal(capability_to_name(40), "CAP_CHECKPOINT_RESTORE");
        assert_null(capability_to_name(-1));
        assert_null(capability_to_name(64));
        assert_int_equal(capability_from_name("CAP_FOO"), -EINVAL);
        assert_int_equal(capability_from_name("CAP_"), -EINVAL);
        assert_int_equal(capability_from_name(""), -EINVAL);
        assert_int_equal(capability_from_name(NULL), -EINVAL);
        assert_int_equal(capability_from_name("all"), -EINVAL);
}

static void test_default_set(void **state) {
        assert_int_equal(caps_default_set(), UINT64_C(0xfdecafff));
        assert_false(caps_default_set() & BIT(CAP_NET_ADMIN));
        assert_false(caps_default_set() & BIT(CAP_SYS_MODULE));
}

static void test_list_parse(void **state) {
        uint64_t m = 0;
        bool all = true;

        assert_int_equal(capability_list_parse("CAP_CHOWN,CAP_KILL", ",", &m, &all), 0);
        assert_int_equal(m, BIT(CAP_CHOWN) | BIT(CAP_KILL));
        assert_false(all);

        assert_int_equal(capability_list_parse("cap_net_admin sys_time", " ", &m, NULL), 0);
        assert_int_equal(m, BIT(CAP_NET_ADMIN) | BIT(CAP_SYS_TIME));

        assert_int_equal(capability_list_parse("all", ",", &m, &all), 0);
        assert_true(all);
        assert_int_equal(m, 0);
        assert_int_equal(capability_list_parse("CAP_KILL,all", ",", &m, &all), 0);
        assert_true(all);
        assert_int_equal(m, BIT(CAP_KILL));

        m = 42;
        assert_int_equal(capability_list_parse("all", ",", &m, NULL), -EINVAL);
        assert_int_equal(capability_list_parse("CAP_CHOWN,CAP_NOPE", ",", &m, &all), -EINVAL);
        assert_int_equal(capability_list_parse("", ",", &m, &all), -EINVAL);
        assert_int_equal(capability_list_parse(",,", ",", &m, &all), -EINVAL);
        /* a separator that is not one: the whole string is one (unknown) name */
        assert_int_equal(capability_list_parse("CAP_CHOWN CAP_KILL", ",", &m, &all), -EINVAL);
        assert_int_equal(m, 42); /* untouched on failure */
}

static void test_compute(void **state) {
        struct settings s = {};
        uint64_t missing = 42, r;

        /* default */
        r = caps_compute(&s, UINT64_MAX, &missing);
        assert_int_equal(r, UINT64_C(0xfdecafff));
        assert_int_equal(missing, 0);

        /* private network adds NET_ADMIN */
        s.private_network = true;
        assert_int_equal(caps_compute(&s, UINT64_MAX, NULL), UINT64_C(0xfdecafff) | BIT(CAP_NET_ADMIN));
        s.private_network = false;

        /* add and drop; drop wins */
        s.caps_add = BIT(CAP_SYS_TIME) | BIT(CAP_SYS_MODULE);
        s.caps_drop = BIT(CAP_SYS_ADMIN) | BIT(CAP_SYS_MODULE);
        r = caps_compute(&s, UINT64_MAX, NULL);
        assert_int_equal(r, (UINT64_C(0xfdecafff) | BIT(CAP_SYS_TIME)) & ~BIT(CAP_SYS_ADMIN));

        /* drop also removes what private networking would add */
        s.caps_add = 0;
        s.caps_drop = BIT(CAP_NET_ADMIN);
        s.private_network = true;
        assert_int_equal(caps_compute(&s, UINT64_MAX, NULL), UINT64_C(0xfdecafff));
        s.private_network = false;
        s.caps_drop = 0;

        /* all = every capability the kernel knows */
        s.caps_all = true;
        assert_int_equal(caps_compute(&s, UINT64_MAX, NULL), all_caps());
        s.caps_drop = BIT(CAP_SYS_MODULE);
        assert_int_equal(caps_compute(&s, UINT64_MAX, NULL), all_caps() & ~BIT(CAP_SYS_MODULE));
        s.caps_all = false;
        s.caps_drop = 0;

        /* limited by the host's bounding set; what is missing is reported */
        r = caps_compute(&s, UINT64_C(0x1fffeffffff), &missing);
        assert_int_equal(r, UINT64_C(0xfcecafff));
        assert_int_equal(missing, BIT(CAP_SYS_RESOURCE));
        s.caps_add = BIT(CAP_BPF);
        r = caps_compute(&s, UINT64_C(0xfdecafff), &missing);
        assert_int_equal(r, UINT64_C(0xfdecafff));
        assert_int_equal(missing, BIT(CAP_BPF));
        s.caps_add = 0;

        /* user namespace without private network: no NET_BIND_SERVICE (as nspawn) */
        s.userns_mode = USER_NS_PICK;
        assert_int_equal(caps_compute(&s, UINT64_MAX, NULL),
                         UINT64_C(0xfdecafff) & ~BIT(CAP_NET_BIND_SERVICE));
        s.private_network = true;
        assert_true(caps_compute(&s, UINT64_MAX, NULL) & BIT(CAP_NET_BIND_SERVICE));
}

/* caps_compute() is caps_wanted() cut to the host's bounding set, for every kind of setting. */
static void test_wanted(void **state) {
        static const uint64_t hosts[] = {UINT64_MAX, UINT64_C(0xfdecafff), UINT64_C(0x1fffeffffff), 0};
        struct settings s = {};

        for (unsigned v = 0; v < 64; v++) {
                uint64_t wanted, missing;

                s.private_network = v & 1;
                s.caps_all = v & 2;
                s.caps_add = v & 4 ? BIT(CAP_SYS_TIME) | BIT(CAP_BPF) : 0;
                s.caps_drop = v & 8 ? BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_ADMIN) : 0;
                s.userns_mode = v & 16 ? USER_NS_PICK : USER_NS_NO;
                wanted = caps_wanted(&s);
                assert_false(wanted & s.caps_drop);
                assert_int_equal(!!(wanted & BIT(CAP_NET_BIND_SERVICE)),
                                 !s.userns_mode || s.private_network);
                for (size_t h = 0; h < ELEMENTSOF(hosts); h++) {
                        assert_int_equal(caps_compute(&s, hosts[h], &missing), wanted & hosts[h]);
                        assert_int_equal(missing, wanted & ~hosts[h]);
                }
        }
}

static void test_current_bounding(void **state) {
        uint64_t b = caps_current_bounding();

        assert_int_equal(b & ~all_caps(), 0);
        for (int c = 0; c <= capability_last_cap(); c++)
                assert_int_equal(!!(b & BIT(c)), cap_get_bound(c) > 0);
}

/* The Cap* lines of a /proc/PID/status text. */
struct capsets {
        uint64_t inh, prm, eff, bnd, amb;
};

static int parse_status(FILE *f, struct capsets *ret) {
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
                {"CapInh:", offsetof(struct capsets, inh)}, {"CapPrm:", offsetof(struct capsets, prm)},
                {"CapEff:", offsetof(struct capsets, eff)}, {"CapBnd:", offsetof(struct capsets, bnd)},
                {"CapAmb:", offsetof(struct capsets, amb)},
        };
        char line[256];
        int found = 0;

        while (fgets(line, sizeof(line), f))
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        if (strncmp(line, keys[i].key, strlen(keys[i].key)) == 0) {
                                *(uint64_t *) ((char *) ret + keys[i].offset) =
                                        strtoull(line + strlen(keys[i].key), NULL, 16);
                                found++;
                        }
        return found == 5 ? 0 : -EIO;
}

static int self_caps(struct capsets *ret) {
        FILE *f = fopen("/proc/self/status", "re");
        int r;

        if (!f)
                return -errno;
        r = parse_status(f, ret);
        fclose(f);
        return r;
}

#define CHECK(x)                                                                                            \
        do {                                                                                                \
                if (!(x)) {                                                                                 \
                        fprintf(stderr, "child check failed: %s\n", #x);                                    \
                        _exit(__LINE__ & 0xff ?: 1);                                                        \
                }                                                                                           \
        } while (0)

static int wait_child(pid_t pid) {
        int status;

        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_apply_root(void **state) {
        uint64_t keep = caps_default_set() & caps_current_bounding();
        pid_t pid;

        if (geteuid() != 0)
                skip();

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct capsets c;

                CHECK(caps_apply(keep, 0, true) == 0);
                CHECK(self_caps(&c) == 0);
                CHECK(c.bnd == keep);
                CHECK(c.eff == keep);
                CHECK(c.prm == keep);
                CHECK(c.inh == keep);
                CHECK(c.amb == 0);
                /* really gone: the bounding set cannot be raised again */
                CHECK(cap_get_bound(CAP_SYS_MODULE) == 0);
                /* ambient outside what is kept is refused */
                CHECK(caps_apply(keep, BIT(CAP_SYS_MODULE), true) == -EINVAL);
                _exit(0);
        }
        assert_int_equal(wait_child(pid), 0);
}

/* caps_set_fs_ids(): what is created is the given ids', the file system capabilities stay in
 * effect (a root-only directory is still written), and (0, 0) goes back. */
static void test_set_fs_ids(void **state) {
        pid_t pid;

        if (geteuid() != 0)
                skip();
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char dir[] = "/tmp/test-caps.XXXXXX", path[64];
                struct capsets c;
                struct stat st;

                CHECK(mkdtemp(dir) != NULL && chmod(dir, 0700) == 0);
                snprintf(path, sizeof(path), "%s/made", dir);
                CHECK(caps_set_fs_ids(655360, 655361) == 0);
                CHECK(self_caps(&c) == 0 && (c.eff & BIT(CAP_DAC_OVERRIDE)) && (c.eff & BIT(CAP_CHOWN)));
                int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                CHECK(fd >= 0 && fstat(fd, &st) == 0);
                CHECK(st.st_uid == 655360 && st.st_gid == 655361);
                close(fd);
                CHECK(caps_set_fs_ids(0, 0) == 0 && unlink(path) == 0);
                CHECK(mkdir(path, 0700) == 0 && stat(path, &st) == 0 && st.st_uid == 0);
                CHECK(rmdir(path) == 0 && rmdir(dir) == 0);
                _exit(0);
        }
        assert_int_equal(wait_child(pid), 0);
}

/* Non-root payload: change user, apply, exec, and look at the caps of the new program. */
static void test_apply_user_ambient(void **state) {
        uint64_t keep = caps_default_set() & caps_current_bounding();
        uint64_t ambient = BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_NET_RAW);
        struct capsets before_exec = {}, after_exec = {};
        int pipe_before[2], pipe_after[2];
        pid_t pid;
        FILE *f;

        if (geteuid() != 0)
                skip();
        assert_int_equal(pipe(pipe_before), 0);
        assert_int_equal(pipe(pipe_after), 0);

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct capsets c;
                gid_t groups[] = {65534, 100};

                close(pipe_before[0]);
                close(pipe_after[0]);
                CHECK(caps_change_user(65534, 65534, groups, ELEMENTSOF(groups)) == 0);
                CHECK(getuid() == 65534 && geteuid() == 65534 && getgid() == 65534);
                CHECK(getgroups(0, NULL) == 2);
                CHECK(caps_apply(keep, ambient, false) == 0);
                CHECK(self_caps(&c) == 0);
                CHECK(write(pipe_before[1], &c, sizeof(c)) == sizeof(c));
                CHECK(dup2(pipe_after[1], STDOUT_FILENO) == STDOUT_FILENO);
                execl("/bin/cat", "cat", "/proc/self/status", (char *) NULL);
                _exit(99);
        }
        close(pipe_before[1]);
        close(pipe_after[1]);
        assert_int_equal(read(pipe_before[0], &before_exec, sizeof(before_exec)), sizeof(before_exec));
        f = fdopen(pipe_after[0], "r");
        assert_non_null(f);
        assert_int_equal(parse_status(f, &after_exec), 0);
        fclose(f);
        close(pipe_before[0]);
        assert_int_equal(wait_child(pid), 0);

        assert_int_equal(before_exec.bnd, keep);
        assert_int_equal(before_exec.eff, 0);
        assert_int_equal(before_exec.prm, ambient);
        assert_int_equal(before_exec.inh, ambient);
        assert_int_equal(before_exec.amb, ambient);

        /* after execve() of a plain binary as uid 65534, the ambient set is what it has */
        assert_int_equal(after_exec.bnd, keep);
        assert_int_equal(after_exec.eff, ambient);
        assert_int_equal(after_exec.prm, ambient);
        assert_int_equal(after_exec.amb, ambient);
}

/* Non-root payload without ambient caps: nothing left at all. */
static void test_apply_user_plain(void **state) {
        uint64_t keep = caps_default_set() & caps_current_bounding();
        pid_t pid;

        if (geteuid() != 0)
                skip();
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct capsets c;

                CHECK(caps_change_user(1000, 1000, NULL, 0) == 0);
                CHECK(getgroups(0, NULL) == 0);
                CHECK(caps_apply(keep, 0, false) == 0);
                CHECK(self_caps(&c) == 0);
                CHECK(c.bnd == keep && c.eff == 0 && c.prm == 0 && c.inh == 0 && c.amb == 0);
                _exit(0);
        }
        assert_int_equal(wait_child(pid), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_default_set),
                cmocka_unit_test(test_list_parse),
                cmocka_unit_test(test_compute),
                cmocka_unit_test(test_wanted),
                cmocka_unit_test(test_set_fs_ids),
                cmocka_unit_test(test_current_bounding),
                cmocka_unit_test(test_apply_root),
                cmocka_unit_test(test_apply_user_ambient),
                cmocka_unit_test(test_apply_user_plain),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
