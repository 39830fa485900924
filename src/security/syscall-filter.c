/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's syscall filter (see syscall-filter.h).
 *
 * Parent side (seccomp_program_prepare): the policy is turned into sets of syscall numbers
 * (syscall-groups.c), compiled with libseccomp into classic BPF, and kept in a cache file named by
 * a hash of the policy's canonical description (syscall-filter-cache.c). The image holds the
 * description itself, so a hash collision can never hand out the wrong filter, and a checksum, so
 * a torn or corrupt file is recompiled.
 *
 * Child side (seccomp_program_load): one seccomp(2) call with the ready program; nothing else.
 *
 * One program, covering every local architecture the kernel runs (x86-64: native, and i386 and
 * x32 where the kernel runs them: syscall_local_archs() probes, syscall-groups.c says why leaving
 * an ABI out is safe), far below the kernel's 4096-instruction limit, with the same outcome for
 * every call as systemd-nspawn's allow list (default ENOSYS, EPERM for every known call not
 * allowed):
 *   1. a prefix (syscall-filter-prefix.h): numbers the policy does not know → ENOSYS;
 *   2. libseccomp's program, default ALLOW: the known calls not allowed → EPERM;
 *      ioctl(TIOCSTI/TIOCLINUX) → EPERM and socket(AF_NETLINK, *, NETLINK_AUDIT) → EAFNOSUPPORT,
 *      both comparing only the low 32 bits (the kernel truncates these int/unsigned int
 *      arguments, so a full 64-bit compare is bypassed by setting high bits); with
 *      --suppress-sync the sync family → 0. (These conditional rules are left out where the call
 *      is denied anyway: libseccomp drops a conditional rule next to an unconditional one.)
 * The kernel's set-up of a filter costs ~0.4 µs per instruction at every start (measured: ~270
 * instructions load in ~0.2 ms; the ~1070 of an allow list with a rule per known call in ~0.6 ms).
 */

#include <errno.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "strv.h"
#include "syscall-filter-cache.h"
#include "syscall-filter-prefix.h"
#include "syscall-filter.h"
#include "syscall-groups.h"

/* ---- the policy: sets of syscall numbers ------------------------------------------------------ */

struct policy {
        struct nr_set allow; /* → ALLOW */
        struct nr_set deny;  /* known, not allowed → EPERM */
        struct nr_set sync;  /* → 0 (--suppress-sync) */
};

static void policy_done(struct policy *p) {
        nr_set_done(&p->allow);
        nr_set_done(&p->deny);
        nr_set_done(&p->sync);
}

/* The default list for caps, less nspawn's extra denials, plus the user's additions, less the
 * user's removals. */
static int policy_allow(const struct settings *s, uint64_t caps, struct nr_set *extra,
                        struct nr_set *user_deny, struct nr_set *allow) {
        int r;

        r = syscall_set_add_default_allow(allow, caps);
        if (r < 0)
                return r;
        nr_set_subtract(allow, extra);
        r = syscall_set_add_strv(allow, s->syscall_allow);
        if (r < 0)
                return r;
        nr_set_subtract(allow, user_deny);
        nr_set_sort(allow);
        return 0;
}

/* Everything known that is not allowed gets EPERM; the rest (numbers no one knows) ENOSYS, so
 * that a payload's fallback for a new syscall works. Denied names count as known. */
static int policy_deny(struct nr_set *allow, const struct nr_set *extra, const struct nr_set *user_deny,
                       struct nr_set *deny) {
        int r;

        r = syscall_set_add_known(deny);
        if (r >= 0)
                r = nr_set_add_all(deny, user_deny);
        if (r >= 0)
                r = nr_set_add_all(deny, extra);
        if (r < 0)
                return r;
        nr_set_subtract(deny, allow);
        return 0;
}

static int policy_compute(const struct settings *s, uint64_t caps, struct policy *p) {
        _cleanup_(nr_set_done) struct nr_set user_deny = {}, extra = {};
        int r;

        r = syscall_set_add_strv(&user_deny, s->syscall_deny);
        if (r < 0)
                return r;
        r = syscall_set_add_denied_extra(&extra);
        if (r < 0)
                return r;
        r = policy_allow(s, caps, &extra, &user_deny, &p->allow);
        if (r < 0)
                return r;
        r = policy_deny(&p->allow, &extra, &user_deny, &p->deny);
        if (r < 0)
                return r;
        return s->suppress_sync > 0 ? syscall_set_add_sync(&p->sync) : 0;
}

/* ---- compiling with libseccomp --------------------------------------------------------------- */

