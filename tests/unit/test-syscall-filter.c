/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "strv.h"
#include "syscall-filter.h"
#include "syscall-groups.h"

/*
 * The filter checks run in a forked child (a filter cannot be removed again). The child returns
 * 0 or the line of the first failed check as its exit status.
 */
#define CHECK(x)                                                                                            \
        do {                                                                                                \
                if (!(x)) {                                                                                 \
                        fprintf(stderr, "child check failed: %s (errno %d)\n", #x, errno);                  \
                        return __LINE__ & 0xff ?: 1;                                                        \
                }                                                                                           \
        } while (0)

/* syscall() that returns -errno (or the result). */
static long sc(long nr, long a, long b, long c) {
        long r = syscall(nr, a, b, c);
        return r < 0 ? -errno : r;
}

static const uint64_t default_caps = UINT64_C(0xfdecafff);

static struct seccomp_program *prepare(const struct settings *s, uint64_t caps, const char *cache) {
        struct seccomp_program *p = NULL;

        assert_int_equal(seccomp_program_prepare(s, caps, cache, &p), 0);
        assert_non_null(p);
        return p;
}

static int run_child(const struct seccomp_program *p, int (*checks)(void)) {
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                /* Unprivileged runs need no_new_privs; root has CAP_SYS_ADMIN anyway. */
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(200);
                if (seccomp_program_load(p) < 0)
                        _exit(201);
                _exit(checks());
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

#if defined(__x86_64__)
/* A 32-bit (ia32) syscall from a 64-bit process: checks the x86 filter. */
static long sc_ia32(long nr, long a, long b, long c) {
        long r;
        __asm__ volatile("int $0x80"
                         : "=a"(r)
                         : "a"(nr), "b"(a), "c"(b), "d"(c)
                         : "memory", "r8", "r9", "r10", "r11");
        return r;
}
#endif

static int checks_default(void) {
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        char c = 'x';
        int pipefd[2], n = 0;
        FILE *f;
        char line[256];
        bool seccomp_mode_2 = false;

        CHECK(fd >= 0);
        CHECK(sc(SYS_getpid, 0, 0, 0) == getpid());
        CHECK(sc(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0) == -EPERM);
        CHECK(sc(SYS_add_key, 0, 0, 0) == -EPERM);
        CHECK(sc(1000, 0, 0, 0) == -ENOSYS);
        CHECK(sc(SYS_io_uring_setup, 1, 0, 0) == -EPERM);
        CHECK(sc(SYS_io_uring_enter, 0, 0, 0) == -EPERM);
        CHECK(sc(SYS_userfaultfd, 0, 0, 0) == -EPERM);
        CHECK(sc(SYS_open_by_handle_at, 0, 0, 0) == -EPERM);
        CHECK(sc(SYS_bpf, 0, 0, 0) == -EPERM);
        CHECK(sc(SYS_kexec_load, 0, 0, 0) == -EPERM);
        CHECK(sc(SYS_init_module, 0, 0, 0) == -EPERM); /* no CAP_SYS_MODULE */
        CHECK(sc(SYS_acct, 0, 0, 0) == -EPERM);        /* no CAP_SYS_PACCT */
        CHECK(sc(SYS_adjtimex, 0, 0, 0) == -EPERM);    /* @clock without CAP_SYS_TIME */

        /* TIOCSTI/TIOCLINUX denied whatever the high 32 bits say; other ioctls pass. */
        CHECK(sc(SYS_ioctl, fd, TIOCSTI, (long) &c) == -EPERM);
        CHECK(sc(SYS_ioctl, fd, (long) (TIOCSTI | (1UL << 32)), (long) &c) == -EPERM);
        CHECK(sc(SYS_ioctl, fd, (long) (TIOCLINUX | (0xffUL << 40)), (long) &c) == -EPERM);
        CHECK(pipe(pipefd) == 0);
        CHECK(ioctl(pipefd[0], FIONREAD, &n) == 0 && n == 0);

        /* NETLINK_AUDIT → EAFNOSUPPORT, also with high bits set; other netlink works. */
        CHECK(sc(SYS_socket, AF_NETLINK, SOCK_RAW, NETLINK_AUDIT) == -EAFNOSUPPORT);
        CHECK(sc(SYS_socket, AF_NETLINK | (1L << 32), SOCK_RAW, NETLINK_AUDIT | (1L << 33)) ==
              -EAFNOSUPPORT);
        CHECK(sc(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE) >= 0);

        /* sync family works normally without --suppress-sync */
        CHECK(sc(SYS_fsync, -1, 0, 0) == -EBADF);

#if defined(__x86_64__)
        CHECK(sc_ia32(20 /* i386 getpid */, 0, 0, 0) == getpid());
        CHECK(sc_ia32(288 /* i386 keyctl */, 0, 0, 0) == -EPERM);
        CHECK(sc_ia32(1000, 0, 0, 0) == -ENOSYS);
        /* i386 ioctl: the TIOCSTI rule is there too (the pointer is never used: EPERM first) */
        CHECK(sc_ia32(54, fd, TIOCSTI, 0) == -EPERM);
        CHECK(sc_ia32(54, fd, FIONREAD, 0) == -ENOTTY); /* reached the driver */
#endif

        f = fopen("/proc/self/status", "re");
        CHECK(f);
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "Seccomp:\t2", 10) == 0)
                        seccomp_mode_2 = true;
        fclose(f);
        CHECK(seccomp_mode_2);
        return 0;
}

