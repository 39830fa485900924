/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/capability.h>
#include <signal.h>

#include "caps.h"
#include "macro.h"
#include "settings.h"
#include "strv.h"

static void test_init_done(void **state) {
        struct settings s;
        struct custom_mount m = {.type = CUSTOM_MOUNT_TMPFS};

        settings_init(&s);
        assert_int_equal(s.set_mask, 0);
        assert_int_equal(s.start_mode, START_PID1);
        assert_int_equal(s.notify_ready, -1);
        assert_int_equal(s.no_new_privileges, -1);
        assert_int_equal(s.register_mode, -1);
        assert_true(s.personality == PERSONALITY_INVALID);
        assert_int_equal(s.resolv_conf, RESOLV_CONF_AUTO);
        assert_int_equal(s.timezone, TIMEZONE_AUTO);
        assert_int_equal(s.link_journal, LINK_JOURNAL_AUTO);
        assert_int_equal(s.console_mode, CONSOLE_AUTO);

        /* Fill owned fields; settings_done() frees them (ASan/valgrind would catch a leak) and
         * leaves the struct initialised again. */
        s.directory = strdup("/x");
        assert_int_equal(strv_extend(&s.parameters, "a"), 0);
        assert_int_equal(strv_extend(&s.syscall_deny, "@swap"), 0);
        s.rlimits[RLIMIT_NOFILE] = calloc(1, sizeof(struct rlimit));
        s.cpu_set = CPU_ALLOC(4);
        m.destination = strdup("/tmp");
        m.options = strdup("mode=0755");
        assert_int_equal(custom_mount_add(&s, &m), 0);
        assert_null(m.destination); /* ownership moved */
        assert_int_equal(s.n_custom_mounts, 1);
        s.set_mask = 5;

        settings_done(&s);
        assert_null(s.directory);
        assert_null(s.parameters);
        assert_null(s.custom_mounts);
        assert_int_equal(s.n_custom_mounts, 0);
        assert_int_equal(s.set_mask, 0);
        assert_int_equal(s.notify_ready, -1);
}

static struct custom_mount parse_ok(enum custom_mount_type t, bool ro, const char *spec) {
        struct custom_mount m = {};
        const char *reason = NULL;

        assert_int_equal(custom_mount_parse(t, ro, spec, &m, &reason), 0);
        return m;
}

static void parse_fails(enum custom_mount_type t, const char *spec, int err) {
        struct custom_mount m = {};
        const char *reason = NULL;

        assert_int_equal(custom_mount_parse(t, false, spec, &m, &reason), err);
        if (err == -EINVAL)
                assert_non_null(reason);
}

