/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* -x, --template and --volatile helpers that need no btrfs and no mounts: names, the tree copy,
 * the sweep's choice of victims, the overlay fallback's lock, the merged-/usr check. The btrfs
 * snapshot path is covered by tests/integration/test-ephemeral-btrfs.sh. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "copy.h"
#include "btrfs-util.h"
#include "ephemeral.h"
#include "rm-rf.h"
#include "macro.h"
#include "volatile.h"

static char *tmpdir(void) {
        char *d = strdup("/tmp/test-ephemeral.XXXXXX");
        assert_non_null(d);
        assert_non_null(mkdtemp(d));
        return d;
}

static void rm_tree(const char *d) {
        int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
                (void) rm_rf_children(fd);
                close(fd);
        }
        (void) rmdir(d);
}

static void write_at(int dir, const char *name, const char *text, mode_t mode) {
        int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
        assert_int_equal(fchmodat(dir, name, mode, 0), 0);
}

static void test_machine_name(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL, *l = NULL;
        char long_name[80];

        assert_int_equal(ephemeral_machine_name("debian", &a), 0);
        assert_int_equal(strlen(a), strlen("debian") + 17);
        assert_true(strncmp(a, "debian-", 7) == 0);
        assert_int_equal(strspn(a + 7, "0123456789abcdef"), 16);
        assert_int_equal(ephemeral_machine_name("debian", &b), 0);
        assert_string_not_equal(a, b);

        memset(long_name, 'x', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = 0;
        assert_int_equal(ephemeral_machine_name(long_name, &l), 0);
        assert_int_equal(strlen(l), 64); /* a valid host name */
}

/* A tree with every kind of entry, copied, compared entry by entry. */
static void test_copy_tree(void **state) {
        _cleanup_free_ char *src = tmpdir(), *dst = tmpdir();
        int s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
            d = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat a, b;
        char buf[64];
        ssize_t n;

        assert_true(s >= 0 && d >= 0);
        assert_int_equal(mkdirat(s, "sub", 0750), 0);
        assert_int_equal(mkdirat(s, "sub/deeper", 0700), 0);
        write_at(s, "sub/deeper/file", "hello\n", 04755);
        write_at(s, "plain", "plain\n", 0640);
        assert_int_equal(linkat(s, "plain", s, "sub/hardlink", 0), 0);
        assert_int_equal(symlinkat("../plain", s, "sub/link"), 0);
        assert_int_equal(mkfifoat(s, "fifo", 0600), 0);
        if (geteuid() == 0) { /* owners other than ours need root, as nspawn itself does */
                assert_int_equal(fchownat(s, "plain", 1234, 5678, 0), 0);
                assert_int_equal(fchownat(s, "sub/link", 4321, 8765, AT_SYMLINK_NOFOLLOW), 0);
        }
        char xp[4200];
        snprintf(xp, sizeof(xp), "%s/plain", src);
        bool have_xattr = setxattr(xp, "user.nspawn", "value", 5, 0) >= 0;
        struct timespec ts[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1234567890}};
        assert_int_equal(utimensat(s, "sub", ts, 0), 0);
        assert_int_equal(fchmodat(s, ".", 0711, 0), 0);

        assert_int_equal(copy_tree(s, d), 0);

        const char *names[] = {"sub",  "sub/deeper", "sub/deeper/file", "plain", "sub/hardlink", "sub/link",
                               "fifo", "."};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                assert_int_equal(fstatat(s, names[i], &a, AT_SYMLINK_NOFOLLOW), 0);
                assert_int_equal(fstatat(d, names[i], &b, AT_SYMLINK_NOFOLLOW), 0);
                if (a.st_mode != b.st_mode || a.st_uid != b.st_uid || a.st_gid != b.st_gid ||
                    a.st_size != b.st_size)
                        fail_msg("%s: mode %o/%o uid %u/%u size %lld/%lld", names[i], a.st_mode, b.st_mode,
                                 a.st_uid, b.st_uid, (long long) a.st_size, (long long) b.st_size);
                if (!S_ISLNK(a.st_mode) && a.st_mtim.tv_sec != b.st_mtim.tv_sec)
                        fail_msg("%s: mtime %lld/%lld", names[i], (long long) a.st_mtim.tv_sec,
                                 (long long) b.st_mtim.tv_sec);
        }
        /* the hard link is one inode in the copy too */
        assert_int_equal(fstatat(d, "plain", &a, 0), 0);
        assert_int_equal(fstatat(d, "sub/hardlink", &b, 0), 0);
        assert_int_equal(a.st_ino, b.st_ino);
        assert_int_equal(a.st_nlink, 2);
        n = readlinkat(d, "sub/link", buf, sizeof(buf));
        assert_int_equal(n, 8);
        assert_memory_equal(buf, "../plain", 8);
        if (have_xattr) {
                snprintf(xp, sizeof(xp), "%s/plain", dst);
                n = getxattr(xp, "user.nspawn", buf, sizeof(buf));
                assert_int_equal(n, 5);
                assert_memory_equal(buf, "value", 5);
        }

        close(s);
        close(d);
        rm_tree(src);
        rm_tree(dst);
}

