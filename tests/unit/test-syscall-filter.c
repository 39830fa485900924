/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
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
#include "syscall-filter-cache.h"
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

/* syscall() that returns -errno (or the result). The arguments after the third are 0. */
static long sc(long nr, long a, long b, long c) {
        long r = syscall(nr, a, b, c, 0L, 0L, 0L);
        return r < 0 ? -errno : r;
}

static const uint64_t default_caps = UINT64_C(0xfdecafff);

static struct seccomp_program *prepare(const struct settings *s, uint64_t caps, const char *cache) {
        struct seccomp_program *p = NULL;

        assert_int_equal(seccomp_program_prepare(s, caps, cache, &p), 0);
        assert_non_null(p);
        return p;
}

/* In a forked child: the signals cmocka catches get their default action back, so that a crash
 * ends the child (and shows in its status) instead of running the remaining tests in it. */
static void child_default_signals(void) {
        static const int sigs[] = {SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGSYS};

        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                (void) signal(sigs[i], SIG_DFL);
}

static int run_child(const struct seccomp_program *p, int (*checks)(void)) {
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                child_default_signals();
                /* Unprivileged runs need no_new_privs; root has CAP_SYS_ADMIN anyway. */
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(200);
                if (seccomp_program_load(p) < 0)
                        _exit(201);
                _exit(checks());
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status))
                fail_msg("the checking child was killed by %s", strsignal(WTERMSIG(status)));
        return WEXITSTATUS(status);
}

#if defined(__x86_64__)
/* A 32-bit (ia32) syscall from a 64-bit process (the fourth and fifth arguments 0): checks the x86
 * filter. Only where the kernel runs i386 calls (kernel_runs_i386()): elsewhere `int $0x80` is a
 * general protection fault. */
static long sc_ia32(long nr, long a, long b, long c) {
        long r;
        __asm__ volatile("int $0x80"
                         : "=a"(r)
                         : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(0L), "D"(0L)
                         : "memory", "r8", "r9", "r10", "r11");
        return r;
}
#endif

/* ---- what this machine's kernel does, found in children ------------------------------------------ */

/* Our "Seccomp:" line: an outer filter (a sandbox running the tests) answers some calls itself. */
static const char *seccomp_status(void) {
        static char buf[64];
        char line[256];
        FILE *f = fopen("/proc/self/status", "re");

        snprintf(buf, sizeof(buf), "unknown");
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "Seccomp:", 8) == 0) {
                        const char *v = line + 8 + strspn(line + 8, " \t");
                        snprintf(buf, sizeof(buf), "%.*s", (int) strcspn(v, "\n"), v);
                }
        if (f)
                fclose(f);
        return buf;
}

/* A call the tests make, with arguments that make the kernel fail early and change nothing, so
 * that it can also be made without our filter. */
struct call {
        const char *name;
        bool i386; /* through int $0x80 */
        long nr, a, b, c;
};

static long call_run(const struct call *c) {
#if defined(__x86_64__)
        if (c->i386)
                return sc_ia32(c->nr, c->a, c->b, c->c);
#endif
        return sc(c->nr, c->a, c->b, c->c);
}

/* The call's answer without any filter of ours (in a child: nothing of it stays). false if the
 * child was killed (*ret_sig: the signal). */
