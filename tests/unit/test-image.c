/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

#include "image.h"
#include "macro.h"

/* Every test works in its own temporary directory, removed afterwards. */
static char base[64];

static int rm_entry(const char *p, const struct stat *st, int type, struct FTW *f) {
        (void) st;
        (void) f;
        return type == FTW_DP ? rmdir(p) : unlink(p);
}

static int setup(void **state) {
        (void) state;
        snprintf(base, sizeof(base), "/tmp/test-image-XXXXXX");
        assert_non_null(mkdtemp(base));
        unsetenv("SYSTEMD_NSPAWN_CHECK_OS_RELEASE");
        return 0;
}

static int teardown(void **state) {
        (void) state;
        assert_int_equal(nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
        unsetenv("SYSTEMD_NSPAWN_CHECK_OS_RELEASE");
        return 0;
}

static const char *at(const char *rel) {
        static char buf[4][256];
        static unsigned i;
        char *p = buf[i++ % 4];
        snprintf(p, 256, "%s/%s", base, rel);
        return p;
}

static void mk(const char *rel) {
        assert_int_equal(mkdir(at(rel), 0755), 0);
}

static void put(const char *rel, const char *text) {
        FILE *f = fopen(at(rel), "we");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

static void ln(const char *target, const char *rel) {
        assert_int_equal(symlink(target, at(rel)), 0);
}

static int open_root(const char *rel) {
        int fd = open(at(rel), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void test_find(void **state) {
        (void) state;
        _cleanup_free_ char *p = NULL;
        mk("s1");
        mk("s2");
        mk("s2/mach");
        mk("s2/only2");
        mk("s1/only1");
        put("s1/mach", "a file named like the machine, not a directory\n");
        put("s2/plainfile", "");
        ln(at("s2/only2"), "s1/linked"); /* a symlink to a directory counts as the directory */
        put("s1/disk.raw", "");          /* NAME.raw: a disk image */
        mk("s2/disk");                   /* found only after s1's disk.raw */
        mk("s2/rawdir.raw");             /* NAME.raw must be a regular file */
        ln("/dev/null", "s1/chardev");   /* a device that is not a block device is not an image */

        /* Own copies: at() reuses its buffers. */
        char s1[256], s2[256], s3[256];
        snprintf(s1, sizeof(s1), "%s", at("s1"));
        snprintf(s2, sizeof(s2), "%s", at("s2"));
        snprintf(s3, sizeof(s3), "%s", at("does-not-exist"));
        const char *const search[] = {s1, s2, s3, NULL};

        /* The regular file in the first directory is skipped. */
        assert_int_equal(image_find("mach", search, &p), 0);
        assert_string_equal(p, at("s2/mach"));
        free(TAKE_PTR(p));

        assert_int_equal(image_find("only1", search, &p), 0);
        assert_string_equal(p, at("s1/only1"));
        free(TAKE_PTR(p));

        assert_int_equal(image_find("linked", search, &p), 0);
        assert_string_equal(p, at("s1/linked"));
        free(TAKE_PTR(p));

        assert_int_equal(image_find("disk", search, &p), 0);
        assert_string_equal(p, at("s1/disk.raw"));
        free(TAKE_PTR(p));

        assert_int_equal(image_find("rawdir", search, &p), -ENOENT);
        assert_int_equal(image_find("chardev", search, &p), -ENOENT);
        assert_int_equal(image_find("plainfile", search, &p), -ENOENT);
        assert_int_equal(image_find("nothere", search, &p), -ENOENT);
        assert_null(p);

        /* Names that are not machine names never reach the file system. */
        static const char *const invalid[] = {"", ".", "..", "../s2/mach", "s2/mach", "a b", "-x", NULL};
        for (const char *const *n = invalid; *n; n++) {
                assert_int_equal(image_find(*n, search, &p), -EINVAL);
                assert_null(p);
        }
}

static void check(const char *root, bool boot, enum image_check want) {
        _cleanup_close_ int fd = open_root(root);
        enum image_check r = (enum image_check) - 1;
        assert_int_equal(image_check_os_tree(fd, boot, &r), 0);
        assert_int_equal(r, want);
}

static void test_check_os_tree(void **state) {
        (void) state;
        mk("hostusr");
        put("host-os-release", "ID=host\n");

        mk("empty");
        mk("usrfile");
        put("usrfile/usr", "");
        mk("usronly");
        mk("usronly/usr");
        mk("etcrel");
        mk("etcrel/usr");
        mk("etcrel/etc");
        put("etcrel/etc/os-release", "ID=test\n");
        mk("librel");
        mk("librel/usr");
        mk("librel/usr/lib");
        put("librel/usr/lib/os-release", "ID=test\n");
        /* Symlinks pointing outside the root must be resolved inside it, so they do not count. */
        mk("escabs");
        ln(at("hostusr"), "escabs/usr");
        mk("escrel");
        ln("../hostusr", "escrel/usr");
        mk("escosr");
        mk("escosr/usr");
        mk("escosr/etc");
        ln(at("host-os-release"), "escosr/etc/os-release");
        /* A symlink resolved inside the root is fine. */
        mk("inlink");
        mk("inlink/real-usr");
        ln("/real-usr", "inlink/usr");

        check("empty", false, IMAGE_NO_USR);
        check("empty", true, IMAGE_NO_USR);
        check("usrfile", false, IMAGE_NO_USR);
        check("usronly", false, IMAGE_OK);
        check("usronly", true, IMAGE_NO_OS_RELEASE);
        check("etcrel", true, IMAGE_OK);
        check("librel", true, IMAGE_OK);
        check("escabs", false, IMAGE_NO_USR);
        check("escrel", false, IMAGE_NO_USR);
        check("escosr", false, IMAGE_OK);
        check("escosr", true, IMAGE_NO_OS_RELEASE);
        check("inlink", false, IMAGE_OK);

        setenv("SYSTEMD_NSPAWN_CHECK_OS_RELEASE", "0", 1);
        check("usronly", true, IMAGE_OK);
        check("empty", true, IMAGE_NO_USR); /* only the os-release check is switched off */
        setenv("SYSTEMD_NSPAWN_CHECK_OS_RELEASE", "no", 1);
        check("usronly", true, IMAGE_OK);
        setenv("SYSTEMD_NSPAWN_CHECK_OS_RELEASE", "1", 1);
        check("usronly", true, IMAGE_NO_OS_RELEASE);
        setenv("SYSTEMD_NSPAWN_CHECK_OS_RELEASE", "garbage", 1);
        check("usronly", true, IMAGE_NO_OS_RELEASE);
}

static void test_lock(void **state) {
        (void) state;
        mk("tree");
        put("file", "");
        char *canonical = NULL;
        int tree = image_open(at("tree"), &canonical);
        assert_true(tree >= 0);
        assert_non_null(strstr(canonical, "/tree"));
        free(canonical);

        /* Exclusive excludes everyone, even another open in the same process. */
        int ex = image_lock(tree, false);
        assert_true(ex >= 0);
        assert_int_equal(image_lock(tree, false), -EBUSY);
        assert_int_equal(image_lock(tree, true), -EBUSY);
        close(ex);

        /* Shared (read-only) locks coexist, and keep an exclusive one out. */
        int sh1 = image_lock(tree, true);
        assert_true(sh1 >= 0);
        int sh2 = image_lock(tree, true);
        assert_true(sh2 >= 0);
        assert_int_equal(image_lock(tree, false), -EBUSY);
        close(sh1);
        assert_int_equal(image_lock(tree, false), -EBUSY);
        close(sh2);

        /* Closing the fd is all it takes to release. */
        ex = image_lock(tree, false);
        assert_true(ex >= 0);
        assert_true(fcntl(ex, F_GETFD) & FD_CLOEXEC);
        close(ex);

        close(tree);

        /* image_open: a directory only, resolved once */
        assert_int_equal(image_open(at("missing"), &canonical), -ENOENT);
        assert_int_equal(image_open(at("file"), &canonical), -ENOTDIR);
}

static int read_id(const char *root, uint8_t id[16]) {
        _cleanup_close_ int fd = open_root(root);
        return image_read_machine_id(fd, id);
}

static void test_machine_id(void **state) {
        (void) state;
        static const uint8_t want[16] = {
                0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
        };
        static const uint8_t zero[16] = {};
        uint8_t id[16] = {};

        put("host-machine-id", "fedcba9876543210fedcba9876543210\n");
        static const char *const roots[] = {
                "valid", "nonl",   "empty",  "uninit", "missing", "bad",
                "zero",  "escabs", "escrel", "inlink", "fifo",    NULL,
        };
        for (const char *const *r = roots; *r; r++) {
                char rel[64];
                mk(*r);
                snprintf(rel, sizeof(rel), "%s/etc", *r);
                mk(rel);
        }
        put("valid/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
        put("nonl/etc/machine-id", "0123456789ABCDEF0123456789ABCDEF");
        put("empty/etc/machine-id", "");
        put("uninit/etc/machine-id", "uninitialized\n");
        put("bad/etc/machine-id", "0123456789abcdef0123456789abcdeg\n");
        put("zero/etc/machine-id", "00000000000000000000000000000000\n");
        ln(at("host-machine-id"), "escabs/etc/machine-id");
        ln("../../host-machine-id", "escrel/etc/machine-id");
        put("inlink/etc/real-id", "0123456789abcdef0123456789abcdef\n");
        ln("/etc/real-id", "inlink/etc/machine-id");
        assert_int_equal(mkfifo(at("fifo/etc/machine-id"), 0644), 0);

        assert_int_equal(read_id("valid", id), 1);
        assert_memory_equal(id, want, 16);
        memset(id, 0, sizeof(id));
        assert_int_equal(read_id("nonl", id), 1);
        assert_memory_equal(id, want, 16);
        memset(id, 0, sizeof(id));
        assert_int_equal(read_id("inlink", id), 1);
        assert_memory_equal(id, want, 16);
        memset(id, 0, sizeof(id));

        assert_int_equal(read_id("empty", id), 0);
        assert_int_equal(read_id("uninit", id), 0);
        assert_int_equal(read_id("missing", id), 0);
        assert_int_equal(read_id("bad", id), 0);
        assert_int_equal(read_id("zero", id), 0);
        /* The host's ID behind a symlink out of the root is never read. */
        assert_int_equal(read_id("escabs", id), 0);
        assert_int_equal(read_id("escrel", id), 0);
        assert_memory_equal(id, zero, 16);

        /* A FIFO planted by the image must not block the read forever (SIGALRM fails the test). */
        alarm(10);
        assert_int_equal(read_id("fifo", id), 0);
        alarm(0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_find, setup, teardown),
                cmocka_unit_test_setup_teardown(test_check_os_tree, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
                cmocka_unit_test_setup_teardown(test_machine_id, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
