/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The syscall tables behind the container's filter (src/security/syscall-filter.c) and the lookups in
 * them: systemd's @groups (names and contents as of 252), systemd-nspawn's default allow list,
 * the calls nspawn denies on top, the sync family, the local architectures; and the expansion of
 * names (calls or @groups) into sets of syscall numbers in libseccomp's native numbering
 * (pseudo numbers < 0 for calls the native architecture lacks).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Is NAME a syscall or @group known to the filter? (for validating --system-call-filter) */
bool seccomp_name_valid(const char *name);

/* The architectures whose calls the filter covers, native last: the local ones the running kernel
 * executes (x32 and i386 on x86-64 only where the kernel runs them; kept where a probe cannot
 * tell). Probed once per process, in a few syscalls. */
const uint32_t *syscall_local_archs(size_t *ret_n);

/* Does the kernel run this ABI's calls? 1 yes, 0 no, -1 cannot tell (under a seccomp filter, whose
 * kill action no probe survives; an unexpected answer). The i386 probe calls call (NULL: getpid
 * through `int $0x80`) in this process, catching the general protection fault of a kernel without
 * ia32 emulation; tests pass a call that faults on any kernel. */
int syscall_abi_probe_x32(void);
int syscall_abi_probe_i386(long (*call)(void));
/* For tests: answers to use instead of the probes' (-1: probe); forgets the architectures found. */
void syscall_local_archs_override(int x32, int i386);

/* The capabilities that unlock entries of the default allow list. */
uint64_t syscall_default_allow_caps(void);

/* Feed every table to a hash step function (e.g. FNV-1a), in a fixed order: a changed table
 * changes the result. */
typedef uint64_t (*syscall_hash_fn)(uint64_t h, const void *data, size_t n);
uint64_t syscall_tables_hash(uint64_t h, syscall_hash_fn step);

/* A set of syscall numbers. Adding keeps insertion order until the set is sorted (and made
 * unique) by a lookup or a subtraction. */
struct nr_set {
        int *v;
        size_t n, allocated;
        bool sorted;
};

void nr_set_done(struct nr_set *s);
int nr_set_add(struct nr_set *s, int nr);
int nr_set_add_all(struct nr_set *a, const struct nr_set *b);
void nr_set_sort(struct nr_set *s);
bool nr_set_contains(struct nr_set *s, int nr);
/* Remove every member of b from a. */
void nr_set_subtract(struct nr_set *a, struct nr_set *b);

/* The user's names (--system-call-filter): each must be known (-EINVAL otherwise). */
int syscall_set_add_strv(struct nr_set *s, char *const *names);
/* Every syscall libseccomp knows on a local architecture. */
int syscall_set_add_known(struct nr_set *s);
/* The numbers, in arch's own numbering (x32 with bit 30 set), of every call libseccomp knows on
 * arch, and of the calls in s (native numbering) that arch has: the numbers a filter for arch
 * has rules for. Any order; *ret is malloc'ed. (Multiplexed calls count with their direct numbers,
 * e.g. socket = 359 on x86.) */
int syscall_arch_numbers(uint32_t arch, const struct nr_set *s, uint32_t **ret, size_t *ret_n);
/* The default allow list's entries that need no capability or one of caps. */
int syscall_set_add_default_allow(struct nr_set *s, uint64_t caps);
/* What nspawn denies beyond systemd-nspawn unless the user allows it. */
int syscall_set_add_denied_extra(struct nr_set *s);
/* The sync family (--suppress-sync makes these no-ops). */
int syscall_set_add_sync(struct nr_set *s);
