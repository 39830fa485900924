/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fdutil.h"
#include "integration.h"
#include "macro.h"

/*
 * A scratch tree:
 *   host/resolv.conf, host/static, host/uplink, host/stub     the "host's" files
 *   host/localtime -> ../usr/share/zoneinfo/Europe/Berlin     (host/../usr/... exists: TZDATA)
 *   outside                                                  a host file no mode may write
 *   root/etc/                                                the image
 */
static char dir[] = "/tmp/test-integration.XXXXXX";
static char p_host[256], p_root[256], p_outside[256];
static struct integration_host host;
static char h_resolv[300], h_static[300], h_uplink[300], h_stub[300], h_udp[300], h_localtime[300];

static const char *at(const char *base, const char *rel) {
        static char buf[4][512];
        static int i;
        i = (i + 1) % 4;
        snprintf(buf[i], sizeof buf[i], "%s/%s", base, rel);
        return buf[i];
}

static char *slurp(const char *path) {
        char *s = NULL;
        return read_file_at(AT_FDCWD, path, &s, 4096) >= 0 ? s : NULL;
}

static void assert_file(const char *path, const char *content) {
        char *s = slurp(path);
        if (!s)
                fail_msg("%s: cannot read", path);
        assert_string_equal(s, content);
        free(s);
}

static void reset_image(void) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/etc' '%s/usr/share/zoneinfo/Europe'", p_root,
                 p_root, p_root);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(write_file_at(AT_FDCWD, p_outside, "host secret\n", 0644), 0);
}