static void test_mount_bind(void **state) {
        struct custom_mount m;

        m = parse_ok(CUSTOM_MOUNT_BIND, false, "/a");
        assert_string_equal(m.source, "/a");
        assert_string_equal(m.destination, "/a");
        assert_true(m.recursive);
        assert_false(m.read_only);
        assert_null(m.options);
        custom_mount_free_contents(&m);

        m = parse_ok(CUSTOM_MOUNT_BIND, true, "/a//b/:/c/d/:norbind");
        assert_string_equal(m.source, "/a/b");
        assert_string_equal(m.destination, "/c/d");
        assert_string_equal(m.options, "norbind");
        assert_false(m.recursive);
        assert_true(m.read_only);
        custom_mount_free_contents(&m);

        m = parse_ok(CUSTOM_MOUNT_BIND, false, "+/inside:/x:rbind");
        assert_string_equal(m.source, "+/inside");
        assert_string_equal(m.destination, "/x");
        assert_true(m.recursive);
        custom_mount_free_contents(&m);

        m = parse_ok(CUSTOM_MOUNT_BIND, false, "+/inside");
        assert_string_equal(m.destination, "/inside");
        custom_mount_free_contents(&m);

        m = parse_ok(CUSTOM_MOUNT_BIND, false, ":/scratch"); /* throw-away source */
        assert_null(m.source);
        assert_string_equal(m.destination, "/scratch");
        custom_mount_free_contents(&m);

        m = parse_ok(CUSTOM_MOUNT_BIND, false, "/with\\:colon:/dst");
        assert_string_equal(m.source, "/with:colon");
        custom_mount_free_contents(&m);

        parse_fails(CUSTOM_MOUNT_BIND, "rel", -EINVAL);
        parse_fails(CUSTOM_MOUNT_BIND, "/a:rel", -EINVAL);
        parse_fails(CUSTOM_MOUNT_BIND, "/a:", -EINVAL);
        parse_fails(CUSTOM_MOUNT_BIND, "", -EINVAL);
        parse_fails(CUSTOM_MOUNT_BIND, "/a:/b/../c", -EINVAL);
        parse_fails(CUSTOM_MOUNT_BIND, "/a:/b:bogus", -EINVAL);
        parse_fails(CUSTOM_MOUNT_BIND, "/a:/b:idmapped", -EINVAL);

        m = parse_ok(CUSTOM_MOUNT_BIND, false, "/a:/b:idmap");
        assert_int_equal(m.idmap, IDMAP_RANGE);
        assert_true(m.recursive);
        custom_mount_free_contents(&m);
        m = parse_ok(CUSTOM_MOUNT_BIND, false, "/a:/b:norbind,rootidmap");
        assert_int_equal(m.idmap, IDMAP_OWNER_TO_ROOT);
        assert_false(m.recursive);
        custom_mount_free_contents(&m);
        m = parse_ok(CUSTOM_MOUNT_BIND, false, "/a:/b:owneridmap");
        assert_int_equal(m.idmap, IDMAP_OWNER_TO_OWNER);
        custom_mount_free_contents(&m);
        m = parse_ok(CUSTOM_MOUNT_BIND, false, "/a:/b:idmap,noidmap"); /* the last one wins */
        assert_int_equal(m.idmap, IDMAP_NONE);
        custom_mount_free_contents(&m);
}

static void test_mount_tmpfs_inaccessible(void **state) {
        struct custom_mount m;

        m = parse_ok(CUSTOM_MOUNT_TMPFS, false, "/tmp/x");
        assert_string_equal(m.destination, "/tmp/x");
        assert_string_equal(m.options, "mode=0755");
        custom_mount_free_contents(&m);

        m = parse_ok(CUSTOM_MOUNT_TMPFS, false, "/run/x:mode=0700,size=1m");
        assert_string_equal(m.options, "mode=0700,size=1m");
        custom_mount_free_contents(&m);

        m = parse_ok(CUSTOM_MOUNT_INACCESSIBLE, false, "/etc//shadow");
        assert_string_equal(m.destination, "/etc/shadow");
        assert_int_equal(m.type, CUSTOM_MOUNT_INACCESSIBLE);
        custom_mount_free_contents(&m);

        parse_fails(CUSTOM_MOUNT_TMPFS, "rel", -EINVAL);
        parse_fails(CUSTOM_MOUNT_INACCESSIBLE, "rel", -EINVAL);
        parse_fails(CUSTOM_MOUNT_INACCESSIBLE, "/a/../b", -EINVAL);
}

static void test_mount_overlay(void **state) {
        struct custom_mount m;

        /* Two paths: LOWER:UPPER, mounted at UPPER. */
        m = parse_ok(CUSTOM_MOUNT_OVERLAY, false, "/lower:/upper");
        assert_string_equal(m.source, "/upper");
        assert_string_equal(m.destination, "/upper");
        assert_int_equal(strv_length(m.lower), 1);
        assert_string_equal(m.lower[0], "/lower");
        custom_mount_free_contents(&m);

        /* More: lowers (bottom first as given; stored top first), UPPER, DST. */
        m = parse_ok(CUSTOM_MOUNT_OVERLAY, true, "/l1:/l2:/up:/dst");
        assert_string_equal(m.source, "/up");
        assert_string_equal(m.destination, "/dst");
        assert_int_equal(strv_length(m.lower), 2);
        assert_string_equal(m.lower[0], "/l2");
        assert_string_equal(m.lower[1], "/l1");
        assert_true(m.read_only);
        custom_mount_free_contents(&m);

        m = parse_ok(CUSTOM_MOUNT_OVERLAY, false, "/l1::/dst"); /* throw-away upper */
        assert_null(m.source);
        custom_mount_free_contents(&m);

        m = parse_ok(CUSTOM_MOUNT_OVERLAY, false, "/l:+/up");
        assert_string_equal(m.source, "+/up");
        assert_string_equal(m.destination, "/up");
        custom_mount_free_contents(&m);

        parse_fails(CUSTOM_MOUNT_OVERLAY, "/a", -EINVAL);
        parse_fails(CUSTOM_MOUNT_OVERLAY, "/a:", -EINVAL);
        parse_fails(CUSTOM_MOUNT_OVERLAY, ":/b:/c", -EINVAL);
        parse_fails(CUSTOM_MOUNT_OVERLAY, "/a:rel", -EINVAL);
        parse_fails(CUSTOM_MOUNT_OVERLAY, "/a:/b:rel", -EINVAL);
}

