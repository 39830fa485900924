/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup.h"
#include "devices.h"
#include "macro.h"
#include "options.h"
#include "settings.h"
#include "strv.h"

/* ---- slices and scopes ---- */

static void check_slice(const char *given, const char *normalized, const char *path) {
        _cleanup_free_ char *n = NULL, *p = NULL;
        assert_int_equal(cgroup_slice_normalize(given, &n), 0);
        assert_string_equal(n, normalized);
        assert_int_equal(cgroup_slice_path(n, &p), 0);
        assert_string_equal(p, path);
}

static void test_slice(void **state) {
        (void) state;
        check_slice("machine", "machine.slice", "machine.slice");
        check_slice("machine.slice", "machine.slice", "machine.slice");
        check_slice("a-b", "a-b.slice", "a.slice/a-b.slice");
        check_slice("a-b-c.slice", "a-b-c.slice", "a.slice/a-b.slice/a-b-c.slice");
        check_slice("-.slice", "-.slice", "");
        /* a slice named like a controller file gets systemd's '_' prefix */
        check_slice("cpu", "cpu.slice", "_cpu.slice");
        check_slice("cpu-x", "cpu-x.slice", "_cpu.slice/cpu-x.slice");

        static const char *const bad[] = {"", "-a", "a-", "a--b", "a/b", "a.b", ".slice", "a b"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *n = NULL;
                print_message("# slice '%s'\n", bad[i]);
                assert_int_equal(cgroup_slice_normalize(bad[i], &n), -EINVAL);
                assert_null(n);
        }
        char *p = NULL;
        assert_int_equal(cgroup_slice_path("foo", &p), -EINVAL);
}

static void test_scope_name(void **state) {
        (void) state;
        char *n = NULL;
        assert_int_equal(cgroup_scope_name("foo", &n), 0);
        assert_string_equal(n, "machine-foo.scope");
        free(n);
        assert_int_equal(cgroup_scope_name("my-box.example", &n), 0);
        assert_string_equal(n, "machine-my\\x2dbox.example.scope");
        free(n);
        assert_int_equal(cgroup_scope_name("", &n), -EINVAL);
}

/* ---- properties ---- */

static void check_writes(const char *assignment, bool unified, const char *controller, const char *file,
                         const char *value) {
        struct cgroup_property p;
        struct cgroup_write w[2];
        const char *reason = NULL;

        print_message("# %s (%s)\n", assignment, unified ? "cgroup2" : "cgroup v1");
        assert_int_equal(cgroup_property_parse(assignment, &p, &reason), 0);
        size_t n = cgroup_property_writes(&p, unified, w);
        assert_true(n >= 1);
        assert_string_equal(w[n - 1].controller, controller);
        assert_string_equal(w[n - 1].file, file);
        assert_string_equal(w[n - 1].value, value);
}