/* x32 is covered exactly when the kernel runs x32 calls (an x32 getpid answers). */
static void test_local_archs(void **state) {
        size_t n;
        const uint32_t *archs = syscall_local_archs(&n);
        bool has_x32 = false;

        assert_true(n >= 1);
        for (size_t i = 0; i < n; i++)
                has_x32 = has_x32 || archs[i] == SCMP_ARCH_X32;
#if defined(__x86_64__) && !defined(__ILP32__)
        bool runs = syscall(0x40000000L + 39 /* getpid */) == getpid();
        assert_int_equal(has_x32, runs);
        assert_int_equal(archs[n - 1], SCMP_ARCH_X86_64); /* native last */
#else
        (void) has_x32;
#endif
}

static void test_default_policy(void **state) {
        struct settings s = {};
        struct seccomp_program *p = prepare(&s, default_caps, NULL);

        assert_int_equal(run_child(p, checks_default), 0);
        seccomp_program_free(p);
}

static int checks_deny(void) {
        struct timespec ts;

        CHECK(sc(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0) == -EPERM);
        CHECK(sc(SYS_uname, 0, 0, 0) == -EPERM);
        CHECK(sc(SYS_adjtimex, 0, 0, 0) == -EPERM); /* ~@clock beats CAP_SYS_TIME */
        CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
        CHECK(sc(SYS_getpid, 0, 0, 0) == getpid());
        /* ~seccomp: our own loads still worked (native filter last), the payload's fail */
        CHECK(sc(SYS_seccomp, 2 /* SECCOMP_GET_ACTION_AVAIL */, 0, (long) &(uint32_t){0}) == -EPERM);
        return 0;
}

static void test_deny_list(void **state) {
        struct settings s = {};
        struct seccomp_program *p;

        assert_int_equal(strv_split("@timer uname @clock seccomp", " ", &s.syscall_deny), 0);
        p = prepare(&s, default_caps | (UINT64_C(1) << CAP_SYS_TIME), NULL);
        assert_int_equal(run_child(p, checks_deny), 0);
        seccomp_program_free(p);
        strv_free(s.syscall_deny);
}

static int checks_allow(void) {
        struct timex tx = {.modes = 0}; /* read-only query */

        CHECK(sc(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0) != -EPERM);
        CHECK(sc(SYS_io_uring_setup, 1, 0, 0) == -EFAULT);
        CHECK(adjtimex(&tx) >= 0);                     /* @clock through CAP_SYS_TIME */
        CHECK(sc(SYS_userfaultfd, 0, 0, 0) == -EPERM); /* not named: still denied */
        return 0;
}

static void test_allow_list(void **state) {
        struct settings s = {};
        struct seccomp_program *p;

        assert_int_equal(strv_split("@keyring io_uring_setup", " ", &s.syscall_allow), 0);
        p = prepare(&s, default_caps | (UINT64_C(1) << CAP_SYS_TIME), NULL);
        assert_int_equal(run_child(p, checks_allow), 0);
        seccomp_program_free(p);
        strv_free(s.syscall_allow);
}

static int checks_sync(void) {
        CHECK(sc(SYS_fsync, -1, 0, 0) == 0);
        CHECK(sc(SYS_fdatasync, -1, 0, 0) == 0);
        CHECK(sc(SYS_syncfs, -1, 0, 0) == 0);
        CHECK(sc(SYS_getpid, 0, 0, 0) == getpid());
        return 0;
}

static void test_suppress_sync(void **state) {
        struct settings s = {.suppress_sync = 1};
        struct seccomp_program *p = prepare(&s, default_caps, NULL);

        assert_int_equal(run_child(p, checks_sync), 0);
        seccomp_program_free(p);
}

static void test_name_valid(void **state) {
        assert_true(seccomp_name_valid("@clock"));
        assert_true(seccomp_name_valid("@system-service"));
        assert_true(seccomp_name_valid("@known"));
        assert_true(seccomp_name_valid("read"));
        assert_true(seccomp_name_valid("io_uring_setup"));
        assert_true(seccomp_name_valid("arm_fadvise64_64")); /* another architecture's */
        assert_false(seccomp_name_valid("@nope"));
        assert_false(seccomp_name_valid("no_such_call"));
        assert_false(seccomp_name_valid(""));
        assert_false(seccomp_name_valid(NULL));
}

