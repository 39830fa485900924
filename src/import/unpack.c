/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unpacker child: its sandbox, its bounds and its report (see unpack.h). */

#include "unpack.h"

#include <archive.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/statvfs.h>

#include "errmsg.h"
#include "macro.h"
#include "unpack-internal.h"

/* ---- policy --------------------------------------------------------------------------------- */

/* The character devices of a container's device policy (ARCHITECTURE.md, "cgroups and
 * devices"), and /dev/console, which debootstrap makes. */
static const struct {
        unsigned major, minor;
} allowed_devices[] = {
        {1, 3},
        /* null */ {1, 5},
        /* zero */ {1, 7},
        /* full */ {1, 8},
        /* random */ {1, 9}, /* urandom */
        {5, 0},
        /* tty */ {5, 1},
        /* console */ {5, 2},
        /* ptmx */ {10, 200}, /* net/tun */
};

bool unpack_device_allowed(unsigned major, unsigned minor) {
        for (size_t k = 0; k < ELEMENTSOF(allowed_devices); k++)
                if (allowed_devices[k].major == major && allowed_devices[k].minor == minor)
                        return true;
        return false;
}

#define RESERVE_MAX_BYTES (UINT64_C(750) << 20)

void unpack_reserve(uint64_t fs_bytes, uint64_t fs_inodes, uint64_t *ret_bytes, uint64_t *ret_inodes) {
        *ret_bytes = MIN(fs_bytes / 10, RESERVE_MAX_BYTES);
        *ret_inodes = fs_inodes / 10;
}

int unpack_space_check(struct unpack_space *s, size_t n, bool entry, char **error) {
        struct statvfs sv;
        uint64_t avail;
        char size[32];

        s->since_check += n;
        s->entries += entry;
        if (s->reserve_bytes > 0 && s->since_check < UNPACK_CHECK_BYTES && s->entries < UNPACK_CHECK_ENTRIES)
                return 0;
        if (fstatvfs(s->fd, &sv) < 0)
                return error_setf(error, negative_errno(), "Failed to check the free space: %m");
        if (s->reserve_bytes == 0)
                unpack_reserve((uint64_t) sv.f_blocks * sv.f_frsize, sv.f_files, &s->reserve_bytes,
                               &s->reserve_inodes);
        s->reserve_bytes = MAX(s->reserve_bytes, 1);
        avail = (uint64_t) sv.f_bavail * sv.f_frsize;
        /* what may be written until the next look must fit above the reserve */
        if (avail < s->reserve_bytes + UNPACK_CHECK_BYTES) {
                snprintf(size, sizeof size, "%" PRIu64 " MiB", s->reserve_bytes >> 20);
                return error_setf(error, -ENOSPC,
                                  "Not enough free space: unpacking would leave less than %s free on "
                                  "the image pool's file system.",
                                  size);
        }
        if (sv.f_files > 0 && (uint64_t) sv.f_favail < s->reserve_inodes + UNPACK_CHECK_ENTRIES)
                return error_setf(error, -ENOSPC,
                                  "Not enough free inodes: unpacking would leave less than a tenth of "
                                  "the image pool's file system's inodes free.");
        s->since_check = 0;
        s->entries = 0;
        return 0;
}

/* ---- libarchive ----------------------------------------------------------------------------- */

struct archive *unpack_reader_new(bool tar) {
        struct archive *a = archive_read_new();

        if (!a)
                return NULL;
        /* by content, as importd; a filter libarchive would run as an external program fails in
         * the sandbox, which is fine */
        (void) archive_read_support_filter_gzip(a);
        (void) archive_read_support_filter_bzip2(a);
        (void) archive_read_support_filter_xz(a);
        (void) archive_read_support_filter_lzma(a);
        (void) archive_read_support_filter_zstd(a);
        (void) archive_read_support_filter_lz4(a);
        if ((tar ? archive_read_support_format_tar(a) : archive_read_support_format_raw(a)) != ARCHIVE_OK) {
                archive_read_free(a);
                return NULL;
        }
        return a;
}

/* ---- the child ------------------------------------------------------------------------------ */

/* importd's tar keeps these (import_fork_tar_x()); CAP_SYS_CHROOT is gone after the chroot. */
#define KEEP_CAPS                                                                                           \
        ((UINT64_C(1) << CAP_CHOWN) | (UINT64_C(1) << CAP_DAC_OVERRIDE) | (UINT64_C(1) << CAP_FOWNER) |     \
         (UINT64_C(1) << CAP_FSETID) | (UINT64_C(1) << CAP_MKNOD) | (UINT64_C(1) << CAP_SETFCAP))

/* After the archive's end the rest of the stream (tar's padding) is read, so that nspawnctl's
 * writes (and its checksum) see all of it. */
static void drain(void) {
        char buf[64 * 1024];
        while (read(STDIN_FILENO, buf, sizeof buf) > 0)
                ;
}

static int unpack_child(int target_fd, void *userdata, uint64_t *ret_size, char **error) {
        enum unpack_kind kind = (enum unpack_kind)(intptr_t) userdata;
        struct unpack_space space = {.fd = target_fd};
        _cleanup_close_ int root_fd = -EBADF;
        struct archive *a;
        int r;

        if (kind == UNPACK_TAR) {
                /* our root is the new image */
                space.fd = root_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (root_fd < 0)
                        return error_setf(error, negative_errno(), "Failed to open the new image: %m");
        }
        if (!(a = unpack_reader_new(kind == UNPACK_TAR)))
                return error_setf(error, -ENOMEM, "Failed to set up libarchive.");
        /* the open reads the start of the stream: what it is */
        if (archive_read_open_fd(a, STDIN_FILENO, 128 * 1024) != ARCHIVE_OK) {
                r = kind == UNPACK_TAR
                            ? error_setf(error, -EBADMSG, "This does not look like a tar archive (%s).",
                                         archive_error_string(a))
                            : error_setf(error, -EBADMSG, "Failed to read the image: %s",
                                         archive_error_string(a));
                archive_read_free(a);
                return r;
        }
        r = kind == UNPACK_TAR ? unpack_tar(a, &space, error) : unpack_raw(a, target_fd, &space, error);
        *ret_size = (uint64_t) archive_filter_bytes(a, 0);
        archive_read_free(a);
        if (r >= 0)
                drain();
        return r;
}

int unpacker_start(enum unpack_kind kind, int target_fd, struct sandbox *ret) {
        return sandbox_start(SANDBOX_READ | (kind == UNPACK_TAR ? SANDBOX_CHROOT : 0), target_fd, KEEP_CAPS,
                             unpack_child, (void *) (intptr_t) kind, ret);
}