static void seccomp_releasep(scmp_filter_ctx *c) {
        if (*c)
                seccomp_release(*c);
}
#define _cleanup_seccomp_ _cleanup_(seccomp_releasep)

/* A context for the given architectures only. Calls of other architectures pass: until the merge
 * (compile_merged) their own part handles them; the merged program fails foreign ones. */
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

/* Argument filters must match exactly what was asked: libseccomp would otherwise rewrite a rule
 * for a multiplexed call (socketcall on x86) into one comparing the wrong registers. */
static int rule_add_exact(scmp_filter_ctx c, uint32_t action, int nr, unsigned n_args,
                          const struct scmp_arg_cmp *args) {
        int r = seccomp_rule_add_exact_array(c, action, nr, n_args, args);

        return r == -EDOM ? 0 : r;
}

/* TIOCSTI and TIOCLINUX (fake input, console control) reach the host's terminal. */
static int rules_add_tty(scmp_filter_ctx c) {
        static const unsigned long tty_ioctls[] = {TIOCSTI, TIOCLINUX};

        for (size_t i = 0; i < ELEMENTSOF(tty_ioctls); i++) {
                struct scmp_arg_cmp a = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, tty_ioctls[i]);
                int r = rule_add_exact(c, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1, &a);

                if (r < 0)
                        return r; /* a security rule: fail closed */
        }
        return 0;
}

/* Audit does not work in containers; EAFNOSUPPORT tells audit userspace it is off. Where socket()
 * is multiplexed (x86) the rule cannot be exact and is left out, as nspawn does. */
static void rule_add_audit(scmp_filter_ctx c) {
        struct scmp_arg_cmp audit[] = {
                SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffUL, AF_NETLINK),
                SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffUL, NETLINK_AUDIT),
        };

        (void) rule_add_exact(c, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), ELEMENTSOF(audit), audit);
}

