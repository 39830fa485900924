/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawnctl's transfer verbs: names and URLs (import-util.h), transfer records, SHA256SUMS, the
 * unpacker's policy, the OS tree mangling and the progress line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdutil.h"
#include "import-util.h"
#include "macro.h"
#include "os-tree.h"
#include "progress.h"
#include "rm-rf.h"
#include "transfer-record.h"
#include "unpack.h"
#include "verify.h"

static void assert_strip(int (*f)(const char *, char **), const char *in, const char *want) {
        char *out = NULL;
        int r = f(in, &out);
        if (!want) {
                assert_true(r < 0);
                return;
        }
        assert_int_equal(r, 0);
        assert_string_equal(out, want);
        free(out);
}

static void test_strip_suffixes(void **state) {
        assert_strip(tar_strip_suffixes, "stage3.tar.xz", "stage3");
        assert_strip(tar_strip_suffixes, "x.tar", "x");
        assert_strip(tar_strip_suffixes, "x.tar.gz", "x");
        assert_strip(tar_strip_suffixes, "x.tgz", "x");
        assert_strip(tar_strip_suffixes, "x.tar.bz2", "x");
        assert_strip(tar_strip_suffixes, "x.tar.zst", "x");
        assert_strip(tar_strip_suffixes, "x.raw", "x.raw"); /* not a tar suffix: kept */
        assert_strip(tar_strip_suffixes, "x.tar.xz.tar", "x.tar.xz");
        assert_strip(tar_strip_suffixes, ".tar.xz", NULL);
        assert_strip(raw_strip_suffixes, "disk.raw.xz", "disk");
        assert_strip(raw_strip_suffixes, "disk.img.gz", "disk");
        assert_strip(raw_strip_suffixes, "disk.qcow2", "disk");
        assert_strip(raw_strip_suffixes, "disk.raw.zst", "disk");
        assert_strip(raw_strip_suffixes, "disk.squashfs", "disk.squashfs");
        assert_strip(raw_strip_suffixes, ".raw", ".raw"); /* nothing may be left: kept */
}

static void test_urls(void **state) {
        char *s = NULL;

        assert_true(http_url_is_valid("http://127.0.0.1:8080/x.tar.xz"));
        assert_true(http_url_is_valid("https://example.org/a/b"));
        assert_false(http_url_is_valid("ftp://example.org/x.tar"));
        assert_false(http_url_is_valid("/srv/x.tar"));
        assert_false(http_url_is_valid("file:///srv/x.tar"));
        assert_false(http_url_is_valid("http://"));
        assert_false(http_url_is_valid("http:///x"));
        assert_false(http_url_is_valid("http://host/a b"));
        assert_false(http_url_is_valid("http://host/\x7f"));

        assert_int_equal(import_url_last_component("http://h/a/stage3.tar.xz?x=1#f", &s), 0);
        assert_string_equal(s, "stage3.tar.xz");
        free(s);
        assert_int_equal(import_url_last_component("http://h/a/dir/", &s), 0);
        assert_string_equal(s, "dir");
        free(s);
        assert_int_equal(import_url_last_component("http://host", &s), -EADDRNOTAVAIL);
        assert_int_equal(import_url_last_component("https://host/", &s), -EADDRNOTAVAIL);

        assert_int_equal(import_url_change_last_component("http://h/a/x.tar.xz?q", "SHA256SUMS", &s), 0);
        assert_string_equal(s, "http://h/a/SHA256SUMS");
        free(s);
        assert_int_equal(import_url_settings("http://h/a/x.tar.xz", false, &s), 0);
        assert_string_equal(s, "http://h/a/x.nspawn");
        free(s);
        assert_int_equal(import_url_settings("http://h/a/disk.raw.xz", true, &s), 0);
        assert_string_equal(s, "http://h/a/disk.nspawn");
        free(s);
}

static void test_names(void **state) {
        for (int v = 0; v < _IMPORT_VERIFY_MAX; v++)
                assert_int_equal(import_verify_from_string(import_verify_to_string(v)), v);
        assert_int_equal(import_verify_from_string("bogus"), _IMPORT_VERIFY_INVALID);
        for (int c = 0; c < _IMPORT_COMPRESSION_MAX; c++)
                assert_int_equal(import_compression_from_string(import_compression_to_string(c)), c);
        assert_int_equal(import_compression_from_string("lz4"), _IMPORT_COMPRESSION_INVALID);
        assert_int_equal(import_compression_from_filename("x.tar.xz"), IMPORT_XZ);
        assert_int_equal(import_compression_from_filename("x.tar.gz"), IMPORT_GZIP);
        assert_int_equal(import_compression_from_filename("x.tgz"), IMPORT_GZIP);
        assert_int_equal(import_compression_from_filename("x.tar.bz2"), IMPORT_BZIP2);
        assert_int_equal(import_compression_from_filename("x.tar.zst"), IMPORT_ZSTD);
        assert_int_equal(import_compression_from_filename("x.raw.zstd"), IMPORT_ZSTD);
        assert_int_equal(import_compression_from_filename("x.tar"), IMPORT_UNCOMPRESSED);
        assert_int_equal(import_compression_from_filename(NULL), IMPORT_UNCOMPRESSED);
}