static void test_invalid_names(void **state) {
        struct settings s = {};
        struct seccomp_program *p = NULL;

        assert_int_equal(strv_split("~read", " ", &s.syscall_allow), 0);
        assert_int_equal(seccomp_program_prepare(&s, default_caps, NULL, &p), -EINVAL);
        assert_null(p);
        strv_free(s.syscall_allow);
        s.syscall_allow = NULL;
        assert_int_equal(strv_split("@bogus", " ", &s.syscall_deny), 0);
        assert_int_equal(seccomp_program_prepare(&s, default_caps, NULL, &p), -EINVAL);
        strv_free(s.syscall_deny);
}

/* The one file in dir (the cache entry). */
static char *cache_file(const char *dir) {
        char cmd[512], *path = NULL;
        size_t n = 0;
        FILE *f;

        snprintf(cmd, sizeof(cmd), "ls -1 %s/*.bpf", dir);
        f = popen(cmd, "r");
        assert_non_null(f);
        assert_true(getline(&path, &n, f) > 0);
        pclose(f);
        path[strcspn(path, "\n")] = 0;
        return path;
}

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static void test_cache(void **state) {
        char tmpl[] = "/tmp/test-seccomp-XXXXXX", dir[64], cmd[256];
        struct settings s = {};
        struct seccomp_program *fresh, *miss, *hit, *again;
        const void *a, *b;
        size_t na, nb;
        struct stat st1, st2, st3;
        double t0, miss_ms, hit_ms[100];
        char *file;
        int fd;

        assert_non_null(mkdtemp(tmpl));
        snprintf(dir, sizeof(dir), "%s/cache/seccomp", tmpl); /* created with parents */

        fresh = prepare(&s, default_caps, NULL);
        t0 = now_ms();
        miss = prepare(&s, default_caps, dir);
        miss_ms = now_ms() - t0;

        assert_int_equal(stat(dir, &st1), 0);
        assert_int_equal(st1.st_mode & 07777, 0700);
        file = cache_file(dir);
        assert_int_equal(stat(file, &st1), 0);

        for (size_t i = 0; i < ELEMENTSOF(hit_ms); i++) {
                t0 = now_ms();
                hit = prepare(&s, default_caps, dir);
                hit_ms[i] = now_ms() - t0;
                if (i + 1 < ELEMENTSOF(hit_ms))
                        seccomp_program_free(hit);
        }
        qsort(hit_ms, ELEMENTSOF(hit_ms), sizeof(double), cmp_double);
        printf("# seccomp prepare: compile+store %.3f ms, cache hit median %.4f ms (max %.4f ms)\n", miss_ms,
               hit_ms[ELEMENTSOF(hit_ms) / 2], hit_ms[ELEMENTSOF(hit_ms) - 1]);
        assert_true(hit_ms[ELEMENTSOF(hit_ms) / 2] < 1.0);

        /* Hit: same file (not rewritten), same bytes as a compile without cache. */
        assert_int_equal(stat(file, &st2), 0);
        assert_int_equal(st1.st_ino, st2.st_ino);
        a = seccomp_program_image(fresh, &na);
        b = seccomp_program_image(hit, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
        b = seccomp_program_image(miss, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);

        /* The cached program works. */
        assert_int_equal(run_child(hit, checks_default), 0);

        /* Corrupt one byte in the middle: ignored, recompiled, rewritten. */
        fd = open(file, O_WRONLY);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, "\xff\xfe", 2, st1.st_size / 2), 2);
        close(fd);
        again = prepare(&s, default_caps, dir);
        b = seccomp_program_image(again, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
        assert_int_equal(stat(file, &st3), 0);
        assert_int_not_equal(st1.st_ino, st3.st_ino);
        seccomp_program_free(again);

        /* Truncated: same. */
        assert_int_equal(truncate(file, 100), 0);
        again = prepare(&s, default_caps, dir);
        b = seccomp_program_image(again, &nb);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na);
        assert_int_equal(stat(file, &st3), 0);
        assert_int_equal(st3.st_size, (off_t) na);
        seccomp_program_free(again);

        /* Another policy: another entry, other bytes. */
        assert_int_equal(strv_split("uname", " ", &s.syscall_deny), 0);
        again = prepare(&s, default_caps, dir);
        b = seccomp_program_image(again, &nb);
        assert_false(na == nb && memcmp(a, b, na) == 0);
        seccomp_program_free(again);
        strv_free(s.syscall_deny);

        seccomp_program_free(fresh);
        seccomp_program_free(miss);
        seccomp_program_free(hit);
        free(file);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_name_valid),     cmocka_unit_test(test_invalid_names),
                cmocka_unit_test(test_default_policy), cmocka_unit_test(test_deny_list),
                cmocka_unit_test(test_allow_list),     cmocka_unit_test(test_suppress_sync),
                cmocka_unit_test(test_cache),          cmocka_unit_test(test_local_archs),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
