/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's syscall filter.
 *
 * Parent side (seccomp_program_prepare): the policy is turned into sets of syscall numbers,
 * compiled with libseccomp into classic BPF, and kept in a cache file named by a hash of the
 * policy's canonical description. The file holds the description itself, so a hash collision can
 * never hand out the wrong filter, and a checksum, so a torn or corrupt file is recompiled.
 *
 * Child side (seccomp_program_load): one seccomp(2) call per ready program; nothing else.
 *
 * Two programs, in load order, each covering every local architecture (x86-64: native, x86,
 * x32), each far below the kernel's 4096-instruction limit:
 *   1. "extras", default ALLOW: ioctl(TIOCSTI/TIOCLINUX) → EPERM and socket(AF_NETLINK, *,
 *      NETLINK_AUDIT) → EAFNOSUPPORT, both comparing only the low 32 bits (the kernel truncates
 *      these int/unsigned int arguments, so a full 64-bit compare is bypassed by setting high
 *      bits); with --suppress-sync the sync family → 0. These live apart from the allow list
 *      because libseccomp silently drops a conditional rule next to an unconditional one.
 *   2. the allow list, default ENOSYS, EPERM for every known syscall not allowed. Last, so that a
 *      policy denying seccomp() itself does not stop our own first call.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <seccomp.h> /* ours, then libseccomp's (see seccomp.h) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "seccomp.h"
#include "strv.h"

/* ---- syscall groups (systemd's names and contents, as of 252) ---------------------------- */

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

#define NULSTR_FOREACH(i, l) for (const char *i = (l); i && *i; i = strchr(i, 0) + 1)

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

/* Local architectures, native last (see the top of the file). */
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

/* ---- sets of syscall numbers (libseccomp's native numbering, pseudo numbers < 0) ---------- */

struct nr_set {
        int *v;
        size_t n, allocated;
        bool sorted;
};

static void nr_set_done(struct nr_set *s) {
        free(s->v);
        *s = (struct nr_set){};
}

