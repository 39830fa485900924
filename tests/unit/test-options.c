/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/capability.h>
#include <signal.h>
#include <sys/personality.h>

#include "macro.h"
#include "options.h"
#include "uuid.h"
#include "settings.h"
#include "strv.h"

/* systemd-nspawn 252's command line: 70 long options (incl. the hidden --share-system and
 * --private-users-chown) plus the short-only -U and -j. */
static const char *const long_252[] = {
        "help",
        "version",
        "quiet",
        "no-pager",
        "settings",
        "directory",
        "template",
        "ephemeral",
        "image",
        "oci-bundle",
        "read-only",
        "volatile",
        "root-hash",
        "root-hash-sig",
        "verity-data",
        "pivot-root",
        "as-pid2",
        "boot",
        "chdir",
        "setenv",
        "user",
        "kill-signal",
        "notify-ready",
        "suppress-sync",
        "machine",
        "hostname",
        "uuid",
        "slice",
        "property",
        "register",
        "keep-unit",
        "private-users",
        "private-users-ownership",
        "private-users-chown",
        "private-network",
        "network-interface",
        "network-macvlan",
        "network-ipvlan",
        "network-veth",
        "network-veth-extra",
        "network-bridge",
        "network-zone",
        "network-namespace-path",
        "port",
        "capability",
        "drop-capability",
        "ambient-capability",
        "no-new-privileges",
        "system-call-filter",
        "selinux-context",
        "selinux-apifs-context",
        "rlimit",
        "oom-score-adjust",
        "cpu-affinity",
        "personality",
        "resolv-conf",
        "timezone",
        "link-journal",
        "bind",
        "bind-ro",
        "inaccessible",
        "tmpfs",
        "overlay",
        "overlay-ro",
        "bind-user",
        "console",
        "pipe",
        "set-credential",
        "load-credential",
        "share-system",
};

static const char short_252[] = "hqDxiabEuMSUnpZLjP";

/* systemd-nspawn 252's .nspawn keys: 41 [Exec], 11 [Files], 9 [Network]. */
static const char *const exec_keys[] = {
        "Boot",           "Ephemeral",        "ProcessTwo",        "Parameters",      "Environment",
        "User",           "Capability",       "AmbientCapability", "DropCapability",  "KillSignal",
        "Personality",    "MachineID",        "WorkingDirectory",  "PivotRoot",       "PrivateUsers",
        "NotifyReady",    "SystemCallFilter", "LimitCPU",          "LimitFSIZE",      "LimitDATA",
        "LimitSTACK",     "LimitCORE",        "LimitRSS",          "LimitNOFILE",     "LimitAS",
        "LimitNPROC",     "LimitMEMLOCK",     "LimitLOCKS",        "LimitSIGPENDING", "LimitMSGQUEUE",
        "LimitNICE",      "LimitRTPRIO",      "LimitRTTIME",       "Hostname",        "NoNewPrivileges",
        "OOMScoreAdjust", "CPUAffinity",      "ResolvConf",        "LinkJournal",     "Timezone",
        "SuppressSync",
};
static const char *const files_keys[] = {
        "ReadOnly",
        "Volatile",
        "Bind",
        "BindReadOnly",
        "TemporaryFileSystem",
        "Inaccessible",
        "Overlay",
        "OverlayReadOnly",
        "PrivateUsersChown",
        "PrivateUsersOwnership",
        "BindUser",
};
static const char *const network_keys[] = {
        "Private", "Interface", "MACVLAN", "IPVLAN", "VirtualEthernet", "VirtualEthernetExtra",
        "Bridge",  "Zone",      "Port",
};

/* ---- table invariants ---- */

static void test_table_unique(void **state) {
        for (size_t i = 0; i < option_table_size; i++) {
                const struct option_def *a = &option_table[i];
                assert_non_null(a->parse);
                assert_true(a->name || a->short_name || a->key);
                assert_true(!a->key == !a->section);
                assert_true(a->group >= 0 && a->group < _GROUP_MAX);
                assert_true(a->setting == SETTING_NONE || setting_id_valid(a->setting));
                if (a->key)
                        assert_true(setting_id_valid(a->setting)); /* file keys must be mergeable */
                if (a->arg == ARG_NONE)
                        assert_null(a->metavar);
                for (size_t j = 0; j < i; j++) {
                        const struct option_def *b = &option_table[j];
                        if (a->name && b->name)
                                assert_string_not_equal(a->name, b->name);
                        if (a->short_name)
                                assert_int_not_equal(a->short_name, b->short_name);
                        if (a->key && b->key)
                                assert_false(streq(a->section, b->section) && streq(a->key, b->key));
                }
        }
}

/* nspawn's own options beyond systemd-nspawn 252's, with their settings-file keys (documented as
 * extensions in nspawn(1) and nspawn.nspawn(5)). */
static const struct {
        const char *option, *section, *key;
} extensions[] = {
        {"private-users-map", "Exec", "PrivateUsersMap"},
};

static void test_table_complete(void **state) {
        size_t n_long = 0, n_keys = 0;

        for (size_t i = 0; i < ELEMENTSOF(extensions); i++) {
                assert_non_null(option_find_long(extensions[i].option));
                assert_non_null(option_find_key(extensions[i].section, extensions[i].key));
        }

        for (size_t i = 0; i < ELEMENTSOF(long_252); i++) {
                const struct option_def *o = option_find_long(long_252[i]);
                if (!o)
                        fail_msg("--%s missing", long_252[i]);
        }
        for (const char *c = short_252; *c; c++)
                assert_non_null(option_find_short(*c));
        for (size_t i = 0; i < ELEMENTSOF(exec_keys); i++)
                if (!option_find_key("Exec", exec_keys[i]))
                        fail_msg("[Exec] %s= missing", exec_keys[i]);
        for (size_t i = 0; i < ELEMENTSOF(files_keys); i++)
                if (!option_find_key("Files", files_keys[i]))
                        fail_msg("[Files] %s= missing", files_keys[i]);
        for (size_t i = 0; i < ELEMENTSOF(network_keys); i++)
                if (!option_find_key("Network", network_keys[i]))
                        fail_msg("[Network] %s= missing", network_keys[i]);

        for (size_t i = 0; i < option_table_size; i++) {
                n_long += option_table[i].name != NULL;
                n_keys += option_table[i].key != NULL;
        }
        assert_int_equal(ELEMENTSOF(long_252), 70);
        assert_int_equal(n_long, 70 + 1 + ELEMENTSOF(extensions)); /* + --image-policy= (systemd 254) */
        assert_int_equal(n_keys, 41 + 11 + 9 + ELEMENTSOF(extensions));
        assert_null(option_find_short('U')->name);
        assert_null(option_find_short('j')->name);
        assert_null(option_find_key("exec", "Boot")); /* case-sensitive */
        assert_null(option_find_key("Exec", "Bogus"));
        assert_null(option_find_long("bogus"));
}

/* ---- argv helpers ---- */

