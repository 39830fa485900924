/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The syscall tables and the lookups in them (see syscall-groups.h). Names libseccomp does not
 * know (a newer kernel's calls, another architecture's) stay in the tables: they are skipped when
 * the tables are expanded, and still accepted as names from the user.
 */

#include <errno.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "strv.h"
#include "syscall-groups.h"

/* A NUL-separated list, ended by an empty string. */
#define NULSTR_FOREACH(i, l) for (const char *i = (l); i && *i; i = strchr(i, 0) + 1)

/* ---- the tables (systemd's group names and contents, as of 252) -------------------------------- */

struct syscall_group {
        const char *name;
        const char *members; /* NUL-separated, ends with an empty string; "@x" nests a group */
};

static const struct syscall_group groups[] = {
        {"@default", "arch_prctl\0brk\0cacheflush\0clock_getres\0clock_getres_time64\0clock_gettime\0"
                     "clock_gettime64\0clock_nanosleep\0clock_nanosleep_time64\0execve\0exit\0exit_group\0"
                     "futex\0futex_time64\0get_robust_list\0get_thread_area\0getegid\0getegid32\0geteuid\0"
                     "geteuid32\0getgid\0getgid32\0getgroups\0getgroups32\0getpgid\0getpgrp\0getpid\0"
                     "getppid\0getrandom\0getresgid\0getresgid32\0getresuid\0getresuid32\0getrlimit\0"
                     "getsid\0gettid\0gettimeofday\0getuid\0getuid32\0membarrier\0mmap\0mmap2\0mprotect\0"
                     "munmap\0nanosleep\0pause\0prlimit64\0restart_syscall\0rseq\0rt_sigreturn\0"
                     "sched_getaffinity\0sched_yield\0set_robust_list\0set_thread_area\0set_tid_address\0"
                     "set_tls\0sigreturn\0time\0ugetrlimit\0"},
        {"@aio", "io_cancel\0io_destroy\0io_getevents\0io_pgetevents\0io_pgetevents_time64\0io_setup\0"
                 "io_submit\0io_uring_enter\0io_uring_register\0io_uring_setup\0"},
        {"@basic-io", "_llseek\0close\0close_range\0dup\0dup2\0dup3\0lseek\0pread64\0preadv\0preadv2\0"
                      "pwrite64\0pwritev\0pwritev2\0read\0readv\0write\0writev\0"},
        {"@chown", "chown\0chown32\0fchown\0fchown32\0fchownat\0lchown\0lchown32\0"},
        {"@clock", "adjtimex\0clock_adjtime\0clock_adjtime64\0clock_settime\0clock_settime64\0"
                   "settimeofday\0"},
        {"@cpu-emulation", "modify_ldt\0subpage_prot\0switch_endian\0vm86\0vm86old\0"},
        {"@debug", "lookup_dcookie\0perf_event_open\0pidfd_getfd\0ptrace\0rtas\0sys_debug_setcontext\0"},
        {"@file-system",
         "access\0chdir\0chmod\0close\0creat\0faccessat\0faccessat2\0fallocate\0fchdir\0fchmod\0"
         "fchmodat\0fcntl\0fcntl64\0fgetxattr\0flistxattr\0fremovexattr\0fsetxattr\0fstat\0"
         "fstat64\0fstatat64\0fstatfs\0fstatfs64\0ftruncate\0ftruncate64\0futimesat\0getcwd\0"
         "getdents\0getdents64\0getxattr\0inotify_add_watch\0inotify_init\0inotify_init1\0"
         "inotify_rm_watch\0lgetxattr\0link\0linkat\0listxattr\0llistxattr\0lremovexattr\0"
         "lsetxattr\0lstat\0lstat64\0mkdir\0mkdirat\0mknod\0mknodat\0newfstatat\0oldfstat\0"
         "oldlstat\0oldstat\0open\0openat\0openat2\0readlink\0readlinkat\0removexattr\0rename\0"
         "renameat\0renameat2\0rmdir\0setxattr\0stat\0stat64\0statfs\0statfs64\0statx\0"
         "symlink\0symlinkat\0truncate\0truncate64\0unlink\0unlinkat\0utime\0utimensat\0"
         "utimensat_time64\0utimes\0"},
        {"@io-event", "_newselect\0epoll_create\0epoll_create1\0epoll_ctl\0epoll_ctl_old\0epoll_pwait\0"
                      "epoll_pwait2\0epoll_wait\0epoll_wait_old\0eventfd\0eventfd2\0poll\0ppoll\0"
                      "ppoll_time64\0pselect6\0pselect6_time64\0select\0"},
        {"@ipc", "ipc\0memfd_create\0mq_getsetattr\0mq_notify\0mq_open\0mq_timedreceive\0"
                 "mq_timedreceive_time64\0mq_timedsend\0mq_timedsend_time64\0mq_unlink\0msgctl\0"
                 "msgget\0msgrcv\0msgsnd\0pipe\0pipe2\0process_madvise\0process_vm_readv\0"
                 "process_vm_writev\0semctl\0semget\0semop\0semtimedop\0semtimedop_time64\0shmat\0"
                 "shmctl\0shmdt\0shmget\0"},
        {"@keyring", "add_key\0keyctl\0request_key\0"},
        {"@memlock", "mlock\0mlock2\0mlockall\0munlock\0munlockall\0"},
        {"@module", "delete_module\0finit_module\0init_module\0"},
        {"@mount", "chroot\0fsconfig\0fsmount\0fsopen\0fspick\0mount\0mount_setattr\0move_mount\0"
                   "open_tree\0pivot_root\0umount\0umount2\0"},
        {"@network-io",
         "accept\0accept4\0bind\0connect\0getpeername\0getsockname\0getsockopt\0listen\0recv\0"
         "recvfrom\0recvmmsg\0recvmmsg_time64\0recvmsg\0send\0sendmmsg\0sendmsg\0sendto\0"
         "setsockopt\0shutdown\0socket\0socketcall\0socketpair\0"},
        {"@obsolete", "_sysctl\0afs_syscall\0bdflush\0break\0create_module\0ftime\0get_kernel_syms\0"
                      "getpmsg\0gtty\0idle\0lock\0mpx\0prof\0profil\0putpmsg\0query_module\0security\0"
                      "sgetmask\0ssetmask\0stime\0stty\0sysfs\0tuxcall\0ulimit\0uselib\0ustat\0vserver\0"},
        {"@pkey", "pkey_alloc\0pkey_free\0pkey_mprotect\0"},
        {"@privileged",
         "@chown\0@clock\0@module\0@raw-io\0@reboot\0@swap\0_sysctl\0acct\0bpf\0capset\0chroot\0"
         "fanotify_init\0fanotify_mark\0nfsservctl\0open_by_handle_at\0pivot_root\0quotactl\0"
         "setdomainname\0setfsuid\0setfsuid32\0setgroups\0setgroups32\0sethostname\0setresuid\0"
         "setresuid32\0setreuid\0setreuid32\0setuid\0setuid32\0vhangup\0"},
        {"@process", "capget\0clone\0clone3\0execveat\0fork\0getrusage\0kill\0pidfd_open\0"
                     "pidfd_send_signal\0prctl\0rt_sigqueueinfo\0rt_tgsigqueueinfo\0setns\0swapcontext\0"
                     "tgkill\0times\0tkill\0unshare\0vfork\0wait4\0waitid\0waitpid\0"},
        {"@raw-io", "ioperm\0iopl\0pciconfig_iobase\0pciconfig_read\0pciconfig_write\0"},
        {"@reboot", "kexec_file_load\0kexec_load\0reboot\0"},
        {"@resources", "ioprio_set\0mbind\0migrate_pages\0move_pages\0nice\0sched_setaffinity\0"
                       "sched_setattr\0sched_setparam\0sched_setscheduler\0set_mempolicy\0setpriority\0"
                       "setrlimit\0"},
        {"@sandbox", "landlock_add_rule\0landlock_create_ruleset\0landlock_restrict_self\0seccomp\0"},
        {"@setuid", "setgid\0setgid32\0setgroups\0setgroups32\0setregid\0setregid32\0setresgid\0"
                    "setresgid32\0setresuid\0setresuid32\0setreuid\0setreuid32\0setuid\0setuid32\0"},
        {"@signal", "rt_sigaction\0rt_sigpending\0rt_sigprocmask\0rt_sigsuspend\0rt_sigtimedwait\0"
                    "rt_sigtimedwait_time64\0sigaction\0sigaltstack\0signal\0signalfd\0signalfd4\0"
                    "sigpending\0sigprocmask\0sigsuspend\0"},
        {"@swap", "swapoff\0swapon\0"},
        {"@sync", "fdatasync\0fsync\0msync\0sync\0sync_file_range\0sync_file_range2\0syncfs\0"},
        {"@system-service",
         "@aio\0@basic-io\0@chown\0@default\0@file-system\0@io-event\0@ipc\0@keyring\0@memlock\0"
         "@network-io\0@process\0@resources\0@setuid\0@signal\0@sync\0@timer\0capget\0capset\0"
         "copy_file_range\0fadvise64\0fadvise64_64\0flock\0get_mempolicy\0getcpu\0getpriority\0"
         "ioctl\0ioprio_get\0kcmp\0madvise\0mremap\0name_to_handle_at\0oldolduname\0olduname\0"
         "personality\0readahead\0readdir\0remap_file_pages\0sched_get_priority_max\0"
         "sched_get_priority_min\0sched_getattr\0sched_getparam\0sched_getscheduler\0"
         "sched_rr_get_interval\0sched_rr_get_interval_time64\0sched_yield\0sendfile\0"
         "sendfile64\0setfsgid\0setfsgid32\0setfsuid\0setfsuid32\0setpgid\0setsid\0splice\0"
         "sysinfo\0tee\0umask\0uname\0userfaultfd\0vmsplice\0"},
        {"@timer", "alarm\0getitimer\0setitimer\0timer_create\0timer_delete\0timer_getoverrun\0"
                   "timer_gettime\0timer_gettime64\0timer_settime\0timer_settime64\0timerfd_create\0"
                   "timerfd_gettime\0timerfd_gettime64\0timerfd_settime\0timerfd_settime64\0times\0"},
        /* "@known": every syscall libseccomp knows on a local architecture (computed). */
        {"@known", ""},
};