static void test_property_mapping(void **state) {
        (void) state;
        check_writes("MemoryMax=64M", true, "memory", "memory.max", "67108864");
        check_writes("MemoryMax=64M", false, "memory", "memory.limit_in_bytes", "67108864");
        check_writes("MemoryMax=infinity", true, "memory", "memory.max", "max");
        check_writes("MemoryMax=infinity", false, "memory", "memory.limit_in_bytes", "-1");
        check_writes("MemoryMax=1G", true, "memory", "memory.max", "1073741824");
        check_writes("MemoryMax=4096", true, "memory", "memory.max", "4096");
        check_writes("MemoryHigh=2K", true, "memory", "memory.high", "2048");
        check_writes("MemoryHigh=2K", false, "memory", "memory.soft_limit_in_bytes", "2048");
        check_writes("TasksMax=50", true, "pids", "pids.max", "50");
        check_writes("TasksMax=50", false, "pids", "pids.max", "50");
        check_writes("TasksMax=infinity", false, "pids", "pids.max", "max");
        check_writes("CPUQuota=20%", true, "cpu", "cpu.max", "20000 100000");
        check_writes("CPUQuota=150%", true, "cpu", "cpu.max", "150000 100000");
        check_writes("CPUQuota=12.5%", true, "cpu", "cpu.max", "12500 100000");
        check_writes("CPUQuota=20%", false, "cpu", "cpu.cfs_quota_us", "20000");
        check_writes("CPUWeight=100", true, "cpu", "cpu.weight", "100");
        check_writes("CPUWeight=100", false, "cpu", "cpu.shares", "1024");
        check_writes("CPUWeight=1", false, "cpu", "cpu.shares", "10");
        check_writes("CPUWeight=10000", false, "cpu", "cpu.shares", "102400");
        check_writes("AllowedCPUs=0-3, 5,6", true, "cpuset", "cpuset.cpus", "0-3,5-6");
        check_writes("AllowedCPUs=1", false, "cpuset", "cpuset.cpus", "1");
        check_writes("IOWeight=100", true, "io", "io.weight", "default 100");
        check_writes("IOWeight=100", false, "blkio", "blkio.weight", "500");
        check_writes("IOWeight=1", false, "blkio", "blkio.weight", "10");
        check_writes("IOWeight=10000", false, "blkio", "blkio.weight", "1000");

        /* CPUQuota on v1: the period is written first */
        struct cgroup_property p;
        struct cgroup_write w[2];
        const char *reason;
        assert_int_equal(cgroup_property_parse("CPUQuota=20%", &p, &reason), 0);
        assert_int_equal(cgroup_property_writes(&p, false, w), 2);
        assert_string_equal(w[0].file, "cpu.cfs_period_us");
        assert_string_equal(w[0].value, "100000");
}

static void check_bad(const char *assignment, int error, const char *reason_part) {
        struct cgroup_property p;
        const char *reason = NULL;

        print_message("# %s\n", assignment);
        assert_int_equal(cgroup_property_parse(assignment, &p, &reason), error);
        assert_non_null(reason);
        assert_non_null(strstr(reason, reason_part));
}

static void test_property_invalid(void **state) {
        (void) state;
        check_bad("Foo=1", -EINVAL, "unknown property");
        check_bad("memorymax=1", -EINVAL, "unknown property");
        check_bad("MemoryMax", -EINVAL, "NAME=VALUE");
        check_bad("=5", -EINVAL, "NAME=VALUE");
        check_bad("MemoryMin=1M", -EOPNOTSUPP, "not supported");
        check_bad("MemoryMax=", -EINVAL, "bytes");
        check_bad("MemoryMax=12Q", -EINVAL, "bytes");
        check_bad("MemoryMax=-1", -EINVAL, "bytes");
        check_bad("MemoryMax=99999999999999999999", -EINVAL, "bytes");
        check_bad("TasksMax=0", -EINVAL, "tasks");
        check_bad("TasksMax=abc", -EINVAL, "tasks");
        check_bad("CPUQuota=20", -EINVAL, "percentage");
        check_bad("CPUQuota=0%", -EINVAL, "percentage");
        check_bad("CPUQuota=1.234%", -EINVAL, "percentage");
        check_bad("CPUWeight=0", -EINVAL, "weight");
        check_bad("CPUWeight=10001", -EINVAL, "weight");
        check_bad("IOWeight=x", -EINVAL, "weight");
        check_bad("AllowedCPUs=", -EINVAL, "CPUs");
        check_bad("AllowedCPUs=a-b", -EINVAL, "CPUs");
}

/* The option table stores what cgroup.c reads: --slice as a unit name, --property as given. */
static void test_options(void **state) {
        (void) state;
        struct settings s;
        struct option_result res = {};
        char *argv[] = {(char *) "nspawn", (char *) "--slice=a-b", (char *) "--property=TasksMax=50",
                        (char *) "--property=MemoryMax=1G", NULL};

        settings_init(&s);
        assert_int_equal(options_parse_argv(4, argv, &s, &res), 0);
        assert_string_equal(s.slice, "a-b.slice");
        assert_int_equal(strv_length(s.properties), 2);
        assert_string_equal(s.properties[0], "TasksMax=50");
        option_result_done(&res);
        settings_done(&s);

        char *bad[] = {(char *) "nspawn", (char *) "--property=Bogus=1", NULL};
        settings_init(&s);
        res = (struct option_result){};
        assert_int_equal(options_parse_argv(2, bad, &s, &res), -EINVAL);
        assert_non_null(res.error);
        print_message("# %s\n", res.error);
        assert_non_null(strstr(res.error, "Bogus=1"));
        assert_non_null(strstr(res.error, "unknown property"));
        option_result_done(&res);
        settings_done(&s);
}