#define MAX_ARGS 16

/* Parse a NULL-terminated argument list (without argv[0]). */
static int parse_args(struct settings *s, struct option_result *res, const char *first, ...) {
        char *argv[MAX_ARGS + 2] = {(char *) "nspawn"};
        int argc = 1;
        va_list ap;

        va_start(ap, first);
        for (const char *a = first; a; a = va_arg(ap, const char *)) {
                assert_true(argc <= MAX_ARGS);
                argv[argc++] = (char *) a;
        }
        va_end(ap);
        settings_init(s);
        return options_parse_argv(argc, argv, s, res);
}

#define PARSE_OK(s, ...)                                                                                    \
        do {                                                                                                \
                struct option_result _res;                                                                  \
                int _r = parse_args(s, &_res, __VA_ARGS__, NULL);                                           \
                if (_r != 0)                                                                                \
                        fail_msg("parse failed (%d): %s", _r, _res.error ?: "");                            \
                option_result_done(&_res);                                                                  \
        } while (0)

/* Expect failure r, with an error message containing needle. */
static void parse_fails(int r, const char *needle, const char *arg1, const char *arg2) {
        struct settings s;
        struct option_result res;

        assert_int_equal(parse_args(&s, &res, arg1, arg2, NULL), r);
        assert_non_null(res.error);
        if (!strstr(res.error, needle))
                fail_msg("'%s' does not contain '%s'", res.error, needle);
        option_result_done(&res);
        settings_done(&s);
}

static void test_parse_general(void **state) {
        struct settings s;
        struct option_result res;

        PARSE_OK(&s, "-q", "--no-pager", "--settings=override");
        assert_true(s.quiet);
        assert_int_equal(s.settings_mode, SETTINGS_OVERRIDE);
        settings_done(&s);
        PARSE_OK(&s, "--settings=trusted");
        assert_int_equal(s.settings_mode, SETTINGS_TRUSTED);
        settings_done(&s);
        PARSE_OK(&s, "--settings=no");
        assert_int_equal(s.settings_mode, SETTINGS_NO);
        settings_done(&s);

        assert_int_equal(parse_args(&s, &res, "--help", NULL), 1);
        assert_non_null(strstr(res.output, "Image:\n"));
        assert_non_null(strstr(res.output, "  -D --directory=PATH"));
        option_result_done(&res);
        settings_done(&s);

        assert_int_equal(parse_args(&s, &res, "--version", NULL), 1);
        assert_non_null(strstr(res.output, "nspawn "));
        option_result_done(&res);
        settings_done(&s);
}

static void test_parse_image(void **state) {
        struct settings s;

        PARSE_OK(&s, "-D", "/srv//root/", "--read-only", "--volatile=no");
        assert_string_equal(s.directory, "/srv/root");
        assert_true(s.read_only);
        assert_int_equal(s.volatile_mode, VOLATILE_NO);
        assert_true(s.set_mask & SETTING_BIT(SETTING_DIRECTORY));
        assert_true(s.set_mask & SETTING_BIT(SETTING_READ_ONLY));
        assert_true(s.set_mask & SETTING_BIT(SETTING_VOLATILE_MODE));
        settings_done(&s);

        assert_int_equal(chdir("/tmp"), 0);
        PARSE_OK(&s, "--directory=rel/dir");
        assert_string_equal(s.directory, "/tmp/rel/dir");
        settings_done(&s);
}

/* -i and what goes with it: paths made absolute, the policy checked but kept as text. */
static void test_parse_disk_image(void **state) {
        struct settings s;

        assert_int_equal(chdir("/tmp"), 0);
        PARSE_OK(&s, "-i", "img.raw", "--image-policy=root=verity+signed:usr=absent",
                 "--root-hash=0123456789abcdef0123456789ABCDEF", "--root-hash-sig=base64:AAAA",
                 "--verity-data=v.verity", "--pivot-root=/a//b:/old/");
        assert_string_equal(s.image, "/tmp/img.raw");
        assert_true(s.set_mask & SETTING_BIT(SETTING_DIRECTORY));
        assert_string_equal(s.image_policy, "root=verity+signed:usr=absent");
        assert_string_equal(s.root_hash, "0123456789abcdef0123456789ABCDEF");
        assert_string_equal(s.root_hash_sig, "base64:AAAA");
        assert_string_equal(s.verity_data, "/tmp/v.verity");
        assert_string_equal(s.pivot_root_new, "/a/b");
        assert_string_equal(s.pivot_root_old, "/old");
        settings_done(&s);

        PARSE_OK(&s, "--root-hash-sig=sig.p7s", "--pivot-root=/x");
        assert_string_equal(s.root_hash_sig, "/tmp/sig.p7s");
        assert_string_equal(s.pivot_root_new, "/x");
        assert_null(s.pivot_root_old);
        settings_done(&s);

        parse_fails(-EINVAL, "--image", "--image=", NULL);
        parse_fails(-EINVAL, "unknown partition type in image policy", "--image-policy=rot=open", NULL);
        parse_fails(-EINVAL, "unknown partition policy flag in image policy", "--image-policy=root=opn",
                    NULL);
        parse_fails(-EINVAL, "duplicate rule in image policy", "--image-policy=root=open:root=absent", NULL);
        parse_fails(-EINVAL, "failed to parse image policy", "--image-policy=root", NULL);
        parse_fails(-EINVAL, "at least 128 bit", "--root-hash=abcd", NULL);
        parse_fails(-EINVAL, "hexadecimal", "--root-hash=0123456789abcdef0123456789abcdeX", NULL);
        parse_fails(-EINVAL, "base64", "--root-hash-sig=base64:!!", NULL);
        parse_fails(-EINVAL, "--verity-data", "--verity-data=", NULL);
        parse_fails(-EINVAL, "absolute", "--pivot-root=rel", NULL);
        parse_fails(-EINVAL, "absolute", "--pivot-root=/a:rel", NULL);
        parse_fails(-EINVAL, "..", "--pivot-root=/a/../b", NULL);
}

