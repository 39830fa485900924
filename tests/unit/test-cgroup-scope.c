/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd scope's property list (cgroup-scope.c): what StartTransientUnit and machined's
 * CreateMachine get, built without a bus. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "devices.h"
#include "macro.h"

static const struct scope_property *find(const struct scope_property *p, size_t n, const char *name,
                                         size_t nth) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(p[i].name, name) == 0 && nth-- == 0)
                        return &p[i];
        return NULL;
}

static size_t count(const struct scope_property *p, size_t n, const char *name) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
                c += strcmp(p[i].name, name) == 0;
        return c;
}

static const struct device_rule rules[] = {
        {'c', 1, 1, 3, DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE | DEVICE_ACCESS_MKNOD},
        {'c', 10, 10, 200, DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE | DEVICE_ACCESS_MKNOD},
        {'c', 136, 143, DEVICE_ANY, DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE},
        {'c', 0, 0, 0, DEVICE_ACCESS_MKNOD},
        {'b', 0, 0, 0, DEVICE_ACCESS_MKNOD},
        {'b', 7, 7, 3, DEVICE_ACCESS_READ},
        {'c', 4, 5, DEVICE_ANY, DEVICE_ACCESS_READ}, /* a range systemd cannot express: left out */
};

static struct scope_spec spec(void) {
        return (struct scope_spec){
                .machine = "foo",
                .scope = "machine-foo.scope",
                .slice = "machine.slice",
                .pid = 4242,
                .devices = rules,
                .n_devices = ELEMENTSOF(rules),
        };
}

static void test_systemd_list(void **state) {
        struct scope_spec s = spec();
        _cleanup_free_ struct scope_property *p = NULL;
        size_t n = 0;

        (void) state;
        assert_int_equal(scope_properties_build(&s, SCOPE_FOR_SYSTEMD, &p, &n), 0);
        /* systemd-nspawn 252's order: the scope's own settings first */
        assert_string_equal(p[0].name, "PIDs");
        assert_int_equal(p[0].type, SCOPE_PIDS);
        assert_int_equal(p[0].u, 4242);
        assert_string_equal(p[1].name, "Description");
        assert_string_equal(p[1].str, "Container foo");
        assert_string_equal(p[2].name, "Delegate");
        assert_int_equal(p[2].type, SCOPE_BOOL);
        assert_int_equal(p[2].u, 1);
        assert_string_equal(p[3].name, "CollectMode");
        assert_string_equal(p[3].str, "inactive-or-failed");
        assert_string_equal(p[4].name, "AddRef");
        assert_int_equal(p[4].u, 1);
        assert_string_equal(p[5].name, "Slice");
        assert_string_equal(p[5].str, "machine.slice");
        assert_string_equal(p[6].name, "DevicePolicy");
        assert_string_equal(p[6].str, "closed");

        assert_int_equal(count(p, n, "DeviceAllow"), 6);
        static const char *const want[][2] = {
                {"/dev/char/1:3", "rwm"},
                {"/dev/char/10:200", "rwm"},
                {"char-pts", "rw"},
                {"/run/systemd/inaccessible/chr", "m"},
                {"/run/systemd/inaccessible/blk", "m"},
                {"/dev/block/7:3", "r"},
        };
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const struct scope_property *d = find(p, n, "DeviceAllow", i);
                assert_non_null(d);
                assert_int_equal(d->type, SCOPE_DEVICE);
                assert_string_equal(d->str, want[i][0]);
                assert_string_equal(d->access, want[i][1]);
        }
        /* no kill signal: systemd's defaults */
        assert_null(find(p, n, "KillSignal", 0));
        assert_null(find(p, n, "KillMode", 0));
}