/* The context names the bad property and touches nothing. */
static void test_context_rejects_property(void **state) {
        (void) state;
        struct settings s;
        struct cgroup_context *c = NULL;
        _cleanup_free_ char *error = NULL;

        settings_init(&s);
        s.machine = strdup("unit-test");
        assert_int_equal(strv_extend(&s.properties, "Bogus=1"), 0);
        int r = cgroup_context_new(&s, NULL, &c, &error);
        if (r == 0 && !c) { /* no cgroups on this host: nothing is parsed */
                settings_done(&s);
                skip();
        }
        assert_int_equal(r, -EINVAL);
        assert_null(c);
        assert_non_null(error);
        assert_non_null(strstr(error, "Bogus=1"));
        settings_done(&s);
}

/* ---- device policy ---- */

static bool policy_has_line(const struct device_policy *p, const char *line) {
        char lines[8][DEVICE_LINE_MAX];
        for (size_t i = 0; i < p->n; i++) {
                size_t n = device_rule_format_v1(&p->rules[i], lines, ELEMENTSOF(lines));
                for (size_t j = 0; j < n; j++)
                        if (streq(lines[j], line))
                                return true;
        }
        return false;
}

static void test_device_policy(void **state) {
        (void) state;
        struct settings s;
        struct device_policy p;
        struct custom_mount m = {.type = CUSTOM_MOUNT_BIND,
                                 .source = strdup("/dev/null"),
                                 .destination = strdup("/mnt/null"),
                                 .read_only = true};

        settings_init(&s);
        assert_int_equal(device_policy_build(&s, &p), 0);
        assert_true(policy_has_line(&p, "c 1:3 rwm"));
        assert_true(policy_has_line(&p, "c 5:2 rwm"));
        assert_true(policy_has_line(&p, "c 10:200 rwm"));
        assert_true(policy_has_line(&p, "c 136:* rw"));
        assert_true(policy_has_line(&p, "c 143:* rw"));
        assert_true(policy_has_line(&p, "b 0:0 m"));
        assert_false(policy_has_line(&p, "c 1:3 r"));
        for (size_t i = 0; i < p.n; i++) /* no block device may be read or written */
                assert_false(p.rules[i].type == 'b' && (p.rules[i].access & ~DEVICE_ACCESS_MKNOD));
        size_t fixed = p.n;
        device_policy_done(&p);

        /* a bound device node is allowed, exactly it, read-only for --bind-ro */
        assert_int_equal(custom_mount_add(&s, &m), 0);
        assert_int_equal(device_policy_build(&s, &p), 0);
        assert_int_equal(p.n, fixed + 1);
        assert_true(policy_has_line(&p, "c 1:3 r"));
        device_policy_done(&p);
        settings_done(&s);
}

/* The cgroup2 device program, for real: a scratch cgroup with the program attached, a child in
 * it tries mknod and open. Needs root and a cgroup2 hierarchy (/sys/fs/cgroup or, on a hybrid
 * host, /sys/fs/cgroup/unified). */
static const char *cgroup2_root(void) {
        struct statfs fs;
        if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                return "/sys/fs/cgroup";
        if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                return "/sys/fs/cgroup/unified";
        return NULL;
}

static int child_probe(const char *cg, const char *dir) {
        char path[512], pid[16];
        int bad = 0;

        snprintf(path, sizeof path, "%s/cgroup.procs", cg);
        snprintf(pid, sizeof pid, "%i", (int) getpid());
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
                return 100;
        close(fd);

        snprintf(path, sizeof path, "%s/loop", dir);
        if (mknod(path, S_IFBLK | 0600, makedev(7, 0)) == 0 || errno != EPERM)
                bad |= 1; /* block device creation must be denied */
        snprintf(path, sizeof path, "%s/null", dir);
        if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) < 0)
                bad |= 2; /* /dev/null may be created */
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "x", 1) != 1)
                bad |= 4; /* … and used */
        if (fd >= 0)
                close(fd);
        fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (fd >= 0 || (errno != EPERM && errno != ENOENT))
                bad |= 8; /* a host device node outside the list must not open */
        if (fd >= 0)
                close(fd);
        return bad;
}