static void test_parse_execution(void **state) {
        struct settings s;

        PARSE_OK(&s, "-a", "--chdir=/srv//x/", "-u", "daemon", "--kill-signal=SIGRTMIN+4",
                 "--notify-ready=no", "--suppress-sync=yes");
        assert_int_equal(s.start_mode, START_PID2);
        assert_string_equal(s.working_directory, "/srv/x");
        assert_string_equal(s.user, "daemon");
        assert_int_equal(s.kill_signal, SIGRTMIN + 4);
        assert_int_equal(s.notify_ready, 0);
        assert_int_equal(s.suppress_sync, 1);
        settings_done(&s);

        PARSE_OK(&s, "-b", "--kill-signal=USR2");
        assert_int_equal(s.start_mode, START_BOOT);
        assert_int_equal(s.kill_signal, SIGUSR2);
        settings_done(&s);

        setenv("NSPAWN_TEST_PASS", "passed", 1);
        unsetenv("NSPAWN_TEST_UNSET");
        PARSE_OK(&s, "-E", "FOO=1", "--setenv=FOO=2", "-E", "NSPAWN_TEST_PASS", "-E", "NSPAWN_TEST_UNSET",
                 "-E", "BAR=");
        assert_int_equal(strv_length(s.environment), 4);
        assert_string_equal(strv_env_get(s.environment, "FOO"), "2");
        assert_string_equal(strv_env_get(s.environment, "NSPAWN_TEST_PASS"), "passed");
        /* An unset NAME is passed empty, as systemd-nspawn 252 does. */
        assert_string_equal(strv_env_get(s.environment, "NSPAWN_TEST_UNSET"), "");
        assert_string_equal(strv_env_get(s.environment, "BAR"), "");
        settings_done(&s);

        parse_fails(-EINVAL, "--boot", "-a", "-b");
        parse_fails(-EINVAL, "--as-pid2", "-b", "-a");
        parse_fails(-EINVAL, "--chdir", "--chdir=rel", NULL);
        parse_fails(-EINVAL, "--chdir", "--chdir=/a/../b", NULL);
        parse_fails(-EINVAL, "--setenv", "-E", "1FOO=x");
        parse_fails(-EINVAL, "--kill-signal", "--kill-signal=FOO", NULL);
        parse_fails(-EINVAL, "--suppress-sync", "--suppress-sync=maybe", NULL);
}

static void test_parse_identity(void **state) {
        struct settings s;
        char buf[37];

        PARSE_OK(&s, "-M", "foo.bar", "--hostname=host-1", "--uuid=0123456789abcdef0123456789abcdef",
                 "--register=no", "--keep-unit");
        assert_string_equal(s.machine, "foo.bar");
        assert_string_equal(s.hostname, "host-1");
        assert_true(s.uuid_set);
        uuid_format(s.uuid, buf);
        assert_string_equal(buf, "01234567-89ab-cdef-0123-456789abcdef");
        assert_int_equal(s.register_mode, 0);
        assert_true(s.keep_unit);
        assert_true(s.set_mask & SETTING_BIT(SETTING_MACHINE_ID));
        assert_true(s.set_mask & SETTING_BIT(SETTING_HOSTNAME));
        settings_done(&s);

        PARSE_OK(&s, "--machine=");
        assert_null(s.machine);
        assert_int_equal(s.register_mode, -1);
        settings_done(&s);

        parse_fails(-EINVAL, "--machine", "-M", "a/b");
        parse_fails(-EINVAL, "--hostname", "--hostname=-foo", NULL);
        parse_fails(-EINVAL, "all zeroes", "--uuid=00000000-0000-0000-0000-000000000000", NULL);
        PARSE_OK(&s, "--register=yes");
        assert_int_equal(s.register_mode, 1);
        settings_done(&s);
        parse_fails(-EINVAL, "--register", "--register=bogus", NULL);
}

static void test_parse_security(void **state) {
        struct settings s;

        PARSE_OK(&s, "--capability=CAP_SYS_MODULE,cap_net_admin", "--drop-capability=CAP_MKNOD",
                 "--ambient-capability=CAP_NET_RAW", "--no-new-privileges=yes",
                 "--system-call-filter=@obsolete open", "--system-call-filter=~@swap", "--private-network");
        assert_true(s.caps_add == ((UINT64_C(1) << CAP_SYS_MODULE) | (UINT64_C(1) << CAP_NET_ADMIN)));
        assert_true(s.caps_drop == UINT64_C(1) << CAP_MKNOD);
        assert_true(s.caps_ambient == UINT64_C(1) << CAP_NET_RAW);
        assert_int_equal(s.no_new_privileges, 1);
        assert_true(strv_contains(s.syscall_allow, "@obsolete"));
        assert_true(strv_contains(s.syscall_allow, "open"));
        assert_true(strv_contains(s.syscall_deny, "@swap"));
        assert_true(s.private_network);
        assert_true(s.set_mask & SETTING_BIT(SETTING_NETWORK));
        settings_done(&s);

        PARSE_OK(&s, "--capability=all");
        assert_true(s.caps_all);
        settings_done(&s);

        parse_fails(-EINVAL, "--capability", "--capability=CAP_BOGUS", NULL);
        parse_fails(-EINVAL, "all", "--ambient-capability=all", NULL);
        parse_fails(-EINVAL, "--system-call-filter", "--system-call-filter=@bogus", NULL);
        parse_fails(-EINVAL, "--no-new-privileges", "--no-new-privileges", "-D");
}

static void test_parse_resources(void **state) {
        struct settings s;

        PARSE_OK(&s, "--rlimit=NOFILE=10:20", "--rlimit=RLIMIT_CORE=infinity", "--oom-score-adjust=-1000",
                 "--cpu-affinity=0-1,3", "--personality=x86");
        assert_int_equal(s.rlimits[RLIMIT_NOFILE]->rlim_cur, 10);
        assert_int_equal(s.rlimits[RLIMIT_NOFILE]->rlim_max, 20);
        assert_true(s.rlimits[RLIMIT_CORE]->rlim_cur == RLIM_INFINITY);
        assert_true(s.set_mask & SETTING_BIT(SETTING_RLIMIT_FIRST + RLIMIT_NOFILE));
        assert_true(s.set_mask & SETTING_BIT(SETTING_RLIMIT_FIRST + RLIMIT_CORE));
        assert_false(s.set_mask & SETTING_BIT(SETTING_RLIMIT_FIRST + RLIMIT_CPU));
        assert_int_equal(s.oom_score_adjust, -1000);
        assert_true(s.oom_score_adjust_set);
        assert_true(CPU_ISSET_S(3, s.cpu_set_size, s.cpu_set));
        assert_false(CPU_ISSET_S(2, s.cpu_set_size, s.cpu_set));
#if defined(__x86_64__)
        assert_int_equal(s.personality, PER_LINUX32);
#endif
        settings_done(&s);

        parse_fails(-EINVAL, "--rlimit", "--rlimit=nofile=5", NULL);
        parse_fails(-EINVAL, "--rlimit", "--rlimit=NOFILE=5:4", NULL);
        parse_fails(-EINVAL, "--oom-score-adjust", "--oom-score-adjust=1001", NULL);
        parse_fails(-EINVAL, "--cpu-affinity", "--cpu-affinity=8192", NULL);
        parse_fails(-EINVAL, "--personality", "--personality=bogus", NULL);
}