static bool unfiltered(const struct call *c, long *ret, int *ret_sig) {
        int p[2], status;
        pid_t pid;

        assert_int_equal(pipe(p), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                child_default_signals();
                long r = call_run(c);
                _exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
        }
        close(p[1]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        *ret_sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                  read(p[0], ret, sizeof(*ret)) == sizeof(*ret);
        close(p[0]);
        return ok;
}

/* Does the kernel run this ABI's calls? A getpid of that ABI in a child, independent of the
 * product's probes (which this checks): 1 it answers; 0 it cannot (i386: the child is killed by
 * SIGSEGV, a general protection fault without ia32 emulation; x32: ENOSYS); -1 something else
 * decided (an outer filter's kill or errno). why: the reason, for a skip message. */
static int kernel_runs(const struct call *getpid_call, const char **why) {
        static char buf[2][160];
        char *b = buf[getpid_call->i386];
        long r = 0;
        int sig = 0;

        if (unfiltered(getpid_call, &r, &sig) && r > 0)
                return 1;
        if (getpid_call->i386 ? sig == SIGSEGV : r == -ENOSYS) {
                *why = getpid_call->i386 ? "the kernel does not run i386 calls (int $0x80 getpid: killed by "
                                           "SIGSEGV, no ia32 emulation)"
                                         : "the kernel does not run x32 calls (ENOSYS)";
                return 0;
        }
        snprintf(b, sizeof(buf[0]), "%s without our filter: %s (Seccomp: %s)", getpid_call->name,
                 sig ? strsignal(sig) : strerror((int) -r), seccomp_status());
        *why = b;
        return -1;
}

static const struct call c_getpid32 = {"i386 getpid", true, 20, 0, 0, 0},
                         c_getpid_x32 = {"x32 getpid", false, 0x40000000 + 39, 0, 0, 0};

static int kernel_runs_i386(const char **why) {
#if defined(__x86_64__)
        return kernel_runs(&c_getpid32, why);
#else
        *why = "not an x86 host";
        return 0;
#endif
}

/* ---- calls checked against their answer without the filter ---------------------------------------- */

enum verdict {
        DENIED,  /* the filter answers EPERM */
        ALLOWED, /* the call reaches the kernel: the same answer as without the filter */
};

struct expect {
        const struct call *call;
        enum verdict verdict;
};

static const struct call c_keyctl =
                                 {"keyctl(bogus command)", false, SYS_keyctl, 0x7fff, 0, 0}, /* EOPNOTSUPP */
        c_add_key = {"add_key(NULL)", false, SYS_add_key, 0, 0, 0},                          /* EFAULT */
        c_uring_setup = {"io_uring_setup(1, NULL)", false, SYS_io_uring_setup, 1, 0, 0},     /* EFAULT */
        c_uring_enter = {"io_uring_enter(-1)", false, SYS_io_uring_enter, -1, 0, 0},         /* EBADF */
        c_uffd = {"userfaultfd(bogus flag)", false, SYS_userfaultfd, 0x40000000, 0, 0},      /* EINVAL */
        c_handle = {"open_by_handle_at(-1, NULL)", false, SYS_open_by_handle_at, -1, 0, 0},
                         c_bpf = {"bpf(bogus command)", false, SYS_bpf, 0x7fff, 0, 0}, /* EINVAL */
        c_init_module = {"init_module(NULL, 0)", false, SYS_init_module, 0, 0, 0},
                         c_adjtimex = {"adjtimex(NULL)", false, SYS_adjtimex, 0, 0, 0}, /* EFAULT */
        c_add_key32 = {"i386 add_key(NULL)", true, 286, 0, 0, 0},
                         c_keyctl32 = {"i386 keyctl(bogus command)", true, 288, 0x7fff, 0, 0};

/* What the child checks: filled in by check_calls() before the fork. */
static struct {
        const struct call *call;
        long want;
} child_expect[16];
static size_t n_child_expect;

static int checks_calls(void) {
        for (size_t i = 0; i < n_child_expect; i++) {
                long got = call_run(child_expect[i].call);
                if (got != child_expect[i].want) {
                        fprintf(stderr, "child check failed: %s = %ld, want %ld\n",
                                child_expect[i].call->name, got, child_expect[i].want);
                        return (int) i + 1;
                }
        }
        return 0;
}

/* Make the calls under p in a child: a denied call must get EPERM, an allowed one what it gets
 * without our filter. A call that gets EPERM (or is killed) without our filter — the kernel's own
 * answer, or an outer filter's — cannot show what ours does: it is left out, and once the others
 * have passed the test is skipped, naming it and why. */
static bool check_calls(const struct seccomp_program *p, const struct expect *e, size_t n) {
        char why[1024] = "";
        size_t len = 0;

        assert_true(n <= ELEMENTSOF(child_expect));
        n_child_expect = 0;
        for (size_t i = 0; i < n; i++) {
                long raw = 0;
                int sig = 0;
                bool ok = unfiltered(e[i].call, &raw, &sig);
                if (!ok || raw == -EPERM) {
                        len += snprintf(why + len, sizeof(why) - len, "%s%s %s without our filter",
                                        len ? "; " : "", e[i].call->name,
                                        !ok ? strsignal(sig) : "fails with EPERM");
                        len = MIN(len, sizeof(why) - 1);
                        continue;
                }
                child_expect[n_child_expect].call = e[i].call;
                child_expect[n_child_expect++].want = e[i].verdict == DENIED ? -EPERM : raw;
        }
        assert_int_equal(run_child(p, checks_calls), 0);
        if (len > 0)
                print_message("# SKIP %s (Seccomp: %s): our filter's effect on it cannot be seen here\n",
                              why, seccomp_status());
        return len == 0;
}

/* The default policy, the calls whose answer is the same on every machine. */
static int checks_default(void) {
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        char c = 'x';
        int pipefd[2], n = 0;
        FILE *f;
        char line[256];
        bool seccomp_mode_2 = false;

        CHECK(fd >= 0);
        CHECK(sc(SYS_getpid, 0, 0, 0) == getpid());
        CHECK(sc(1000, 0, 0, 0) == -ENOSYS);
        CHECK(sc(SYS_kexec_load, 0, 0, 0) == -EPERM); /* (not made without the filter: it would unload) */
        CHECK(sc(SYS_acct, 0, 0, 0) == -EPERM);       /* no CAP_SYS_PACCT (acct(NULL) would switch it off) */

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

        f = fopen("/proc/self/status", "re");
        CHECK(f);
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "Seccomp:\t2", 10) == 0)
                        seccomp_mode_2 = true;
        fclose(f);
        CHECK(seccomp_mode_2);
        return 0;
}

