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
#include <unistd.h>

#include "fdutil.h"
#include "journal.h"
#include "macro.h"

/* dir/hostjournal (the host's /var/log/journal), dir/machine-id, dir/root (the image). */
static char dir[] = "/tmp/test-journal.XXXXXX";
static char hostdir[256], machine_id[256], root[256], p_host[320], p_image[320];
static const uint8_t uuid[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};
#define ID "112233445566778899aabbccddeeff01"

static void reset(bool with_hostdir) {
        char cmd[1100];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' && mkdir -p '%s' %s%s%s", hostdir, root, root,
                 with_hostdir ? "'" : "", with_hostdir ? hostdir : "", with_hostdir ? "'" : "");
        assert_int_equal(system(cmd), 0);
}

static int prepare_finish(enum link_journal m, struct journal_context *ctx) {
        struct settings s;
        int r;

        settings_init(&s);
        s.link_journal = m;
        *ctx = (struct journal_context) JOURNAL_CONTEXT_INIT;
        r = journal_prepare(&s, uuid, root, hostdir, machine_id, ctx);
        settings_done(&s);
        if (r < 0)
                return r;
        int root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(root_fd >= 0);
        r = journal_finish(ctx, root_fd);
        close(root_fd);
        return r;
}

static void test_normalize(void **state) {
        static const struct {
                enum link_journal in;
                bool try_in;
                enum link_journal out;
                bool try_out;
        } cases[] = {
                {LINK_JOURNAL_NO, false, LINK_JOURNAL_NO, false},
                {LINK_JOURNAL_AUTO, false, LINK_JOURNAL_AUTO, true},
                {LINK_JOURNAL_GUEST, false, LINK_JOURNAL_GUEST, false},
                {LINK_JOURNAL_HOST, false, LINK_JOURNAL_HOST, false},
                {LINK_JOURNAL_TRY_GUEST, true, LINK_JOURNAL_GUEST, true},
                {LINK_JOURNAL_TRY_HOST, false, LINK_JOURNAL_HOST, true},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                enum link_journal m;
                bool t;
                journal_mode_normalize(cases[i].in, cases[i].try_in, &m, &t);
                assert_int_equal(m, cases[i].out);
                assert_int_equal(t, cases[i].try_out);
        }
}

static void test_guest(void **state) {
        struct journal_context ctx;
        char buf[PATH_MAX];
        struct stat st;

        reset(true);
        assert_int_equal(prepare_finish(LINK_JOURNAL_GUEST, &ctx), 0);
        journal_context_done(&ctx);
        ssize_t n = readlink(p_host, buf, sizeof(buf) - 1);
        assert_true(n > 0);
        buf[n] = 0;
        assert_string_equal(buf, p_image);
        assert_int_equal(stat(p_image, &st), 0);
        assert_true(S_ISDIR(st.st_mode));

        /* Again: the link is right and stays; auto keeps it too. */
        assert_int_equal(prepare_finish(LINK_JOURNAL_GUEST, &ctx), 0);
        journal_context_done(&ctx);
        assert_int_equal(prepare_finish(LINK_JOURNAL_AUTO, &ctx), 0);
        assert_int_equal(ctx.mode, LINK_JOURNAL_GUEST);
        journal_context_done(&ctx);
        assert_int_equal(readlink(p_host, buf, sizeof(buf) - 1), n);

        /* A regular file where the link goes: refused (not with try-guest). */
        reset(true);
        assert_int_equal(write_file_at(AT_FDCWD, p_host, "x", 0644), 0);
        assert_int_equal(prepare_finish(LINK_JOURNAL_GUEST, &ctx), -EEXIST);
        assert_non_null(strstr(ctx.error, "neither a symlink nor a directory"));
        journal_context_done(&ctx);

        /* No host journal directory: guest fails, try-guest goes on without a link. */
        reset(false);
        assert_true(prepare_finish(LINK_JOURNAL_GUEST, &ctx) < 0);
        assert_non_null(ctx.error);
        journal_context_done(&ctx);
        assert_int_equal(prepare_finish(LINK_JOURNAL_TRY_GUEST, &ctx), 0);
        journal_context_done(&ctx);
        assert_int_equal(access(p_image, F_OK), -1);
}