/* ---- merge ---- */

static uint64_t skipped;

static void on_skip(enum setting_id id, void *userdata) {
        skipped |= SETTING_BIT(id);
        (*(int *) userdata)++;
}

static void fill_file(struct settings *f) {
        struct custom_mount m = {.type = CUSTOM_MOUNT_TMPFS};

        settings_init(f);
        f->hostname = strdup("fromfile");
        f->user = strdup("fileuser");
        f->caps_add = UINT64_C(1) << CAP_SYS_MODULE;
        f->caps_drop = UINT64_C(1) << CAP_MKNOD;
        assert_int_equal(strv_extend(&f->syscall_allow, "@obsolete"), 0);
        assert_int_equal(strv_extend(&f->syscall_deny, "@swap"), 0);
        m.destination = strdup("/x");
        assert_int_equal(custom_mount_add(f, &m), 0);
        f->rlimits[RLIMIT_NOFILE] = calloc(1, sizeof(struct rlimit));
        f->private_network = true;
        f->kill_signal = SIGUSR1;
        f->set_mask = SETTING_BIT(SETTING_HOSTNAME) | SETTING_BIT(SETTING_USER) |
                      SETTING_BIT(SETTING_CAPABILITY) | SETTING_BIT(SETTING_SYSCALL_FILTER) |
                      SETTING_BIT(SETTING_CUSTOM_MOUNTS) |
                      SETTING_BIT(SETTING_RLIMIT_FIRST + RLIMIT_NOFILE) | SETTING_BIT(SETTING_NETWORK) |
                      SETTING_BIT(SETTING_KILL_SIGNAL);
}

static void test_merge_trusted(void **state) {
        struct settings cli, file;
        int n = 0;

        settings_init(&cli);
        cli.hostname = strdup("fromcli");
        cli.set_mask = SETTING_BIT(SETTING_HOSTNAME);
        fill_file(&file);

        skipped = 0;
        settings_merge(&cli, &file, true, false, on_skip, &n);
        assert_int_equal(n, 0);
        assert_string_equal(cli.hostname, "fromcli"); /* the command line wins */
        assert_string_equal(file.hostname, "fromfile");
        assert_string_equal(cli.user, "fileuser");
        assert_null(file.user); /* moved */
        assert_true(cli.caps_add == UINT64_C(1) << CAP_SYS_MODULE);
        assert_true(cli.caps_drop == UINT64_C(1) << CAP_MKNOD);
        assert_true(strv_contains(cli.syscall_allow, "@obsolete"));
        assert_true(strv_contains(cli.syscall_deny, "@swap"));
        assert_int_equal(cli.n_custom_mounts, 1);
        assert_int_equal(file.n_custom_mounts, 0);
        assert_non_null(cli.rlimits[RLIMIT_NOFILE]);
        assert_null(file.rlimits[RLIMIT_NOFILE]);
        assert_true(cli.private_network);
        assert_int_equal(cli.kill_signal, SIGUSR1);
        assert_true(cli.set_mask & SETTING_BIT(SETTING_USER));
        settings_done(&cli);
        settings_done(&file);
}