/* rm_rf_children empties a tree and leaves the top directory. */
static void test_rm_rf(void **state) {
        _cleanup_free_ char *t = tmpdir();
        int fd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;

        assert_true(fd >= 0);
        assert_int_equal(mkdirat(fd, "a", 0755), 0);
        assert_int_equal(mkdirat(fd, "a/b", 0000), 0);
        write_at(fd, "a/b/c", "x", 0000);
        assert_int_equal(symlinkat("/etc", fd, "a/l"), 0);
        assert_int_equal(rm_rf_children(fd), 0);
        assert_int_equal(fstatat(fd, "a", &st, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(stat("/etc/passwd", &st), 0); /* the symlink was removed, not followed */
        close(fd);
        assert_int_equal(rmdir(t), 0);
}

/* Only btrfs subvolumes named exactly PREFIX<16 hex> are swept; on another file system none. */
static void test_sweep_ignores_non_snapshots(void **state) {
        _cleanup_free_ char *t = tmpdir();
        int fd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;

        assert_true(fd >= 0);
        assert_int_equal(mkdirat(fd, ".#machine.root0123456789abcdef", 0755), 0);
        assert_int_equal(mkdirat(fd, ".#machine.root0123", 0755), 0);
        assert_int_equal(ephemeral_sweep(fd, ".#machine.root"), 0);
        assert_int_equal(fstatat(fd, ".#machine.root0123456789abcdef", &st, 0), 0);
        assert_int_equal(fstatat(fd, ".#machine.root0123", &st, 0), 0);
        assert_false(btrfs_is_subvolume(fd)); /* a plain directory, even on btrfs */
        close(fd);
        rm_tree(t);
}

/* A plain directory: -x is an overlay; the tree is locked shared (no read-write run meanwhile),
 * and nothing is created next to it. */
static void test_setup_plain_dir(void **state) {
        _cleanup_free_ char *t = tmpdir(), *root = NULL;
        struct ephemeral e = EPHEMERAL_INIT;
        int fd;

        if (asprintf(&root, "%s/root", t) < 0)
                fail();
        assert_int_equal(mkdir(root, 0755), 0);
        _cleanup_close_ int tree_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(tree_fd >= 0);
        assert_int_equal(ephemeral_setup(tree_fd, root, NULL, &e), 0);
        if (!e.overlay) { /* /tmp is btrfs here: the snapshot path, tested by the integration test */
                ephemeral_done(&e);
                rm_tree(t);
                skip();
        }
        assert_null(e.path);
        assert_true(e.lock_fd >= 0);
        fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1); /* a read-write run would be refused */
        assert_int_equal(flock(fd, LOCK_SH | LOCK_NB), 0);  /* another -x or --read-only is fine */
        flock(fd, LOCK_UN);
        ephemeral_done(&e);
        assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
        close(fd);

        /* only root/ was in the parent: both go without leftovers */
        assert_int_equal(rmdir(root), 0);
        assert_int_equal(rmdir(t), 0);
}

static void test_template(void **state) {
        _cleanup_free_ char *t = tmpdir(), *tpl = NULL, *dst = NULL, *missing = NULL, *dst2 = NULL;
        struct stat st;
        int fd;

        if (asprintf(&tpl, "%s/tpl", t) < 0 || asprintf(&dst, "%s/dst", t) < 0 ||
            asprintf(&missing, "%s/nope", t) < 0 || asprintf(&dst2, "%s/dst2", t) < 0)
                fail();
        assert_int_equal(mkdir(tpl, 0755), 0);
        fd = open(tpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        write_at(fd, "f", "content", 0644);
        close(fd);

        assert_int_equal(template_populate(tpl, dst, NULL), 0);
        assert_int_equal(stat(dst, &st), 0);
        fd = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(fstatat(fd, "f", &st, 0), 0);
        assert_int_equal(st.st_size, 7);
        close(fd);
        /* an existing directory is left alone */
        assert_int_equal(template_populate(tpl, dst, NULL), -EEXIST);
        /* a failure leaves nothing: no dst2, no temporary directory */
        assert_int_equal(template_populate(missing, dst2, NULL), -ENOENT);
        assert_int_equal(stat(dst2, &st), -1);
        fd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int dup_fd = dup(fd);
        DIR *d = fdopendir(dup_fd);
        size_t n = 0;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.' || strncmp(de->d_name, ".#", 2) == 0)
                        n++;
        closedir(d);
        close(fd);
        assert_int_equal(n, 2); /* tpl and dst */

        /* A killed nspawn's half-made copy (unlocked) is swept by the next copy of the same
         * target; one still being made (locked) is left alone. */
        _cleanup_free_ char *stale = NULL, *busy = NULL, *dst3 = NULL;
        if (asprintf(&stale, "%s/.#template.dst3%s", t, "0123456789abcdef") < 0 ||
            asprintf(&busy, "%s/.#template.dst3%s", t, "fedcba9876543210") < 0 ||
            asprintf(&dst3, "%s/dst3", t) < 0)
                fail();
        assert_int_equal(mkdir(stale, 0700), 0);
        int stale_fd = open(stale, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        write_at(stale_fd, "half", "x", 0644);
        close(stale_fd);
        assert_int_equal(mkdir(busy, 0700), 0);
        int busy_fd = open(busy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(flock(busy_fd, LOCK_EX), 0);
        assert_int_equal(template_populate(tpl, dst3, NULL), 0);
        assert_int_equal(stat(stale, &st), -1);
        assert_int_equal(stat(busy, &st), 0);
        close(busy_fd);
        rm_tree(t);
}

static void test_volatile_check(void **state) {
        _cleanup_free_ char *t = tmpdir();
        int fd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        assert_true(fd >= 0);
        assert_int_equal(mkdirat(fd, "usr", 0755), 0);
        assert_int_equal(symlinkat("usr/bin", fd, "bin"), 0);
        assert_int_equal(volatile_check_tree(fd, VOLATILE_YES), 1);
        assert_int_equal(mkdirat(fd, "lib", 0755), 0);
        assert_int_equal(volatile_check_tree(fd, VOLATILE_YES), 0);
        assert_int_equal(volatile_check_tree(fd, VOLATILE_STATE), 1); /* only yes needs merged /usr */
        assert_true(volatile_tree_read_only(VOLATILE_STATE));
        assert_false(volatile_tree_read_only(VOLATILE_YES));
        assert_false(volatile_tree_read_only(VOLATILE_OVERLAY));
        close(fd);
        rm_tree(t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_machine_name),    cmocka_unit_test(test_copy_tree),
                cmocka_unit_test(test_rm_rf),           cmocka_unit_test(test_sweep_ignores_non_snapshots),
                cmocka_unit_test(test_setup_plain_dir), cmocka_unit_test(test_template),
                cmocka_unit_test(test_volatile_check),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