/* systemd-nspawn 252's allow list; cap < 0: always, otherwise only when the payload keeps it. */
static const struct {
        int cap;
        const char *name;
} default_allow[] = {
        {-1, "@aio"},
        {-1, "@basic-io"},
        {-1, "@chown"},
        {-1, "@default"},
        {-1, "@file-system"},
        {-1, "@io-event"},
        {-1, "@ipc"},
        {-1, "@mount"},
        {-1, "@network-io"},
        {-1, "@process"},
        {-1, "@resources"},
        {-1, "@setuid"},
        {-1, "@signal"},
        {-1, "@sync"},
        {-1, "@timer"},

        {CAP_SYS_TIME, "@clock"},
        {CAP_SYS_MODULE, "@module"},
        {CAP_SYS_RAWIO, "@raw-io"},
        {CAP_IPC_LOCK, "@memlock"},

        {-1, "arm_fadvise64_64"},
        {-1, "brk"},
        {-1, "capget"},
        {-1, "capset"},
        {-1, "copy_file_range"},
        {-1, "fadvise64"},
        {-1, "fadvise64_64"},
        {-1, "flock"},
        {-1, "get_mempolicy"},
        {-1, "getcpu"},
        {-1, "getpriority"},
        {-1, "getrandom"},
        {-1, "ioctl"},
        {-1, "ioprio_get"},
        {-1, "kcmp"},
        {-1, "madvise"},
        {-1, "mincore"},
        {-1, "mprotect"},
        {-1, "mremap"},
        {-1, "name_to_handle_at"},
        {-1, "oldolduname"},
        {-1, "olduname"},
        {-1, "personality"},
        {-1, "readahead"},
        {-1, "readdir"},
        {-1, "remap_file_pages"},
        {-1, "sched_get_priority_max"},
        {-1, "sched_get_priority_min"},
        {-1, "sched_getaffinity"},
        {-1, "sched_getattr"},
        {-1, "sched_getparam"},
        {-1, "sched_getscheduler"},
        {-1, "sched_rr_get_interval"},
        {-1, "sched_rr_get_interval_time64"},
        {-1, "sched_yield"},
        {-1, "seccomp"},
        {-1, "sendfile"},
        {-1, "sendfile64"},
        {-1, "setdomainname"},
        {-1, "setfsgid"},
        {-1, "setfsgid32"},
        {-1, "setfsuid"},
        {-1, "setfsuid32"},
        {-1, "sethostname"},
        {-1, "setpgid"},
        {-1, "setsid"},
        {-1, "splice"},
        {-1, "sysinfo"},
        {-1, "tee"},
        {-1, "umask"},
        {-1, "uname"},
        {-1, "userfaultfd"},
        {-1, "vmsplice"},

        {CAP_SYS_PACCT, "acct"},
        {CAP_SYS_PTRACE, "process_vm_readv"},
        {CAP_SYS_PTRACE, "process_vm_writev"},
        {CAP_SYS_PTRACE, "ptrace"},
        {CAP_SYS_BOOT, "reboot"},
        {CAP_SYSLOG, "syslog"},
        {CAP_SYS_TTY_CONFIG, "vhangup"},
        /* Knowingly left out, as nspawn: @cpu-emulation @keyring (not namespaced) @obsolete @pkey
         * @swap bpf fanotify_init fanotify_mark kexec_file_load kexec_load lookup_dcookie
         * nfsservctl open_by_handle_at perf_event_open quotactl. */
};

