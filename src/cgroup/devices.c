/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The container's device allow-list, as cgroup v1 devices.allow lines or as a cgroup2 device
 * program (raw bpf(2), no libbpf: the program is a handful of instructions). See devices.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices.h"
#include "fdutil.h"
#include "macro.h"

#define RWM (DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE | DEVICE_ACCESS_MKNOD)
#define RW (DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE)
#define CHAR(ma, mi, acc)                                                                                   \
        { 'c', ma, ma, mi, acc }

/* UNIX98 pty slaves use majors 136..143 (UNIX98_PTY_MAJOR_COUNT = 8). */
static const struct device_rule fixed_rules[] = {
        CHAR(1, 3, RWM),
        CHAR(1, 5, RWM),
        CHAR(1, 7, RWM),
        CHAR(1, 8, RWM),
        CHAR(1, 9, RWM),
        CHAR(5, 0, RWM),
        CHAR(5, 2, RWM),
        CHAR(10, 200, RWM),
        {'c', 136, 143, DEVICE_ANY, RW},
        CHAR(0, 0, DEVICE_ACCESS_MKNOD),
        {'b', 0, 0, 0, DEVICE_ACCESS_MKNOD},
};

static int rule_add(struct device_policy *p, const struct device_rule *r) {
        struct device_rule *n = realloc(p->rules, (p->n + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        n[p->n++] = *r;
        p->rules = n;
        return 0;
}

/* A --bind source that is a device node: allow exactly that node (read-only for --bind-ro). */
static int bind_rule(const struct custom_mount *m, struct device_rule *ret) {
        struct stat st;

        if (m->type != CUSTOM_MOUNT_BIND || !m->source || m->source[0] != '/' || stat(m->source, &st) < 0)
                return 0;
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return 0;
        int ma = (int) major(st.st_rdev);
        *ret = (struct device_rule){
                .type = S_ISCHR(st.st_mode) ? 'c' : 'b',
                .major_lo = ma,
                .major_hi = ma,
                .minor = (int) minor(st.st_rdev),
                .access = m->read_only ? DEVICE_ACCESS_READ : RW,
        };
        return 1;
}

int device_policy_build(const struct settings *s, struct device_policy *ret) {
        struct device_policy p = {};
        struct device_rule r;
        int k;

        for (size_t i = 0; i < ELEMENTSOF(fixed_rules); i++)
                if ((k = rule_add(&p, &fixed_rules[i])) < 0)
                        goto fail;
        for (size_t i = 0; i < s->n_custom_mounts; i++)
                if (bind_rule(&s->custom_mounts[i], &r) > 0 && (k = rule_add(&p, &r)) < 0)
                        goto fail;
        *ret = p;
        return 0;
fail:
        device_policy_done(&p);
        return k;
}

void device_policy_done(struct device_policy *p) {
        free(p->rules);
        *p = (struct device_policy){};
}

size_t device_rule_format_v1(const struct device_rule *r, char (*lines)[DEVICE_LINE_MAX], size_t max) {
        char acc[4], mi[16];
        size_t n = 0, a = 0;

        if (r->access & DEVICE_ACCESS_READ)
                acc[a++] = 'r';
        if (r->access & DEVICE_ACCESS_WRITE)
                acc[a++] = 'w';
        if (r->access & DEVICE_ACCESS_MKNOD)
                acc[a++] = 'm';
        acc[a] = 0;
        if (r->minor == DEVICE_ANY)
                strcpy(mi, "*");
        else
                snprintf(mi, sizeof mi, "%i", r->minor);
        if (r->major_lo == DEVICE_ANY) {
                if (max > 0)
                        snprintf(lines[n++], DEVICE_LINE_MAX, "%c *:%s %s", r->type, mi, acc);
                return n;
        }
        for (int ma = r->major_lo; ma <= r->major_hi && n < max; ma++)
                snprintf(lines[n++], DEVICE_LINE_MAX, "%c %i:%s %s", r->type, ma, mi, acc);
        return n;
}

/* One write(2) per rule: the kernel parses each write as one line. */
static int write_line(int fd, const char *line) {
        ssize_t n = write(fd, line, strlen(line));
        if (n < 0)
                return -errno;
        return (size_t) n == strlen(line) ? 0 : -EIO;
}

int device_policy_apply_v1(int cgroup_fd, const struct device_policy *p) {
        char lines[8][DEVICE_LINE_MAX];
        _cleanup_close_ int deny = openat(cgroup_fd, "devices.deny", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_close_ int allow = openat(cgroup_fd, "devices.allow", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        int r;

        if (deny < 0 || allow < 0)
                return -errno;
        /* Deny everything first: a new cgroup starts with its parent's list. */
        if ((r = write_line(deny, "a")) < 0)
                return r;
        for (size_t i = 0; i < p->n; i++) {
                size_t n = device_rule_format_v1(&p->rules[i], lines, ELEMENTSOF(lines));
                for (size_t j = 0; j < n; j++)
                        if ((r = write_line(allow, lines[j])) < 0)
                                return r;
        }
        return 0;
}

/* ---- the cgroup2 device program ---- */

#define INSN(c, d, s, o, i)                                                                                 \
        ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ALU_IMM(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define JMP_IMM(op, d, i) INSN(BPF_JMP | (op) | BPF_K, d, 0, 0, i) /* offset patched later */
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/*
 * r2 = device type, r3 = requested access, r4 = major, r5 = minor (from struct
 * bpf_cgroup_dev_ctx in r1). Per rule: every mismatch jumps to the next rule; a match returns 1
 * (allow). After the last rule: return 0 (deny). The requested access must be a subset of the
 * rule's: (r3 & ~allowed) == 0.
 */
static size_t program_build(const struct device_policy *p, struct bpf_insn *insn, size_t max) {
        size_t n = 0;

        if (max < 7 + p->n * 9)
                return 0;
        insn[n++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
        insn[n++] = MOV_REG(BPF_REG_3, BPF_REG_2);
        insn[n++] = ALU_IMM(BPF_RSH, BPF_REG_3, 16);
        insn[n++] = ALU_IMM(BPF_AND, BPF_REG_2, 0xffff);
        insn[n++] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
        insn[n++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
        for (size_t i = 0; i < p->n; i++) {
                const struct device_rule *r = &p->rules[i];
                size_t jumps[4], nj = 0;

                jumps[nj++] = n;
                insn[n++] = JMP_IMM(BPF_JNE, BPF_REG_2,
                                    r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
                if (r->major_lo != DEVICE_ANY && r->major_lo == r->major_hi) {
                        jumps[nj++] = n;
                        insn[n++] = JMP_IMM(BPF_JNE, BPF_REG_4, r->major_lo);
                } else if (r->major_lo != DEVICE_ANY) {
                        jumps[nj++] = n;
                        insn[n++] = JMP_IMM(BPF_JLT, BPF_REG_4, r->major_lo);
                        jumps[nj++] = n;
                        insn[n++] = JMP_IMM(BPF_JGT, BPF_REG_4, r->major_hi);
                }
                if (r->minor != DEVICE_ANY) {
                        jumps[nj++] = n;
                        insn[n++] = JMP_IMM(BPF_JNE, BPF_REG_5, r->minor);
                }
                insn[n++] = MOV_REG(BPF_REG_0, BPF_REG_3);
                insn[n++] = ALU_IMM(BPF_AND, BPF_REG_0, (int32_t) ~r->access);
                jumps[nj++] = n;
                insn[n++] = JMP_IMM(BPF_JNE, BPF_REG_0, 0);
                insn[n++] = MOV_IMM(BPF_REG_0, 1);
                insn[n++] = EXIT();
                for (size_t j = 0; j < nj; j++) /* to the first instruction after this rule */
                        insn[jumps[j]].off = (int16_t) (n - jumps[j] - 1);
        }
        insn[n++] = MOV_IMM(BPF_REG_0, 0);
        insn[n++] = EXIT();
        return n;
}

static int bpf(int cmd, union bpf_attr *attr) {
        long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));
        return r < 0 ? -errno : (int) r;
}

int device_policy_apply_bpf(int cgroup_fd, const struct device_policy *p) {
        size_t max = 8 + p->n * 9;
        _cleanup_free_ struct bpf_insn *insn = calloc(max, sizeof(*insn));
        _cleanup_close_ int prog = -EBADF, dir = -EBADF;
        union bpf_attr attr;

        if (!insn)
                return -ENOMEM;
        memset(&attr, 0, sizeof attr);
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t) (uintptr_t) insn;
        attr.insn_cnt = (uint32_t) program_build(p, insn, max);
        attr.license = (uint64_t) (uintptr_t) "GPL";
        memcpy(attr.prog_name, "nspawn_devices", sizeof("nspawn_devices"));
        prog = bpf(BPF_PROG_LOAD, &attr);
        if (prog < 0)
                return prog;

        /* bpf() takes no O_PATH descriptor of the cgroup */
        dir = openat(cgroup_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        memset(&attr, 0, sizeof attr);
        attr.target_fd = (uint32_t) dir;
        attr.attach_bpf_fd = (uint32_t) prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        /* the attachment holds the program; it goes with the cgroup */
        int r = bpf(BPF_PROG_ATTACH, &attr);
        return r < 0 ? r : 0;
}
