/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-tree.h"
#include "guest-init.h"
#include "images.h"
#include "machine.h"
#include "nspawnctl.h"
#include "strv.h"
#include "table.h"
#include "timefmt.h"

/* Run fn(t, f) into a string. */
static char *print_to_string(int (*fn)(const struct table *, void *, FILE *), const struct table *t,
                             void *arg) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        assert_non_null(f);
        assert_int_equal(fn(t, arg, f), 0);
        fclose(f);
        return buf;
}
static int print_plain(const struct table *t, void *header, FILE *f) {
        return table_print(t, *(bool *) header, f);
}
static int print_json(const struct table *t, void *mode, FILE *f) {
        return table_print_json(t, *(enum output_mode *) mode, f);
}

static struct table *machines_table(void) {
        static const char *const cols[] = {"machine", "class", "service", "os", "version", "addresses"};
        struct table *t = table_new(cols, 6);
        const char *r1[] = {"zz", "container", "nspawn", "debian", "12", "10.0.0.2\nfe80::1"};
        const char *r2[] = {"bb1", "container", "nspawn", "mctlbb", NULL, ""};
        assert_non_null(t);
        assert_int_equal(table_add_row(t, r1), 0);
        assert_int_equal(table_add_row(t, r2), 0);
        table_sort(t);
        return t;
}

/* machinectl 252's layout: widest cell, one space, "-" for missing, no trailing blanks, cells cut
 * to one line with "…". */
static void test_table_layout(void **state) {
        struct table *t = machines_table();
        bool header = true;
        table_set_height_max(t, 1);
        _cleanup_free_ char *s = print_to_string(print_plain, t, &header);
        assert_string_equal(s, "MACHINE CLASS     SERVICE OS     VERSION ADDRESSES\n"
                               "bb1     container nspawn  mctlbb -       -\n"
                               "zz      container nspawn  debian 12      10.0.0.2…\n");
        header = false;
        free(s);
        s = print_to_string(print_plain, t, &header);
        assert_string_equal(s, "bb1 container nspawn mctlbb -  -\n"
                               "zz  container nspawn debian 12 10.0.0.2…\n");
        table_set_height_max(t, 0);
        free(s);
        s = print_to_string(print_plain, t, &header);
        assert_string_equal(s, "bb1 container nspawn mctlbb -  -\n"
                               "zz  container nspawn debian 12 10.0.0.2\n"
                               "                               fe80::1\n");
        table_free(t);
}

static void test_table_json(void **state) {
        struct table *t = machines_table();
        enum output_mode m = OUTPUT_JSON;
        _cleanup_free_ char *s = print_to_string(print_json, t, &m);
        assert_string_equal(
                s, "[{\"machine\":\"bb1\",\"class\":\"container\",\"service\":\"nspawn\",\"os\":\"mctlbb\","
                   "\"version\":null,\"addresses\":null},{\"machine\":\"zz\",\"class\":\"container\","
                   "\"service\":\"nspawn\",\"os\":\"debian\",\"version\":\"12\",\"addresses\":"
                   "\"10.0.0.2\\nfe80::1\"}]\n");
        m = OUTPUT_JSON_PRETTY;
        free(s);
        s = print_to_string(print_json, t, &m);
        assert_non_null(strstr(s, "[\n\t{\n\t\t\"machine\" : \"bb1\",\n\t\t\"class\" : \"container\",\n"));
        assert_non_null(strstr(s, "\t\t\"addresses\" : null\n\t},\n\t{\n"));
        assert_non_null(strstr(s, "\n\t}\n]\n"));
        table_free(t);

        static const char *const cols[] = {"machine"};
        t = table_new(cols, 1);
        m = OUTPUT_JSON_PRETTY;
        free(s);
        s = print_to_string(print_json, t, &m);
        assert_string_equal(s, "[]\n");
        m = OUTPUT_JSON_SEQ;
        free(s);
        s = print_to_string(print_json, t, &m);
        assert_string_equal(s, "\x1e[]\n");
        m = OUTPUT_JSON_SSE;
        free(s);
        s = print_to_string(print_json, t, &m);
        assert_string_equal(s, "data: []\n\n");
        table_free(t);
}