/* Where nspawn is weak (security.md): allowed above through @aio or by name, denied here unless
 * --system-call-filter= allows them (directly or through a group). io_uring bypasses syscall
 * filtering; userfaultfd widens race windows in kernel exploits. */
static const char denied_extra[] = "io_uring_enter\0io_uring_register\0io_uring_setup\0userfaultfd\0";

/* --suppress-sync: these return 0 without doing anything. */
static const char sync_calls[] =
        "fdatasync\0fsync\0msync\0sync\0sync_file_range\0sync_file_range2\0syncfs\0";

/* Local architectures, native last (the order they are merged in, see syscall-filter.c). */
static const uint32_t local_archs[] = {
#if defined(__x86_64__) && defined(__ILP32__)
        SCMP_ARCH_X86,
        SCMP_ARCH_X86_64,
        SCMP_ARCH_X32,
#elif defined(__x86_64__)
        SCMP_ARCH_X86,
        SCMP_ARCH_X32,
        SCMP_ARCH_X86_64,
#elif defined(__aarch64__)
        SCMP_ARCH_ARM,
        SCMP_ARCH_AARCH64,
#elif defined(__powerpc64__) && __BYTE_ORDER == __LITTLE_ENDIAN
        SCMP_ARCH_PPC,
        SCMP_ARCH_PPC64,
        SCMP_ARCH_PPC64LE,
#elif defined(__s390x__)
        SCMP_ARCH_S390,
        SCMP_ARCH_S390X,
#else
        SCMP_ARCH_NATIVE,
#endif
};

