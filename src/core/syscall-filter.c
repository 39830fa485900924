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

static int compile_extras(const struct policy *p, uint32_t arch, scmp_filter_ctx *ret) {
        _cleanup_seccomp_ scmp_filter_ctx c = NULL;
        int r;

        r = ctx_new(&arch, 1, SCMP_ACT_ALLOW, &c);
        if (r < 0)
                return r;
        r = rules_add_tty(c);
        if (r < 0)
                return r;
        rule_add_audit(c);
        (void) seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        r = ctx_add_set(c, SCMP_ACT_ERRNO(0), &p->sync);
        if (r < 0)
                return r;
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
        size_t n_archs;
        const uint32_t *archs = syscall_local_archs(&n_archs);
        int r;

        for (size_t i = 0; i < n_archs; i++) {
                scmp_filter_ctx a = NULL;

                r = compile(p, archs[i], &a);
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
        /* Every ABI the kernel runs is in the program now; a call of any other (x32 where the
         * kernel does not run it) fails as the kernel would fail it. */
        r = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

/* Load order: the extras never deny seccomp(), the allow list may (~seccomp), so it goes last. */
static const compile_fn compilers[] = {compile_extras, compile_main};

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

/* The compiled programs, as BPF instructions. */
struct exported {
        void *bpf[ELEMENTSOF(compilers)];
        size_t size[ELEMENTSOF(compilers)];
};

static void exported_done(struct exported *e) {
        for (size_t i = 0; i < ELEMENTSOF(e->bpf); i++)
                free(e->bpf[i]);
}

static int policy_export(const struct policy *pol, struct exported *e) {
        for (size_t i = 0; i < ELEMENTSOF(compilers); i++) {
                _cleanup_seccomp_ scmp_filter_ctx c = NULL;
                int r;

                r = compile_merged(pol, compilers[i], &c);
                if (r < 0)
                        return r;
                r = ctx_export(c, &e->bpf[i], &e->size[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the image: the programs in memory and in a cache file ----------------------------------- */

/*
 * Layout (host byte order; the cache belongs to this host):
 *   struct image_header
 *   description (desc_len bytes, padded to 8)
 *   n_programs × { uint32_t n_insns; uint32_t reserved; struct sock_filter insns[n_insns]; }
 * checksum = FNV-1a 64 of everything after the header.
 */
#define IMAGE_MAGIC "NSPSCMP1"
#define PROGRAMS_MAX 4
_Static_assert(ELEMENTSOF(compilers) <= PROGRAMS_MAX, "too many programs");

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

static size_t align8(size_t n) {
        return (n + 7) & ~(size_t) 7;
}

/* The header and the description; returns the offset of the first program. */
static int image_check_header(const void *image, size_t size, const char *desc, struct image_header *ret) {
        struct image_header h;
        size_t desc_len = strlen(desc);

        if (size < sizeof(h) || size > SYSCALL_FILTER_IMAGE_SIZE_MAX)
                return -EBADMSG;
        memcpy(&h, image, sizeof(h));
        if (memcmp(h.magic, IMAGE_MAGIC, sizeof(h.magic)) != 0 || h.n_programs == 0 ||
            h.n_programs > PROGRAMS_MAX || h.desc_len != desc_len)
                return -EBADMSG;
        if (fnv1a64(FNV64_OFFSET, (const uint8_t *) image + sizeof(h), size - sizeof(h)) != h.checksum)
                return -EBADMSG;
        if (size - sizeof(h) < align8(desc_len) ||
            memcmp((const char *) image + sizeof(h), desc, desc_len) != 0)
                return -EBADMSG; /* not corrupt, but another policy behind the same hash */
        *ret = h;
        return (int) (sizeof(h) + align8(desc_len));
}

/* Check an image and point p's programs into it. Takes ownership of image on success. */
static int image_attach(struct seccomp_program *p, void *image, size_t size, const char *desc) {
        struct image_header h;
        int r = image_check_header(image, size, desc, &h);
        size_t off;

        if (r < 0)
                return r;
        off = r;
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

/* Lay the description and the exported programs out as an image. */
static int image_assemble(const char *desc, const struct exported *e, void **ret, size_t *ret_size) {
        size_t size, off, desc_len = strlen(desc);
        uint8_t *image;

        size = sizeof(struct image_header) + align8(desc_len);
        for (size_t i = 0; i < ELEMENTSOF(compilers); i++)
                size += 8 + e->size[i];
        image = calloc(1, size);
        if (!image)
                return -ENOMEM;

        off = sizeof(struct image_header);
        memcpy(image + off, desc, desc_len);
        off += align8(desc_len);
        for (size_t i = 0; i < ELEMENTSOF(compilers); i++) {
                uint32_t k = e->size[i] / sizeof(struct sock_filter);

                memcpy(image + off, &k, sizeof(k));
                off += 8;
                memcpy(image + off, e->bpf[i], e->size[i]);
                off += e->size[i];
        }

        struct image_header h = {.n_programs = ELEMENTSOF(compilers), .desc_len = desc_len};
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

/* ---- child side ------------------------------------------------------------------------------- */

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
