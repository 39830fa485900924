/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "chase.h"
#include "macro.h"

/*
 * A tree in /tmp:
 *   outside/secret            a host file that must never be reached through the root
 *   root/etc/marker           the file every escape attempt should land on instead
 *   root/etc/secret           same name as outside's
 *   root/abs -> /             absolute symlink
 *   root/up -> ../../..       relative symlink climbing above the root
 *   root/esc -> OUTSIDE       absolute symlink to the host directory outside
 *   root/dir/                 a real directory
 */
struct tree {
        char base[64];
        char outside[96];
        int root_fd;
};

static int rm_entry(const char *p, const struct stat *st, int type, struct FTW *f) {
        (void) st;
        (void) f;
        return type == FTW_DP ? rmdir(p) : unlink(p);
}

static int setup(void **state) {
        static struct tree t;
        char p[256];

        snprintf(t.base, sizeof(t.base), "/tmp/test-chase-XXXXXX");
        assert_non_null(mkdtemp(t.base));
        snprintf(t.outside, sizeof(t.outside), "%s/outside", t.base);
        assert_int_equal(mkdir(t.outside, 0755), 0);

        snprintf(p, sizeof(p), "%s/secret", t.outside);
        assert_int_equal(close(open(p, O_CREAT | O_WRONLY, 0644)), 0);
        snprintf(p, sizeof(p), "%s/root", t.base);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/root/etc", t.base);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/root/dir", t.base);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/root/etc/marker", t.base);
        assert_int_equal(close(open(p, O_CREAT | O_WRONLY, 0644)), 0);
        snprintf(p, sizeof(p), "%s/root/etc/secret", t.base);
        assert_int_equal(close(open(p, O_CREAT | O_WRONLY, 0644)), 0);
        snprintf(p, sizeof(p), "%s/root/abs", t.base);
        assert_int_equal(symlink("/", p), 0);
        snprintf(p, sizeof(p), "%s/root/up", t.base);
        assert_int_equal(symlink("../../..", p), 0);
        snprintf(p, sizeof(p), "%s/root/esc", t.base);
        assert_int_equal(symlink(t.outside, p), 0);

        snprintf(p, sizeof(p), "%s/root", t.base);
        t.root_fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(t.root_fd >= 0);
        *state = &t;
        return 0;
}