static void test_merge_untrusted(void **state) {
        struct settings cli, file;
        int n = 0;

        settings_init(&cli);
        fill_file(&file);

        skipped = 0;
        settings_merge(&cli, &file, false, false, on_skip, &n);
        /* Applied from anywhere. */
        assert_string_equal(cli.hostname, "fromfile");
        assert_string_equal(cli.user, "fileuser");
        assert_int_equal(cli.kill_signal, SIGUSR1);
        /* Partly privileged: only the drops and the deny list. */
        assert_true(cli.caps_add == 0);
        assert_true(cli.caps_drop == UINT64_C(1) << CAP_MKNOD);
        assert_null(cli.syscall_allow);
        assert_true(strv_contains(cli.syscall_deny, "@swap"));
        /* Privileged: not applied. */
        assert_int_equal(cli.n_custom_mounts, 0);
        assert_null(cli.rlimits[RLIMIT_NOFILE]);
        assert_false(cli.private_network);
        assert_int_equal(n, 5);
        assert_true(skipped == (SETTING_BIT(SETTING_CAPABILITY) | SETTING_BIT(SETTING_SYSCALL_FILTER) |
                                SETTING_BIT(SETTING_CUSTOM_MOUNTS) | SETTING_BIT(SETTING_NETWORK) |
                                SETTING_BIT(SETTING_RLIMIT_FIRST + RLIMIT_NOFILE)));
        assert_false(cli.set_mask & SETTING_BIT(SETTING_NETWORK));
        settings_done(&cli);
        settings_done(&file);
}

static void test_merge_override(void **state) {
        struct settings cli, file;
        struct custom_mount m = {.type = CUSTOM_MOUNT_INACCESSIBLE};

        settings_init(&cli);
        cli.hostname = strdup("fromcli");
        m.destination = strdup("/cli");
        assert_int_equal(custom_mount_add(&cli, &m), 0);
        cli.set_mask = SETTING_BIT(SETTING_HOSTNAME) | SETTING_BIT(SETTING_CUSTOM_MOUNTS);
        fill_file(&file);

        settings_merge(&cli, &file, true, true, NULL, NULL);
        assert_string_equal(cli.hostname, "fromfile");
        assert_int_equal(cli.n_custom_mounts, 1); /* the file's list replaces the command line's */
        assert_string_equal(cli.custom_mounts[0].destination, "/x");
        settings_done(&cli);
        settings_done(&file);
}

static void test_privileged(void **state) {
        const enum setting_id privileged[] = {
                SETTING_CAPABILITY,   SETTING_AMBIENT_CAPABILITY, SETTING_MACHINE_ID,
                SETTING_NETWORK,      SETTING_EXPOSE_PORTS,       SETTING_CUSTOM_MOUNTS,
                SETTING_USERNS,       SETTING_SYSCALL_FILTER,     SETTING_OOM_SCORE_ADJUST,
                SETTING_CPU_AFFINITY, SETTING_LINK_JOURNAL,       SETTING_EPHEMERAL,
                SETTING_BIND_USER,    SETTING_PIVOT_ROOT,         SETTING_DIRECTORY,
        };
        const enum setting_id free_[] = {
                SETTING_START_MODE,    SETTING_ENVIRONMENT,       SETTING_USER,
                SETTING_KILL_SIGNAL,   SETTING_PERSONALITY,       SETTING_READ_ONLY,
                SETTING_VOLATILE_MODE, SETTING_WORKING_DIRECTORY, SETTING_NOTIFY_READY,
                SETTING_HOSTNAME,      SETTING_NO_NEW_PRIVILEGES, SETTING_RESOLV_CONF,
                SETTING_TIMEZONE,      SETTING_SUPPRESS_SYNC,
        };

        for (size_t i = 0; i < ELEMENTSOF(privileged); i++)
                assert_true(setting_is_privileged(privileged[i]));
        for (size_t i = 0; i < ELEMENTSOF(free_); i++)
                assert_false(setting_is_privileged(free_[i]));
        for (int r = 0; r < RLIMIT_NLIMITS; r++)
                assert_true(setting_is_privileged(SETTING_RLIMIT_FIRST + r));
}

static void test_id_names(void **state) {
        for (int i = SETTING_NONE + 1; i < _SETTING_MAX; i++) {
                const char *n = setting_id_to_string(i);
                assert_non_null(n);
                for (int j = SETTING_NONE + 1; j < i; j++)
                        assert_string_not_equal(n, setting_id_to_string(j));
        }
        assert_null(setting_id_to_string(SETTING_NONE));
        assert_null(setting_id_to_string(_SETTING_MAX));
        assert_null(setting_id_to_string(-1));
}

