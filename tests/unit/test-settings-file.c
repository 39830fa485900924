/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The .nspawn parser: syntax, error lines, warnings, empty-value resets, the search order and
 * the trust split (through settings_merge). Runs against the real option table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "options.h"
#include "settings-file.h"
#include "settings.h"
#include "strv.h"
#include "test-util.h"

struct warnings {
        char **messages; /* "LINE: message" */
};

static void collect_warning(const char *path, unsigned line, const char *message, void *userdata) {
        struct warnings *w = userdata;
        char *m = NULL;

        assert_non_null(path);
        assert_int_not_equal(asprintf(&m, "%u: %s", line, message), -1);
        assert_int_equal(strv_push(&w->messages, m), 0);
}

/* Parse text as the file "test.nspawn". Returns the parser's result. */
static int parse_text(const char *text, struct settings *s, struct warnings *w, char **ret_error) {
        _cleanup_fclose_ FILE *f = fmemopen((void *) text, strlen(text), "r");

        assert_non_null(f);
        return settings_file_parse(f, "test.nspawn", s, w ? collect_warning : NULL, w, ret_error);
}

/* Parse text that must fail; check the errno and the message prefix "test.nspawn:LINE: ". */
static void expect_error(const char *text, int expected_r, const char *expected_message) {
        struct settings s;
        _cleanup_free_ char *error = NULL;
        int r;

        settings_init(&s);
        r = parse_text(text, &s, NULL, &error);
        if (r != expected_r || !error || !streq(error, expected_message))
                print_error("text: %s\n r=%d (want %d) error=%s\n want %s\n", text, r, expected_r,
                            error ?: "(null)", expected_message);
        assert_int_equal(r, expected_r);
        assert_non_null(error);
        assert_string_equal(error, expected_message);
        settings_done(&s);
}

static void test_good_file(void **state) {
        static const char text[] = "# A comment\n"
                                   "; another comment\n"
                                   "\n"
                                   "[Exec]\n"
                                   "  Boot = yes  \n"
                                   "Environment=A=1 B=2\n"
                                   "Hostname=box\n"
                                   "DropCapability=CAP_CHOWN\n"
                                   "\n"
                                   "[Files]\n"
                                   "ReadOnly=yes\n"
                                   "Bind=/srv/a:/mnt/a\n"
                                   "[Network]\n"
                                   "Private=yes\n";
        struct settings s;
        struct warnings w = {};

        settings_init(&s);
        assert_int_equal(parse_text(text, &s, &w, NULL), 0);
        assert_null(w.messages);

        assert_int_equal(s.start_mode, START_BOOT);
        assert_string_equal(strv_env_get(s.environment, "A"), "1");
        assert_string_equal(strv_env_get(s.environment, "B"), "2");
        assert_string_equal(s.hostname, "box");
        assert_true(s.caps_drop & (UINT64_C(1) << CAP_CHOWN));
        assert_true(s.read_only);
        assert_int_equal(s.n_custom_mounts, 1);
        assert_string_equal(s.custom_mounts[0].source, "/srv/a");
        assert_string_equal(s.custom_mounts[0].destination, "/mnt/a");
        assert_true(s.private_network);

        const uint64_t want = SETTING_BIT(SETTING_START_MODE) | SETTING_BIT(SETTING_ENVIRONMENT) |
                              SETTING_BIT(SETTING_HOSTNAME) | SETTING_BIT(SETTING_CAPABILITY) |
                              SETTING_BIT(SETTING_READ_ONLY) | SETTING_BIT(SETTING_CUSTOM_MOUNTS) |
                              SETTING_BIT(SETTING_NETWORK);
        assert_int_equal(s.set_mask, want);
        settings_done(&s);
}

static void test_empty_file(void **state) {
        struct settings s;

        settings_init(&s);
        assert_int_equal(parse_text("", &s, NULL, NULL), 0);
        assert_int_equal(parse_text("\n\n# only comments\n   \n", &s, NULL, NULL), 0);
        assert_int_equal(s.set_mask, 0);
        settings_done(&s);
}