static void test_record_format(void **state) {
        struct transfer_record r = {.id = 7,
                                    .type = "pull-tar",
                                    .remote = "http://h/x\n\\y",
                                    .local = "x",
                                    .pid = 42,
                                    .pid_starttime = 99,
                                    .percent = 5},
                               back;
        char *text = NULL;

        assert_int_equal(transfer_record_format(&r, &text), 0);
        assert_string_equal(text, "ID=7\nTYPE=pull-tar\nREMOTE=http://h/x\\n\\\\y\nLOCAL=x\nPID=42\n"
                                  "PID_STARTTIME=99\nPERCENT=  5\n");
        assert_int_equal(transfer_record_parse(text, &back), 0);
        assert_int_equal(back.id, 7);
        assert_string_equal(back.remote, "http://h/x\n\\y");
        assert_int_equal(back.percent, 5);
        assert_int_equal(back.pid_starttime, 99);
        transfer_record_done(&back);
        free(text);

        r.percent = -1;
        assert_int_equal(transfer_record_format(&r, &text), 0);
        assert_non_null(strstr(text, "PERCENT=n/a\n"));
        assert_int_equal(transfer_record_parse(text, &back), 0);
        assert_int_equal(back.percent, -1);
        transfer_record_done(&back);
        free(text);

        assert_int_equal(transfer_record_parse("TYPE=x\nLOCAL=y\nPID=1\n", &back), -EBADMSG); /* no ID */
        assert_int_equal(transfer_record_parse("ID=x\nTYPE=x\nLOCAL=y\nPID=1\n", &back), -EBADMSG); /* bad */
        assert_int_equal(transfer_record_parse("ID=1\nTYPE=x\nLOCAL=y\nPID=0\n", &back), -EBADMSG);
        assert_int_equal(transfer_record_parse("ID=1\nTYPE=x\nLOCAL=y\nPID=3\nNEW=1\nPERCENT=zz\n", &back),
                         0);
        assert_int_equal(back.percent, -1);
        transfer_record_done(&back);
}

/* claim → list/get (live, PERCENT rewritten in place) → release; a record nobody locks is removed
 * by readers. Needs a root-owned directory. */