/* Every setting has its own bit of set_mask (settings.h stops the build at a 65th), and the last
 * one survives a merge like the first. */
static void test_mask_bits(void **state) {
        struct settings cli, file;
        uint64_t all = 0;

        assert_true(8 * sizeof(cli.set_mask) >= _SETTING_MAX);
        assert_false(setting_id_valid(SETTING_NONE));
        assert_false(setting_id_valid(_SETTING_MAX));
        for (int i = SETTING_NONE + 1; i < _SETTING_MAX; i++) {
                assert_true(setting_id_valid(i));
                assert_int_not_equal(SETTING_BIT(i), 0);
                assert_false(all & SETTING_BIT(i));
                all |= SETTING_BIT(i);
        }

        settings_init(&cli);
        settings_init(&file);
        file.rlimits[RLIMIT_NLIMITS - 1] = calloc(1, sizeof(struct rlimit));
        assert_non_null(file.rlimits[RLIMIT_NLIMITS - 1]);
        file.set_mask = SETTING_BIT(SETTING_RLIMIT_LAST);
        settings_merge(&cli, &file, true, false, NULL, NULL);
        assert_int_equal(cli.set_mask, SETTING_BIT(SETTING_RLIMIT_LAST));
        assert_non_null(cli.rlimits[RLIMIT_NLIMITS - 1]);
        assert_null(file.rlimits[RLIMIT_NLIMITS - 1]);
        settings_done(&cli);
        settings_done(&file);
}

static void test_kill_signal(void **state) {
        struct settings s;

        settings_init(&s);
        assert_int_equal(settings_kill_signal(&s), 0);
        s.start_mode = START_BOOT;
        assert_int_equal(settings_kill_signal(&s), SIGRTMIN + 3);
        s.kill_signal = SIGUSR2;
        assert_int_equal(settings_kill_signal(&s), SIGUSR2);
}

static void validate_fails(struct settings *s, const char *needle) {
        char *msg = NULL;

        assert_int_equal(settings_validate(s, &msg), -EINVAL);
        assert_non_null(msg);
        assert_non_null(strstr(msg, needle));
        free(msg);
}

static void test_validate(void **state) {
        struct settings s;
        char *msg = NULL;

        settings_init(&s);
        assert_int_equal(settings_validate(&s, &msg), 0);
        assert_null(msg);

        s.caps_ambient = UINT64_C(1) << CAP_NET_RAW;
        assert_int_equal(settings_validate(&s, NULL), 0);
        s.start_mode = START_BOOT;
        validate_fails(&s, "--ambient-capability");
        s.start_mode = START_PID1;
        s.caps_ambient = UINT64_C(1) << CAP_SYS_MODULE; /* not in the default set */
        validate_fails(&s, "--ambient-capability");
        s.caps_add = UINT64_C(1) << CAP_SYS_MODULE;
        assert_int_equal(settings_validate(&s, NULL), 0);
        s.caps_drop = UINT64_C(1) << CAP_SYS_MODULE;
        validate_fails(&s, "--ambient-capability");
        settings_done(&s);

        /* The check uses caps_wanted(), the set the payload really keeps: in a user namespace
         * without a private network NET_BIND_SERVICE is not kept, so it cannot be ambient; and
         * --capability=all covers every capability. */
        s.caps_ambient = UINT64_C(1) << CAP_NET_BIND_SERVICE;
        assert_int_equal(settings_validate(&s, NULL), 0);
        s.userns_mode = USER_NS_PICK;
        validate_fails(&s, "--ambient-capability");
        s.private_network = true;
        assert_int_equal(settings_validate(&s, NULL), 0);
        s.caps_ambient = UINT64_C(1) << CAP_SYS_MODULE;
        validate_fails(&s, "--ambient-capability");
        s.caps_all = true;
        assert_int_equal(settings_validate(&s, NULL), 0);
        settings_done(&s);

        assert_int_equal(strv_extend(&s.expose_ports, "80"), 0);
        validate_fails(&s, "--port");
        s.private_network = true;
        assert_int_equal(settings_validate(&s, NULL), 0);
        settings_done(&s);

        s.network_bridge = strdup("br0");
        s.network_zone = strdup("z");
        validate_fails(&s, "--network-zone");
        settings_done(&s);

        s.template_path = strdup("/t");
        validate_fails(&s, "--template");
        s.machine = strdup("m");
        assert_int_equal(settings_validate(&s, NULL), 0);
        settings_done(&s);

        assert_int_equal(strv_extend(&s.bind_users, "u"), 0);
        validate_fails(&s, "--bind-user");
        settings_done(&s);
}