static void test_continuation(void **state) {
        static const char text[] = "[Exec]\n"
                                   "Environment=A=1 \\\n"
                                   "# a comment inside the continuation is dropped\n"
                                   "   B=2\\\n"
                                   "C=3\n"
                                   "Hostname=h\n";
        struct settings s;

        settings_init(&s);
        assert_int_equal(parse_text(text, &s, NULL, NULL), 0);
        assert_string_equal(strv_env_get(s.environment, "A"), "1");
        assert_string_equal(strv_env_get(s.environment, "B"), "2");
        assert_string_equal(strv_env_get(s.environment, "C"), "3");
        assert_int_equal(strv_length(s.environment), 3);
        assert_string_equal(s.hostname, "h");
        settings_done(&s);
}

static void test_continuation_error_line(void **state) {
        /* A value spread over lines 2-3 is reported at line 2, where its key is. */
        expect_error("[Exec]\nBoot=ma\\\nybe\nHostname=x\n", -EINVAL,
                     "test.nspawn:2: Invalid value 'ma ybe' for Boot=: "
                     "expected a boolean.");
}

static void test_comment_does_not_continue(void **state) {
        struct settings s;

        settings_init(&s);
        assert_int_equal(parse_text("[Exec]\n# comment \\\nHostname=h\n", &s, NULL, NULL), 0);
        assert_string_equal(s.hostname, "h");
        settings_done(&s);
}

static void test_errors(void **state) {
        expect_error("[Exec]\n\nBoot=maybe\n", -EINVAL,
                     "test.nspawn:3: Invalid value 'maybe' for Boot=: expected a boolean.");
        expect_error("[Exec]\nHostname\n", -EBADMSG, "test.nspawn:2: Missing '=' in 'Hostname'.");
        expect_error("[Exec]\n = x\n", -EBADMSG, "test.nspawn:2: Missing key name before '='.");
        expect_error("[Exec\nBoot=yes\n", -EBADMSG, "test.nspawn:1: Invalid section header '[Exec'.");
        expect_error("[Exec]\nBoot=yes\n[Files]\nReadOnly=yes\nVolatile=sometimes\n", -EINVAL,
                     "test.nspawn:5: Invalid value 'sometimes' for Volatile=: expected no, yes, state or "
                     "overlay.");
        expect_error("[Exec]\nKillSignal=SIGFOO\n", -EINVAL,
                     "test.nspawn:2: Invalid value 'SIGFOO' for KillSignal=: not a signal name or "
                     "number.");
}

static void test_not_supported(void **state) {
        /* A key with some values built names the value. */
        expect_error("[Exec]\nPrivateUsers=managed\n", -EOPNOTSUPP,
                     "test.nspawn:2: PrivateUsers=managed is not supported yet.");
}

/* Port= is parsed where it is read: a bad one names the file and line. */
static void test_port(void **state) {
        struct settings s;
        _cleanup_free_ char *error = NULL;

        expect_error("[Network]\nVirtualEthernet=yes\nPort=sctp:80\n", -EINVAL,
                     "test.nspawn:3: Invalid value 'sctp:80' for Port=: expected "
                     "[tcp|udp:]HOSTPORT[:CONTAINERPORT], ports 1-65535.");
        settings_init(&s);
        assert_int_equal(parse_text("[Network]\nPort=80\nPort=udp:53:5353\n", &s, NULL, &error), 0);
        assert_int_equal(strv_length(s.expose_ports), 2);
        settings_done(&s);
}

/* The file's text in messages: at most OPTION_QUOTE_MAX bytes, control characters escaped — a file
 * that is not configuration (or a hostile one) is never echoed back in full. */