/* --suppress-sync: the sync family's calls that are not denied become no-ops. */
static int rules_add_sync(scmp_filter_ctx c, struct policy *p) {
        for (size_t i = 0; i < p->sync.n; i++) {
                if (nr_set_contains(&p->deny, p->sync.v[i]))
                        continue;
                int r = rule_add(c, SCMP_ACT_ERRNO(0), p->sync.v[i], 0, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* libseccomp's part for one architecture: allow by default (the prefix has sent the unknown
 * numbers to ENOSYS), deny what the policy does not allow, then the argument rules. */
static int compile_arch(struct policy *p, uint32_t arch, scmp_filter_ctx *ret) {
        _cleanup_seccomp_ scmp_filter_ctx c = NULL;
        int r;

        r = ctx_new(&arch, 1, SCMP_ACT_ALLOW, &c);
        if (r < 0)
                return r;
        r = ctx_add_set(c, SCMP_ACT_ERRNO(EPERM), &p->deny);
        if (r >= 0 && !nr_set_contains(&p->deny, SCMP_SYS(ioctl)))
                r = rules_add_tty(c);
        if (r < 0)
                return r;
        if (!nr_set_contains(&p->deny, SCMP_SYS(socket)))
                rule_add_audit(c);
        r = rules_add_sync(c, p);
        if (r < 0)
                return r;
        /* A binary tree over syscall numbers instead of a linear chain. */
        (void) seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        *ret = TAKE_PTR(c);
        return 0;
}

/* One libseccomp program for all local architectures: each is compiled on its own (so that exact
 * argument rules can be skipped where an architecture cannot have them), then merged. */
static int compile_merged(struct policy *p, scmp_filter_ctx *ret) {
        _cleanup_seccomp_ scmp_filter_ctx c = NULL;
        size_t n_archs;
        const uint32_t *archs = syscall_local_archs(&n_archs);
        int r;

        for (size_t i = 0; i < n_archs; i++) {
                scmp_filter_ctx a = NULL;

                r = compile_arch(p, archs[i], &a);
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
        /* Every ABI the kernel runs is in the program now; a call of any other fails with ENOSYS
         * (an ABI left out because the kernel does not run it never gets here). */
        r = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

/* The audit architecture the kernel reports a libseccomp architecture's calls with. */
static uint32_t audit_arch_of(uint32_t arch) {
        return arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : arch;
}

static void arch_numbers_done(struct arch_numbers *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(a[i].nr);
}

/* The numbers the policy has rules for, per audit architecture (at most one per local
 * architecture): every known call is either allowed or denied. */
static int policy_numbers(const struct policy *p, struct arch_numbers *ret, size_t *ret_n) {
        _cleanup_(nr_set_done) struct nr_set all = {};
        size_t n_archs, n = 0;
        const uint32_t *archs = syscall_local_archs(&n_archs);
        int r = nr_set_add_all(&all, &p->allow);

        if (r >= 0)
                r = nr_set_add_all(&all, &p->deny);
        for (size_t i = 0; r >= 0 && i < n_archs; i++) {
                uint32_t audit = audit_arch_of(archs[i]), *v;
                size_t k = 0, n_v;
                while (k < n && ret[k].audit_arch != audit)
                        k++;
                if (k == n)
                        ret[n++] = (struct arch_numbers){.audit_arch = audit};
                r = syscall_arch_numbers(archs[i], &all, &v, &n_v);
                if (r < 0)
                        break;
                uint32_t *m = realloc(ret[k].nr, (ret[k].n + n_v + 1) * sizeof(uint32_t));
                if (!m) {
                        free(v);
                        r = -ENOMEM;
                        break;
                }
                memcpy(m + ret[k].n, v, n_v * sizeof(uint32_t));
                ret[k].nr = m;
                ret[k].n += n_v;
                free(v);
        }
        if (r < 0) {
                arch_numbers_done(ret, n);
                return r;
        }
        *ret_n = n;
        return 0;
}

/* The prefix (unknown numbers → ENOSYS) as instructions. */
static int policy_prefix(const struct policy *p, void **ret, size_t *ret_size) {
        size_t n_archs, n_a, n_f;
        (void) syscall_local_archs(&n_archs);
        struct arch_numbers a[n_archs];
        struct sock_filter *f = NULL;

        int r = policy_numbers(p, a, &n_a);
        if (r < 0)
                return r;
        r = syscall_prefix_build(a, n_a, &f, &n_f);
        arch_numbers_done(a, n_a);
        if (r < 0)
                return r;
        *ret = f;
        *ret_size = n_f * sizeof(struct sock_filter);
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

/* The compiled program, as BPF instructions: the prefix, then libseccomp's part. */
struct exported {
        void *prefix, *bpf;
        size_t prefix_size, size;
};

static void exported_done(struct exported *e) {
        free(e->prefix);
        free(e->bpf);
}

static int policy_export(struct policy *pol, struct exported *e) {
        _cleanup_seccomp_ scmp_filter_ctx c = NULL;

        int r = policy_prefix(pol, &e->prefix, &e->prefix_size);
        if (r >= 0)
                r = compile_merged(pol, &c);
        if (r >= 0)
                r = ctx_export(c, &e->bpf, &e->size);
        if (r >= 0 && (e->prefix_size + e->size) / sizeof(struct sock_filter) > BPF_MAXINSNS)
                r = -E2BIG;
        return r;
}

/* ---- the image: the program in memory and in a cache file ------------------------------------ */

/*
 * Layout (host byte order; the cache belongs to this host):
 *   struct image_header
 *   description (desc_len bytes, padded to 8)
 *   struct sock_filter insns[n_insns]
 * checksum = FNV-1a 64 of everything after the header.
 */
#define IMAGE_MAGIC "NSPSCMP2"

struct image_header {
        char magic[8];
        uint32_t n_insns;
        uint32_t desc_len;
        uint64_t checksum;
};

struct seccomp_program {
        struct sock_fprog prog;
        void *image; /* owns the instructions prog points into */
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

static size_t align8(size_t n) {
        return (n + 7) & ~(size_t) 7;
}

/* The header and the description; returns the offset of the program. */
static int image_check_header(const void *image, size_t size, const char *desc, struct image_header *ret) {
        struct image_header h;
        size_t desc_len = strlen(desc);

        if (size < sizeof(h) || size > SYSCALL_FILTER_IMAGE_SIZE_MAX)
                return -EBADMSG;
        memcpy(&h, image, sizeof(h));
        if (memcmp(h.magic, IMAGE_MAGIC, sizeof(h.magic)) != 0 || h.n_insns == 0 ||
            h.n_insns > BPF_MAXINSNS || h.desc_len != desc_len)
                return -EBADMSG;
        if (fnv1a64(FNV64_OFFSET, (const uint8_t *) image + sizeof(h), size - sizeof(h)) != h.checksum)
                return -EBADMSG;
        if (size - sizeof(h) < align8(desc_len) ||
            memcmp((const char *) image + sizeof(h), desc, desc_len) != 0)
                return -EBADMSG; /* not corrupt, but another policy behind the same hash */
        *ret = h;
        return (int) (sizeof(h) + align8(desc_len));
}

/* Check an image and point p's program into it. Takes ownership of image on success. */
static int image_attach(struct seccomp_program *p, void *image, size_t size, const char *desc) {
        struct image_header h;
        int off = image_check_header(image, size, desc, &h);

        if (off < 0)
                return off;
        if ((size - off) != h.n_insns * sizeof(struct sock_filter))
                return -EBADMSG;
        p->prog = (struct sock_fprog){
                .len = (unsigned short) h.n_insns,
                .filter = (struct sock_filter *) ((char *) image + off),
        };
        p->image = image;
        p->image_size = size;
        return 0;
}

/* Lay the description and the exported program out as an image. */
static int image_assemble(const char *desc, const struct exported *e, void **ret, size_t *ret_size) {
        size_t off, desc_len = strlen(desc), insns = e->prefix_size + e->size;
        size_t size = sizeof(struct image_header) + align8(desc_len) + insns;
        uint8_t *image = calloc(1, size);

        if (!image)
                return -ENOMEM;
        off = sizeof(struct image_header);
        memcpy(image + off, desc, desc_len);
        off += align8(desc_len);
        memcpy(image + off, e->prefix, e->prefix_size);
        memcpy(image + off + e->prefix_size, e->bpf, e->size);

        struct image_header h = {.n_insns = insns / sizeof(struct sock_filter), .desc_len = desc_len};
        memcpy(h.magic, IMAGE_MAGIC, sizeof(h.magic));
        h.checksum = fnv1a64(FNV64_OFFSET, image + sizeof(h), size - sizeof(h));
        memcpy(image, &h, sizeof(h));

        *ret = image;
        *ret_size = size;
        return 0;
}

/* Compile the policy for s and caps into an image. */
static int image_build(const struct settings *s, uint64_t caps, const char *desc, void **ret,
                       size_t *ret_size) {
        _cleanup_(policy_done) struct policy pol = {};
        _cleanup_(exported_done) struct exported e = {};
        int r;

        r = policy_compute(s, caps, &pol);
        if (r < 0)
                return r;
        r = policy_export(&pol, &e);
        if (r < 0)
                return r;
        return image_assemble(desc, &e, ret, ret_size);
}

/* ---- parent side ------------------------------------------------------------------------------ */

static bool names_valid(char *const *l) {
        STRV_FOREACH(n, l) {
                if (!seccomp_name_valid(*n))
                        return false;
        }
        return true;
}

static int program_from_cache(struct seccomp_program *p, int dir_fd, const char *desc) {
        _cleanup_free_ void *image = NULL;
        size_t size;
        int r;

        r = syscall_filter_cache_load(dir_fd, desc, &image, &size);
        if (r < 0)
                return r;
        r = image_attach(p, image, size, desc);
        if (r < 0)
                return r;
        TAKE_PTR(image);
        return 0;
}

/* The cache is best effort: a read-only or foreign directory only costs time. */
static void program_to_cache(const char *cache_dir, int dir_fd, const char *desc, const void *image,
                             size_t size) {
        _cleanup_close_ int fd = -EBADF;

        if (dir_fd < 0)
                dir_fd = fd = syscall_filter_cache_open(cache_dir, true);
        if (dir_fd >= 0)
                (void) syscall_filter_cache_store(dir_fd, desc, image, size);
}

int seccomp_program_prepare(const struct settings *s, uint64_t caps, const char *cache_dir,
                            struct seccomp_program **ret) {
        _cleanup_program_ struct seccomp_program *p = NULL;
        _cleanup_free_ char *desc = NULL;
        _cleanup_free_ void *image = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        size_t size = 0;
        int r;

        if (!s || !ret || !names_valid(s->syscall_allow) || !names_valid(s->syscall_deny))
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        r = syscall_filter_describe(s, caps, &desc);
        if (r < 0)
                return r;

        if (cache_dir) {
                dir_fd = syscall_filter_cache_open(cache_dir, false);
                if (dir_fd >= 0 && program_from_cache(p, dir_fd, desc) >= 0) {
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        }

        r = image_build(s, caps, desc, &image, &size);
        if (r < 0)
                return r;
        if (cache_dir)
                program_to_cache(cache_dir, dir_fd, desc, image, size);
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

const struct sock_fprog *seccomp_program_fprog(const struct seccomp_program *p) {
        return p ? &p->prog : NULL;
}

/* ---- child side ------------------------------------------------------------------------------- */

/* Runs in the child after clone, possibly sharing the parent's memory: no allocation, no locks,
 * nothing but the syscall. */
int seccomp_program_load(const struct seccomp_program *p) {
        if (!p)
                return -EINVAL;
        return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->prog) < 0 ? -errno : 0;
}
