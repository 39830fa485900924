/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cache of compiled syscall filters: the policy's description and its hash, the cache
 * directory, and reading and writing entries (see syscall-filter-cache.h). What an entry holds is
 * syscall-filter.c's business.
 */

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"
#include "strv.h"
#include "syscall-filter-cache.h"
#include "syscall-groups.h"

#define FNV64_PRIME UINT64_C(0x100000001b3)

uint64_t fnv1a64(uint64_t h, const void *data, size_t n) {
        const uint8_t *b = data;

        for (size_t i = 0; i < n; i++) {
                h ^= b[i];
                h *= FNV64_PRIME;
        }
        return h;
}

/* ---- the description ------------------------------------------------------------------------- */

static void describe_strv(FILE *f, const char *key, char *const *l) {
        fputs(key, f);
        STRV_FOREACH(n, l) {
                fprintf(f, " %s", *n);
        }
}

/* The tables are folded in as a hash so that a changed table in a new build never reuses an old
 * entry; of the capabilities only those that change the allow list count. The architectures are
 * the kernel facts the program depends on (whether it runs i386 and x32 calls, probed at every
 * start): a program cached under other facts is never used. */
static void describe_write(FILE *f, const struct settings *s, uint64_t caps) {
        const struct scmp_version *v = seccomp_version();
        uint64_t table = syscall_tables_hash(FNV64_OFFSET, fnv1a64);
        const uint32_t *archs;
        size_t n_archs;

        archs = syscall_local_archs(&n_archs);
        fprintf(f, "nspawn-seccomp 4\nlibseccomp %u.%u.%u\narchs", v ? v->major : 0, v ? v->minor : 0,
                v ? v->micro : 0);
        for (size_t i = 0; i < n_archs; i++)
                fprintf(f, " %08x", archs[i]);
        fprintf(f, " native %08x\ntable %016llx\ncaps %016llx\nsync %d\n", seccomp_arch_native(),
                (unsigned long long) table, (unsigned long long) (caps & syscall_default_allow_caps()),
                s->suppress_sync > 0);
        describe_strv(f, "allow", s->syscall_allow);
        fputc('\n', f);
        describe_strv(f, "deny", s->syscall_deny);
        fputc('\n', f);
}

int syscall_filter_describe(const struct settings *s, uint64_t caps, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        describe_write(f, s, caps);
        if (fclose(f) != 0 || !buf)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* An entry's file name: the description's hash. */
static void entry_name(const char *desc, char name[static 32]) {
        snprintf(name, 32, "%016llx.bpf", (unsigned long long) fnv1a64(FNV64_OFFSET, desc, strlen(desc)));
}

/* ---- the directory ----------------------------------------------------------------------------- */

/* The cache directory, only if it is ours and nobody else can write to it. */
int syscall_filter_cache_open(const char *dir, bool create) {
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

/* ---- entries ------------------------------------------------------------------------------------ */

int syscall_filter_cache_load(int dir_fd, const char *desc, void **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ void *buf = NULL;
        struct stat st;
        char name[32];

        entry_name(desc, name);
        fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) || st.st_size <= 0 ||
            st.st_size > SYSCALL_FILTER_IMAGE_SIZE_MAX)
                return -EBADMSG;
        buf = malloc(st.st_size);
        if (!buf)
                return -ENOMEM;
        if (pread(fd, buf, st.st_size, 0) != st.st_size)
                return -EBADMSG;
        *ret = TAKE_PTR(buf);
        *ret_size = st.st_size;
        return 0;
}

/* Write to a temporary file and rename it into place: readers see the old file or the new one. */
int syscall_filter_cache_store(int dir_fd, const char *desc, const void *image, size_t size) {
        char name[32], tmp[64];
        uint64_t rnd;
        int fd, r = 0;

        entry_name(desc, name);
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