static void test_messages_bounded(void **state) {
        char text[600], want[300], x80[OPTION_QUOTE_MAX + 1];
        struct warnings w = {};
        struct settings s;

        memset(x80, 'x', OPTION_QUOTE_MAX);
        x80[OPTION_QUOTE_MAX] = 0;

        snprintf(text, sizeof(text), "[Exec]\n%s%s\n", x80, "SECRET-REST-OF-LINE");
        snprintf(want, sizeof(want), "test.nspawn:2: Missing '=' in '%s...'.", x80);
        expect_error(text, -EBADMSG, want);

        snprintf(text, sizeof(text), "[Exec]\nHostname=%s%s\n", x80, "SECRET");
        snprintf(want, sizeof(want),
                 "test.nspawn:2: Invalid value '%s...' for Hostname=: not a valid hostname.", x80);
        expect_error(text, -EINVAL, want);

        snprintf(text, sizeof(text), "[Files]\nBind=/%s:/b:bogus\n", x80);
        snprintf(want, sizeof(want),
                 "test.nspawn:2: Invalid value '/%.*s...' for Bind=: unknown bind option (rbind, norbind, "
                 "idmap, noidmap, rootidmap, owneridmap).",
                 OPTION_QUOTE_MAX - 1, x80);
        expect_error(text, -EINVAL, want);

        expect_error("[Exec]\nHostname\033]0;pwned\007\n", -EBADMSG,
                     "test.nspawn:2: Missing '=' in 'Hostname\\x1b]0;pwned\\x07'.");
        expect_error("[Exec\033[2J\n", -EBADMSG, "test.nspawn:1: Invalid section header '[Exec\\x1b[2J'.");

        settings_init(&s);
        assert_int_equal(parse_text("[Bo\033gus]\n[Exec]\nK\033ey=1\n", &s, &w, NULL), 0);
        assert_int_equal(strv_length(w.messages), 2);
        assert_string_equal(w.messages[0], "1: Unknown section [Bo\\x1bgus], ignoring.");
        assert_string_equal(w.messages[1], "3: Unknown key 'K\\x1bey' in section [Exec], ignoring.");
        strv_free(w.messages);
        settings_done(&s);
}

static void test_nul_byte(void **state) {
        static const char text[] = "[Exec]\nHostname=a\0b\n";
        _cleanup_fclose_ FILE *f = fmemopen((void *) text, sizeof(text) - 1, "r");
        _cleanup_free_ char *error = NULL;
        struct settings s;

        assert_non_null(f);
        settings_init(&s);
        assert_int_equal(settings_file_parse(f, "x.nspawn", &s, NULL, NULL, &error), -EBADMSG);
        assert_string_equal(error, "x.nspawn:2: Line contains a NUL byte.");
        settings_done(&s);
}

/* The size bound holds for any stream, e.g. a file that grew after it was opened. */
static void test_file_too_large(void **state) {
        const size_t n = SETTINGS_FILE_MAX;
        _cleanup_free_ char *text = malloc(n + 32);
        _cleanup_free_ char *error = NULL;
        struct settings s;

        assert_non_null(text);
        strcpy(text, "[Exec]\n\nHostname=");
        memset(text + strlen(text), 'a', n);
        text[n + 16] = 0;
        settings_init(&s);
        assert_int_equal(parse_text(text, &s, NULL, &error), -EFBIG);
        assert_string_equal(error, "test.nspawn:3: File larger than 64 KiB.");
        settings_done(&s);
}

static void test_no_error_pointer(void **state) {
        struct settings s;

        /* ret_error may be NULL: the result alone must still say "failed". */
        settings_init(&s);
        assert_int_equal(parse_text("[Exec]\nBoot=maybe\n", &s, NULL, NULL), -EINVAL);
        settings_done(&s);
}