static void test_default_policy(void **state) {
        struct settings s = {};
        struct seccomp_program *p = prepare(&s, default_caps, NULL);

        assert_int_equal(run_child(p, checks_default), 0);
        seccomp_program_free(p);
}

/* The calls nspawn denies by default whose answer without the filter is a fact of the machine
 * (kernel configuration, sysctls, an outer filter). */
static void test_default_denied(void **state) {
        static const struct expect e[] = {
                {&c_keyctl, DENIED},      {&c_add_key, DENIED},     {&c_uring_setup, DENIED},
                {&c_uring_enter, DENIED}, {&c_uffd, DENIED},        {&c_handle, DENIED},
                {&c_bpf, DENIED},         {&c_init_module, DENIED}, /* no CAP_SYS_MODULE */
                {&c_adjtimex, DENIED},                              /* @clock without CAP_SYS_TIME */
        };
        struct settings s = {};
        struct seccomp_program *p = prepare(&s, default_caps, NULL);

        bool complete = check_calls(p, e, ELEMENTSOF(e));
        seccomp_program_free(p);
        if (!complete)
                skip();
}

#if defined(__x86_64__)
static int checks_i386(void) {
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

        CHECK(fd >= 0);
        CHECK(sc_ia32(20 /* i386 getpid */, 0, 0, 0) == getpid());
        CHECK(sc_ia32(1000, 0, 0, 0) == -ENOSYS);
        /* i386 ioctl: the TIOCSTI rule is there too (the pointer is never used: EPERM first) */
        CHECK(sc_ia32(54, fd, TIOCSTI, 0) == -EPERM);
        CHECK(sc_ia32(54, fd, FIONREAD, 0) == -ENOTTY); /* reached the driver */
        return 0;
}
#endif