static void test_parse_integration_io(void **state) {
        struct settings s;

        PARSE_OK(&s, "--resolv-conf=off", "--timezone=auto", "--link-journal=no", "--console=read-only");
        assert_int_equal(s.resolv_conf, RESOLV_CONF_OFF);
        assert_int_equal(s.timezone, TIMEZONE_AUTO);
        assert_int_equal(s.link_journal, LINK_JOURNAL_NO);
        assert_int_equal(s.console_mode, CONSOLE_READ_ONLY);
        settings_done(&s);

        PARSE_OK(&s, "-j", "--resolv-conf=bind-uplink", "--timezone=symlink", "--notify-ready=yes");
        assert_int_equal(s.link_journal, LINK_JOURNAL_TRY_GUEST);
        assert_true(s.link_journal_try);
        assert_int_equal(s.resolv_conf, RESOLV_CONF_BIND_UPLINK);
        assert_int_equal(s.timezone, TIMEZONE_SYMLINK);
        assert_int_equal(s.notify_ready, 1);
        settings_done(&s);

        PARSE_OK(&s, "--link-journal=host", "--set-credential=a:x\\ny", "--load-credential=b:/p");
        assert_int_equal(s.link_journal, LINK_JOURNAL_HOST);
        assert_false(s.link_journal_try);
        assert_string_equal(s.credentials_set[0], "a:x\\ny");
        assert_string_equal(s.credentials_load[0], "b:/p");
        settings_done(&s);

        PARSE_OK(&s, "--console=interactive", "-P");
        assert_int_equal(s.console_mode, CONSOLE_PIPE);
        assert_true(s.set_mask & SETTING_BIT(SETTING_CONSOLE_MODE));
        settings_done(&s);

        for (int m = CONSOLE_INTERACTIVE; m < _CONSOLE_MODE_MAX; m++) {
                char arg[64];
                snprintf(arg, sizeof(arg), "--console=%s", console_mode_to_string(m));
                PARSE_OK(&s, arg);
                assert_int_equal(s.console_mode, m);
                settings_done(&s);
        }

        parse_fails(-EINVAL, "--resolv-conf", "--resolv-conf=bogus", NULL);
        parse_fails(-EINVAL, "--timezone", "--timezone=bogus", NULL);
        parse_fails(-EINVAL, "--link-journal", "--link-journal=bogus", NULL);
        parse_fails(-EINVAL, "--set-credential", "--set-credential=a/b:x", NULL);
        parse_fails(-EINVAL, "--set-credential", "--set-credential=id:bad\\q", NULL);
        parse_fails(-EINVAL, "--load-credential", "--load-credential=id", NULL);
        parse_fails(-EINVAL, "duplicate credential", "--set-credential=id:a", "--load-credential=id:/p");
        parse_fails(-EINVAL, "--console", "--console=bogus", NULL);
}

static void test_parse_mounts(void **state) {
        struct settings s;

        PARSE_OK(&s, "--bind=/a", "--bind-ro=/b:/c:norbind", "--tmpfs=/t", "--overlay=/l:/u:/d",
                 "--overlay-ro=/l1:/l2", "--inaccessible=/etc/shadow");
        assert_int_equal(s.n_custom_mounts, 6);
        assert_int_equal(s.custom_mounts[0].type, CUSTOM_MOUNT_BIND);
        assert_false(s.custom_mounts[0].read_only);
        assert_true(s.custom_mounts[1].read_only);
        assert_false(s.custom_mounts[1].recursive);
        assert_string_equal(s.custom_mounts[2].options, "mode=0755");
        assert_int_equal(s.custom_mounts[3].type, CUSTOM_MOUNT_OVERLAY);
        assert_false(s.custom_mounts[3].read_only);
        assert_true(s.custom_mounts[4].read_only);
        assert_int_equal(s.custom_mounts[5].type, CUSTOM_MOUNT_INACCESSIBLE);
        assert_true(s.set_mask & SETTING_BIT(SETTING_CUSTOM_MOUNTS));
        settings_done(&s);

        parse_fails(-EINVAL, "--bind", "--bind=rel", NULL);
        parse_fails(-EINVAL, "--bind-ro", "--bind-ro=/a:rel", NULL);
        parse_fails(-EINVAL, "unknown bind option", "--bind=/a:/b:idmapx", NULL);
        PARSE_OK(&s, "--bind=/a:/b:idmap", "--bind=/c:/d:norbind,rootidmap",
                 "--bind-ro=/e:/f:owneridmap,noidmap", "--bind=/g");
        assert_int_equal(s.custom_mounts[0].idmap, IDMAP_RANGE);
        assert_int_equal(s.custom_mounts[1].idmap, IDMAP_OWNER_TO_ROOT);
        assert_false(s.custom_mounts[1].recursive);
        assert_int_equal(s.custom_mounts[2].idmap, IDMAP_NONE);
        assert_int_equal(s.custom_mounts[3].idmap, IDMAP_NONE);
        settings_done(&s);
        PARSE_OK(&s, "--bind=/a:/b:owneridmap");
        assert_int_equal(s.custom_mounts[0].idmap, IDMAP_OWNER_TO_OWNER);
        settings_done(&s);
        parse_fails(-EINVAL, "--tmpfs", "--tmpfs=rel", NULL);
        parse_fails(-EINVAL, "--overlay", "--overlay=/a", NULL);
        parse_fails(-EINVAL, "--inaccessible", "--inaccessible=rel", NULL);
}

static int apply_key(struct settings *s, const char *section, const char *key, const char *value);