static void test_unknown_is_warning(void **state) {
        static const char text[] = "Hostname=outside\n"
                                   "[Exec]\n"
                                   "Foo=bar\n"
                                   "X-Vendor=ignored silently\n"
                                   "[Bogus]\n"
                                   "Boot=maybe\n"
                                   "[X-Mine]\n"
                                   "Anything=goes\n"
                                   "[Files]\n"
                                   "ReadOnly=yes\n";
        struct settings s;
        struct warnings w = {};

        settings_init(&s);
        assert_int_equal(parse_text(text, &s, &w, NULL), 0);
        assert_int_equal(strv_length(w.messages), 3);
        assert_string_equal(w.messages[0], "1: Assignment outside of any section, ignoring.");
        assert_string_equal(w.messages[1], "3: Unknown key 'Foo' in section [Exec], ignoring.");
        assert_string_equal(w.messages[2], "5: Unknown section [Bogus], ignoring.");
        assert_null(s.hostname);
        assert_true(s.read_only);
        assert_int_equal(s.set_mask, SETTING_BIT(SETTING_READ_ONLY));
        strv_free(w.messages);
        settings_done(&s);
}

static void test_keys_are_case_sensitive(void **state) {
        struct settings s;
        struct warnings w = {};

        settings_init(&s);
        assert_int_equal(parse_text("[exec]\nBoot=yes\n[Exec]\nboot=yes\n", &s, &w, NULL), 0);
        assert_int_equal(strv_length(w.messages), 2);
        assert_string_equal(w.messages[0], "1: Unknown section [exec], ignoring.");
        assert_string_equal(w.messages[1], "4: Unknown key 'boot' in section [Exec], ignoring.");
        assert_int_equal(s.set_mask, 0);
        strv_free(w.messages);
        settings_done(&s);
}

static void test_empty_resets_list(void **state) {
        struct settings s;

        settings_init(&s);
        assert_int_equal(parse_text("[Exec]\nEnvironment=A=1\nEnvironment=\n", &s, NULL, NULL), 0);
        assert_null(s.environment);
        assert_int_equal(s.set_mask & SETTING_BIT(SETTING_ENVIRONMENT), 0);
        settings_done(&s);

        settings_init(&s);
        assert_int_equal(
                parse_text("[Exec]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n", &s, NULL, NULL), 0);
        assert_null(strv_env_get(s.environment, "A"));
        assert_string_equal(strv_env_get(s.environment, "B"), "2");
        assert_true(s.set_mask & SETTING_BIT(SETTING_ENVIRONMENT));
        settings_done(&s);
}

static void test_repeated_list_key_appends(void **state) {
        struct settings s;

        settings_init(&s);
        assert_int_equal(parse_text("[Files]\nBind=/a\nBindReadOnly=/b:/c\n", &s, NULL, NULL), 0);
        assert_int_equal(s.n_custom_mounts, 2);
        assert_false(s.custom_mounts[0].read_only);
        assert_true(s.custom_mounts[1].read_only);
        settings_done(&s);
}

/* --- trust and merge --- */

struct skipped {
        uint64_t mask;
};

static void record_skip(enum setting_id id, void *userdata) {
        struct skipped *sk = userdata;

        sk->mask |= SETTING_BIT(id);
}

static const char privileged_text[] = "[Exec]\n"
                                      "Hostname=filehost\n"
                                      "Capability=CAP_NET_ADMIN\n"
                                      "DropCapability=CAP_CHOWN\n"
                                      "[Files]\n"
                                      "Bind=/srv:/srv\n"
                                      "[Network]\n"
                                      "Private=yes\n";

static void test_untrusted_file(void **state) {
        struct settings cli, file;
        struct skipped sk = {};

        settings_init(&cli);
        settings_init(&file);
        assert_int_equal(parse_text(privileged_text, &file, NULL, NULL), 0);
        settings_merge(&cli, &file, false, false, record_skip, &sk);

        /* Privileged settings are dropped and reported... */
        assert_int_equal(cli.n_custom_mounts, 0);
        assert_int_equal(cli.caps_add, 0);
        assert_false(cli.private_network);
        assert_true(sk.mask & SETTING_BIT(SETTING_CUSTOM_MOUNTS));
        assert_true(sk.mask & SETTING_BIT(SETTING_NETWORK));
        /* ...harmless ones still apply, and dropping a capability always does. */
        assert_string_equal(cli.hostname, "filehost");
        assert_true(cli.caps_drop & (UINT64_C(1) << CAP_CHOWN));
        assert_false(sk.mask & SETTING_BIT(SETTING_HOSTNAME));

        settings_done(&cli);
        settings_done(&file);
}