/* The i386 part of the default policy, through `int $0x80`: only where the kernel runs it. */
static void test_default_policy_i386(void **state) {
#if defined(__x86_64__)
        static const struct expect e[] = {{&c_add_key32, DENIED}, {&c_keyctl32, DENIED}};
        struct settings s = {};
        struct seccomp_program *p;

        const char *why = NULL;
        if (kernel_runs_i386(&why) != 1) {
                print_message("# SKIP %s: no i386 call to check\n", why);
                skip();
        }
        p = prepare(&s, default_caps, NULL);
        assert_int_equal(run_child(p, checks_i386), 0);
        bool complete = check_calls(p, e, ELEMENTSOF(e));
        seccomp_program_free(p);
        if (!complete)
                skip();
#else
        skip();
#endif
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

/* @keyring and io_uring_setup named: they reach the kernel; io_uring_enter and userfaultfd, not
 * named, stay denied; @clock through CAP_SYS_TIME. */
static void test_allow_list(void **state) {
        static const struct expect e[] = {
                {&c_keyctl, ALLOWED},     {&c_add_key, ALLOWED}, {&c_uring_setup, ALLOWED},
                {&c_uring_enter, DENIED}, {&c_uffd, DENIED},     {&c_adjtimex, ALLOWED},
        };
        struct settings s = {};
        struct seccomp_program *p;

        assert_int_equal(strv_split("@keyring io_uring_setup", " ", &s.syscall_allow), 0);
        p = prepare(&s, default_caps | (UINT64_C(1) << CAP_SYS_TIME), NULL);
        strv_free(s.syscall_allow);
        bool complete = check_calls(p, e, ELEMENTSOF(e));
        seccomp_program_free(p);
        if (!complete)
                skip();
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

/* Every number (and then some) on every architecture of this host, arguments zero: the program
 * answers as the reference does — unknown numbers ENOSYS, known ones allowed or EPERM. An
 * architecture the program leaves out (i386 or x32 where the kernel does not run it, a foreign
 * one) gets ENOSYS from both. */
static void same_outcome(void) {
        struct settings s = {};
        struct seccomp_program *p = prepare(&s, default_caps, NULL);
        const struct sock_fprog *prog = seccomp_program_fprog(p);
        struct sock_fprog *ref = reference_program(default_caps);
        size_t n_archs, enosys = 0, eperm = 0, allowed = 0;
#if defined(__x86_64__)
        static const uint32_t archs[] = {SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_X86_64};
        n_archs = ELEMENTSOF(archs);
#else
        const uint32_t *archs = syscall_local_archs(&n_archs);
#endif
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
                        enosys += got == (SECCOMP_RET_ERRNO | ENOSYS);
                        eperm += got == (SECCOMP_RET_ERRNO | EPERM);
                        allowed += got == SECCOMP_RET_ALLOW;
                }
        }
        /* the comparison covered all three outcomes, plenty of each */
        assert_true(enosys > 1000 && eperm > 50 && allowed > 250);
        free(ref->filter);
        free(ref);
        seccomp_program_free(p);
}

/* With the ABIs the probes found, and with every answer they can give. */
static void test_same_outcome_as_allow_list(void **state) {
        same_outcome();
        for (int x32 = 0; x32 <= 1; x32++)
                for (int i386 = 0; i386 <= 1; i386++) {
                        syscall_local_archs_override(x32, i386);
                        same_outcome();
                }
}

/* ---- the ABI probes ------------------------------------------------------------------------------ */

static int forget_override(void **state) {
        syscall_local_archs_override(-1, -1);
        return 0;
}

static bool archs_have(uint32_t arch) {
        size_t n;
        const uint32_t *archs = syscall_local_archs(&n);

        for (size_t i = 0; i < n; i++)
                if (archs[i] == arch)
                        return true;
        return false;
}

/* The probes agree with what a child sees, and cost a few syscalls (they run at every start, before
 * the cache is looked at). Under an outer seccomp filter they do not probe and keep both ABIs. */
