/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
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
#include "syscall-filter-prefix.h"
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

/* ---- the program, run on every number: the same outcome as an allow list with a rule per call ---- */

/* Classic BPF as the kernel runs it for seccomp: the instructions libseccomp and our prefix use.
 * Returns the filter's result, or 0xdeadbeef for anything unexpected (a bad jump, an opcode we do
 * not know). */
static uint32_t bpf_run(const struct sock_fprog *prog, const struct seccomp_data *d) {
        uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
        const uint8_t *data = (const uint8_t *) d;

        for (size_t pc = 0; pc < prog->len; pc++) {
                const struct sock_filter *f = &prog->filter[pc];
                switch (f->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        if (f->k > sizeof(*d) - 4)
                                return 0xdeadbeef;
                        memcpy(&a, data + f->k, 4);
                        break;
                case BPF_LD | BPF_MEM:
                        a = mem[f->k % BPF_MEMWORDS];
                        break;
                case BPF_LDX | BPF_MEM:
                        x = mem[f->k % BPF_MEMWORDS];
                        break;
                case BPF_ST:
                        mem[f->k % BPF_MEMWORDS] = a;
                        break;
                case BPF_STX:
                        mem[f->k % BPF_MEMWORDS] = x;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        a &= f->k;
                        break;
                case BPF_MISC | BPF_TAX:
                        x = a;
                        break;
                case BPF_MISC | BPF_TXA:
                        a = x;
                        break;
                case BPF_JMP | BPF_JA:
                        pc += f->k;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                        pc += a == f->k ? f->jt : f->jf;
                        break;
                case BPF_JMP | BPF_JGT | BPF_K:
                        pc += a > f->k ? f->jt : f->jf;
                        break;
                case BPF_JMP | BPF_JGE | BPF_K:
                        pc += a >= f->k ? f->jt : f->jf;
                        break;
                case BPF_JMP | BPF_JSET | BPF_K:
                        pc += (a & f->k) ? f->jt : f->jf;
                        break;
                case BPF_RET | BPF_K:
                        return f->k;
                case BPF_RET | BPF_A:
                        return a;
                default:
                        return 0xdeadbeef;
                }
        }
        return 0xdeadbeef; /* ran off the end */
}

/* The prefix alone, followed by "ret ALLOW" standing for the program: gaps → ENOSYS. */
static uint32_t prefix_run(const struct sock_filter *f, size_t n, uint32_t arch, uint32_t nr) {
        struct sock_filter all[n + 1];
        memcpy(all, f, n * sizeof(*f));
        all[n] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog prog = {.len = (unsigned short) (n + 1), .filter = all};
        struct seccomp_data d = {.nr = (int) nr, .arch = arch};
        return bpf_run(&prog, &d);
}

static void test_prefix(void **state) {
        const uint32_t enosys = SECCOMP_RET_ERRNO | ENOSYS, allow = SECCOMP_RET_ALLOW;
        uint32_t a_nr[] = {5, 1, 2, 1, 0}, b_nr[] = {7, UINT32_MAX};
        struct arch_numbers archs[] = {{.audit_arch = 0x11, .nr = a_nr, .n = ELEMENTSOF(a_nr)},
                                       {.audit_arch = 0x22, .nr = b_nr, .n = ELEMENTSOF(b_nr)}};
        struct sock_filter *f = NULL;
        size_t n;

        assert_int_equal(syscall_prefix_build(archs, 2, &f, &n), 0);
        uint32_t want_a[] = {allow, allow, allow, enosys, enosys, allow, enosys, enosys};
        for (uint32_t i = 0; i < ELEMENTSOF(want_a); i++)
                assert_int_equal(prefix_run(f, n, 0x11, i), want_a[i]);
        assert_int_equal(prefix_run(f, n, 0x11, 0x40000000), enosys);
        assert_int_equal(prefix_run(f, n, 0x11, UINT32_MAX), enosys);
        /* b: 0 unknown, 7 known, the top number known (no gap up to 2^32 - 1) */
        assert_int_equal(prefix_run(f, n, 0x22, 0), enosys);
        assert_int_equal(prefix_run(f, n, 0x22, 6), enosys);
        assert_int_equal(prefix_run(f, n, 0x22, 7), allow);
        assert_int_equal(prefix_run(f, n, 0x22, 8), enosys);
        assert_int_equal(prefix_run(f, n, 0x22, UINT32_MAX - 1), enosys);
        assert_int_equal(prefix_run(f, n, 0x22, UINT32_MAX), allow);
        /* another architecture: the program decides */
        assert_int_equal(prefix_run(f, n, 0x33, 3), allow);
        free(f);

        /* no architecture: straight to the program */
        assert_int_equal(syscall_prefix_build(NULL, 0, &f, &n), 0);
        assert_int_equal(prefix_run(f, n, 0x11, 3), allow);
        free(f);

        /* a gap for every other number: jumps out of reach */
        uint32_t many[300];
        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                many[i] = 2 * i;
        struct arch_numbers big = {.audit_arch = 0x11, .nr = many, .n = ELEMENTSOF(many)};
        assert_int_equal(syscall_prefix_build(&big, 1, &f, &n), -E2BIG);
}

