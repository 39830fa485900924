/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* machined's machines as nspawn's D-Bus helper sends them to nspawnctl (machined-record.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "machined-record.h"
#include "macro.h"
#include "strv.h"

/* items written as one string with '|' for the NULs (and a final NUL) */
static int parse(const char *items, struct machined_record *ret) {
        _cleanup_free_ char *buf = strdup(items);
        for (char *p = buf; *p; p++)
                if (*p == '|')
                        *p = 0;
        return machined_record_parse(buf, strlen(items) + 1, ret);
}

static void test_roundtrip(void **state) {
        char *os[] = {"ID=debian", "VERSION_ID=12", "PRETTY_NAME=Debian GNU/Linux 12 (bookworm)", NULL};
        char *addr[] = {"10.0.0.2", "fe80::1", NULL};
        int netif[] = {3, 17};
        struct machined_record r = {
                .name = "deb",
                .id = {0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff},
                .timestamp = 1700000000123456,
                .timestamp_monotonic = 987654,
                .service = "systemd-nspawn",
                .unit = "machine-deb.scope",
                .class = "container",
                .root = "/var/lib/machines/deb with = and\nnewline",
                .state = "running",
                .control_group = "/machine.slice/machine-deb.scope",
                .leader = 4242,
                .netif = netif,
                .n_netif = 2,
                .os = os,
                .addresses = addr,
        };
        _cleanup_free_ char *buf = NULL;
        struct machined_record got;
        size_t size;

        (void) state;
        assert_int_equal(machined_record_format(&r, &buf, &size), 0);
        assert_int_equal(buf[size - 1], 0);
        assert_int_equal(machined_record_parse(buf, size, &got), 0);
        assert_string_equal(got.name, "deb");
        assert_memory_equal(got.id, r.id, 16);
        assert_true(got.timestamp == r.timestamp && got.timestamp_monotonic == r.timestamp_monotonic);
        assert_string_equal(got.service, "systemd-nspawn");
        assert_string_equal(got.unit, "machine-deb.scope");
        assert_string_equal(got.class, "container");
        assert_string_equal(got.root, r.root);
        assert_string_equal(got.state, "running");
        assert_string_equal(got.control_group, r.control_group);
        assert_int_equal(got.leader, 4242);
        assert_int_equal(got.n_netif, 2);
        assert_int_equal(got.netif[1], 17);
        assert_int_equal(strv_length(got.os), 3);
        assert_string_equal(got.os[2], os[2]);
        assert_int_equal(strv_length(got.addresses), 2);
        assert_string_equal(got.addresses[1], "fe80::1");
        machined_record_done(&got);

        /* a zero ID is empty, and reads back as zero; missing strings stay NULL */
        struct machined_record min = {.name = "x"};
        free(buf);
        buf = NULL;
        assert_int_equal(machined_record_format(&min, &buf, &size), 0);
        assert_non_null(memmem(buf, size, "\0Id=\0", 5));
        assert_int_equal(machined_record_parse(buf, size, &got), 0);
        assert_null(got.unit);
        assert_null(got.os);
        assert_int_equal(got.n_netif, 0);
        for (size_t i = 0; i < 16; i++)
                assert_int_equal(got.id[i], 0);
        machined_record_done(&got);
        min.name = NULL;
        assert_int_equal(machined_record_format(&min, &buf, &size), -EINVAL);
}

static void test_parse(void **state) {
        struct machined_record r;

        (void) state;
        /* unknown keys are skipped, a later value wins */
        assert_int_equal(parse("Name=a|Future=1|Leader=1|Leader=7|Unit=u1|Unit=u2", &r), 0);
        assert_string_equal(r.name, "a");
        assert_int_equal(r.leader, 7);
        assert_string_equal(r.unit, "u2");
        machined_record_done(&r);
        /* an empty value is a value */
        assert_int_equal(parse("Name=a|Service=|NetworkInterfaces=", &r), 0);
        assert_string_equal(r.service, "");
        assert_int_equal(r.n_netif, 0);
        machined_record_done(&r);

        static const char *const bad[] = {
                "",                 /* no name */
                "Leader=1",         /* no name */
                "Name=",            /* invalid name */
                "Name=a/b",         /* invalid name */
                "Name=a|novalue",   /* no "=" */
                "Name=a|=x",        /* no key */
                "Name=a|Leader=-1", /* bad numbers */
                "Name=a|Leader=4294967296",
                "Name=a|Leader=12x",
                "Name=a|Timestamp=",
                "Name=a|TimestampMonotonic=1.5",
                "Name=a|Id=0123", /* bad IDs */
                "Name=a|Id=0123456789abcdef0123456789abcdeg",
                "Name=a|Id=0123456789abcdef0123456789abcdef0",
                "Name=a|NetworkInterfaces=1 x", /* bad ifindexes */
                "Name=a|NetworkInterfaces=0",
                "Name=a|NetworkInterfaces=-3",
                "Name=a|OS=noequals", /* not KEY=VALUE */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (parse(bad[i], &r) != -EBADMSG)
                        fail_msg("accepted: %s", bad[i]);
        }
        /* not NUL-terminated, empty */
        assert_int_equal(machined_record_parse("Name=a", 6, &r), -EBADMSG);
        assert_int_equal(machined_record_parse("", 0, &r), -EBADMSG);
        /* lists are bounded */
        _cleanup_free_ char *many = strdup("Name=a");
        for (int i = 0; i <= MACHINED_RECORD_LIST_MAX; i++) {
                char *n = NULL;
                assert_true(asprintf(&n, "%s|Address=10.0.0.%d", many, i) > 0);
                free(many);
                many = n;
        }
        assert_int_equal(parse(many, &r), -EBADMSG);
        *strrchr(many, '|') = 0; /* one less: the maximum */
        assert_int_equal(parse(many, &r), 0);
        assert_int_equal(strv_length(r.addresses), MACHINED_RECORD_LIST_MAX);
        machined_record_done(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip),
                cmocka_unit_test(test_parse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