/* How many device programs are attached to the cgroup2 cgroup at path (below the cgroup2 root). */
static int device_programs(const char *root, const char *path) {
        char full[512];
        snprintf(full, sizeof full, "%s/%s", root, path);
        int fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        union bpf_attr attr = {};
        attr.query.target_fd = (unsigned) fd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        int r = (int) syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof attr);
        close(fd);
        assert_int_equal(r, 0);
        return (int) attr.query.prog_cnt;
}

/* Where only cgroup2 enforces the device policy, its program is attached by cgroup_realize()
 * (after the clone), not by cgroup_clone_fd(), and again on the next run (the reboot loop).
 * Simulated on any host with a cgroup2 hierarchy by not counting the v1 devices controller. */
static struct cgroup_context *prog_ctx; /* removed by the teardown even when a check fails */

static int prog_teardown(void **state) {
        (void) state;
        (void) cgroup_destroy(prog_ctx);
        prog_ctx = cgroup_context_free(prog_ctx);
        return 0;
}

static void test_device_program_after_clone(void **state) {
        (void) state;
        const char *root = cgroup2_root();
        char *error = NULL, name[64];
        struct settings s;

        if (geteuid() != 0 || !root)
                skip();
        settings_init(&s);
        snprintf(name, sizeof name, "nspawn-unit-prog-%i", (int) getpid());
        s.machine = strdup(name);
        int r = cgroup_context_new(&s, NULL, &prog_ctx, &error);
        settings_done(&s);
        assert_int_equal(r, 0);
        assert_non_null(prog_ctx);
        if (prog_ctx->backend != CGROUP_BACKEND_CGROUPFS)
                skip();
        prog_ctx->devices_v1 = false;
        const struct hierarchy *v2 = NULL;
        for (size_t i = 0; i < prog_ctx->n; i++)
                if (prog_ctx->h[i].id == 0)
                        v2 = &prog_ctx->h[i];
        assert_non_null(v2);
        for (int run = 0; run < 2; run++) {
                int fd = cgroup_clone_fd(prog_ctx, &error);
                assert_true(fd >= 0);
                close(fd);
                assert_int_equal(device_programs(root, v2->p), 0);
                assert_int_equal(cgroup_realize(prog_ctx, &error), 0);
                assert_int_equal(device_programs(root, v2->p), 1);
                assert_int_equal(cgroup_destroy(prog_ctx), 0);
        }
        assert_null(error);
}

static void test_device_program(void **state) {
        (void) state;
        const char *root = cgroup2_root();
        char cg[256], dir[] = "/tmp/test-cgroup-XXXXXX";
        struct settings s;
        struct device_policy p;

        if (geteuid() != 0 || !root)
                skip();
        snprintf(cg, sizeof cg, "%s/nspawn-test-devices-%i", root, (int) getpid());
        assert_int_equal(mkdir(cg, 0755), 0);
        assert_non_null(mkdtemp(dir));
        settings_init(&s);
        assert_int_equal(device_policy_build(&s, &p), 0);
        int fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        int r = device_policy_apply_bpf(fd, &p);
        close(fd);
        int status = -1;
        if (r == 0) {
                pid_t pid = fork();
                if (pid == 0)
                        _exit(child_probe(cg, dir));
                waitpid(pid, &status, 0);
        }
        char path[300];
        snprintf(path, sizeof path, "%s/loop", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/null", dir);
        unlink(path);
        rmdir(dir);
        rmdir(cg);
        device_policy_done(&p);
        settings_done(&s);
        print_message("# attach: %s, probe status %i\n", strerror(-r),
                      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        assert_int_equal(r, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_slice),
                cmocka_unit_test(test_scope_name),
                cmocka_unit_test(test_property_mapping),
                cmocka_unit_test(test_property_invalid),
                cmocka_unit_test(test_options),
                cmocka_unit_test(test_context_rejects_property),
                cmocka_unit_test(test_device_policy),
                cmocka_unit_test(test_device_program),
                cmocka_unit_test_teardown(test_device_program_after_clone, prog_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