/* The reference: what systemd-nspawn's kind of filter does — libseccomp, default ENOSYS, a rule
 * per allowed call (ALLOW) and per known call not allowed (EPERM), every local architecture. */
static struct sock_fprog *reference_program(uint64_t caps) {
        struct nr_set allow = {}, extra = {}, deny = {};
        size_t n_archs;
        const uint32_t *archs = syscall_local_archs(&n_archs);
        scmp_filter_ctx c = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));

        assert_non_null(c);
        assert_int_equal(syscall_set_add_default_allow(&allow, caps), 0);
        assert_int_equal(syscall_set_add_denied_extra(&extra), 0);
        nr_set_subtract(&allow, &extra);
        assert_int_equal(syscall_set_add_known(&deny), 0);
        assert_int_equal(nr_set_add_all(&deny, &extra), 0);
        nr_set_subtract(&deny, &allow);
        for (size_t i = 0; i < n_archs; i++)
                if (archs[i] != seccomp_arch_native())
                        assert_int_equal(seccomp_arch_add(c, archs[i]), 0);
        assert_int_equal(seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS)), 0);
        for (size_t i = 0; i < allow.n; i++)
                (void) seccomp_rule_add(c, SCMP_ACT_ALLOW, allow.v[i], 0);
        for (size_t i = 0; i < deny.n; i++)
                (void) seccomp_rule_add(c, SCMP_ACT_ERRNO(EPERM), deny.v[i], 0);

        char path[] = "/tmp/test-seccomp-ref.XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        unlink(path);
        assert_int_equal(seccomp_export_bpf(c, fd), 0);
        off_t size = lseek(fd, 0, SEEK_END);
        struct sock_fprog *p = calloc(1, sizeof(*p));
        assert_non_null(p);
        p->len = (unsigned short) (size / sizeof(struct sock_filter));
        p->filter = malloc(size);
        assert_int_equal(pread(fd, p->filter, size, 0), size);
        close(fd);
        seccomp_release(c);
        nr_set_done(&allow);
        nr_set_done(&extra);
        nr_set_done(&deny);
        return p;
}

/* Every number (and then some) on every local architecture, arguments zero: the program answers as
 * the reference does — unknown numbers ENOSYS, known ones allowed or EPERM. A foreign architecture
 * gets ENOSYS. */
static void test_same_outcome_as_allow_list(void **state) {
        struct settings s = {};
        struct seccomp_program *p = prepare(&s, default_caps, NULL);
        const struct sock_fprog *prog = seccomp_program_fprog(p);
        struct sock_fprog *ref = reference_program(default_caps);
        size_t n_archs, checked = 0, enosys = 0, eperm = 0, allowed = 0;
        const uint32_t *archs = syscall_local_archs(&n_archs);
        static const uint32_t extra[] = {0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xf0001, 0xf0005};

        assert_non_null(prog);
        assert_true(prog->len < 400);
        for (size_t i = 0; i <= n_archs; i++) {
                /* the x32 numbers come as x86-64 ones (bit 30), and a foreign architecture */
                uint32_t arch = i < n_archs ? archs[i] : 0xc00000b7 /* AUDIT_ARCH_AARCH64 */;
                uint32_t base = arch == SCMP_ARCH_X32 ? 0x40000000 : 0;
                if (arch == SCMP_ARCH_X32)
                        arch = SCMP_ARCH_X86_64;
                for (uint32_t k = 0; k < 1100 + ELEMENTSOF(extra); k++) {
                        struct seccomp_data d = {.arch = arch};
                        d.nr = (int) (k < 1100 ? base + k : extra[k - 1100]);
                        uint32_t got = bpf_run(prog, &d), want = bpf_run(ref, &d);
                        if (got != want)
                                fail_msg("arch %08x nr %u: got %08x, want %08x", arch, (unsigned) d.nr, got,
                                         want);
                        checked++;
                        enosys += got == (SECCOMP_RET_ERRNO | ENOSYS);
                        eperm += got == (SECCOMP_RET_ERRNO | EPERM);
                        allowed += got == SECCOMP_RET_ALLOW;
                }
        }
        /* the comparison covered all three outcomes, plenty of each */
        assert_true(enosys > 1000 && eperm > 50 && allowed > 500);
        (void) checked;
        free(ref->filter);
        free(ref);
        seccomp_program_free(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_name_valid),     cmocka_unit_test(test_invalid_names),
                cmocka_unit_test(test_default_policy), cmocka_unit_test(test_deny_list),
                cmocka_unit_test(test_allow_list),     cmocka_unit_test(test_suppress_sync),
                cmocka_unit_test(test_cache),          cmocka_unit_test(test_local_archs),
                cmocka_unit_test(test_prefix),         cmocka_unit_test(test_same_outcome_as_allow_list),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