static void test_parse_userns(void **state) {
        struct settings s;

        PARSE_OK(&s, "--bind-user=alice", "--bind-user=bob", "--bind-user=alice");
        assert_int_equal(strv_length(s.bind_users), 2);
        assert_string_equal(s.bind_users[1], "bob");
        assert_int_equal(apply_key(&s, "Files", "BindUser", "carol  dave"), 0);
        assert_int_equal(strv_length(s.bind_users), 4);
        assert_int_equal(apply_key(&s, "Files", "BindUser", "a:b"), -EINVAL);
        settings_done(&s);
        parse_fails(-EINVAL, "--bind-user", "--bind-user=a:b", NULL);

        PARSE_OK(&s, "--private-users=no", "--private-users-ownership=off");
        assert_int_equal(s.userns_mode, USER_NS_NO);
        assert_int_equal(s.userns_ownership, USER_NS_OWNERSHIP_OFF);
        settings_done(&s);

        /* not given: auto with pick, off otherwise */
        PARSE_OK(&s, "--private-users=pick");
        assert_int_equal(s.userns_mode, USER_NS_PICK);
        assert_int_equal(s.userns_ownership, USER_NS_OWNERSHIP_UNSET);
        assert_int_equal(settings_userns_ownership(&s), USER_NS_OWNERSHIP_AUTO);
        settings_done(&s);
        PARSE_OK(&s, "--private-users");
        assert_int_equal(s.userns_mode, USER_NS_FIXED);
        assert_int_equal(s.uid_shift, UINT32_MAX); /* from the tree */
        assert_int_equal(settings_userns_ownership(&s), USER_NS_OWNERSHIP_OFF);
        settings_done(&s);
        PARSE_OK(&s, "--private-users=yes", "--private-users-ownership=chown");
        assert_int_equal(s.userns_mode, USER_NS_FIXED);
        assert_int_equal(settings_userns_ownership(&s), USER_NS_OWNERSHIP_CHOWN);
        settings_done(&s);
        PARSE_OK(&s, "--private-users=identity");
        assert_int_equal(s.userns_mode, USER_NS_IDENTITY);
        assert_int_equal(s.uid_shift, 0);
        assert_int_equal(s.uid_range, 0x10000);
        settings_done(&s);
        PARSE_OK(&s, "--private-users=65536:1000", "--private-users-ownership=map");
        assert_int_equal(s.userns_mode, USER_NS_FIXED);
        assert_int_equal(s.uid_shift, 65536);
        assert_int_equal(s.uid_range, 1000);
        assert_int_equal(s.userns_ownership, USER_NS_OWNERSHIP_MAP);
        settings_done(&s);
        PARSE_OK(&s, "--private-users=1879048192");
        assert_int_equal(s.uid_range, 0x10000);
        settings_done(&s);
        PARSE_OK(&s, "-U");
        assert_int_equal(s.userns_mode, USER_NS_PICK);
        assert_int_equal(s.userns_ownership, USER_NS_OWNERSHIP_AUTO);
        assert_true(s.set_mask & SETTING_BIT(SETTING_USERNS));
        settings_done(&s);
        PARSE_OK(&s, "--private-users-chown");
        assert_int_equal(s.userns_ownership, USER_NS_OWNERSHIP_CHOWN);
        settings_done(&s);

        /* --private-users-map= (an nspawn extension) */
        PARSE_OK(&s, "--private-users-map=b:0:100000:65536", "--private-users-map=u:65536:1000:1");
        assert_int_equal(s.userns_mode, USER_NS_CUSTOM);
        assert_int_equal(strv_length(s.userns_maps), 2);
        assert_string_equal(s.userns_maps[1], "u:65536:1000:1");
        assert_int_equal(settings_userns_ownership(&s), USER_NS_OWNERSHIP_OFF);
        assert_int_equal(apply_key(&s, "Exec", "PrivateUsersMap", "g:1:2:3 u:1:2:3"), 0);
        assert_int_equal(strv_length(s.userns_maps), 4);
        assert_int_equal(apply_key(&s, "Exec", "PrivateUsersMap", ""), 0); /* resets */
        assert_null(s.userns_maps);
        assert_int_equal(s.userns_mode, USER_NS_NO);
        assert_int_equal(apply_key(&s, "Exec", "PrivateUsersMap", "u:0:1"), -EINVAL);
        settings_done(&s);
        parse_fails(-EINVAL, "expected u|g|b:INSIDE:OUTSIDE:COUNT", "--private-users-map=x:0:0:1", NULL);
        parse_fails(-EINVAL, "goes beyond", "--private-users-map=u:4294967295:0:2", NULL);
        parse_fails(-EINVAL, "may not be combined", "-U", "--private-users-map=b:0:100000:65536");
        parse_fails(-EINVAL, "may not be combined", "--private-users-map=b:0:100000:65536",
                    "--private-users=pick");

        parse_fails(-EINVAL, "UID range", "--private-users=0:0", NULL);
        parse_fails(-EINVAL, "UID range", "--private-users=4294967295:2", NULL);
        parse_fails(-EINVAL, "--private-users", "--private-users=pickx", NULL);
        parse_fails(-EINVAL, "--private-users", "--private-users=-1", NULL);
        parse_fails(-EOPNOTSUPP, "--private-users=managed is not supported yet", "--private-users=managed",
                    NULL);
        parse_fails(-EOPNOTSUPP, "--private-users-ownership=foreign is not supported yet",
                    "--private-users-ownership=foreign", NULL);
        parse_fails(-EINVAL, "--private-users-ownership", "--private-users-ownership=bogus", NULL);
}

/* Every option whose mechanism is not built yet: valid values fail with -EOPNOTSUPP, naming the
 * option; invalid values still fail with -EINVAL first. */