/* prepare on the "host", apply in the "container" (the image dir as root fd). */
static struct integration_context run(const struct settings *s) {
        struct integration_context ctx = INTEGRATION_CONTEXT_INIT;
        assert_int_equal(integration_prepare(s, &host, &ctx), 0);
        int root_fd = open(p_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(root_fd >= 0);
        assert_int_equal(integration_apply(&ctx, root_fd), 0);
        close(root_fd);
        return ctx;
}

static struct settings mode(enum resolv_conf r, enum timezone_mode t) {
        struct settings s;
        settings_init(&s);
        s.resolv_conf = r;
        s.timezone = t;
        return s;
}

static void test_resolv_decisions(void **state) {
        assert_int_equal(resolv_conf_resolve(RESOLV_CONF_AUTO, true, true, true, true), RESOLV_CONF_OFF);
        assert_int_equal(resolv_conf_resolve(RESOLV_CONF_AUTO, false, true, true, true),
                         RESOLV_CONF_COPY_STUB);
        assert_int_equal(resolv_conf_resolve(RESOLV_CONF_AUTO, false, true, true, false),
                         RESOLV_CONF_BIND_STUB);
        assert_int_equal(resolv_conf_resolve(RESOLV_CONF_AUTO, false, false, true, true),
                         RESOLV_CONF_COPY_HOST);
        assert_int_equal(resolv_conf_resolve(RESOLV_CONF_AUTO, false, false, true, false),
                         RESOLV_CONF_BIND_HOST);
        assert_int_equal(resolv_conf_resolve(RESOLV_CONF_AUTO, false, false, false, true),
                         RESOLV_CONF_DELETE);
        assert_int_equal(resolv_conf_resolve(RESOLV_CONF_AUTO, false, false, false, false), RESOLV_CONF_OFF);
        assert_int_equal(resolv_conf_resolve(RESOLV_CONF_BIND_UPLINK, true, false, false, false),
                         RESOLV_CONF_BIND_UPLINK);

        const struct integration_host *d = &integration_host_default;
        assert_string_equal(resolv_conf_source(RESOLV_CONF_REPLACE_STATIC, d),
                            "/usr/lib/systemd/resolv.conf");
        assert_string_equal(resolv_conf_source(RESOLV_CONF_BIND_STUB, d),
                            "/run/systemd/resolve/stub-resolv.conf");
        assert_string_equal(resolv_conf_source(RESOLV_CONF_COPY_UPLINK, d),
                            "/run/systemd/resolve/resolv.conf");
        assert_string_equal(resolv_conf_source(RESOLV_CONF_COPY_HOST, d), "/etc/resolv.conf");
        assert_null(resolv_conf_source(RESOLV_CONF_DELETE, d));
        assert_null(resolv_conf_source(RESOLV_CONF_OFF, d));
        for (int m = 0; m < _RESOLV_CONF_MAX; m++)
                assert_false(resolv_conf_is_bind(m) && resolv_conf_is_replace(m));

        assert_true(resolved_stub_listening("  sl  local_address rem_address   st\n"
                                            "  0: 00000000:0044 00000000:0000 07 00000000:00000000\n"
                                            " 12: 3500007F:0035 00000000:0000 07 00000000:00000000\n"));
        assert_false(resolved_stub_listening("  sl  local_address rem_address   st\n"
                                             " 12: 0100007F:0035 3500007F:0035 07 00000000:00000000\n"));
        assert_false(resolved_stub_listening(""));
}

static void test_timezone_decisions(void **state) {
        assert_int_equal(timezone_resolve(TIMEZONE_AUTO, -ENOENT, true), TIMEZONE_DELETE);
        assert_int_equal(timezone_resolve(TIMEZONE_AUTO, -ENOENT, false), TIMEZONE_OFF);
        assert_int_equal(timezone_resolve(TIMEZONE_AUTO, -EINVAL, true), TIMEZONE_COPY);
        assert_int_equal(timezone_resolve(TIMEZONE_AUTO, -EINVAL, false), TIMEZONE_BIND);
        assert_int_equal(timezone_resolve(TIMEZONE_AUTO, 0, true), TIMEZONE_SYMLINK);
        assert_int_equal(timezone_resolve(TIMEZONE_AUTO, 0, false), TIMEZONE_BIND);
        assert_int_equal(timezone_resolve(TIMEZONE_AUTO, -EACCES, true), -1);
        assert_int_equal(timezone_resolve(TIMEZONE_SYMLINK, -EINVAL, true), -1);
        assert_int_equal(timezone_resolve(TIMEZONE_SYMLINK, 0, false), TIMEZONE_SYMLINK);
        assert_int_equal(timezone_resolve(TIMEZONE_COPY, -ENOENT, false), TIMEZONE_COPY);

        assert_string_equal(timezone_from_path("../usr/share/zoneinfo/Europe/Berlin"), "Europe/Berlin");
        assert_string_equal(timezone_from_path("/usr/share/zoneinfo/UTC"), "UTC");
        assert_null(timezone_from_path("/usr/share/zoneinfo/"));
        assert_null(timezone_from_path("/etc/zones/UTC"));
        assert_null(timezone_from_path(NULL));

        struct settings s;
        settings_init(&s);
        assert_true(integration_etc_writable(&s));
        s.read_only = true;
        assert_false(integration_etc_writable(&s));
        s.volatile_mode = VOLATILE_YES;
        assert_true(integration_etc_writable(&s));
        s.volatile_mode = VOLATILE_STATE;
        assert_false(integration_etc_writable(&s));
        settings_done(&s);
}

static void test_resolv_copy_replace_delete(void **state) {
        struct settings s = mode(RESOLV_CONF_COPY_HOST, TIMEZONE_OFF);
        struct integration_context ctx;

        reset_image();
        ctx = run(&s);
        assert_file(at(p_root, "etc/resolv.conf"), "nameserver 192.0.2.1\n");
        assert_null(ctx.warnings);
        integration_context_done(&ctx);

        s.resolv_conf = RESOLV_CONF_COPY_UPLINK;
        ctx = run(&s);
        assert_file(at(p_root, "etc/resolv.conf"), "nameserver 192.0.2.3\n");
        integration_context_done(&ctx);

        /* The same content again is not rewritten (copy in place and replace alike): same inode,
         * same mtime. A different mode makes replace-* write anew. */
        for (int replace = 0; replace <= 1; replace++) {
                struct stat before, after;
                s.resolv_conf = replace ? RESOLV_CONF_REPLACE_STATIC : RESOLV_CONF_COPY_UPLINK;
                integration_context_done((ctx = run(&s), &ctx));
                assert_int_equal(stat(at(p_root, "etc/resolv.conf"), &before), 0);
                integration_context_done((ctx = run(&s), &ctx));
                assert_int_equal(stat(at(p_root, "etc/resolv.conf"), &after), 0);
                assert_int_equal(before.st_ino, after.st_ino);
                assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
                            before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
        }
        assert_int_equal(chmod(at(p_root, "etc/resolv.conf"), 0600), 0);
        struct stat old_st, new_st;
        assert_int_equal(stat(at(p_root, "etc/resolv.conf"), &old_st), 0);
        integration_context_done((ctx = run(&s), &ctx));
        assert_int_equal(stat(at(p_root, "etc/resolv.conf"), &new_st), 0);
        assert_int_equal(new_st.st_mode & 0777, 0644);
        assert_true(old_st.st_ino != new_st.st_ino);
        assert_file(at(p_root, "etc/resolv.conf"), "nameserver 192.0.2.2\n");

        /* copy-* leaves a symlink alone, whether it points at a host path or climbs out. */
        for (int relative = 0; relative <= 1; relative++) {
                char rel[600];
                snprintf(rel, sizeof rel, "../../../../../../../..%s", p_outside);
                reset_image();
                assert_int_equal(symlink(relative ? rel : p_outside, at(p_root, "etc/resolv.conf")), 0);
                s.resolv_conf = RESOLV_CONF_COPY_STUB;
                ctx = run(&s);
                assert_file(p_outside, "host secret\n");
                assert_non_null(ctx.warnings);
                integration_context_done(&ctx);

                /* replace-* replaces the link itself, never its target. */
                s.resolv_conf = RESOLV_CONF_REPLACE_STATIC;
                ctx = run(&s);
                assert_file(p_outside, "host secret\n");
                struct stat st;
                assert_int_equal(lstat(at(p_root, "etc/resolv.conf"), &st), 0);
                assert_true(S_ISREG(st.st_mode));
                assert_int_equal(st.st_mode & 0777, 0644);
                assert_file(at(p_root, "etc/resolv.conf"), "nameserver 192.0.2.2\n");
                integration_context_done(&ctx);
        }

        s.resolv_conf = RESOLV_CONF_DELETE;
        ctx = run(&s);
        assert_int_equal(access(at(p_root, "etc/resolv.conf"), F_OK), -1);
        assert_null(ctx.warnings);
        integration_context_done(&ctx);

        /* A device node in the image is never opened for writing. */
        if (geteuid() == 0) {
                assert_int_equal(mknod(at(p_root, "etc/resolv.conf"), S_IFCHR | 0644, makedev(1, 3)), 0);
                s.resolv_conf = RESOLV_CONF_COPY_HOST;
                ctx = run(&s);
                assert_non_null(ctx.warnings);
                integration_context_done(&ctx);
        }

        /* A missing source is a warning, and nothing changes. */
        reset_image();
        assert_int_equal(write_file_at(AT_FDCWD, at(p_root, "etc/resolv.conf"), "mine\n", 0644), 0);
        host.stub_resolv_conf = "/nonexistent/stub";
        s.resolv_conf = RESOLV_CONF_COPY_STUB;
        ctx = run(&s);
        assert_non_null(ctx.warnings);
        assert_file(at(p_root, "etc/resolv.conf"), "mine\n");
        integration_context_done(&ctx);
        host.stub_resolv_conf = h_stub;
        settings_done(&s);
}

static void test_resolv_auto(void **state) {
        struct settings s = mode(RESOLV_CONF_AUTO, TIMEZONE_OFF);
        struct integration_context ctx;

        reset_image();
        /* The stub file exists but nothing listens on 127.0.0.53: the host's file is copied. */
        assert_int_equal(write_file_at(AT_FDCWD, h_udp, "  sl  local_address\n", 0644), 0);
        ctx = run(&s);
        assert_file(at(p_root, "etc/resolv.conf"), "nameserver 192.0.2.1\n");
        integration_context_done(&ctx);

        unlink(h_udp);
        assert_int_equal(write_file_at(AT_FDCWD, h_udp, "  1: 3500007F:0035 00000000:0000 07\n", 0644), 0);
        ctx = run(&s);
        assert_file(at(p_root, "etc/resolv.conf"), "nameserver 127.0.0.53\n");
        integration_context_done(&ctx);

        /* Private network: off. */
        s.private_network = true;
        assert_int_equal(write_file_at(AT_FDCWD, at(p_root, "etc/resolv.conf"), "mine\n", 0644), 0);
        ctx = run(&s);
        assert_int_equal(ctx.resolv, RESOLV_CONF_OFF);
        assert_file(at(p_root, "etc/resolv.conf"), "mine\n");
        integration_context_done(&ctx);
        unlink(h_udp);
        settings_done(&s);
}

static void test_binds(void **state) {
        struct settings s = mode(RESOLV_CONF_BIND_HOST, TIMEZONE_BIND);
        struct integration_context ctx;

        if (geteuid() != 0)
                skip();
        reset_image(); /* resolv.conf and localtime missing: created as mount points */
        ctx = run(&s);
        assert_null(ctx.warnings);
        assert_file(at(p_root, "etc/resolv.conf"), "nameserver 192.0.2.1\n");
        assert_file(at(p_root, "etc/localtime"), "TZDATA");
        assert_int_equal(open(at(p_root, "etc/resolv.conf"), O_WRONLY), -1);
        assert_int_equal(errno, EROFS);
        integration_context_done(&ctx);
        assert_int_equal(umount2(at(p_root, "etc/resolv.conf"), 0), 0);
        assert_int_equal(umount2(at(p_root, "etc/localtime"), 0), 0);
        /* The mount points were created empty in the image. */
        assert_file(at(p_root, "etc/resolv.conf"), "");

        /* A symlink to a host path: followed inside the image only. */
        reset_image();
        assert_int_equal(symlink(p_outside, at(p_root, "etc/localtime")), 0);
        s.resolv_conf = RESOLV_CONF_OFF;
        ctx = run(&s);
        assert_file(p_outside, "host secret\n");
        /* Its target does not exist in the image: no mount point, so the copy replaced the link. */
        assert_non_null(ctx.warnings);
        struct stat st;
        assert_int_equal(lstat(at(p_root, "etc/localtime"), &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_file(at(p_root, "etc/localtime"), "TZDATA");
        integration_context_done(&ctx);

        /* A link to a file that exists in the image: bound there. */
        reset_image();
        assert_int_equal(write_file_at(AT_FDCWD, at(p_root, "etc/zone"), "", 0644), 0);
        assert_int_equal(symlink("zone", at(p_root, "etc/localtime")), 0);
        ctx = run(&s);
        assert_null(ctx.warnings);
        assert_file(at(p_root, "etc/zone"), "TZDATA");
        assert_int_equal(umount2(at(p_root, "etc/zone"), 0), 0);
        integration_context_done(&ctx);
        settings_done(&s);
}

static void test_timezone_modes(void **state) {
        struct settings s = mode(RESOLV_CONF_OFF, TIMEZONE_SYMLINK);
        struct integration_context ctx;
        char buf[PATH_MAX];
        ssize_t n;

        /* The zone exists in the image: a relative link. */
        reset_image();
        assert_int_equal(
                write_file_at(AT_FDCWD, at(p_root, "usr/share/zoneinfo/Europe/Berlin"), "IMG", 0644), 0);
        assert_int_equal(symlink(p_outside, at(p_root, "etc/localtime")), 0);
        ctx = run(&s);
        n = readlink(at(p_root, "etc/localtime"), buf, sizeof(buf) - 1);
        assert_true(n > 0);
        buf[n] = 0;
        assert_string_equal(buf, "../usr/share/zoneinfo/Europe/Berlin");
        assert_file(p_outside, "host secret\n");
        integration_context_done(&ctx);

        /* copy replaces a link to a host file, never writes through it. */
        s.timezone = TIMEZONE_COPY;
        assert_int_equal(unlink(at(p_root, "etc/localtime")), 0);
        assert_int_equal(symlink(p_outside, at(p_root, "etc/localtime")), 0);
        ctx = run(&s);
        assert_file(p_outside, "host secret\n");
        assert_file(at(p_root, "etc/localtime"), "TZDATA");
        integration_context_done(&ctx);

        s.timezone = TIMEZONE_DELETE;
        ctx = run(&s);
        assert_int_equal(access(at(p_root, "etc/localtime"), F_OK), -1);
        integration_context_done(&ctx);

        /* A host link outside /usr/share/zoneinfo: a warning, nothing done. */
        unlink(h_localtime);
        assert_int_equal(symlink("/etc/zones/Berlin", h_localtime), 0);
        s.timezone = TIMEZONE_SYMLINK;
        ctx = run(&s);
        assert_int_equal(ctx.tz, TIMEZONE_OFF);
        assert_non_null(ctx.warnings);
        assert_int_equal(access(at(p_root, "etc/localtime"), F_OK), -1);
        integration_context_done(&ctx);

        /* auto with a regular host file: copy. */
        unlink(h_localtime);
        assert_int_equal(write_file_at(AT_FDCWD, h_localtime, "REGULAR", 0644), 0);
        s.timezone = TIMEZONE_AUTO;
        ctx = run(&s);
        assert_int_equal(ctx.tz, TIMEZONE_COPY);
        assert_file(at(p_root, "etc/localtime"), "REGULAR");
        integration_context_done(&ctx);
        unlink(h_localtime);
        assert_int_equal(symlink("../usr/share/zoneinfo/Europe/Berlin", h_localtime), 0);
        settings_done(&s);
}

static int setup(void **state) {
        char cmd[600];

        if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0)
                (void) mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL);
        if (!mkdtemp(dir))
                return -1;
        snprintf(p_host, sizeof p_host, "%s/host", dir);
        snprintf(p_root, sizeof p_root, "%s/root", dir);
        snprintf(p_outside, sizeof p_outside, "%s/outside", dir);
        snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s/usr/share/zoneinfo/Europe'", p_host, dir);
        if (system(cmd) != 0)
                return -1;
        snprintf(h_resolv, sizeof h_resolv, "%s/resolv.conf", p_host);
        snprintf(h_static, sizeof h_static, "%s/static", p_host);
        snprintf(h_uplink, sizeof h_uplink, "%s/uplink", p_host);
        snprintf(h_stub, sizeof h_stub, "%s/stub", p_host);
        snprintf(h_udp, sizeof h_udp, "%s/udp", p_host);
        snprintf(h_localtime, sizeof h_localtime, "%s/localtime", p_host);
        if (write_file_at(AT_FDCWD, h_resolv, "nameserver 192.0.2.1\n", 0644) < 0 ||
            write_file_at(AT_FDCWD, h_static, "nameserver 192.0.2.2\n", 0644) < 0 ||
            write_file_at(AT_FDCWD, h_uplink, "nameserver 192.0.2.3\n", 0644) < 0 ||
            write_file_at(AT_FDCWD, h_stub, "nameserver 127.0.0.53\n", 0644) < 0 ||
            write_file_at(AT_FDCWD, at(dir, "usr/share/zoneinfo/Europe/Berlin"), "TZDATA", 0644) < 0 ||
            symlink("../usr/share/zoneinfo/Europe/Berlin", h_localtime) < 0)
                return -1;
        host = (struct integration_host){
                .etc_resolv_conf = h_resolv,
                .static_resolv_conf = h_static,
                .uplink_resolv_conf = h_uplink,
                .stub_resolv_conf = h_stub,
                .proc_net_udp = h_udp,
                .localtime = h_localtime,
        };
        return 0;
}

static int teardown(void **state) {
        return test_rm_rf(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_resolv_decisions),
                cmocka_unit_test(test_timezone_decisions),
                cmocka_unit_test(test_resolv_copy_replace_delete),
                cmocka_unit_test(test_resolv_auto),
                cmocka_unit_test(test_binds),
                cmocka_unit_test(test_timezone_modes),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
