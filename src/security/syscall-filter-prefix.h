/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The first instructions of the container's syscall filter: a call whose number the policy does
 * not know — a newer kernel's call, a gap in the table — fails with ENOSYS (so the payload's
 * fallback for it works); every other call goes on to the libseccomp program that follows, which
 * allows by default and denies the known calls the policy does not allow (syscall-filter.c).
 *
 * libseccomp can only compare a call's number for equality, so "not one of the ~450 known numbers"
 * would take a comparison for each of them — for every architecture, ~1000 instructions, and the
 * kernel's set-up of a filter (BPF checks, conversion, JIT, action cache) costs ~0.4 µs each at every
 * container start. Here the known numbers are ranges: a dozen instructions.
 *
 * Layout, for each architecture (audit value A, known numbers merged into ranges):
 *       ld  [arch];  jeq A, 0, <next architecture>;  ld [nr]
 *       for each gap [lo, hi] between known numbers, ascending (the last one ends at 2^32 - 1):
 *           jge lo, 0, <program>;  jgt hi, 0, <enosys>
 *   <program>: ja 1        (any other architecture also ends here)
 *   <enosys>:  ret ERRNO(ENOSYS)
 *   ... the libseccomp program, which loads what it needs itself.
 */

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* The numbers an architecture knows, as the kernel reports them with that audit architecture
 * (x32 calls come as x86-64 ones with bit 30 set). */
struct arch_numbers {
        uint32_t audit_arch;
        uint32_t *nr; /* any order, duplicates allowed */
        size_t n;
};

/* The prefix for these architectures (each audit_arch at most once). -E2BIG if a jump would be
 * out of reach (more than 255 instructions). */
int syscall_prefix_build(const struct arch_numbers *archs, size_t n_archs, struct sock_filter **ret,
                         size_t *ret_n);