static void test_machined_list(void **state) {
        struct scope_spec s = spec();
        _cleanup_free_ struct scope_property *p = NULL;
        size_t n = 0;

        (void) state;
        s.slice = NULL;
        s.pid = 0; /* machined takes the leader from CreateMachine's own argument */
        assert_int_equal(scope_properties_build(&s, SCOPE_FOR_MACHINED, &p, &n), 0);
        /* machined adds these itself */
        assert_null(find(p, n, "PIDs", 0));
        assert_null(find(p, n, "Delegate", 0));
        assert_null(find(p, n, "AddRef", 0));
        assert_string_equal(p[0].name, "Slice");
        assert_string_equal(p[0].str, "machine.slice");
        assert_string_equal(p[1].name, "DevicePolicy");
}

static void test_kill_and_properties(void **state) {
        struct scope_spec s = spec();
        _cleanup_free_ struct scope_property *p = NULL;
        struct cgroup_property props[4];
        const struct scope_property *q;
        const char *reason = NULL;
        size_t n = 0;

        (void) state;
        assert_int_equal(cgroup_property_parse("MemoryMax=1G", &props[0], &reason), 0);
        assert_int_equal(cgroup_property_parse("CPUQuota=50%", &props[1], &reason), 0);
        assert_int_equal(cgroup_property_parse("AllowedCPUs=0-2,9", &props[2], &reason), 0);
        assert_int_equal(cgroup_property_parse("TasksMax=infinity", &props[3], &reason), 0);
        s.props = props;
        s.n_props = ELEMENTSOF(props);
        s.kill_signal = SIGRTMIN + 3;
        s.slice = "foo-bar.slice";
        assert_int_equal(scope_properties_build(&s, SCOPE_FOR_SYSTEMD, &p, &n), 0);

        assert_non_null(q = find(p, n, "Slice", 0));
        assert_string_equal(q->str, "foo-bar.slice");
        assert_non_null(q = find(p, n, "KillSignal", 0));
        assert_int_equal(q->type, SCOPE_I32);
        assert_int_equal(q->u, SIGRTMIN + 3);
        assert_non_null(q = find(p, n, "KillMode", 0));
        assert_string_equal(q->str, "mixed");
        /* the --property= settings come last, in order */
        assert_string_equal(p[n - 4].name, "MemoryMax");
        assert_int_equal(p[n - 4].u, 1024ULL * 1024 * 1024);
        assert_string_equal(p[n - 3].name, "CPUQuotaPerSecUSec");
        assert_int_equal(p[n - 3].u, 500000); /* 50% of a second */
        assert_string_equal(p[n - 2].name, "AllowedCPUs");
        assert_int_equal(p[n - 2].type, SCOPE_CPUS);
        assert_string_equal(p[n - 1].name, "TasksMax");
        assert_true(p[n - 1].u == UINT64_MAX);
}

static void test_invalid(void **state) {
        struct scope_spec s = spec();
        struct scope_property *p = NULL;
        size_t n = 0;

        (void) state;
        s.pid = 0;
        assert_int_equal(scope_properties_build(&s, SCOPE_FOR_SYSTEMD, &p, &n), -EINVAL);
        s = spec();
        s.machine = NULL;
        assert_int_equal(scope_properties_build(&s, SCOPE_FOR_MACHINED, &p, &n), -EINVAL);
        assert_null(p);
}

static void test_cpu_mask(void **state) {
        _cleanup_free_ uint8_t *m = NULL;
        size_t n = 0;

        (void) state;
        assert_int_equal(cpu_list_to_mask("0-2,9", &m, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(m[0], 0x07);
        assert_int_equal(m[1], 0x02);
        free(m);
        m = NULL;
        assert_int_equal(cpu_list_to_mask("7", &m, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(m[0], 0x80);
        free(m);
        m = NULL;
        assert_int_equal(cpu_list_to_mask("3-1", &m, &n), -EINVAL);
        assert_int_equal(cpu_list_to_mask("x", &m, &n), -EINVAL);
        assert_int_equal(cpu_list_to_mask("1,", &m, &n), 0); /* a trailing separator is harmless */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_systemd_list),
                cmocka_unit_test(test_machined_list),
                cmocka_unit_test(test_kill_and_properties),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_cpu_mask),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