static int nr_set_add(struct nr_set *s, int nr) {
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

static int cmp_int(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;

        return (x > y) - (x < y);
}

static void nr_set_sort(struct nr_set *s) {
        size_t k = 0;

        if (s->sorted)
                return;
        qsort(s->v, s->n, sizeof(int), cmp_int);
        for (size_t i = 0; i < s->n; i++)
                if (k == 0 || s->v[k - 1] != s->v[i])
                        s->v[k++] = s->v[i];
        s->n = k;
        s->sorted = true;
}

static bool nr_set_contains(struct nr_set *s, int nr) {
        nr_set_sort(s);
        return bsearch(&nr, s->v, s->n, sizeof(int), cmp_int) != NULL;
}

/* Remove every member of b from a. */
static void nr_set_subtract(struct nr_set *a, struct nr_set *b) {
        size_t k = 0;

        nr_set_sort(a);
        for (size_t i = 0; i < a->n; i++)
                if (!nr_set_contains(b, a->v[i]))
                        a->v[k++] = a->v[i];
        a->n = k;
}

static int nr_set_add_all(struct nr_set *a, const struct nr_set *b) {
        for (size_t i = 0; i < b->n; i++) {
                int r = nr_set_add(a, b->v[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

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

/* Add NAME (a syscall or @group) to s. Names libseccomp does not know are skipped when they come
 * from our table (a newer kernel's calls) but are an error when the user gave them (strict). */
static int set_add_name(struct nr_set *s, const char *name, bool strict, unsigned depth) {
        int r;

        if (depth > 8)
                return -ELOOP;

        if (name[0] == '@') {
                const struct syscall_group *g = group_find(name);

                if (!g)
                        return -EINVAL;
                if (streq(g->name, "@known")) {
                        for (size_t i = 0; i < ELEMENTSOF(local_archs); i++) {
                                r = known_add_arch(s, local_archs[i]);
                                if (r < 0)
                                        return r;
                        }
                        return 0;
                }
                NULSTR_FOREACH(m, g->members) {
                        r = set_add_name(s, m, false, depth + 1);
                        if (r < 0)
                                return r;
                }
                return 0;
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

static int set_add_strv(struct nr_set *s, char *const *l) {
        STRV_FOREACH(m, l) {
                int r = set_add_name(s, *m, true, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct policy {
        struct nr_set allow; /* → ALLOW */
        struct nr_set deny;  /* known, not allowed → EPERM */
        bool suppress_sync;
};

static void policy_done(struct policy *p) {
        nr_set_done(&p->allow);
        nr_set_done(&p->deny);
}

static int policy_compute(const struct settings *s, uint64_t caps, struct policy *p) {
        _cleanup_(nr_set_done) struct nr_set user_deny = {}, extra = {};
        int r;

        r = set_add_strv(&user_deny, s->syscall_deny);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(default_allow); i++) {
                if (default_allow[i].cap >= 0 && !(caps & (UINT64_C(1) << default_allow[i].cap)))
                        continue;
                r = set_add_name(&p->allow, default_allow[i].name, false, 0);
                if (r < 0)
                        return r;
        }
        r = set_add_nulstr(&extra, denied_extra);
        if (r < 0)
                return r;
        nr_set_subtract(&p->allow, &extra);

        r = set_add_strv(&p->allow, s->syscall_allow);
        if (r < 0)
                return r;
        nr_set_subtract(&p->allow, &user_deny);

        /* Everything known that is not allowed gets EPERM; the rest (numbers no one knows) ENOSYS,
         * so that a payload's fallback for a new syscall works. Denied names count as known. */
        r = set_add_name(&p->deny, "@known", false, 0);
        if (r >= 0)
                r = nr_set_add_all(&p->deny, &user_deny);
        if (r >= 0)
                r = nr_set_add_all(&p->deny, &extra);
        if (r < 0)
                return r;
        nr_set_sort(&p->allow);
        nr_set_subtract(&p->deny, &p->allow);

        p->suppress_sync = s->suppress_sync > 0;
        return 0;
}

/* ---- compiling with libseccomp --------------------------------------------------------------- */

static void seccomp_releasep(scmp_filter_ctx *c) {
        if (*c)
                seccomp_release(*c);
}
#define _cleanup_seccomp_ _cleanup_(seccomp_releasep)

/* A context for the given architectures only. Calls of other architectures pass: before the merge
 * (compile_merged) their own part handles them, after it no other architecture is left. */
static int ctx_new(const uint32_t *archs, size_t n_archs, uint32_t default_action, scmp_filter_ctx *ret) {
        _cleanup_seccomp_ scmp_filter_ctx c = seccomp_init(default_action);
        uint32_t native = seccomp_arch_native();
        bool keep_native = false;
        int r;

        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < n_archs; i++) {
                if (archs[i] == native || archs[i] == SCMP_ARCH_NATIVE) {
                        keep_native = true;
                        continue;
                }
                r = seccomp_arch_add(c, archs[i]);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        if (!keep_native) {
                r = seccomp_arch_remove(c, native);
                if (r < 0)
                        return r;
        }
        r = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
        if (r < 0)
                return r;
        /* We only export; no_new_privs is the caller's setting, not libseccomp's. */
        r = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

/* A syscall that does not exist on one architecture (e.g. socketcall on x86-64) is fine. */
static int rule_add(scmp_filter_ctx c, uint32_t action, int nr, unsigned n_args,
                    const struct scmp_arg_cmp *args) {
        int r = seccomp_rule_add_array(c, action, nr, n_args, args);

        return r == -EDOM || r == -EOPNOTSUPP ? 0 : r;
}

static int ctx_add_set(scmp_filter_ctx c, uint32_t action, const struct nr_set *s) {
        for (size_t i = 0; i < s->n; i++) {
                int r = rule_add(c, action, s->v[i], 0, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compile_main(const struct policy *p, uint32_t arch, scmp_filter_ctx *ret) {
        _cleanup_seccomp_ scmp_filter_ctx c = NULL;
        int r;

        r = ctx_new(&arch, 1, SCMP_ACT_ERRNO(ENOSYS), &c);
        if (r < 0)
                return r;
        r = ctx_add_set(c, SCMP_ACT_ALLOW, &p->allow);
        if (r < 0)
                return r;
        r = ctx_add_set(c, SCMP_ACT_ERRNO(EPERM), &p->deny);
        if (r < 0)
                return r;
        /* A big filter: a binary tree over syscall numbers instead of a linear chain. */
        (void) seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        *ret = TAKE_PTR(c);
        return 0;
}

/* Argument filters must match exactly what was asked: libseccomp would otherwise rewrite a rule
 * for a multiplexed call (socketcall on x86) into one comparing the wrong registers. */
static int rule_add_exact(scmp_filter_ctx c, uint32_t action, int nr, unsigned n_args,
                          const struct scmp_arg_cmp *args) {
        int r = seccomp_rule_add_exact_array(c, action, nr, n_args, args);

        return r == -EDOM ? 0 : r;
}

static int compile_extras(const struct policy *p, uint32_t arch, scmp_filter_ctx *ret) {
        static const unsigned long tty_ioctls[] = {TIOCSTI, TIOCLINUX};
        _cleanup_seccomp_ scmp_filter_ctx c = NULL;
        int r;

        r = ctx_new(&arch, 1, SCMP_ACT_ALLOW, &c);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(tty_ioctls); i++) {
                struct scmp_arg_cmp a = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, tty_ioctls[i]);

                r = rule_add_exact(c, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1, &a);
                if (r < 0)
                        return r; /* a security rule: fail closed */
        }

        /* Audit does not work in containers; EAFNOSUPPORT tells audit userspace it is off. Where
         * socket() is multiplexed (x86) the rule cannot be exact and is left out, as nspawn does. */
        struct scmp_arg_cmp audit[] = {
                SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffUL, AF_NETLINK),
                SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffUL, NETLINK_AUDIT),
        };
        (void) rule_add_exact(c, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), ELEMENTSOF(audit), audit);

        (void) seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);

        if (p->suppress_sync)
                NULSTR_FOREACH(m, sync_calls) {
                        int nr = seccomp_syscall_resolve_name(m);

                        if (nr == __NR_SCMP_ERROR)
                                continue;
                        r = rule_add(c, SCMP_ACT_ERRNO(0), nr, 0, NULL);
                        if (r < 0)
                                return r;
                }

        *ret = TAKE_PTR(c);
        return 0;
}

typedef int (*compile_fn)(const struct policy *p, uint32_t arch, scmp_filter_ctx *ret);

/* One program for all local architectures: each is compiled on its own (so that exact argument
 * rules can be skipped where an architecture cannot have them), then merged. Measured on x86-64:
 * loading 2 merged programs takes ~0.75 ms in the child, 6 per-architecture ones (as systemd)
 * ~0.9 ms; the kernel's per-filter set-up (checks, JIT, action cache) is the cost. */
static int compile_merged(const struct policy *p, compile_fn compile, scmp_filter_ctx *ret) {
        _cleanup_seccomp_ scmp_filter_ctx c = NULL;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(local_archs); i++) {
                scmp_filter_ctx a = NULL;

                r = compile(p, local_archs[i], &a);
                if (r < 0)
                        return r;
                if (!c) {
                        c = a;
                        continue;
                }
                r = seccomp_merge(c, a); /* releases a on success only */
                if (r < 0) {
                        seccomp_release(a);
                        return r;
                }
        }
        *ret = TAKE_PTR(c);
        return 0;
}

/* Load order: the extras never deny seccomp(), the allow list may (~seccomp), so it goes last. */
static const compile_fn compilers[] = {compile_extras, compile_main};

/* ---- the in-memory / on-disk image ------------------------------------------------------------ */

/*
 * Cache file layout (host byte order; the cache belongs to this host):
 *   struct image_header
 *   description (desc_len bytes, padded to 8)
 *   n_programs × { uint32_t n_insns; uint32_t reserved; struct sock_filter insns[n_insns]; }
 * checksum = FNV-1a 64 of everything after the header.
 */
#define IMAGE_MAGIC "NSPSCMP1"
#define PROGRAMS_MAX 4
_Static_assert(ELEMENTSOF(compilers) <= PROGRAMS_MAX, "too many programs");
#define IMAGE_SIZE_MAX (4u << 20)

struct image_header {
        char magic[8];
        uint32_t n_programs;
        uint32_t desc_len;
        uint64_t checksum;
};

struct seccomp_program {
        size_t n_programs;
        struct sock_fprog progs[PROGRAMS_MAX];
        void *image; /* owns the instructions the progs point into */
        size_t image_size;
};

struct seccomp_program *seccomp_program_free(struct seccomp_program *p) {
        if (!p)
                return NULL;
        free(p->image);
        free(p);
        return NULL;
}

static void seccomp_program_freep(struct seccomp_program **p) {
        seccomp_program_free(*p);
}
#define _cleanup_program_ _cleanup_(seccomp_program_freep)

#define FNV64_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV64_PRIME UINT64_C(0x100000001b3)

static uint64_t fnv1a64(uint64_t h, const void *data, size_t n) {
        const uint8_t *b = data;

        for (size_t i = 0; i < n; i++) {
                h ^= b[i];
                h *= FNV64_PRIME;
        }
        return h;
}

static size_t align8(size_t n) {
        return (n + 7) & ~(size_t) 7;
}

/* Check an image and point p's programs into it. Takes ownership of image on success. */
static int image_attach(struct seccomp_program *p, void *image, size_t size, const char *desc) {
        struct image_header h;
        size_t off, desc_len = strlen(desc);

        if (size < sizeof(h) || size > IMAGE_SIZE_MAX)
                return -EBADMSG;
        memcpy(&h, image, sizeof(h));
        if (memcmp(h.magic, IMAGE_MAGIC, sizeof(h.magic)) != 0 || h.n_programs == 0 ||
            h.n_programs > PROGRAMS_MAX || h.desc_len != desc_len)
                return -EBADMSG;
        if (fnv1a64(FNV64_OFFSET, (uint8_t *) image + sizeof(h), size - sizeof(h)) != h.checksum)
                return -EBADMSG;
        off = sizeof(h);
        if (size - off < align8(desc_len) || memcmp((char *) image + off, desc, desc_len) != 0)
                return -EBADMSG; /* not corrupt, but another policy behind the same hash */
        off += align8(desc_len);

        for (uint32_t i = 0; i < h.n_programs; i++) {
                uint32_t n;

                if (size - off < 8)
                        return -EBADMSG;
                memcpy(&n, (char *) image + off, sizeof(n));
                off += 8;
                if (n == 0 || n > BPF_MAXINSNS || (size - off) / sizeof(struct sock_filter) < n)
                        return -EBADMSG;
                p->progs[i] = (struct sock_fprog){
                        .len = (unsigned short) n,
                        .filter = (struct sock_filter *) ((char *) image + off),
                };
                off += n * sizeof(struct sock_filter);
        }
        if (off != size)
                return -EBADMSG;

        p->n_programs = h.n_programs;
        p->image = image;
        p->image_size = size;
        return 0;
}

/* Read a libseccomp export back: seccomp_export_bpf() only writes to an fd (2.5). */
static int ctx_export(scmp_filter_ctx c, void **ret, size_t *ret_size) {
        _cleanup_close_ int fd = memfd_create("nspawn-seccomp", MFD_CLOEXEC);
        _cleanup_free_ void *buf = NULL;
        struct stat st;
        int r;

        if (fd < 0)
                return negative_errno();
        r = seccomp_export_bpf(c, fd);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
            st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -E2BIG;
        buf = malloc(st.st_size);
        if (!buf)
                return -ENOMEM;
        if (pread(fd, buf, st.st_size, 0) != st.st_size)
                return -EIO;
        *ret = TAKE_PTR(buf);
        *ret_size = st.st_size;
        return 0;
}

struct exported {
        void *bpf[ELEMENTSOF(compilers)];
        size_t size[ELEMENTSOF(compilers)];
};

static void exported_done(struct exported *e) {
        for (size_t i = 0; i < ELEMENTSOF(e->bpf); i++)
                free(e->bpf[i]);
}

/* Compile the policy into a cache-file image. */
static int image_build(const struct policy *pol, const char *desc, void **ret, size_t *ret_size) {
        _cleanup_(exported_done) struct exported e = {};
        size_t size, off, desc_len = strlen(desc);
        uint8_t *image;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(compilers); i++) {
                _cleanup_seccomp_ scmp_filter_ctx c = NULL;

                r = compile_merged(pol, compilers[i], &c);
                if (r < 0)
                        return r;
                r = ctx_export(c, &e.bpf[i], &e.size[i]);
                if (r < 0)
                        return r;
        }

        size = sizeof(struct image_header) + align8(desc_len);
        for (size_t i = 0; i < ELEMENTSOF(compilers); i++)
                size += 8 + e.size[i];
        image = calloc(1, size);
        if (!image)
                return -ENOMEM;

        off = sizeof(struct image_header);
        memcpy(image + off, desc, desc_len);
        off += align8(desc_len);
        for (size_t i = 0; i < ELEMENTSOF(compilers); i++) {
                uint32_t k = e.size[i] / sizeof(struct sock_filter);

                memcpy(image + off, &k, sizeof(k));
                off += 8;
                memcpy(image + off, e.bpf[i], e.size[i]);
                off += e.size[i];
        }

        struct image_header h = {.n_programs = ELEMENTSOF(compilers), .desc_len = desc_len};
        memcpy(h.magic, IMAGE_MAGIC, sizeof(h.magic));
        h.checksum = fnv1a64(FNV64_OFFSET, image + sizeof(h), size - sizeof(h));
        memcpy(image, &h, sizeof(h));

        *ret = image;
        *ret_size = size;
        return 0;
}

/* ---- the cache ---------------------------------------------------------------------------------- */

/* Everything the compiled programs depend on, as text. The tables are folded in as a hash so
 * that a changed table in a new build never reuses an old entry. */
static int policy_describe(const struct settings *s, uint64_t caps, char **ret) {
        const struct scmp_version *v = seccomp_version();
        uint64_t table = FNV64_OFFSET, relevant = 0;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        for (size_t i = 0; i < ELEMENTSOF(groups); i++) {
                table = fnv1a64(table, groups[i].name, strlen(groups[i].name) + 1);
                NULSTR_FOREACH(m, groups[i].members) {
                        table = fnv1a64(table, m, strlen(m) + 1);
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(default_allow); i++) {
                table = fnv1a64(table, &default_allow[i].cap, sizeof(default_allow[i].cap));
                table = fnv1a64(table, default_allow[i].name, strlen(default_allow[i].name) + 1);
                if (default_allow[i].cap >= 0)
                        relevant |= UINT64_C(1) << default_allow[i].cap;
        }
        table = fnv1a64(table, denied_extra, sizeof(denied_extra));
        table = fnv1a64(table, sync_calls, sizeof(sync_calls));

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "nspawn-seccomp 3\nlibseccomp %u.%u.%u\narchs", v ? v->major : 0, v ? v->minor : 0,
                v ? v->micro : 0);
        for (size_t i = 0; i < ELEMENTSOF(local_archs); i++)
                fprintf(f, " %08x", local_archs[i]);
        fprintf(f, " native %08x\ntable %016llx\ncaps %016llx\nsync %d\nallow", seccomp_arch_native(),
                (unsigned long long) table, (unsigned long long) (caps & relevant), s->suppress_sync > 0);
        STRV_FOREACH(n, s->syscall_allow) {
                fprintf(f, " %s", *n);
        }
        fputs("\ndeny", f);
        STRV_FOREACH(n, s->syscall_deny) {
                fprintf(f, " %s", *n);
        }
        fputc('\n', f);
        if (fclose(f) != 0 || !buf)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

/* The cache directory, only if it is ours and nobody else can write to it. */
static int cache_dir_open(const char *dir, bool create) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (create) {
                int r = mkdir_p(dir, 0700);
                if (r < 0)
                        return r;
        }
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (st.st_uid != geteuid() || (st.st_mode & 022))
                return -EPERM;
        return TAKE_FD(fd);
}

static int cache_load(int dir_fd, const char *name, const char *desc, struct seccomp_program *p) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ void *buf = NULL;
        struct stat st;
        int r;

        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) || st.st_size <= 0 ||
            st.st_size > IMAGE_SIZE_MAX)
                return -EBADMSG;
        buf = malloc(st.st_size);
        if (!buf)
                return -ENOMEM;
        if (pread(fd, buf, st.st_size, 0) != st.st_size)
                return -EBADMSG;
        r = image_attach(p, buf, st.st_size, desc);
        if (r < 0)
                return r;
        TAKE_PTR(buf);
        return 0;
}

/* Write to a temporary file and rename it into place: readers see the old file or the new one. */
static int cache_store(int dir_fd, const char *name, const void *image, size_t size) {
        char tmp[64];
        uint64_t rnd;
        int fd, r = 0;

        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
                rnd = (uint64_t) getpid() ^ (uintptr_t) &rnd;
        snprintf(tmp, sizeof(tmp), ".#%s.%016llx", name, (unsigned long long) rnd);

        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return negative_errno();
        if (write(fd, image, size) != (ssize_t) size)
                r = -EIO;
        safe_close(fd);
        if (r >= 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
                r = negative_errno();
        if (r < 0)
                (void) unlinkat(dir_fd, tmp, 0);
        return r;
}

int seccomp_program_prepare(const struct settings *s, uint64_t caps, const char *cache_dir,
                            struct seccomp_program **ret) {
        _cleanup_program_ struct seccomp_program *p = NULL;
        _cleanup_free_ char *desc = NULL;
        _cleanup_free_ void *image = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        struct policy pol = {};
        char name[32];
        size_t size = 0;
        int r;

        if (!s || !ret)
                return -EINVAL;
        STRV_FOREACH(n, s->syscall_allow) {
                if (!seccomp_name_valid(*n))
                        return -EINVAL;
        }
        STRV_FOREACH(n, s->syscall_deny) {
                if (!seccomp_name_valid(*n))
                        return -EINVAL;
        }

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        r = policy_describe(s, caps, &desc);
        if (r < 0)
                return r;
        snprintf(name, sizeof(name), "%016llx.bpf",
                 (unsigned long long) fnv1a64(FNV64_OFFSET, desc, strlen(desc)));

        if (cache_dir) {
                dir_fd = cache_dir_open(cache_dir, false);
                if (dir_fd >= 0 && cache_load(dir_fd, name, desc, p) >= 0) {
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        }

        r = policy_compute(s, caps, &pol);
        if (r >= 0)
                r = image_build(&pol, desc, &image, &size);
        policy_done(&pol);
        if (r < 0)
                return r;

        /* The cache is best effort: a read-only or foreign directory only costs time. */
        if (cache_dir) {
                if (dir_fd < 0)
                        dir_fd = cache_dir_open(cache_dir, true);
                if (dir_fd >= 0)
                        (void) cache_store(dir_fd, name, image, size);
        }

        r = image_attach(p, image, size, desc);
        if (r < 0)
                return r;
        TAKE_PTR(image);
        *ret = TAKE_PTR(p);
        return 0;
}

const void *seccomp_program_image(const struct seccomp_program *p, size_t *ret_size) {
        if (!p)
                return NULL;
        if (ret_size)
                *ret_size = p->image_size;
        return p->image;
}

/* Runs in the child after clone, possibly sharing the parent's memory: no allocation, no locks,
 * nothing but the syscall. */
int seccomp_program_load(const struct seccomp_program *p) {
        if (!p)
                return -EINVAL;
        for (size_t i = 0; i < p->n_programs; i++)
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->progs[i]) < 0)
                        return -errno;
        return 0;
}