static void test_timestamps(void **state) {
        char buf[128];
        const uint64_t s = 1000000ULL, now = 1800000000ULL * s;
        static const struct {
                uint64_t ago;
                const char *text;
        } cases[] = {
                {0, "now"},
                {5, "5us ago"},
                {5000, "5ms ago"},
                {2 * 1000000ULL, "2s ago"},
                {(60 + 3) * 1000000ULL, "1min 3s ago"},
                {7 * 60 * 1000000ULL, "7min ago"},
                {(3600 + 120) * 1000000ULL, "1h 2min ago"},
                {7 * 3600 * 1000000ULL, "7h ago"},
                {26 * 3600 * 1000000ULL, "1 day 2h ago"},
                {3 * 86400 * 1000000ULL, "3 days ago"},
                {8 * 86400 * 1000000ULL, "1 week 1 day ago"},
                {40 * 86400 * 1000000ULL, "1 month 9 days ago"},
                {400 * 86400 * 1000000ULL, "1 year 1 month ago"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                assert_string_equal(format_timestamp_relative(buf, sizeof buf, now - cases[i].ago, now),
                                    cases[i].text);
        assert_string_equal(format_timestamp_relative(buf, sizeof buf, now + 3 * s, now), "3s left");
        assert_string_equal(format_timestamp_relative(buf, sizeof buf, 0, now), "");
        setenv("TZ", "UTC", 1);
        assert_string_equal(format_timestamp(buf, sizeof buf, 1796517061ULL * s),
                            "Sun 2026-12-06 00:31:01 UTC");
        assert_string_equal(format_timestamp(buf, sizeof buf, 0), "");
}

static void test_os_release(void **state) {
        _cleanup_strv_free_ char **l = NULL;
        assert_int_equal(os_release_parse("# comment\nID=debian\nVERSION_ID=\"12\"\n"
                                          "PRETTY_NAME='Debian GNU/Linux 12 (bookworm)'\n"
                                          "NAME=\"a \\\"quoted\\\" name\"\n  BAD LINE\nEMPTY=\n",
                                          &l),
                         0);
        assert_string_equal(os_release_get(l, "ID"), "debian");
        assert_string_equal(os_release_get(l, "VERSION_ID"), "12");
        assert_string_equal(os_release_get(l, "PRETTY_NAME"), "Debian GNU/Linux 12 (bookworm)");
        assert_string_equal(os_release_get(l, "NAME"), "a \"quoted\" name");
        assert_string_equal(os_release_get(l, "EMPTY"), "");
        assert_null(os_release_get(l, "VERSION"));
        assert_null(os_release_get(l, "I"));
}

/* Every output mode name round-trips; the verb table is machinectl's shape. */
static void test_tables(void **state) {
        for (int m = 0; m < _OUTPUT_MODE_MAX; m++)
                assert_int_equal(output_mode_from_string(output_mode_to_string(m)), m);
        assert_int_equal(output_mode_from_string("bogus"), _OUTPUT_MODE_INVALID);
        assert_true(output_mode_is_json(OUTPUT_JSON_SEQ) && !output_mode_is_json(OUTPUT_CAT));

        assert_ptr_equal(verb_find(NULL), verb_find("list"));
        assert_null(verb_find("bogus"));
        static const struct {
                const char *name;
                int min, max;
        } shape[] = {{"status", 2, VERB_ANY}, {"show", VERB_ANY, VERB_ANY},
                     {"kill", 2, VERB_ANY},   {"list", VERB_ANY, 1},
                     {"bind", 3, 4},          {"rename", 3, 3}};
        for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++) {
                const struct verb *v = verb_find(shape[i].name);
                assert_non_null(v);
                assert_int_equal(v->min_args, shape[i].min);
                assert_int_equal(v->max_args, shape[i].max);
        }
        assert_ptr_equal(verb_find("stop")->run, verb_find("poweroff")->run);
        for (size_t i = 0; i < n_verbs; i++)
                for (size_t j = i + 1; j < n_verbs; j++)
                        assert_false(streq(verbs[i].name, verbs[j].name));
}

/* list-images' layout: USAGE right-aligned (its header too), an unknown usage blank (but one
 * column wide), a missing time "-". */
static void test_table_images(void **state) {
        static const char *const cols[] = {"name", "type", "ro", "usage", "created", "modified"};
        struct table *t = table_new(cols, 6);
        const char *r1[] = {"bb1", "directory", "no", NULL, "Sun 2026-11-29 00:30:15 UTC", NULL};
        const char *r2[] = {
                "disk", "raw", "yes", "1.5G", "Sun 2026-11-29 00:30:15 UTC", "Sun 2026-11-29 00:30:15 UTC"};
        bool header = true;
        assert_non_null(t);
        assert_int_equal(table_set_missing(t, 3, ""), 0);
        table_set_right_aligned(t, 3);
        assert_int_equal(table_add_row(t, r1), 0);
        assert_int_equal(table_add_row(t, r2), 0);
        _cleanup_free_ char *s = print_to_string(print_plain, t, &header);
        assert_string_equal(
                s, "NAME TYPE      RO  USAGE CREATED                     MODIFIED\n"
                   "bb1  directory no        Sun 2026-11-29 00:30:15 UTC -\n"
                   "disk raw       yes  1.5G Sun 2026-11-29 00:30:15 UTC Sun 2026-11-29 00:30:15 UTC\n");
        table_free(t);

        /* machinectl 252's --no-legend row of a directory on ext4 */
        t = table_new(cols, 6);
        assert_non_null(t);
        assert_int_equal(table_set_missing(t, 3, ""), 0);
        table_set_right_aligned(t, 3);
        assert_int_equal(table_add_row(t, r1), 0);
        header = false;
        _cleanup_free_ char *n = print_to_string(print_plain, t, &header);
        assert_string_equal(n, "bb1 directory no   Sun 2026-11-29 00:30:15 UTC -\n");
        table_free(t);
}

/* systemd's FORMAT_BYTES(): IEC, one decimal truncated, "B" below 1K. */
static void test_format_bytes(void **state) {
        char b[32];
        assert_string_equal(format_bytes(b, sizeof b, 0), "0B");
        assert_string_equal(format_bytes(b, sizeof b, 1023), "1023B");
        assert_string_equal(format_bytes(b, sizeof b, 1024), "1.0K");
        assert_string_equal(format_bytes(b, sizeof b, 16384 + 1023), "16.9K");
        assert_string_equal(format_bytes(b, sizeof b, UINT64_C(1610612736)), "1.5G");
        assert_string_equal(format_bytes(b, sizeof b, UINT64_C(1073741823)), "1023.9M");
        assert_string_equal(format_bytes(b, sizeof b, UINT64_MAX - 1), "15.9E");
        assert_string_equal(format_bytes(b, sizeof b, UINT64_MAX), "");
}

static void test_guest_init_signals(void **state) {
        assert_int_equal(guest_init_signal(GUEST_INIT_SYSTEMD, GUEST_POWEROFF), SIGRTMIN + 4);
        assert_int_equal(guest_init_signal(GUEST_INIT_SYSTEMD, GUEST_REBOOT), SIGINT);
        assert_int_equal(guest_init_signal(GUEST_INIT_UNKNOWN, GUEST_POWEROFF), SIGRTMIN + 4);
        assert_int_equal(guest_init_signal(GUEST_INIT_BUSYBOX, GUEST_POWEROFF), SIGUSR2);
        assert_int_equal(guest_init_signal(GUEST_INIT_BUSYBOX, GUEST_REBOOT), SIGTERM);
        assert_int_equal(guest_init_signal(GUEST_INIT_SYSVINIT, GUEST_POWEROFF), 0);
        assert_int_equal(guest_init_signal(GUEST_INIT_SYSVINIT, GUEST_REBOOT), 0);
}

static void test_cgroup_path_valid(void **state) {
        assert_true(cgroup_path_valid("/"));
        assert_true(cgroup_path_valid("/machine.slice/machine-a\\x2db.scope/payload"));
        assert_true(cgroup_path_valid("/a/..b/.c"));
        assert_false(cgroup_path_valid(NULL));
        assert_false(cgroup_path_valid("machine.slice"));
        assert_false(cgroup_path_valid("/a/../b"));
        assert_false(cgroup_path_valid("/a/.."));
        assert_false(cgroup_path_valid("/./a"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table_layout),
                cmocka_unit_test(test_table_json),
                cmocka_unit_test(test_timestamps),
                cmocka_unit_test(test_os_release),
                cmocka_unit_test(test_tables),
                cmocka_unit_test(test_table_images),
                cmocka_unit_test(test_format_bytes),
                cmocka_unit_test(test_guest_init_signals),
                cmocka_unit_test(test_cgroup_path_valid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