static void test_trusted_file(void **state) {
        struct settings cli, file;
        struct skipped sk = {};

        settings_init(&cli);
        settings_init(&file);
        assert_int_equal(parse_text(privileged_text, &file, NULL, NULL), 0);
        settings_merge(&cli, &file, true, false, record_skip, &sk);

        assert_int_equal(sk.mask, 0);
        assert_int_equal(cli.n_custom_mounts, 1);
        assert_true(cli.caps_add & (UINT64_C(1) << CAP_NET_ADMIN));
        assert_true(cli.caps_drop & (UINT64_C(1) << CAP_CHOWN));
        assert_true(cli.private_network);
        assert_string_equal(cli.hostname, "filehost");

        settings_done(&cli);
        settings_done(&file);
}

/* [Network]: what the keys imply does not depend on their order ("Private=no" after "Interface="
 * is still a private network, "Zone=" a veth whatever VirtualEthernet= says), and every one of
 * them is privileged: an untrusted file's are all dropped, as systemd-nspawn ("Ignoring network
 * settings, file … is not trusted."). */
static void test_network_keys(void **state) {
        struct settings cli, file;
        struct skipped sk = {};

        settings_init(&file);
        assert_int_equal(parse_text("[Network]\nInterface=eth0 eth1:in1\nPrivate=no\n", &file, NULL, NULL),
                         0);
        assert_true(file.private_network);
        assert_int_equal(strv_length(file.network_interfaces), 2);
        settings_done(&file);

        settings_init(&file);
        assert_int_equal(parse_text("[Network]\nZone=z\nVirtualEthernet=no\n", &file, NULL, NULL), 0);
        assert_true(file.network_veth && file.private_network);
        assert_string_equal(file.network_zone, "z");
        settings_done(&file);

        settings_init(&file);
        assert_int_equal(parse_text("[Network]\nVirtualEthernet=no\n", &file, NULL, NULL), 0);
        assert_false(file.network_veth || file.private_network);
        assert_true(file.set_mask & SETTING_BIT(SETTING_NETWORK));
        settings_done(&file);

        static const char *const keys[] = {"Private=yes",
                                           "VirtualEthernet=yes",
                                           "VirtualEthernetExtra=a:b",
                                           "Interface=eth0",
                                           "MACVLAN=eth0",
                                           "IPVLAN=eth0",
                                           "Bridge=br0",
                                           "Zone=z"};
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                char text[128];
                snprintf(text, sizeof text, "[Network]\n%s\n", keys[i]);
                settings_init(&cli);
                settings_init(&file);
                sk = (struct skipped){};
                assert_int_equal(parse_text(text, &file, NULL, NULL), 0);
                settings_merge(&cli, &file, false, false, record_skip, &sk);
                if (!(sk.mask & SETTING_BIT(SETTING_NETWORK)))
                        fail_msg("%s was not dropped from an untrusted file", keys[i]);
                assert_false(cli.private_network || cli.network_veth || cli.network_bridge ||
                             cli.network_zone || cli.network_interfaces || cli.network_macvlan ||
                             cli.network_ipvlan || cli.network_veth_extra);
                settings_done(&cli);
                settings_done(&file);
        }
}

static void set_cli_hostname(struct settings *cli, const char *name) {
        cli->hostname = strdup(name);
        assert_non_null(cli->hostname);
        cli->set_mask |= SETTING_BIT(SETTING_HOSTNAME);
}

