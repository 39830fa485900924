/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* guest_mkdir_p() (bind --mkdir): made inside a root directory as the guest resolves paths, its
 * symlinks (absolute or climbing with "..") never leading to the host's directories. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-fs.h"
#include "macro.h"
#include "rm-rf.h"

static char base[64];
static int root_fd = -EBADF;

static int setup(void **state) {
        snprintf(base, sizeof(base), "/tmp/test-guest-fs.XXXXXX");
        assert_non_null(mkdtemp(base));
        root_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(root_fd >= 0);
        assert_int_equal(mkdirat(root_fd, "etc", 0755), 0);
        assert_int_equal(symlinkat("/etc", root_fd, "esc"), 0);
        assert_int_equal(symlinkat("../../../../..", root_fd, "up"), 0);
        return 0;
}

static int teardown(void **state) {
        (void) rm_rf_children(root_fd);
        close(root_fd);
        (void) rmdir(base);
        return 0;
}

static void check(const char *path, const char *type_mode) {
        struct stat st;
        char buf[64];
        assert_int_equal(fstatat(root_fd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
        snprintf(buf, sizeof(buf), "%s %o",
                 S_ISDIR(st.st_mode)   ? "dir"
                 : S_ISREG(st.st_mode) ? "file"
                                       : "other",
                 st.st_mode & 07777);
        assert_string_equal(buf, type_mode);
}

static void test_mkdir_p(void **state) {
        char host[128];
        mode_t old = umask(022);

        assert_int_equal(guest_mkdir_p(root_fd, "/a/b/c", false), 0);
        check("a", "dir 755");
        check("a/b/c", "dir 755");
        assert_int_equal(guest_mkdir_p(root_fd, "/a/b/c", false), 0); /* exists: fine */

        /* a file for a file source: its parents as directories */
        assert_int_equal(guest_mkdir_p(root_fd, "/d//f", true), 0);
        check("d", "dir 755");
        check("d/f", "file 600");
        assert_int_equal(guest_mkdir_p(root_fd, "/d/f/x", false), -ENOTDIR);

        /* the guest's symlinks resolve inside it */
        snprintf(host, sizeof(host), "/etc/test-guest-fs-%d", (int) getpid());
        assert_int_equal(guest_mkdir_p(root_fd, host + 0, false), 0);
        assert_int_equal(access(host, F_OK), -1); /* not the host's /etc */
        check(host + 1, "dir 755");
        snprintf(host, sizeof(host), "/esc/test-guest-fs-esc-%d", (int) getpid());
        assert_int_equal(guest_mkdir_p(root_fd, host, false), 0);
        snprintf(host, sizeof(host), "/etc/test-guest-fs-esc-%d", (int) getpid());
        assert_int_equal(access(host, F_OK), -1);
        check(host + 1, "dir 755");
        assert_int_equal(guest_mkdir_p(root_fd, "/up/climbed", false), 0);
        check("climbed", "dir 755");
        umask(old);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