static void test_unsupported(void **state) {
        static const struct {
                const char *good, *bad;
        } cases[] = {
                {"--oci-bundle=/b", "--oci-bundle="},
                {"-Zsystem_u:system_r:container_t:s0", "--selinux-context="},
                {"-Lsystem_u:object_r:container_file_t:s0", "--selinux-apifs-context="},
                {"--share-system", NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct settings s;
                struct option_result res;
                int r = parse_args(&s, &res, cases[i].good, NULL);

                if (r != -EOPNOTSUPP || !res.error || !strstr(res.error, "is not supported yet."))
                        fail_msg("%s: %d %s", cases[i].good, r, res.error ?: "");
                option_result_done(&res);
                settings_done(&s);
                if (!cases[i].bad)
                        continue;
                r = parse_args(&s, &res, cases[i].bad, NULL);
                if (r != -EINVAL)
                        fail_msg("%s: %d %s", cases[i].bad, r, res.error ?: "");
                option_result_done(&res);
                settings_done(&s);
        }
}

static void test_stop_at_first_non_option(void **state) {
        struct settings s;

        PARSE_OK(&s, "-D", "/r", "ls", "-la", "--boot");
        assert_int_equal(s.start_mode, START_PID1);
        assert_int_equal(strv_length(s.parameters), 3);
        assert_string_equal(s.parameters[0], "ls");
        assert_string_equal(s.parameters[1], "-la");
        assert_string_equal(s.parameters[2], "--boot");
        assert_true(s.set_mask & SETTING_BIT(SETTING_START_MODE));
        settings_done(&s);

        PARSE_OK(&s, "-b", "--", "--init-arg");
        assert_int_equal(s.start_mode, START_BOOT);
        assert_int_equal(strv_length(s.parameters), 1);
        assert_string_equal(s.parameters[0], "--init-arg");
        settings_done(&s);

        PARSE_OK(&s, "-q");
        assert_null(s.parameters);
        assert_false(s.set_mask & SETTING_BIT(SETTING_START_MODE));
        settings_done(&s);
}

static void test_errors(void **state) {
        parse_fails(-EINVAL, "'--bogus'", "--bogus=1", NULL);
        parse_fails(-EINVAL, "'-y'", "-y", NULL);
        parse_fails(-EINVAL, "Option --read-only does not take an argument", "--read-only=yes", NULL);
        parse_fails(-EINVAL, "Option --directory requires an argument", "-D", NULL);
        parse_fails(-EINVAL, "Option --kill-signal requires an argument", "--kill-signal", NULL);
        parse_fails(-EINVAL, "Invalid value 'x' for --oom-score-adjust", "--oom-score-adjust=x", NULL);
        /* getopt accepts unambiguous abbreviations, as systemd-nspawn does. */
        struct settings s;
        PARSE_OK(&s, "--direc=/x");
        assert_string_equal(s.directory, "/x");
        settings_done(&s);
}

static void test_help_values(void **state) {
        struct settings s;
        struct option_result res;

        assert_int_equal(parse_args(&s, &res, "--kill-signal=help", NULL), 1);
        assert_non_null(strstr(res.output, "SIGTERM\n"));
        assert_non_null(strstr(res.output, "SIGRTMIN+3\n"));
        option_result_done(&res);
        settings_done(&s);

        assert_int_equal(parse_args(&s, &res, "--console=help", NULL), 1);
        assert_string_equal(res.output, "interactive\nread-only\npassive\npipe\nautopipe\n");
        option_result_done(&res);
        settings_done(&s);

        assert_int_equal(parse_args(&s, &res, "--rlimit=help", NULL), 1);
        assert_non_null(strstr(res.output, "NOFILE\n"));
        option_result_done(&res);
        settings_done(&s);

        assert_int_equal(parse_args(&s, &res, "--capability=help", NULL), 1);
        assert_non_null(res.output);
        option_result_done(&res);
        settings_done(&s);
}

/* Rows of an enum list the enum's own table, in its order: --X=help, the completion and the man page
 * all come from option_values_text(). A help text that spells the values out ("one of …") agrees. */
static void test_enum_rows(void **state) {
        size_t n = 0;

        for (size_t i = 0; i < option_table_size; i++) {
                const struct option_def *o = &option_table[i];
                _cleanup_free_ char *text = NULL, *want = NULL;
                const char *one_of;
                size_t len = 0;

                if (!o->values)
                        continue;
                n++;
                assert_null(o->completion); /* one list per row */
                assert_true(option_has_value_list(o));
                for (size_t v = 0; v < o->values->n; v++) {
                        const char *name = o->values->names[v];
                        if (!name)
                                continue;
                        want = realloc(want, len + strlen(name) + 2);
                        assert_non_null(want);
                        len += (size_t) sprintf(want + len, "%s\n", name);
                }
                text = option_values_text(o);
                assert_string_equal(text, want);

                one_of = o->help ? strstr(o->help, ", one of ") : NULL;
                if (one_of) {
                        for (char *p = want; *p; p++)
                                if (*p == '\n')
                                        *p = ',';
                        want[len - 1] = 0;
                        for (const char *h = one_of + strlen(", one of "), *w = want; *h || *w; h++, w++) {
                                if (*h == ' ')
                                        h++;
                                assert_int_equal(*h, *w);
                        }
                }
        }
        assert_int_equal(n, 7); /* settings, volatile, private-users-ownership, resolv-conf, timezone,
                                   link-journal, console */
        assert_ptr_equal(option_find_long("link-journal")->values, &link_journal_names);
        assert_ptr_equal(option_find_key("Exec", "ResolvConf")->values, &resolv_conf_names);
        assert_false(option_has_value_list(option_find_long("bind")));
        assert_true(option_has_value_list(option_find_long("notify-ready")));
}

static void test_help_text(void **state) {
        static const char *const headings[] = {
                "Image:",        "Execution:",   "System Identity:", "Properties:",  "User Namespacing:",
                "Networking:",   "Security:",    "Resources:",       "Integration:", "Mounts:",
                "Input/Output:", "Credentials:",
        };
        _cleanup_free_ char *help = options_help("nspawn");
        const char *p;

        assert_non_null(help);
        p = help;
        for (size_t i = 0; i < ELEMENTSOF(headings); i++) {
                const char *q = strstr(p, headings[i]);
                if (!q)
                        fail_msg("heading %s missing or out of order", headings[i]);
                p = q;
        }
        assert_null(strstr(help, "share-system"));
        assert_null(strstr(help, "private-users-chown"));
        assert_non_null(strstr(help, "  -U "));
        assert_non_null(strstr(help, "  -j "));
        /* Every visible long option is listed. */
        for (size_t i = 0; i < option_table_size; i++) {
                char needle[64];
                if (!option_table[i].name || !option_table[i].help)
                        continue;
                snprintf(needle, sizeof(needle), "--%s", option_table[i].name);
                assert_non_null(strstr(help, needle));
        }
}

/* ---- settings-file source ---- */

static int apply_key(struct settings *s, const char *section, const char *key, const char *value) {
        const struct option_def *o = option_find_key(section, key);
        const char *reason = NULL;

        assert_non_null(o);
        return option_apply(o, SOURCE_FILE, value, s, &reason);
}

static void test_file_source(void **state) {
        struct settings s;

        settings_init(&s);
        assert_int_equal(apply_key(&s, "Exec", "Boot", "yes"), 0);
        assert_int_equal(s.start_mode, START_BOOT);
        assert_int_equal(apply_key(&s, "Exec", "ProcessTwo", "yes"), -EINVAL);
        assert_int_equal(apply_key(&s, "Exec", "Boot", "no"), 0);
        assert_int_equal(s.start_mode, START_PID1);
        assert_int_equal(apply_key(&s, "Exec", "ProcessTwo", "on"), 0);
        assert_int_equal(s.start_mode, START_PID2);
        assert_int_equal(apply_key(&s, "Exec", "Parameters", "a 'b c'"), 0);
        assert_int_equal(strv_length(s.parameters), 2);
        assert_string_equal(s.parameters[1], "b c");

        assert_int_equal(apply_key(&s, "Exec", "Environment", "A=1 \"B=2 3\""), 0);
        assert_string_equal(strv_env_get(s.environment, "B"), "2 3");
        assert_int_equal(apply_key(&s, "Exec", "Environment", "NOVALUE"), -EINVAL);

        assert_int_equal(apply_key(&s, "Exec", "Capability", "CAP_SYS_MODULE CAP_NET_ADMIN"), 0);
        assert_true(s.caps_add == ((UINT64_C(1) << CAP_SYS_MODULE) | (UINT64_C(1) << CAP_NET_ADMIN)));
        assert_true(s.set_mask & SETTING_BIT(SETTING_CAPABILITY));

        assert_int_equal(apply_key(&s, "Exec", "LimitNOFILE", "100:200"), 0);
        assert_int_equal(s.rlimits[RLIMIT_NOFILE]->rlim_max, 200);
        assert_true(s.set_mask & SETTING_BIT(SETTING_RLIMIT_FIRST + RLIMIT_NOFILE));
        assert_int_equal(apply_key(&s, "Exec", "LimitCPU", "bogus"), -EINVAL);

        assert_int_equal(apply_key(&s, "Exec", "KillSignal", "help"), -EINVAL); /* no "help" in files */
        assert_int_equal(apply_key(&s, "Exec", "Ephemeral", "no"), 0);
        assert_int_equal(apply_key(&s, "Exec", "Ephemeral", "yes"), 0);
        assert_true(s.ephemeral);
        assert_int_equal(apply_key(&s, "Exec", "PrivateUsers", "no"), 0);
        assert_int_equal(apply_key(&s, "Exec", "PrivateUsers", "pick"), 0);
        assert_int_equal(s.userns_mode, USER_NS_PICK);
        assert_int_equal(settings_userns_ownership(&s), USER_NS_OWNERSHIP_AUTO);
        assert_int_equal(apply_key(&s, "Exec", "PrivateUsers", "1879048192:65536"), 0);
        assert_int_equal(s.uid_shift, 1879048192);

        assert_int_equal(apply_key(&s, "Files", "ReadOnly", "yes"), 0);
        assert_true(s.read_only);
        assert_int_equal(apply_key(&s, "Files", "Bind", "/a:/b"), 0);
        assert_int_equal(s.n_custom_mounts, 1);
        assert_int_equal(apply_key(&s, "Files", "PrivateUsersChown", "no"), 0);
        assert_int_equal(apply_key(&s, "Files", "PrivateUsersChown", "yes"), 0);
        assert_int_equal(s.userns_ownership, USER_NS_OWNERSHIP_CHOWN);
        assert_int_equal(apply_key(&s, "Files", "PrivateUsersOwnership", "map"), 0);
        assert_int_equal(s.userns_ownership, USER_NS_OWNERSHIP_MAP);

        assert_int_equal(apply_key(&s, "Network", "Private", "yes"), 0);
        assert_true(s.private_network);
        assert_int_equal(apply_key(&s, "Network", "VirtualEthernet", "no"), 0);
        assert_false(s.network_veth);
        assert_int_equal(apply_key(&s, "Network", "VirtualEthernet", "yes"), 0);
        assert_true(s.network_veth);
        /* lists: each line appends, an empty one resets */
        assert_int_equal(apply_key(&s, "Network", "Interface", "eth0 eth1:in1"), 0);
        assert_int_equal(apply_key(&s, "Network", "Interface", "eth2"), 0);
        assert_int_equal(strv_length(s.network_interfaces), 3);
        assert_string_equal(s.network_interfaces[1], "eth1:in1");
        assert_int_equal(apply_key(&s, "Network", "Interface", ""), 0);
        assert_null(s.network_interfaces);
        assert_int_equal(apply_key(&s, "Network", "Interface", "eth0 eth:1"), -EINVAL);
        assert_int_equal(apply_key(&s, "Network", "MACVLAN", "eth0 eth1:mv1"), 0);
        assert_int_equal(apply_key(&s, "Network", "IPVLAN", "eth0"), 0);
        assert_int_equal(apply_key(&s, "Network", "VirtualEthernetExtra", "a:b c"), 0);
        assert_int_equal(strv_length(s.network_veth_extra), 2);
        assert_int_equal(apply_key(&s, "Network", "Bridge", "br0"), 0);
        assert_string_equal(s.network_bridge, "br0");
        assert_int_equal(apply_key(&s, "Network", "Zone", "z1"), 0);
        assert_string_equal(s.network_zone, "z1");
        assert_int_equal(apply_key(&s, "Network", "Zone", "averyveryverylongname"), -EINVAL);
        assert_int_equal(apply_key(&s, "Network", "Port", "80"), 0);
        assert_int_equal(apply_key(&s, "Network", "Port", "udp:53:5353"), 0);
        assert_int_equal(strv_length(s.expose_ports), 2);
        assert_int_equal(apply_key(&s, "Network", "Port", "sctp:80"), -EINVAL);
        settings_done(&s);
}

/* The network options store their words; what they imply (a private network, a veth) is
 * settings_network_imply()'s, as systemd-nspawn's parse_argv(). */
static void test_parse_network(void **state) {
        struct settings s;

        PARSE_OK(&s, "-n");
        assert_true(s.network_veth && s.private_network);
        settings_done(&s);
        PARSE_OK(&s, "--network-zone=z");
        assert_string_equal(s.network_zone, "z");
        assert_true(s.network_veth && s.private_network);
        settings_done(&s);
        PARSE_OK(&s, "--network-bridge=br0");
        assert_string_equal(s.network_bridge, "br0");
        assert_true(s.network_veth && s.private_network);
        settings_done(&s);
        PARSE_OK(&s, "--network-interface=eth0", "--network-interface=eth1:in1");
        assert_int_equal(strv_length(s.network_interfaces), 2);
        assert_string_equal(s.network_interfaces[1], "eth1:in1");
        assert_true(s.private_network && !s.network_veth);
        settings_done(&s);
        PARSE_OK(&s, "--network-macvlan=eth0", "--network-ipvlan=eth0:iv");
        assert_string_equal(s.network_macvlan[0], "eth0");
        assert_string_equal(s.network_ipvlan[0], "eth0:iv");
        assert_true(s.private_network);
        settings_done(&s);
        PARSE_OK(&s, "--network-veth-extra=ve-a:host1", "--network-veth-extra=x:");
        assert_int_equal(strv_length(s.network_veth_extra), 2);
        assert_true(s.private_network && !s.network_veth);
        settings_done(&s);
        /* -p is kept as given (the plan needs the pool to carry it out, network.c) */
        PARSE_OK(&s, "-p", "8080", "--port=udp:53:5353", "-ptcp:1:65535");
        assert_int_equal(strv_length(s.expose_ports), 3);
        assert_string_equal(s.expose_ports[1], "udp:53:5353");
        settings_done(&s);
        parse_fails(-EINVAL, "Invalid value 'sctp:80' for --port: expected [tcp|udp:]HOSTPORT",
                    "--port=sctp:80", NULL);
        parse_fails(-EINVAL, "Invalid value '0' for --port", "-p", "0");
        parse_fails(-EINVAL, "Invalid value '80:65536' for --port", "--port=80:65536", NULL);
        /* a namespace to join is not a private network: no CAP_NET_ADMIN, lo as it is */
        PARSE_OK(&s, "--network-namespace-path=/run/netns/x");
        assert_string_equal(s.network_namespace_path, "/run/netns/x");
        assert_false(s.private_network);
        settings_done(&s);

        static const char *const bad[] = {
                "--network-interface=eth0:bad/x",
                "--network-interface=12345",
                "--network-macvlan=a/b",
                "--network-veth-extra=a:b:c",
                "--network-bridge=",
                "--network-zone=averyveryverylongname",
                "--network-namespace-path=",
                "--network-veth-extra=averyveryverylongname",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct option_result res;
                int r = parse_args(&s, &res, bad[i], NULL);
                if (r != -EINVAL)
                        fail_msg("%s: %d %s", bad[i], r, res.error ?: "");
                option_result_done(&res);
                settings_done(&s);
        }
        parse_fails(-EINVAL,
                    "Invalid value 'averyveryverylongname' for --network-zone: not a valid zone name.",
                    "--network-zone=averyveryverylongname", NULL);
}

/* One wording for both front-ends: the same failure of the same row reads the same, named as
 * "--option" on the command line and "Key=" in a file, the file's text quoted. */
static void test_error_wording(void **state) {
        static const struct {
                const char *key, *value;
                int r;
                const char *reason, *cli, *file;
        } cases[] = {
                /* the wording of a row refused whole (no value list, no reason) */
                {"Port", "80", -EOPNOTSUPP, NULL, "Option --port is not supported yet.",
                 "Port= is not supported yet."},
                {"PrivateUsers", "managed", -EOPNOTSUPP, "not built",
                 "Option --private-users=managed is not supported yet.",
                 "PrivateUsers=managed is not supported yet."},
                {"PrivateUsersOwnership", "foreign", -EOPNOTSUPP, NULL,
                 "Option --private-users-ownership=foreign is not supported yet.",
                 "PrivateUsersOwnership=foreign is not supported yet."},
                {"Volatile", "x", -EINVAL, "expected no, yes, state or overlay",
                 "Invalid value 'x' for --volatile: expected no, yes, state or overlay.",
                 "Invalid value 'x' for Volatile=: expected no, yes, state or overlay."},
                {"Hostname", "x", -EINVAL, NULL, "Invalid value 'x' for --hostname.",
                 "Invalid value 'x' for Hostname=."},
                {"Hostname", "x", -ERANGE, NULL,
                 "Invalid value 'x' for --hostname: Numerical result out of range.",
                 "Invalid value 'x' for Hostname=: Numerical result out of range."},
                {"Hostname", "x", -ENOMEM, NULL, "Out of memory.", "Out of memory."},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct option_def *o = NULL;
                char *msg = NULL;
                int want = cases[i].r == -EOPNOTSUPP || cases[i].r == -ENOMEM ? cases[i].r : -EINVAL;

                for (size_t j = 0; j < option_table_size && !o; j++)
                        if (streq_ptr(option_table[j].key, cases[i].key))
                                o = &option_table[j];
                assert_non_null(o);
                assert_int_equal(
                        option_error(o, SOURCE_CLI, cases[i].value, cases[i].r, cases[i].reason, &msg),
                        want);
                assert_string_equal(msg, cases[i].cli);
                free(msg);
                assert_int_equal(
                        option_error(o, SOURCE_FILE, cases[i].value, cases[i].r, cases[i].reason, &msg),
                        want);
                assert_string_equal(msg, cases[i].file);
                free(msg);
        }
}

/* A file's text in a message: bounded, escaped. */
static void test_quote(void **state) {
        char buf[OPTION_QUOTE_SIZE], long_[3 * OPTION_QUOTE_MAX], all_bad[OPTION_QUOTE_MAX + 2];

        assert_string_equal(option_quote("", buf), "");
        assert_string_equal(option_quote("plain /path:x", buf), "plain /path:x");
        assert_string_equal(option_quote("a\033[2Jb\tc\x7f\xc3\xa9", buf),
                            "a\\x1b[2Jb\\x09c\\x7f\\xc3\\xa9");

        memset(long_, 'x', sizeof(long_) - 1);
        long_[sizeof(long_) - 1] = 0;
        option_quote(long_, buf);
        assert_int_equal(strlen(buf), OPTION_QUOTE_MAX + 3);
        assert_string_equal(buf + OPTION_QUOTE_MAX, "...");
        long_[OPTION_QUOTE_MAX] = 0; /* exactly the limit: not cut */
        assert_string_equal(option_quote(long_, buf), long_);

        memset(all_bad, '\001', sizeof(all_bad) - 1); /* the worst case fits the buffer */
        all_bad[sizeof(all_bad) - 1] = 0;
        option_quote(all_bad, buf);
        assert_int_equal(strlen(buf), 4 * OPTION_QUOTE_MAX + 3);
}

/* "Key=" (empty) in a file: rows with a reset function forget the list, and the setting counts as
 * unset again when the key alone feeds it; the same value on the command line is parsed as usual. */
static void test_file_reset(void **state) {
        struct settings s;
        size_t n_reset = 0;

        for (size_t i = 0; i < option_table_size; i++)
                if (option_table[i].reset) {
                        assert_non_null(option_table[i].key); /* only files reset */
                        n_reset++;
                }
        assert_int_equal(n_reset, 12);

        settings_init(&s);
        assert_int_equal(apply_key(&s, "Exec", "SystemCallFilter", "@clock"), 0);
        assert_int_equal(apply_key(&s, "Exec", "SystemCallFilter", "~@mount"), 0);
        assert_non_null(s.syscall_allow);
        assert_non_null(s.syscall_deny);
        assert_int_equal(apply_key(&s, "Exec", "SystemCallFilter", ""), 0);
        assert_null(s.syscall_allow);
        assert_null(s.syscall_deny);
        assert_false(s.set_mask & SETTING_BIT(SETTING_SYSCALL_FILTER));

        assert_int_equal(apply_key(&s, "Exec", "Personality", "x86"), 0);
        assert_int_equal(apply_key(&s, "Exec", "Personality", ""), 0);
        assert_int_equal(s.personality, PERSONALITY_INVALID);
        assert_false(s.set_mask & SETTING_BIT(SETTING_PERSONALITY));

        assert_int_equal(apply_key(&s, "Exec", "CPUAffinity", "0-1"), 0);
        assert_int_equal(apply_key(&s, "Exec", "CPUAffinity", ""), 0);
        assert_null(s.cpu_set);
        assert_false(s.set_mask & SETTING_BIT(SETTING_CPU_AFFINITY));

        /* Parameters= shares its setting with Boot=: the list goes, the bit stays. */
        assert_int_equal(apply_key(&s, "Exec", "Boot", "yes"), 0);
        assert_int_equal(apply_key(&s, "Exec", "Parameters", "a b"), 0);
        assert_int_equal(apply_key(&s, "Exec", "Parameters", ""), 0);
        assert_null(s.parameters);
        assert_int_equal(s.start_mode, START_BOOT);
        assert_true(s.set_mask & SETTING_BIT(SETTING_START_MODE));

        /* Keys without a reset still parse an empty value. */
        assert_int_equal(apply_key(&s, "Exec", "KillSignal", ""), -EINVAL);
        settings_done(&s);

        /* The command line has no such rule. */
        PARSE_OK(&s, "--system-call-filter=@clock", "--personality=x86");
        parse_fails(-EINVAL, "Invalid value '' for --personality", "--personality=", NULL);
        parse_fails(-EINVAL, "Invalid value '' for --setenv", "--setenv=", NULL);
        settings_done(&s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table_unique),
                cmocka_unit_test(test_table_complete),
                cmocka_unit_test(test_parse_general),
                cmocka_unit_test(test_parse_image),
                cmocka_unit_test(test_parse_disk_image),
                cmocka_unit_test(test_parse_execution),
                cmocka_unit_test(test_parse_identity),
                cmocka_unit_test(test_parse_security),
                cmocka_unit_test(test_parse_resources),
                cmocka_unit_test(test_parse_integration_io),
                cmocka_unit_test(test_parse_mounts),
                cmocka_unit_test(test_parse_userns),
                cmocka_unit_test(test_unsupported),
                cmocka_unit_test(test_parse_network),
                cmocka_unit_test(test_stop_at_first_non_option),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_help_values),
                cmocka_unit_test(test_enum_rows),
                cmocka_unit_test(test_help_text),
                cmocka_unit_test(test_file_source),
                cmocka_unit_test(test_error_wording),
                cmocka_unit_test(test_quote),
                cmocka_unit_test(test_file_reset),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