/* Highest syscall number probed per architecture when enumerating @known. */
#define SYSCALL_NR_PROBE_MAX 1024
#define X32_SYSCALL_BIT 0x40000000

/* ---- the ABIs the running kernel executes ------------------------------------------------------ */

/*
 * A filter section for an ABI the kernel does not run is dead code that costs every container start
 * ~0.15 ms in the kernel's filter set-up, so such an ABI is left out of the program. That is safe
 * only because its calls never reach seccomp: where x32 is off, x32 calls fail with ENOSYS at the
 * syscall entry; where ia32 emulation is off (not built, ia32_emulation=0, or a guest kernel that
 * turns it off by default although CONFIG_IA32_EMULATION=y), `int $0x80` is a general protection
 * fault and a 32-bit sysenter/syscall returns ENOSYS, before any filter runs. Were an ABI left out
 * that the kernel does run, its calls would meet the program's bad-architecture action (ENOSYS): no
 * hole, but every program of that ABI in the container would break. So a probe that cannot tell
 * keeps the ABI in (a dead section costs time, never correctness).
 */

/* Under a seccomp filter (nspawn nested in a container, a service's SystemCallArchitectures=) a
 * probing call of another ABI may meet a kill action, which no handler catches: no probe there. */
static bool under_seccomp(void) {
        return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0;
}