static void test_local_archs(void **state) {
        bool filtered = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0;
        double t[50];
        size_t n;

        assert_true(syscall_local_archs(&n) != NULL && n >= 1);
#if defined(__x86_64__) && !defined(__ILP32__)
        const uint32_t *archs = syscall_local_archs(&n);
        const char *why_x32 = NULL, *why_i386 = NULL;
        int x32_runs = kernel_runs(&c_getpid_x32, &why_x32), i386_runs = kernel_runs_i386(&why_i386);

        assert_int_equal(archs[n - 1], SCMP_ARCH_X86_64); /* native last */
        if (filtered) {
                assert_int_equal(syscall_abi_probe_x32(), -1);
                assert_int_equal(syscall_abi_probe_i386(NULL), -1);
                assert_true(archs_have(SCMP_ARCH_X32) && archs_have(SCMP_ARCH_X86));
                print_message("# under a seccomp filter (Seccomp: %s): no probes, x32 and i386 kept\n",
                              seccomp_status());
        } else {
                assert_int_equal(syscall_abi_probe_x32(), x32_runs);
                assert_int_equal(syscall_abi_probe_i386(NULL), i386_runs);
                assert_int_equal(archs_have(SCMP_ARCH_X32), x32_runs != 0);
                assert_int_equal(archs_have(SCMP_ARCH_X86), i386_runs != 0);
        }
        print_message("# x32 calls: %s; i386 calls: %s\n", x32_runs == 1 ? "run" : why_x32,
                      i386_runs == 1 ? "run" : why_i386);
#else
        (void) archs_have;
        (void) filtered;
#endif
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                syscall_local_archs_override(-1, -1);
                double t0 = now_ms();
                (void) syscall_local_archs(&n);
                t[i] = now_ms() - t0;
        }
        qsort(t, ELEMENTSOF(t), sizeof(double), cmp_double);
        print_message("# ABI probes: median %.4f ms\n", t[ELEMENTSOF(t) / 2]);
        assert_true(t[ELEMENTSOF(t) / 2] < 0.1);
}

#if defined(__x86_64__)
/* `int $0x81`: a vector user space may not use, a general protection fault on every kernel — the
 * fault `int $0x80` raises where ia32 emulation is off. */
static long int81(void) {
        long r = 20;
        __asm__ volatile("int $0x81" : "+a"(r) : : "memory", "r8", "r9", "r10", "r11");
        return r;
}

static long answers_enosys(void) {
        return -ENOSYS;
}

static long answers_pid(void) {
        return getpid();
}

static volatile sig_atomic_t segv_seen;

static void on_segv(int sig) {
        segv_seen = sig;
}

static int checks_probe(void) {
        struct sigaction sa = {.sa_handler = on_segv}, now;

        CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
        CHECK(syscall_abi_probe_i386(int81) == 0); /* the fault caught: "does not run" */
        CHECK(syscall_abi_probe_i386(int81) == 0); /* and again */
        CHECK(syscall_abi_probe_i386(answers_pid) == 1);
        CHECK(syscall_abi_probe_i386(answers_enosys) == -1); /* cannot tell: kept */
        /* the handler before the probe is back, and gets a SIGSEGV sent to us */
        CHECK(sigaction(SIGSEGV, NULL, &now) == 0 && now.sa_handler == on_segv);
        CHECK(raise(SIGSEGV) == 0 && segv_seen == SIGSEGV);
        /* forced answers replace the probes */
        syscall_local_archs_override(0, 0);
        CHECK(!archs_have(SCMP_ARCH_X86) && !archs_have(SCMP_ARCH_X32) && archs_have(SCMP_ARCH_X86_64));
        return 0;
}
#endif

/* The probe's fault path, on any kernel: the fault is caught, nspawn goes on. In a child, so that
 * a fault not caught fails the test rather than ending it. */
static void test_probe_fault(void **state) {
#if defined(__x86_64__)
        if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0) {
                print_message("# SKIP under a seccomp filter (Seccomp: %s) the probe does not run\n",
                              seccomp_status());
                skip();
        }
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                child_default_signals();
                _exit(checks_probe());
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status))
                fail_msg("the probing child was killed by %s", strsignal(WTERMSIG(status)));
        assert_int_equal(WEXITSTATUS(status), 0);
#else
        skip();
#endif
}

#if defined(__x86_64__)
/* A program without an i386 section, on a kernel that does run i386 calls: they all fail. */
static int checks_i386_left_out(void) {
        CHECK(sc_ia32(20 /* i386 getpid */, 0, 0, 0) == -ENOSYS);
        CHECK(sc_ia32(288 /* i386 keyctl */, 0x7fff, 0, 0) == -ENOSYS);
        CHECK(sc(SYS_getpid, 0, 0, 0) == getpid());
        return 0;
}
#endif

