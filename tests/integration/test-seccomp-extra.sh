#!/bin/bash
# Where the default seccomp policy does better than systemd-nspawn 252's: io_uring_setup,
# userfaultfd and ioctl(TIOCSTI/TIOCLINUX) are EPERM (the ioctl also with bits set above the low
# 32, which the kernel ignores); as 252: keyctl is EPERM, a syscall number nobody knows ENOSYS, and
# --system-call-filter=~@clock takes clock_settime away even with CAP_SYS_TIME. Checked for the
# x86-64 ABI, and through int $0x80 (i386) and the x32 bit, which the filter must cover too.
# A small static helper, compiled now, makes each call so that the kernel itself would answer
# something else than EPERM (a new fd, EINVAL, ENOTTY, EOPNOTSUPP) if the filter let it through;
# nothing is changed (clock_settime gets an invalid clock id).
. "$(dirname "$0")/lib.sh"
[[ $(uname -m) == x86_64 ]] || skip "the helper's syscall numbers are x86-64's"
require gcc

rootfs_copy "$T/root"
cat > "$T/sc.c" <<'C'
/* Makes one system call and prints OK or the errno's name: sc CALL [native|i386|x32]. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static struct io_uring_params params;
static struct timespec ts;
static char ch = 'x';

/* Each call is made so that, when the filter lets it through, the kernel answers with something
 * other than EPERM (a fresh fd, EINVAL, ENOTTY, EOPNOTSUPP), without changing anything. */
struct call {
        const char *name;
        long nr64, nr32, nrx32; /* x86-64, i386 (syscall_32.tbl), x32 (without the x32 bit) */
        unsigned long a, b, c;
};

int main(int argc, char *argv[]) {
        int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        const struct call calls[] = {
                {"io_uring_setup", 425, 425, 425, 1, (unsigned long) &params, 0},
                {"userfaultfd", 323, 374, 323, UFFD_USER_MODE_ONLY | 0x4000, 0, 0},
                {"tiocsti", 16, 54, 514, null_fd, TIOCSTI, (unsigned long) &ch},
                {"tiocsti-high", 16, 54, 514, null_fd, 0xffffffff00000000UL | TIOCSTI, (unsigned long) &ch},
                {"tioclinux", 16, 54, 514, null_fd, TIOCLINUX, (unsigned long) &ch},
                {"tioclinux-high", 16, 54, 514, null_fd, 0x5a5a5a5a00000000UL | TIOCLINUX, (unsigned long) &ch},
                {"keyctl", 250, 288, 250, 9999, 0, 0},
                {"clock_settime", 227, 264, 227, 12345, (unsigned long) &ts, 0},
                {"unassigned", 1000, 1000, 1000, 0, 0, 0},
                {"getpid", 39, 20, 39, 0, 0, 0},
        };
        const char *abi = argc > 2 ? argv[2] : "native";
        long r;

        if (argc < 2 || null_fd < 0)
                return 2;
        for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
                const struct call *c = &calls[i];
                if (strcmp(c->name, argv[1]) != 0)
                        continue;
                if (!strcmp(abi, "i386")) {
                        /* int $0x80 from a 64-bit process: the i386 table and AUDIT_ARCH_I386 */
                        __asm__ volatile("int $0x80"
                                         : "=a"(r)
                                         : "a"(c->nr32), "b"(c->a), "c"(c->b), "d"(c->c)
                                         : "memory");
                        errno = r < 0 && r > -4096 ? (int) -r : 0;
                        r = errno ? -1 : r;
                } else if (!strcmp(abi, "x32"))
                        r = syscall(0x40000000L + c->nrx32, c->a, c->b, c->c);
                else
                        r = syscall(c->nr64, c->a, c->b, c->c);
                if (r >= 0)
                        puts("OK");
                else
                        puts(strerrorname_np(errno) ? strerrorname_np(errno) : "unknown-errno");
                return 0;
        }
        fprintf(stderr, "unknown call %s\n", argv[1]);
        return 2;
}
C
gcc -static -no-pie -O2 -o "$IT_ROOT/usr/bin/sc" "$T/sc.c" 2> "$T/gcc.log" ||
        skip "cannot build a static helper: $(head -n 3 "$T/gcc.log")"
abis=(native x32)
if [[ $("$IT_ROOT/usr/bin/sc" getpid i386 2>/dev/null) == OK ]]; then abis+=(i386); else log "no i386 emulation here"; fi

# calls NSPAWN-OPTIONS... -- CALLS...: OUT = "CALL ABI RESULT" lines from inside the container.
calls() {
        local opts=()
        while [[ $1 != -- ]]; do opts+=("$1"); shift; done
        shift
        run_sh "${opts[@]}" -- "for c in $*; do for a in ${abis[*]}; do echo \"\$c \$a \$(sc \$c \$a)\"; done; done"
        assert_rc 0 "the helper inside"
}
# expect CALL RESULT: each ABI's answer for CALL in OUT is RESULT (x32: RESULT or ENOSYS, as a
# kernel without x32 support answers ENOSYS even for allowed calls)
expect() {
        local a got
        for a in "${abis[@]}"; do
                got=$(awk -v c="$1" -v a="$a" '$1 == c && $2 == a { print $3 }' <<< "$OUT")
                [[ $a == x32 && $got == ENOSYS ]] && continue
                assert_eq "$got" "$2" "$1 ($a ABI)${3:+ $3}"
        done
}

# Allowed calls do work, so that EPERM below means the filter.
calls -- getpid
expect getpid OK

calls -- keyctl unassigned clock_settime
expect keyctl EPERM
expect unassigned ENOSYS
expect clock_settime EPERM "(no CAP_SYS_TIME)"

calls --capability=CAP_SYS_TIME -- clock_settime
expect clock_settime EINVAL "with --capability=CAP_SYS_TIME"
calls --capability=CAP_SYS_TIME --system-call-filter='~@clock' -- clock_settime
expect clock_settime EPERM "with --capability=CAP_SYS_TIME --system-call-filter=~@clock"

# An explicit allow gives back what the stricter default takes.
calls --system-call-filter='io_uring_setup userfaultfd @keyring' -- io_uring_setup userfaultfd keyctl
expect io_uring_setup OK "with --system-call-filter=io_uring_setup"
expect userfaultfd EINVAL "with --system-call-filter=userfaultfd"
expect keyctl EOPNOTSUPP "with --system-call-filter=@keyring"

expect_differ "systemd-nspawn 252 allows io_uring, userfaultfd and ioctl(TIOCSTI/TIOCLINUX)"
calls -- io_uring_setup userfaultfd tiocsti tiocsti-high tioclinux tioclinux-high
for c in io_uring_setup userfaultfd tiocsti tiocsti-high tioclinux tioclinux-high; do
        expect $c EPERM "(default policy)"
done