int syscall_abi_probe_x32(void) {
#if defined(__x86_64__) && !defined(__ILP32__)
        long r;

        if (under_seccomp())
                return -1;
        r = syscall(X32_SYSCALL_BIT | __NR_getpid);
        if (r >= 0)
                return r == getpid() ? 1 : -1;
        return errno == ENOSYS ? 0 : -1; /* CONFIG_X86_X32_ABI off, or x32 off (syscall.x32=n) */
#else
        return 1; /* the native ABI (an x32 build), or not in the table at all */
#endif
}

#if defined(__x86_64__)
/* The probe's fault handler: SIGSEGV is ours only while a probe runs, in the probing thread. */
static sigjmp_buf probe_env;
static struct sigaction probe_old;
static pid_t probe_tid;

static void probe_fault(int sig, siginfo_t *si, void *uc) {
        (void) uc;
        /* a general protection fault (SI_KERNEL) in the probing thread: the probe's own */
        if (si->si_code == SI_KERNEL && gettid() == probe_tid)
                siglongjmp(probe_env, 1);
        /* anything else goes to the previous handler: a fault recurs when we return, a signal sent
         * by someone (si_code <= 0) is sent again */
        (void) sigaction(SIGSEGV, &probe_old, NULL);
        if (si->si_code <= 0)
                (void) raise(sig);
}

/* getpid through the i386 entry. */
static long int80_getpid(void) {
        long r = 20; /* __NR_getpid of i386 */

        __asm__ volatile("int $0x80" : "+a"(r) : : "memory", "r8", "r9", "r10", "r11");
        return r;
}
#endif

int syscall_abi_probe_i386(long (*call)(void)) {
#if defined(__x86_64__)
        struct sigaction sa = {.sa_sigaction = probe_fault, .sa_flags = SA_SIGINFO | SA_NODEFER};
        volatile int answer = -1;
        sigset_t blocked;

        if (under_seccomp())
                return -1;
        /* a fault while SIGSEGV is blocked kills the process whatever the handler */
        if (sigprocmask(SIG_BLOCK, NULL, &blocked) < 0 || sigismember(&blocked, SIGSEGV))
                return -1;
        probe_tid = gettid();
        if (sigaction(SIGSEGV, &sa, &probe_old) < 0)
                return -1;
        /* SA_NODEFER: the handler leaves the signal mask alone, so nothing to restore after the jump */
        if (sigsetjmp(probe_env, 0) == 0)
                answer = (call ?: int80_getpid)() == getpid() ? 1 : -1;
        else
                answer = 0; /* no int $0x80 gate: the kernel does not run i386 calls */
        (void) sigaction(SIGSEGV, &probe_old, NULL);
        return answer;
#else
        (void) call;
        return 1;
#endif
}

/* Answers forced by a test (-1: probe), and the set found (n_usable SIZE_MAX: not yet). */
static int forced_x32 = -1, forced_i386 = -1;
static uint32_t usable[ELEMENTSOF(local_archs)];
static size_t n_usable = SIZE_MAX;

void syscall_local_archs_override(int x32, int i386) {
        forced_x32 = x32;
        forced_i386 = i386;
        n_usable = SIZE_MAX;
}