/* Both answers of each probe, forced: the architectures, the program and the cache key follow
 * them; the program works; an ABI left out fails closed. */
static void test_abi_forced(void **state) {
#if defined(__x86_64__) && !defined(__ILP32__)
        char tmpl[] = "/tmp/test-seccomp-XXXXXX", cmd[128];
        char *desc[4] = {};
        const void *img[4];
        size_t img_size[4];
        struct seccomp_program *p[4];
        struct settings s = {};
        const char *why = NULL;
        bool i386_runs = kernel_runs_i386(&why) == 1;

        assert_non_null(mkdtemp(tmpl));
        for (int k = 0; k < 4; k++) {
                int x32 = k & 1, i386 = k >> 1;
                syscall_local_archs_override(x32, i386);
                assert_int_equal(archs_have(SCMP_ARCH_X32), x32);
                assert_int_equal(archs_have(SCMP_ARCH_X86), i386);
                assert_true(archs_have(SCMP_ARCH_X86_64));

                assert_int_equal(syscall_filter_describe(&s, default_caps, &desc[k]), 0);
                p[k] = prepare(&s, default_caps, tmpl); /* one cache directory for all four */
                img[k] = seccomp_program_image(p[k], &img_size[k]);
                for (int j = 0; j < k; j++) {
                        /* another key, another program: a cached program never outlives the facts */
                        assert_string_not_equal(desc[j], desc[k]);
                        assert_false(img_size[j] == img_size[k] && memcmp(img[j], img[k], img_size[k]) == 0);
                }

                /* the i386 section, seen through the interpreter */
                struct seccomp_data d = {.arch = SCMP_ARCH_X86, .nr = 20 /* getpid */};
                uint32_t want = i386 ? SECCOMP_RET_ALLOW : SECCOMP_RET_ERRNO | ENOSYS;
                assert_int_equal(bpf_run(seccomp_program_fprog(p[k]), &d), want);
                d.nr = 288; /* keyctl */
                want = i386 ? SECCOMP_RET_ERRNO | EPERM : SECCOMP_RET_ERRNO | ENOSYS;
                assert_int_equal(bpf_run(seccomp_program_fprog(p[k]), &d), want);

                /* and live */
                assert_int_equal(run_child(p[k], checks_default), 0);
                if (i386_runs)
                        assert_int_equal(run_child(p[k], i386 ? checks_i386 : checks_i386_left_out), 0);
        }
        /* the cache held all four apart: each comes back as it was made */
        for (int k = 0; k < 4; k++) {
                syscall_local_archs_override(k & 1, k >> 1);
                struct seccomp_program *again = prepare(&s, default_caps, tmpl);
                size_t n;
                const void *b = seccomp_program_image(again, &n);
                assert_int_equal(n, img_size[k]);
                assert_memory_equal(b, img[k], n);
                seccomp_program_free(again);
        }
        for (int k = 0; k < 4; k++) {
                seccomp_program_free(p[k]);
                free(desc[k]);
        }
        snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
        assert_int_equal(system(cmd), 0);
        if (!i386_runs) {
                print_message("# SKIP live i386 checks: %s\n", why);
                skip();
        }
#else
        skip();
#endif
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_name_valid),
                cmocka_unit_test(test_invalid_names),
                cmocka_unit_test(test_default_policy),
                cmocka_unit_test(test_default_denied),
                cmocka_unit_test(test_default_policy_i386),
                cmocka_unit_test(test_deny_list),
                cmocka_unit_test(test_allow_list),
                cmocka_unit_test(test_suppress_sync),
                cmocka_unit_test(test_cache),
                cmocka_unit_test(test_local_archs),
                cmocka_unit_test(test_probe_fault),
                cmocka_unit_test_teardown(test_abi_forced, forget_override),
                cmocka_unit_test(test_prefix),
                cmocka_unit_test_teardown(test_same_outcome_as_allow_list, forget_override),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