static int teardown(void **state) {
        struct tree *t = *state;

        close(t->root_fd);
        nftw(t->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static void assert_same_inode(int fd, int root_fd, const char *rel) {
        struct stat a, b;

        assert_int_equal(fstat(fd, &a), 0);
        assert_int_equal(fstatat(root_fd, rel, &b, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(a.st_dev, b.st_dev);
        assert_int_equal(a.st_ino, b.st_ino);
}

static void test_symlinks_stay_inside(void **state) {
        struct tree *t = *state;
        static const char *const paths[] = {
                "abs/etc/marker", "up/etc/marker",        "/up/up/etc/marker",     "../../../etc/marker",
                "/../etc/marker", "dir/../../etc/marker", "abs/abs/up/etc/marker",
        };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                int fd = chase_open(t->root_fd, paths[i], O_RDONLY, 0);
                print_message("# chase_open %s → %d\n", paths[i], fd);
                assert_true(fd >= 0);
                assert_same_inode(fd, t->root_fd, "etc/marker");
                close(fd);
        }

        /* root/esc points at the host's outside/; inside the root that is root/<outside>, which
         * does not exist: ENOENT, never the host file. */
        assert_int_equal(chase_open(t->root_fd, "esc/secret", O_RDONLY, 0), -ENOENT);
}

static void test_magic_links_refused(void **state) {
        int fd;

        /* /proc/self/root leads to the real root: refused even though /proc is outside the tree,
         * because the walk starts at an fd whose "root" is the host one. */
        int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(proc >= 0);
        fd = chase_open(proc, "self/root/etc/passwd", O_RDONLY, 0);
        assert_int_equal(fd, -ELOOP);
        close(proc);
}

static void test_nofollow(void **state) {
        struct tree *t = *state;
        int fd;

        assert_int_equal(chase_open_nofollow(t->root_fd, "abs/etc/marker", O_RDONLY, 0), -ELOOP);
        assert_int_equal(chase_open_nofollow(t->root_fd, "up/etc/marker", O_RDONLY, 0), -ELOOP);
        assert_int_equal(chase_open_nofollow(t->root_fd, "esc", O_PATH, 0), -ELOOP);
        assert_int_equal(chase_open_nofollow(t->root_fd, "/esc/secret", O_RDONLY, 0), -ELOOP);

        fd = chase_open_nofollow(t->root_fd, "/etc/marker", O_RDONLY, 0);
        assert_true(fd >= 0);
        assert_same_inode(fd, t->root_fd, "etc/marker");
        close(fd);

        /* the root itself */
        fd = chase_open_nofollow(t->root_fd, "", O_PATH | O_DIRECTORY, 0);
        assert_true(fd >= 0);
        assert_same_inode(fd, t->root_fd, ".");
        close(fd);
        fd = chase_open_nofollow(t->root_fd, "/", O_PATH | O_DIRECTORY, 0);
        assert_true(fd >= 0);
        assert_same_inode(fd, t->root_fd, ".");
        close(fd);
}

static void test_create(void **state) {
        struct tree *t = *state;
        int fd;

        /* O_CREAT through the root: the mode is honoured, the file lands inside */
        fd = chase_open(t->root_fd, "/abs/dir/new", O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(faccessat(t->root_fd, "dir/new", F_OK, AT_SYMLINK_NOFOLLOW), 0);
}

/* chase_open_regular()/chase_read_regular(): a regular file only (a FIFO neither blocks nor is
 * read, a directory is refused), its contents bounded, a symlink still resolved inside */
static void test_read_regular(void **state) {
        struct tree *t = *state;
        char *text = NULL;

        int fd = chase_open(t->root_fd, "dir/text", O_WRONLY | O_CREAT | O_EXCL, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "hello\n", 6), 6);
        close(fd);
        assert_int_equal(mkfifoat(t->root_fd, "dir/fifo", 0600), 0);

        assert_int_equal(chase_read_regular(t->root_fd, "/abs/dir/text", 64, &text), 6);
        assert_string_equal(text, "hello\n");
        free(text);
        assert_int_equal(chase_read_regular(t->root_fd, "dir/fifo", 64, &text), -EBADMSG);
        assert_int_equal(chase_read_regular(t->root_fd, "dir", 64, &text), -EBADMSG);
        assert_int_equal(chase_read_regular(t->root_fd, "dir/none", 64, &text), -ENOENT);
        /* a symlink to the host's directory is resolved inside the root: not the host's file */
        assert_true(chase_open_regular(t->root_fd, "/esc/secret") < 0);
}

static void test_mkdir_p(void **state) {
        struct tree *t = *state;
        char p[256];
        struct stat st;
        int fd;

        fd = chase_mkdir_p(t->root_fd, "/a/b/./c", 0750);
        assert_true(fd >= 0);
        assert_same_inode(fd, t->root_fd, "a/b/c");
        close(fd);
        assert_int_equal(fstatat(t->root_fd, "a/b/c", &st, 0), 0);
        assert_true(S_ISDIR(st.st_mode));

        /* existing: returns it */
        fd = chase_mkdir_p(t->root_fd, "a/b", 0750);
        assert_true(fd >= 0);
        assert_same_inode(fd, t->root_fd, "a/b");
        close(fd);

        /* through symlinks: refused, and nothing created on the host */
        assert_int_equal(chase_mkdir_p(t->root_fd, "esc/sub/dir", 0755), -ELOOP);
        assert_int_equal(chase_mkdir_p(t->root_fd, "/abs/x", 0755), -ELOOP);
        assert_int_equal(chase_mkdir_p(t->root_fd, "up/y", 0755), -ELOOP);
        assert_int_equal(chase_mkdir_p(t->root_fd, "esc", 0755), -ELOOP);
        snprintf(p, sizeof(p), "%s/sub", t->outside);
        assert_int_equal(access(p, F_OK), -1);
        assert_int_equal(errno, ENOENT);
        assert_int_equal(faccessat(t->root_fd, "x", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(faccessat(t->root_fd, "y", F_OK, AT_SYMLINK_NOFOLLOW), -1);

        /* a file on the way */
        assert_int_equal(chase_mkdir_p(t->root_fd, "etc/marker/z", 0755), -ENOTDIR);
        /* ".." is refused rather than silently clamped */
        assert_int_equal(chase_mkdir_p(t->root_fd, "new/../q", 0755), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_symlinks_stay_inside),
                cmocka_unit_test(test_magic_links_refused),
                cmocka_unit_test(test_nofollow),
                cmocka_unit_test(test_create),
                cmocka_unit_test(test_read_regular),
                cmocka_unit_test(test_mkdir_p),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