static void test_cli_wins(void **state) {
        struct settings cli, file;

        settings_init(&cli);
        settings_init(&file);
        set_cli_hostname(&cli, "clihost");
        assert_int_equal(parse_text("[Exec]\nHostname=filehost\nUser=daemon\n", &file, NULL, NULL), 0);
        settings_merge(&cli, &file, true, false, NULL, NULL);
        assert_string_equal(cli.hostname, "clihost");
        assert_string_equal(cli.user, "daemon"); /* not set on the command line: the file's */
        settings_done(&cli);
        settings_done(&file);
}

static void test_override(void **state) {
        struct settings cli, file;

        settings_init(&cli);
        settings_init(&file);
        set_cli_hostname(&cli, "clihost");
        assert_int_equal(parse_text("[Exec]\nHostname=filehost\n", &file, NULL, NULL), 0);
        settings_merge(&cli, &file, true, true, NULL, NULL);
        assert_string_equal(cli.hostname, "filehost");
        settings_done(&cli);
        settings_done(&file);
}

static void test_override_untrusted_still_guarded(void **state) {
        struct settings cli, file;
        struct skipped sk = {};

        /* --settings=override makes the file win, but never lets an untrusted file add mounts. */
        settings_init(&cli);
        settings_init(&file);
        assert_int_equal(parse_text(privileged_text, &file, NULL, NULL), 0);
        settings_merge(&cli, &file, false, true, record_skip, &sk);
        assert_int_equal(cli.n_custom_mounts, 0);
        assert_false(cli.private_network);
        assert_string_equal(cli.hostname, "filehost");
        settings_done(&cli);
        settings_done(&file);
}

/* --- search order and safe open --- */

TEST_SCRATCH_DIR(scratch, "/tmp/test-settings-file-XXXXXX")

static char *scratch_path(const char *rel) {
        char *p = NULL;

        assert_int_not_equal(asprintf(&p, "%s/%s", scratch, rel), -1);
        return p;
}

