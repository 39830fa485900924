/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "syscall-filter-prefix.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "macro.h"

struct gap {
        uint32_t lo, hi;
};

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
        return x < y ? -1 : x > y;
}

/* The gaps between the sorted known numbers nr[0..n), up to 2^32 - 1. */
static size_t gaps_of(uint32_t *nr, size_t n, struct gap *ret) {
        size_t k = 0;
        uint64_t next = 0; /* the lowest number not yet covered */

        qsort(nr, n, sizeof(*nr), cmp_u32);
        for (size_t i = 0; i < n; i++) {
                if (nr[i] > next)
                        ret[k++] = (struct gap){(uint32_t) next, nr[i] - 1};
                if ((uint64_t) nr[i] + 1 > next)
                        next = (uint64_t) nr[i] + 1;
        }
        if (next <= UINT32_MAX)
                ret[k++] = (struct gap){(uint32_t) next, UINT32_MAX};
        return k;
}

/* Instructions of one architecture's block: 3, then 2 per gap. */
static size_t block_size(size_t n_gaps) {
        return 3 + 2 * n_gaps;
}

/* A conditional jump from instruction at to target (forward, at most 255 away). */
static bool jump(size_t at, size_t target, uint8_t *ret) {
        if (target <= at || target - at - 1 > 255)
                return false;
        *ret = (uint8_t) (target - at - 1);
        return true;
}

static struct sock_filter insn(uint16_t code, uint32_t k) {
        return (struct sock_filter){.code = code, .k = k};
}

/* One architecture's block at f[at], ending at next; program and enosys are the indexes of the
 * two targets. */
static int emit_block(struct sock_filter *f, size_t at, size_t next, uint32_t audit_arch,
                      const struct gap *gaps, size_t n_gaps, size_t program, size_t enosys) {
        f[at] = insn(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        f[at + 1] = insn(BPF_JMP | BPF_JEQ | BPF_K, audit_arch);
        f[at + 2] = insn(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        if (!jump(at + 1, next, &f[at + 1].jf))
                return -E2BIG;
        for (size_t g = 0, i = at + 3; g < n_gaps; g++, i += 2) {
                /* below this gap: a known number (the gaps ascend) */
                f[i] = insn(BPF_JMP | BPF_JGE | BPF_K, gaps[g].lo);
                /* inside it: unknown; above it: the next gap decides — above the last one (none if
                 * it ends at 2^32 - 1) the number is known */
                f[i + 1] = insn(BPF_JMP | BPF_JGT | BPF_K, gaps[g].hi);
                if (!jump(i, program, &f[i].jf) || !jump(i + 1, enosys, &f[i + 1].jf) ||
                    (g + 1 == n_gaps && !jump(i + 1, program, &f[i + 1].jt)))
                        return -E2BIG;
        }
        return 0;
}

int syscall_prefix_build(const struct arch_numbers *archs, size_t n_archs, struct sock_filter **ret,
                         size_t *ret_n) {
        struct gap *gaps[n_archs > 0 ? n_archs : 1];
        size_t n_gaps[n_archs > 0 ? n_archs : 1], total = 2;
        _cleanup_free_ struct sock_filter *f = NULL;
        int r = -ENOMEM;

        for (size_t a = 0; a < n_archs; a++)
                gaps[a] = NULL;
        for (size_t a = 0; a < n_archs; a++) {
                if (!(gaps[a] = malloc((archs[a].n + 1) * sizeof(struct gap))))
                        goto out;
                n_gaps[a] = gaps_of(archs[a].nr, archs[a].n, gaps[a]);
                total += block_size(n_gaps[a]);
        }
        if (!(f = calloc(total, sizeof(*f))))
                goto out;
        size_t program = total - 2, enosys = total - 1, i = 0;
        r = 0;
        for (size_t a = 0; r >= 0 && a < n_archs; i += block_size(n_gaps[a]), a++)
                r = emit_block(f, i, i + block_size(n_gaps[a]), archs[a].audit_arch, gaps[a], n_gaps[a],
                               program, enosys);
        if (r < 0)
                goto out;
        f[program] = insn(BPF_JMP | BPF_JA | BPF_K, 1);
        f[enosys] = insn(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
        *ret = TAKE_PTR(f);
        *ret_n = total;
out:
        for (size_t a = 0; a < n_archs; a++)
                free(gaps[a]);
        return r;
}