static void test_record_lifecycle(void **state) {
        char dir[] = "/tmp/test-import.XXXXXX", path[64];
        struct transfer_record rec = {.type = "import-tar", .remote = "/x.tar", .local = "b"}, *a = NULL,
                               one;
        struct transfer_entry *e1 = NULL, *e2 = NULL;
        size_t n = 0;

        if (geteuid() != 0)
                skip();
        assert_non_null(mkdtemp(dir));
        assert_int_equal(chmod(dir, 0755), 0);
        assert_int_equal(transfer_claim(dir, &rec, &e1), 0);
        rec.local = "a";
        assert_int_equal(transfer_claim(dir, &rec, &e2), 0);
        assert_int_equal(transfer_entry_id(e2), transfer_entry_id(e1) + 1);
        assert_int_equal(transfer_entry_set_percent(e1, 42), 0);

        assert_int_equal(transfer_list(dir, &a, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(a[0].local, "a"); /* sorted by LOCAL */
        assert_string_equal(a[1].local, "b");
        assert_int_equal(a[1].percent, 42);
        assert_int_equal(a[0].percent, -1);
        assert_int_equal(a[0].pid, getpid());
        assert_true(a[0].pid_starttime > 0);
        transfer_record_array_free(a, n);

        assert_int_equal(transfer_get(dir, transfer_entry_id(e1), &one), 0);
        assert_string_equal(one.type, "import-tar");
        transfer_record_done(&one);
        assert_int_equal(transfer_get(dir, 999999, &one), -ENOENT);

        e2 = transfer_release(e2);
        assert_int_equal(transfer_list(dir, &a, &n), 0);
        assert_int_equal(n, 1);
        transfer_record_array_free(a, n);

        /* a killed transfer's record: its lock is free */
        snprintf(path, sizeof path, "%s/77", dir);
        assert_int_equal(write_file_at(AT_FDCWD, path, "ID=77\nTYPE=x\nLOCAL=z\nPID=1\nPERCENT=n/a\n", 0644),
                         0);
        assert_int_equal(transfer_list(dir, &a, &n), 0);
        assert_int_equal(n, 1);
        transfer_record_array_free(a, n);
        assert_int_equal(access(path, F_OK), -1);

        e1 = transfer_release(e1);
        assert_int_equal(transfer_list(dir, &a, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(rm_rf_at(AT_FDCWD, dir), 0);

        /* a missing directory is no transfers; a directory others may write is refused */
        assert_int_equal(transfer_list("/nonexistent-transfers", &a, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(transfer_list("/tmp", &a, &n), -EPERM);
}

static void test_checksum(void **state) {
        const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        char sums[512];

        snprintf(sums, sizeof sums, "%s *other.tar\n%s *x.tar.xz\n%s  y.raw\r\n", hex, hex, hex);
        assert_int_equal(verify_checksum(sums, strlen(sums), "x.tar.xz", hex), 0);
        assert_int_equal(verify_checksum(sums, strlen(sums), "y.raw", hex), 0); /* text mode, CRLF */
        assert_int_equal(verify_checksum(sums, strlen(sums), "x.tar", hex), -ENOENT);
        assert_int_equal(verify_checksum(sums, strlen(sums), "tar.xz", hex), -ENOENT);
        assert_int_equal(verify_checksum(sums, strlen(sums), "x.tar.xz",
                                         "f123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
                         -EBADMSG);
        /* upper-case hex in the file is the same checksum */
        snprintf(sums, sizeof sums, "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF  z\n");
        assert_int_equal(verify_checksum(sums, strlen(sums), "z", hex), 0);
        /* a name in the middle of a line does not count */
        snprintf(sums, sizeof sums, "junk %s  z\n", hex);
        assert_int_equal(verify_checksum(sums, strlen(sums), "z", hex), -ENOENT);

        uint8_t md[3] = {0x00, 0xab, 0xff};
        char out[7];
        verify_hex(md, 3, out);
        assert_string_equal(out, "00abff");
}

static void test_unpack_policy(void **state) {
        uint64_t bytes, inodes;

        assert_true(unpack_device_allowed(1, 3));    /* null */
        assert_true(unpack_device_allowed(5, 1));    /* console */
        assert_true(unpack_device_allowed(10, 200)); /* tun */
        assert_false(unpack_device_allowed(1, 1));   /* mem */
        assert_false(unpack_device_allowed(8, 0));   /* a disk (as a character device number) */
        assert_false(unpack_device_allowed(4, 1));   /* tty1 */

        unpack_reserve(UINT64_C(64) << 20, 1000, &bytes, &inodes);
        assert_int_equal(bytes, (UINT64_C(64) << 20) / 10);
        assert_int_equal(inodes, 100);
        unpack_reserve(UINT64_C(100) << 30, 0, &bytes, &inodes);
        assert_int_equal(bytes, UINT64_C(750) << 20); /* systemd's VAR_LIB_MACHINES_FREE_MIN */
}

static void test_os_tree(void **state) {
        char dir[] = "/tmp/test-import-tree.XXXXXX", *moved = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        assert_non_null(mkdtemp(dir));
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        /* stage3/etc/os-release and stage3/stage3 (a name the top must take): moved up */
        assert_int_equal(mkdirat(fd, "stage3", 0750), 0);
        assert_int_equal(mkdirat(fd, "stage3/etc", 0755), 0);
        assert_int_equal(write_file_at(fd, "stage3/etc/os-release", "ID=x\n", 0644), 0);
        assert_int_equal(mkdirat(fd, "stage3/stage3", 0755), 0);
        assert_int_equal(os_tree_mangle(fd, &moved), 1);
        assert_string_equal(moved, "stage3");
        free(moved);
        assert_int_equal(os_tree_has_os_release(fd), 1);
        assert_int_equal(fstatat(fd, "stage3", &st, 0), 0); /* the inner one */
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0750); /* the moved directory's mode */
        /* an OS tree stays as it is */
        assert_int_equal(os_tree_mangle(fd, &moved), 0);
        assert_int_equal(rm_rf_children(fd), 0);
        /* one directory without an OS tree, or two entries: left alone */
        assert_int_equal(mkdirat(fd, "data", 0755), 0);
        assert_int_equal(os_tree_mangle(fd, &moved), 0);
        assert_int_equal(fstatat(fd, "data", &st, 0), 0);
        assert_int_equal(os_tree_has_os_release(fd), 0);
        assert_int_equal(rm_rf_at(AT_FDCWD, dir), 0);
}

static void test_progress_format(void **state) {
        char buf[256];

        progress_format(buf, sizeof buf, "deb", 50 << 20, 100 << 20, 5000000, 80);
        assert_true(strlen(buf) <= 80);
        assert_non_null(strstr(buf, "deb  50% ["));
        assert_non_null(strstr(buf, "] 50.0M/100.0M 10.0M/s ETA 5s"));
        progress_format(buf, sizeof buf, "deb", 100 << 20, 100 << 20, 5000000, 80);
        assert_non_null(strstr(buf, "deb 100% [===="));
        assert_null(strstr(buf, "ETA"));
        progress_format(buf, sizeof buf, "deb", 3 << 20, UINT64_MAX, 1000000, 80);
        assert_string_equal(buf, "deb 3.0M 3.0M/s");
        progress_format(buf, sizeof buf, "deb", 1 << 20, 2 << 20, 1000000, 30); /* no room for a bar */
        assert_string_equal(buf, "deb  50% 1.0M/2.0M 1.0M/s ETA 1s");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_strip_suffixes),
                cmocka_unit_test(test_urls),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_record_format),
                cmocka_unit_test(test_record_lifecycle),
                cmocka_unit_test(test_checksum),
                cmocka_unit_test(test_unpack_policy),
                cmocka_unit_test(test_os_tree),
                cmocka_unit_test(test_progress_format),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