static void write_rel(const char *rel, const char *text) {
        _cleanup_free_ char *p = scratch_path(rel);
        FILE *f = fopen(p, "w");

        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

static void touch(const char *rel) {
        write_rel(rel, "");
}

static void mkdir_rel(const char *rel) {
        _cleanup_free_ char *p = scratch_path(rel);

        assert_int_equal(mkdir(p, 0755), 0);
}

static void unlink_rel(const char *rel) {
        _cleanup_free_ char *p = scratch_path(rel);

        assert_int_equal(unlink(p), 0);
}

static void symlink_rel(const char *target, const char *rel) {
        _cleanup_free_ char *p = scratch_path(rel);

        assert_int_equal(symlink(target, p), 0);
}

static void mkfifo_rel(const char *rel) {
        _cleanup_free_ char *p = scratch_path(rel);

        assert_int_equal(mkfifo(p, 0644), 0);
}

/* The trusted "etc" and "run" and the image "machines/foo" in the scratch tree. */
struct tree {
        char *etc, *run, *image;
        const char *dirs[3];
};

static void tree_make(struct tree *t) {
        mkdir_rel("etc");
        mkdir_rel("run");
        mkdir_rel("machines");
        mkdir_rel("machines/foo");
        t->etc = scratch_path("etc");
        t->run = scratch_path("run");
        t->image = scratch_path("machines/foo");
        t->dirs[0] = t->etc;
        t->dirs[1] = t->run;
        t->dirs[2] = NULL;
}

static void tree_remove(struct tree *t) {
        _cleanup_free_ char *machines = scratch_path("machines");

        assert_int_equal(rmdir(t->image), 0);
        assert_int_equal(rmdir(machines), 0);
        assert_int_equal(rmdir(t->etc), 0);
        assert_int_equal(rmdir(t->run), 0);
        free(t->etc);
        free(t->run);
        free(t->image);
}

static void expect_found(const char *const *dirs, const char *image, const char *want_rel,
                         bool want_trusted) {
        _cleanup_(settings_file_done) struct settings_file sf = {};
        _cleanup_free_ char *want = scratch_path(want_rel);

        assert_int_equal(settings_file_open_in(dirs, "foo", image, &sf, NULL), 1);
        assert_non_null(sf.f);
        assert_string_equal(sf.path, want);
        assert_int_equal(sf.trusted, want_trusted);
}

/* Open must fail with r and a message naming the file and containing needle. */
static void expect_refused(const char *const *dirs, const char *image, int r, const char *needle) {
        struct settings_file sf = {.path = (char *) "untouched"};
        _cleanup_free_ char *error = NULL;

        assert_int_equal(settings_file_open_in(dirs, "foo", image, &sf, &error), r);
        assert_null(sf.f);
        assert_string_equal(sf.path, "untouched");
        assert_non_null(error);
        if (!strstr(error, needle) || !strstr(error, "foo.nspawn"))
                fail_msg("'%s' does not contain '%s'", error, needle);
}

static void test_find_order(void **state) {
        struct settings_file sf = {.path = (char *) "untouched"};
        _cleanup_free_ char *image_slash = scratch_path("machines/foo//");
        struct tree t;

        tree_make(&t);

        /* Nothing anywhere: 0, out-parameter untouched. */
        assert_int_equal(settings_file_open_in(t.dirs, "foo", t.image, &sf, NULL), 0);
        assert_string_equal(sf.path, "untouched");

        touch("machines/foo.nspawn");
        expect_found(t.dirs, t.image, "machines/foo.nspawn", false);
        expect_found(t.dirs, image_slash, "machines/foo.nspawn", false);
        touch("run/foo.nspawn");
        expect_found(t.dirs, t.image, "run/foo.nspawn", true);
        touch("etc/foo.nspawn");
        expect_found(t.dirs, t.image, "etc/foo.nspawn", true);
        unlink_rel("run/foo.nspawn");
        expect_found(t.dirs, t.image, "etc/foo.nspawn", true);
        unlink_rel("etc/foo.nspawn");

        /* Another machine's file is not ours. */
        assert_int_equal(settings_file_open_in(t.dirs, "bar", t.image, &sf, NULL), 0);
        /* No image directory: only the trusted directories. */
        assert_int_equal(settings_file_open_in(t.dirs, "foo", NULL, &sf, NULL), 0);
        /* Names that would leave the directory are refused. */
        assert_int_equal(settings_file_open_in(t.dirs, "../foo", t.image, &sf, NULL), -EINVAL);
        assert_int_equal(settings_file_open_in(t.dirs, "", t.image, &sf, NULL), -EINVAL);

        unlink_rel("machines/foo.nspawn");
        tree_remove(&t);
}

/* Next to the image (anyone's download): a symlink is not followed, a FIFO, a directory or a huge
 * file is refused — with an error, never skipped, and never a hang in open(). In /etc and /run a
 * symlink to a regular file is the admin's and is followed, the rest is refused there too. */
static void test_open_refuses(void **state) {
        _cleanup_free_ char *target = scratch_path("target.nspawn"), *big = NULL;
        _cleanup_(settings_file_done) struct settings_file sf = {};
        struct tree t;
        int fd;

        tree_make(&t);
        write_rel("target.nspawn", "[Exec]\nHostname=target\n");
        alarm(20); /* a blocking open() would hang the test: fail it instead */

        symlink_rel(target, "machines/foo.nspawn");
        expect_refused(t.dirs, t.image, -ELOOP, "symbolic link");
        unlink_rel("machines/foo.nspawn");
        symlink_rel("/nonexistent", "machines/foo.nspawn"); /* dangling: still refused */
        expect_refused(t.dirs, t.image, -ELOOP, "symbolic link");
        unlink_rel("machines/foo.nspawn");

        mkfifo_rel("machines/foo.nspawn");
        expect_refused(t.dirs, t.image, -EBADF, "a FIFO, not a regular file");
        unlink_rel("machines/foo.nspawn");
        mkdir_rel("machines/foo.nspawn");
        expect_refused(t.dirs, t.image, -EBADF, "a directory");
        big = scratch_path("machines/foo.nspawn");
        assert_int_equal(rmdir(big), 0);

        /* The size bound: SETTINGS_FILE_MAX bytes pass, one more does not. */
        touch("machines/foo.nspawn");
        assert_int_equal(truncate(big, SETTINGS_FILE_MAX + 1), 0);
        expect_refused(t.dirs, t.image, -EFBIG, "larger than 64 KiB");
        assert_int_equal(truncate(big, SETTINGS_FILE_MAX), 0);
        expect_found(t.dirs, t.image, "machines/foo.nspawn", false);
        unlink_rel("machines/foo.nspawn");

        /* Trusted directories: a FIFO is refused, a symlink to a regular file followed. */
        mkfifo_rel("run/foo.nspawn");
        expect_refused(t.dirs, t.image, -EBADF, "a FIFO");
        unlink_rel("run/foo.nspawn");
        symlink_rel(target, "etc/foo.nspawn");
        assert_int_equal(settings_file_open_in(t.dirs, "foo", t.image, &sf, NULL), 1);
        assert_true(sf.trusted);
        /* Read in blocking mode again. */
        fd = fileno(sf.f);
        assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        settings_file_done(&sf);
        assert_null(sf.f);
        unlink_rel("etc/foo.nspawn");

        alarm(0);
        unlink_rel("target.nspawn");
        tree_remove(&t);
}

static void test_find_root_image(void **state) {
        /* -D /: there is no "next to the image"; nothing outside the trusted dirs is looked at. */
        const char *const none[] = {NULL};
        struct settings_file sf = {};

        assert_int_equal(settings_file_open_in(none, "foo", "/", &sf, NULL), 0);
        assert_int_equal(settings_file_open_in(none, "foo", "///", &sf, NULL), 0);
}

static void test_find_relative_image(void **state) {
        _cleanup_(settings_file_done) struct settings_file sf = {};
        const char *const none[] = {NULL};
        char cwd[4096];

        /* A relative -D looks in its parent, "." for a plain name. */
        assert_non_null(getcwd(cwd, sizeof(cwd)));
        assert_int_equal(chdir(scratch), 0);
        touch("sfile-rel-test.nspawn");
        assert_int_equal(settings_file_open_in(none, "sfile-rel-test", "image", &sf, NULL), 1);
        assert_string_equal(sf.path, "./sfile-rel-test.nspawn");
        assert_false(sf.trusted);
        unlink_rel("sfile-rel-test.nspawn");
        assert_int_equal(chdir(cwd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_file),
                cmocka_unit_test(test_empty_file),
                cmocka_unit_test(test_continuation),
                cmocka_unit_test(test_continuation_error_line),
                cmocka_unit_test(test_comment_does_not_continue),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_network_keys),
                cmocka_unit_test(test_not_supported),
                cmocka_unit_test(test_port),
                cmocka_unit_test(test_messages_bounded),
                cmocka_unit_test(test_nul_byte),
                cmocka_unit_test(test_file_too_large),
                cmocka_unit_test(test_no_error_pointer),
                cmocka_unit_test(test_unknown_is_warning),
                cmocka_unit_test(test_keys_are_case_sensitive),
                cmocka_unit_test(test_empty_resets_list),
                cmocka_unit_test(test_repeated_list_key_appends),
                cmocka_unit_test(test_untrusted_file),
                cmocka_unit_test(test_trusted_file),
                cmocka_unit_test(test_cli_wins),
                cmocka_unit_test(test_override),
                cmocka_unit_test(test_override_untrusted_still_guarded),
                cmocka_unit_test(test_find_order),
                cmocka_unit_test(test_open_refuses),
                cmocka_unit_test(test_find_root_image),
                cmocka_unit_test(test_find_relative_image),
        };
        return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