/* Every enum's one table: each spelling maps back to its value through the table and through the
 * enum's own from_string(), spellings are unique, and the "expected …" reason names them all. */
static void test_enum_strings(void **state) {
        static const struct {
                const struct enum_names *t;
                int (*from)(const char *);
                int max;
        } enums[] = {
                {&console_mode_names, console_mode_from_string, _CONSOLE_MODE_MAX},
                {&volatile_mode_names, volatile_mode_from_string, _VOLATILE_MODE_MAX},
                {&link_journal_names, link_journal_from_string, _LINK_JOURNAL_MAX},
                {&resolv_conf_names, resolv_conf_from_string, _RESOLV_CONF_MAX},
                {&timezone_mode_names, timezone_mode_from_string, _TIMEZONE_MAX},
                {&user_ns_ownership_names, user_ns_ownership_from_string, _USER_NS_OWNERSHIP_MAX},
                {&settings_mode_names, settings_mode_from_string, _SETTINGS_MODE_MAX},
        };

        for (size_t e = 0; e < ELEMENTSOF(enums); e++) {
                const struct enum_names *t = enums[e].t;
                const char *expected = enum_names_expected(t);
                size_t named = 0;

                assert_int_equal(t->n, enums[e].max);
                assert_true(strlen(expected) < ENUM_EXPECTED_MAX - 1); /* not cut off */
                assert_ptr_equal(enum_names_expected(t), expected);    /* built once */
                for (int m = 0; m < enums[e].max; m++) {
                        const char *n = enum_names_get(t, m);
                        if (!n)
                                continue;
                        named++;
                        assert_int_equal(enum_names_find(t, n), m);
                        assert_int_equal(enums[e].from(n), m);
                        assert_non_null(strstr(expected, n));
                        for (int k = 0; k < m; k++)
                                assert_false(streq_ptr(enum_names_get(t, k), n));
                }
                assert_true(named >= 2);
                assert_null(enum_names_get(t, enums[e].max));
                assert_null(enum_names_get(t, -1));
                assert_int_equal(enums[e].from("bogus"), -EINVAL);
                assert_int_equal(enums[e].from(NULL), -EINVAL);
        }

        /* The wrappers use the same tables. */
        assert_string_equal(console_mode_to_string(CONSOLE_PIPE), "pipe");
        assert_null(console_mode_to_string(CONSOLE_AUTO));
        assert_string_equal(resolv_conf_to_string(RESOLV_CONF_BIND_STUB), "bind-stub");
        assert_string_equal(settings_mode_to_string(SETTINGS_OVERRIDE), "override");
        /* Booleans where systemd takes them. */
        assert_int_equal(volatile_mode_from_string("false"), VOLATILE_NO);
        assert_int_equal(volatile_mode_from_string("1"), VOLATILE_YES);
        assert_int_equal(settings_mode_from_string("off"), SETTINGS_NO);
        assert_int_equal(link_journal_from_string("1"), -EINVAL);
        assert_string_equal(enum_names_expected(&volatile_mode_names), "expected no, yes, state or overlay");
        assert_string_equal(enum_names_expected(&console_mode_names),
                            "expected interactive, read-only, passive, pipe or autopipe");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_init_done),
                cmocka_unit_test(test_mount_bind),
                cmocka_unit_test(test_mount_tmpfs_inaccessible),
                cmocka_unit_test(test_mount_overlay),
                cmocka_unit_test(test_merge_trusted),
                cmocka_unit_test(test_merge_untrusted),
                cmocka_unit_test(test_merge_override),
                cmocka_unit_test(test_privileged),
                cmocka_unit_test(test_id_names),
                cmocka_unit_test(test_mask_bits),
                cmocka_unit_test(test_kill_signal),
                cmocka_unit_test(test_validate),
                cmocka_unit_test(test_enum_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