static void test_host(void **state) {
        struct journal_context ctx;
        char probe[400];

        if (geteuid() != 0)
                skip();
        reset(true);
        assert_int_equal(prepare_finish(LINK_JOURNAL_HOST, &ctx), 0);
        journal_context_done(&ctx);
        /* Bound: what the guest writes appears on the host. */
        snprintf(probe, sizeof probe, "%s/system.journal", p_image);
        assert_int_equal(write_file_at(AT_FDCWD, probe, "J", 0644), 0);
        snprintf(probe, sizeof probe, "%s/system.journal", p_host);
        assert_int_equal(access(probe, F_OK), 0);
        assert_int_equal(umount2(p_image, 0), 0);

        /* auto binds an existing host directory (a second run sees the guest's files: a warning). */
        assert_int_equal(prepare_finish(LINK_JOURNAL_AUTO, &ctx), 0);
        assert_int_equal(ctx.mode, LINK_JOURNAL_HOST);
        journal_context_done(&ctx);
        assert_int_equal(umount2(p_image, 0), 0);

        /* A symlink at the host's entry (planted, pointing elsewhere) is never followed: it is
         * replaced by the directory, which is bound; the place it pointed to stays untouched. */
        char elsewhere[400], marker[420];
        snprintf(elsewhere, sizeof elsewhere, "%s/elsewhere", dir);
        (void) mkdir(elsewhere, 0755);
        snprintf(marker, sizeof marker, "%s/system.journal", elsewhere);
        reset(true);
        assert_int_equal(symlink(elsewhere, p_host), 0);
        assert_int_equal(prepare_finish(LINK_JOURNAL_HOST, &ctx), 0);
        journal_context_done(&ctx);
        struct stat st;
        assert_int_equal(lstat(p_host, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        snprintf(probe, sizeof probe, "%s/system.journal", p_image);
        assert_int_equal(write_file_at(AT_FDCWD, probe, "J", 0644), 0);
        assert_int_equal(access(marker, F_OK), -1);
        assert_int_equal(umount2(p_image, 0), 0);

        /* host without /var/log/journal on the host: error; try-host: nothing. */
        reset(false);
        assert_true(prepare_finish(LINK_JOURNAL_HOST, &ctx) < 0);
        journal_context_done(&ctx);
        assert_int_equal(prepare_finish(LINK_JOURNAL_TRY_HOST, &ctx), 0);
        journal_context_done(&ctx);
}

static void test_nothing(void **state) {
        struct journal_context ctx;
        struct settings s;

        /* auto without a host directory: nothing on either side. */
        reset(true);
        assert_int_equal(prepare_finish(LINK_JOURNAL_AUTO, &ctx), 0);
        assert_int_equal(ctx.mode, LINK_JOURNAL_NO);
        journal_context_done(&ctx);
        assert_int_equal(access(p_host, F_OK), -1);
        assert_int_equal(access(p_image, F_OK), -1);

        /* --ephemeral: never. */
        settings_init(&s);
        s.link_journal = LINK_JOURNAL_GUEST;
        s.ephemeral = true;
        ctx = (struct journal_context) JOURNAL_CONTEXT_INIT;
        assert_int_equal(journal_prepare(&s, uuid, root, hostdir, machine_id, &ctx), 0);
        assert_int_equal(ctx.mode, LINK_JOURNAL_NO);
        journal_context_done(&ctx);
        settings_done(&s);
        assert_int_equal(access(p_host, F_OK), -1);

        /* The host's machine ID is the container's: refused, a warning with try. */
        assert_int_equal(write_file_at(AT_FDCWD, machine_id, ID "\n", 0444), 0);
        assert_int_equal(prepare_finish(LINK_JOURNAL_GUEST, &ctx), -EEXIST);
        assert_non_null(strstr(ctx.error, "Host and machine ids are equal"));
        journal_context_done(&ctx);
        assert_int_equal(prepare_finish(LINK_JOURNAL_TRY_GUEST, &ctx), 0);
        assert_non_null(ctx.warnings);
        journal_context_done(&ctx);
        assert_int_equal(access(p_host, F_OK), -1);
        unlink(machine_id);
}

static int setup(void **state) {
        if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0)
                (void) mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL);
        if (!mkdtemp(dir))
                return -1;
        snprintf(hostdir, sizeof hostdir, "%s/hostjournal", dir);
        snprintf(machine_id, sizeof machine_id, "%s/machine-id", dir);
        snprintf(root, sizeof root, "%s/root", dir);
        snprintf(p_host, sizeof p_host, "%s/" ID, hostdir);
        snprintf(p_image, sizeof p_image, "%s/var/log/journal/" ID, root);
        return 0;
}

static int teardown(void **state) {
        return test_rm_rf(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_normalize),
                cmocka_unit_test(test_guest),
                cmocka_unit_test(test_host),
                cmocka_unit_test(test_nothing),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