/* Is arch (one of local_archs) kept, given the answers for x32 and i386? The native ABI always. */
static bool arch_runs(uint32_t arch, bool x32, bool i386) {
        if (arch == seccomp_arch_native() || arch == SCMP_ARCH_NATIVE)
                return true;
        if (arch == SCMP_ARCH_X32)
                return x32;
        if (arch == SCMP_ARCH_X86)
                return i386;
        return true;
}

const uint32_t *syscall_local_archs(size_t *ret_n) {
        /* facts of the running kernel, found once per process (a few syscalls, no fork); the
         * result is part of the cache key (syscall-filter-cache.c), so a cached program always
         * matches what this kernel runs */
        if (n_usable == SIZE_MAX) {
                bool x32 = (forced_x32 >= 0 ? forced_x32 : syscall_abi_probe_x32()) != 0;
                bool i386 = (forced_i386 >= 0 ? forced_i386 : syscall_abi_probe_i386(NULL)) != 0;
                size_t n = 0;

                for (size_t i = 0; i < ELEMENTSOF(local_archs); i++)
                        if (arch_runs(local_archs[i], x32, i386))
                                usable[n++] = local_archs[i];
                n_usable = n;
        }
        *ret_n = n_usable;
        return usable;
}

uint64_t syscall_default_allow_caps(void) {
        uint64_t caps = 0;

        for (size_t i = 0; i < ELEMENTSOF(default_allow); i++)
                if (default_allow[i].cap >= 0)
                        caps |= UINT64_C(1) << default_allow[i].cap;
        return caps;
}

uint64_t syscall_tables_hash(uint64_t h, syscall_hash_fn step) {
        for (size_t i = 0; i < ELEMENTSOF(groups); i++) {
                h = step(h, groups[i].name, strlen(groups[i].name) + 1);
                NULSTR_FOREACH(m, groups[i].members) {
                        h = step(h, m, strlen(m) + 1);
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(default_allow); i++) {
                h = step(h, &default_allow[i].cap, sizeof(default_allow[i].cap));
                h = step(h, default_allow[i].name, strlen(default_allow[i].name) + 1);
        }
        h = step(h, denied_extra, sizeof(denied_extra));
        return step(h, sync_calls, sizeof(sync_calls));
}

/* ---- names ----------------------------------------------------------------------------------- */

static const struct syscall_group *group_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(groups); i++)
                if (streq(groups[i].name, name))
                        return groups + i;
        return NULL;
}

static bool name_in_table(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(groups); i++)
                NULSTR_FOREACH(m, groups[i].members) {
                        if (streq(m, name))
                                return true;
                }
        return false;
}

