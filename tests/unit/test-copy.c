/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* copy_entry_at() and copy_entry_at_as(): one entry of any type copied to a new name, never onto an existing
 * one (a planted symlink included), a FIFO made and not opened, nothing left after a failure or an
 * interruption (COPY_SIGINT). copy_tree() itself is tested in test-ephemeral.c. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy.h"
#include "macro.h"
#include "rm-rf.h"

struct dirs {
        char path[64];
        int fd, src, dst; /* the scratch directory, its src/ and dst/ */
};

static int setup(void **state) {
        static struct dirs d;
        snprintf(d.path, sizeof(d.path), "/tmp/test-copy.XXXXXX");
        assert_non_null(mkdtemp(d.path));
        d.fd = open(d.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(mkdirat(d.fd, "src", 0755), 0);
        assert_int_equal(mkdirat(d.fd, "dst", 0755), 0);
        d.src = openat(d.fd, "src", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        d.dst = openat(d.fd, "dst", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(d.fd >= 0 && d.src >= 0 && d.dst >= 0);
        *state = &d;
        return 0;
}

static int teardown(void **state) {
        struct dirs *d = *state;
        close(d->src);
        close(d->dst);
        (void) rm_rf_children(d->fd);
        close(d->fd);
        (void) rmdir(d->path);
        return 0;
}

static void write_at(int dir, const char *name, const char *text, mode_t mode) {
        int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
}

static char *read_at(int dir, const char *name) {
        static char buf[256];
        int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        assert_true(n >= 0);
        buf[n] = 0;
        close(fd);
        return buf;
}

static bool exists(int dir, const char *name) {
        struct stat st;
        return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) >= 0;
}

static void test_file(void **state) {
        struct dirs *d = *state;
        struct stat a, b;
        struct timespec ts[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1234567890}};

        write_at(d->src, "f", "content\n", 0640);
        assert_int_equal(utimensat(d->src, "f", ts, 0), 0);
        if (geteuid() == 0)
                assert_int_equal(fchownat(d->src, "f", 1234, 5678, 0), 0);
        assert_int_equal(copy_entry_at(d->src, "f", d->dst, "g", 0), 0);
        assert_string_equal(read_at(d->dst, "g"), "content\n");
        assert_int_equal(fstatat(d->src, "f", &a, 0), 0);
        assert_int_equal(fstatat(d->dst, "g", &b, 0), 0);
        assert_int_equal(a.st_mode, b.st_mode);
        assert_int_equal(a.st_uid, b.st_uid);
        assert_int_equal(a.st_gid, b.st_gid);
        assert_int_equal(b.st_mtim.tv_sec, 1234567890);

        /* never onto an existing name: it stays as it was */
        write_at(d->src, "other", "other\n", 0600);
        assert_int_equal(copy_entry_at(d->src, "other", d->dst, "g", 0), -EEXIST);
        assert_string_equal(read_at(d->dst, "g"), "content\n");

        /* nor through a symlink planted there, dangling or not */
        assert_int_equal(symlinkat("../victim", d->dst, "planted"), 0);
        assert_int_equal(copy_entry_at(d->src, "f", d->dst, "planted", 0), -EEXIST);
        assert_false(exists(d->fd, "victim"));

        /* a missing source: nothing made */
        assert_int_equal(copy_entry_at(d->src, "nosuch", d->dst, "nosuch", 0), -ENOENT);
        assert_false(exists(d->dst, "nosuch"));
}

static void test_symlink_and_fifo(void **state) {
        struct dirs *d = *state;
        char target[64];
        struct stat st;

        /* a symlink is copied as a symlink, never followed */
        assert_int_equal(symlinkat("/etc/shadow", d->src, "l"), 0);
        assert_int_equal(copy_entry_at(d->src, "l", d->dst, "l", 0), 0);
        ssize_t n = readlinkat(d->dst, "l", target, sizeof(target) - 1);
        assert_true(n > 0);
        target[n] = 0;
        assert_string_equal(target, "/etc/shadow");

        /* a FIFO nobody writes to is made, not opened (an open would block: alarm() guards) */
        assert_int_equal(mkfifoat(d->src, "fifo", 0600), 0);
        assert_int_equal(fchmodat(d->src, "fifo", 0620, 0), 0);
        alarm(5);
        assert_int_equal(copy_entry_at(d->src, "fifo", d->dst, "fifo", 0), 0);
        alarm(0);
        assert_int_equal(fstatat(d->dst, "fifo", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISFIFO(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0620);
}

static void test_directory(void **state) {
        struct dirs *d = *state;
        struct stat a, b;

        assert_int_equal(mkdirat(d->src, "tree", 0751), 0);
        assert_int_equal(mkdirat(d->src, "tree/sub", 0700), 0);
        write_at(d->src, "tree/sub/file", "x\n", 0644);
        assert_int_equal(linkat(d->src, "tree/sub/file", d->src, "tree/link", 0), 0);
        assert_int_equal(mkfifoat(d->src, "tree/fifo", 0600), 0);
        assert_int_equal(symlinkat("/", d->src, "tree/root"), 0);

        alarm(5);
        assert_int_equal(copy_entry_at(d->src, "tree", d->dst, "copy", 0), 0);
        alarm(0);
        assert_int_equal(fstatat(d->dst, "copy", &b, 0), 0);
        assert_int_equal(b.st_mode & 07777, 0751);
        assert_string_equal(read_at(d->dst, "copy/sub/file"), "x\n");
        assert_int_equal(fstatat(d->dst, "copy/sub/file", &a, 0), 0);
        assert_int_equal(fstatat(d->dst, "copy/link", &b, 0), 0);
        assert_int_equal(a.st_ino, b.st_ino); /* still one file */
        assert_int_equal(fstatat(d->dst, "copy/root", &b, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISLNK(b.st_mode));

        /* onto an existing directory: refused, its contents untouched */
        assert_int_equal(mkdirat(d->dst, "existing", 0700), 0);
        assert_int_equal(copy_entry_at(d->src, "tree", d->dst, "existing", 0), -EEXIST);
        assert_false(exists(d->dst, "existing/sub"));
}

/* copy_entry_at_as(): every entry gets the given owner (set-ID bits kept: the mode is set after
 * the chown); (uid_t) -1 keeps the source's. Needs root for the chowns. */
static void test_owner(void **state) {
        struct dirs *d = *state;
        struct stat st;

        if (geteuid() != 0)
                skip();
        assert_int_equal(mkdirat(d->src, "tree", 0750), 0);
        write_at(d->src, "tree/f", "x\n", 04755);
        assert_int_equal(symlinkat("f", d->src, "tree/l"), 0);
        assert_int_equal(fchownat(d->src, "tree/f", 1234, 5678, 0), 0);
        assert_int_equal(fchmodat(d->src, "tree/f", 04755, 0), 0);

        assert_int_equal(copy_entry_at_as(d->src, "tree", d->dst, "shifted", 0, 655360, 655360), 0);
        const char *names[] = {"shifted", "shifted/f", "shifted/l"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                assert_int_equal(fstatat(d->dst, names[i], &st, AT_SYMLINK_NOFOLLOW), 0);
                assert_int_equal(st.st_uid, 655360);
                assert_int_equal(st.st_gid, 655360);
        }
        assert_int_equal(fstatat(d->dst, "shifted/f", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 04755);

        assert_int_equal(copy_entry_at_as(d->src, "tree", d->dst, "kept", 0, (uid_t) -1, (gid_t) -1), 0);
        assert_int_equal(fstatat(d->dst, "kept/f", &st, 0), 0);
        assert_int_equal(st.st_uid, 1234);
        assert_int_equal(st.st_gid, 5678);
}

/* A copy that is interrupted (a pending SIGINT with COPY_SIGINT) leaves nothing behind. */
static void test_interrupted(void **state) {
        struct dirs *d = *state;
        sigset_t block, old;

        assert_int_equal(mkdirat(d->src, "big", 0755), 0);
        for (int i = 0; i < 20; i++) {
                char name[32];
                snprintf(name, sizeof(name), "big/f%d", i);
                write_at(d->src, name, "data\n", 0644);
        }
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old), 0);
        assert_int_equal(raise(SIGINT), 0);

        assert_int_equal(copy_entry_at(d->src, "big", d->dst, "big", COPY_SIGINT), -EINTR);
        assert_false(exists(d->dst, "big"));
        /* without the flag the same copy goes through */
        assert_int_equal(copy_entry_at(d->src, "big", d->dst, "big", 0), 0);
        assert_true(exists(d->dst, "big/f19"));

        int sig;
        assert_int_equal(sigwait(&block, &sig), 0); /* take the pending SIGINT */
        assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_symlink_and_fifo, setup, teardown),
                cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
                cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
                cmocka_unit_test_setup_teardown(test_interrupted, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