bool seccomp_name_valid(const char *name) {
        if (isempty(name))
                return false;
        if (name[0] == '@')
                return group_find(name) != NULL;
        return name_in_table(name) || seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

/* ---- sets of syscall numbers ------------------------------------------------------------------- */

void nr_set_done(struct nr_set *s) {
        free(s->v);
        *s = (struct nr_set){};
}

int nr_set_add(struct nr_set *s, int nr) {
        if (s->n == s->allocated) {
                size_t a = MAX(s->allocated * 2, (size_t) 256);
                int *v = realloc(s->v, a * sizeof(int));

                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->allocated = a;
        }
        s->v[s->n++] = nr;
        s->sorted = false;
        return 0;
}

int nr_set_add_all(struct nr_set *a, const struct nr_set *b) {
        for (size_t i = 0; i < b->n; i++) {
                int r = nr_set_add(a, b->v[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int cmp_int(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;

        return (x > y) - (x < y);
}

void nr_set_sort(struct nr_set *s) {
        size_t k = 0;

        if (s->sorted)
                return;
        if (s->n > 0) /* v may be NULL when empty, which qsort must not get */
                qsort(s->v, s->n, sizeof(int), cmp_int);
        for (size_t i = 0; i < s->n; i++)
                if (k == 0 || s->v[k - 1] != s->v[i])
                        s->v[k++] = s->v[i];
        s->n = k;
        s->sorted = true;
}

bool nr_set_contains(struct nr_set *s, int nr) {
        nr_set_sort(s);
        return s->n > 0 && bsearch(&nr, s->v, s->n, sizeof(int), cmp_int) != NULL;
}

void nr_set_subtract(struct nr_set *a, struct nr_set *b) {
        size_t k = 0;

        nr_set_sort(a);
        for (size_t i = 0; i < a->n; i++)
                if (!nr_set_contains(b, a->v[i]))
                        a->v[k++] = a->v[i];
        a->n = k;
}

/* ---- names → numbers --------------------------------------------------------------------------- */

static int known_add_arch(struct nr_set *s, uint32_t arch) {
        uint32_t base = arch == SCMP_ARCH_X32 ? X32_SYSCALL_BIT : 0;

        for (int i = 0; i < SYSCALL_NR_PROBE_MAX; i++) {
                _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(arch, (int) (base + i));
                int nr, r;

                if (!name)
                        continue;
                nr = seccomp_syscall_resolve_name(name);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                r = nr_set_add(s, nr);
                if (r < 0)
                        return r;
        }
        return 0;
}

int syscall_arch_numbers(uint32_t arch, const struct nr_set *s, uint32_t **ret, size_t *ret_n) {
        uint32_t base = arch == SCMP_ARCH_X32 ? X32_SYSCALL_BIT : 0;
        uint32_t *v = malloc((SYSCALL_NR_PROBE_MAX + s->n) * sizeof(uint32_t));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (uint32_t i = 0; i < SYSCALL_NR_PROBE_MAX; i++) {
                _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(arch, (int) (base + i));
                if (name)
                        v[n++] = base + i;
        }
        /* numbers beyond the probed range (ARM's private calls at 0xf0000) */
        for (size_t i = 0; i < s->n; i++) {
                _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, s->v[i]);
                int nr = name ? seccomp_syscall_resolve_name_arch(arch, name) : __NR_SCMP_ERROR;
                if (nr >= (int) (base + SYSCALL_NR_PROBE_MAX))
                        v[n++] = (uint32_t) nr;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int syscall_set_add_known(struct nr_set *s) {
        for (size_t i = 0; i < ELEMENTSOF(local_archs); i++) {
                int r = known_add_arch(s, local_archs[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int set_add_name(struct nr_set *s, const char *name, bool strict, unsigned depth);

static int set_add_group(struct nr_set *s, const struct syscall_group *g, unsigned depth) {
        if (streq(g->name, "@known"))
                return syscall_set_add_known(s);
        NULSTR_FOREACH(m, g->members) {
                int r = set_add_name(s, m, false, depth + 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Add NAME (a syscall or @group) to s. Names libseccomp does not know are skipped when they come
 * from our table (a newer kernel's calls) but are an error when the user gave them (strict). */
static int set_add_name(struct nr_set *s, const char *name, bool strict, unsigned depth) {
        if (depth > 8)
                return -ELOOP;

        if (name[0] == '@') {
                const struct syscall_group *g = group_find(name);

                return g ? set_add_group(s, g, depth) : -EINVAL;
        }

        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                return strict && !name_in_table(name) ? -EINVAL : 0;
        return nr_set_add(s, nr);
}

static int set_add_nulstr(struct nr_set *s, const char *l) {
        NULSTR_FOREACH(m, l) {
                int r = set_add_name(s, m, false, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

int syscall_set_add_strv(struct nr_set *s, char *const *names) {
        STRV_FOREACH(m, names) {
                int r = set_add_name(s, *m, true, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

int syscall_set_add_default_allow(struct nr_set *s, uint64_t caps) {
        for (size_t i = 0; i < ELEMENTSOF(default_allow); i++) {
                int r;

                if (default_allow[i].cap >= 0 && !(caps & (UINT64_C(1) << default_allow[i].cap)))
                        continue;
                r = set_add_name(s, default_allow[i].name, false, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

int syscall_set_add_denied_extra(struct nr_set *s) {
        return set_add_nulstr(s, denied_extra);
}

int syscall_set_add_sync(struct nr_set *s) {
        return set_add_nulstr(s, sync_calls);
}
