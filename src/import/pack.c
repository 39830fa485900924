/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* export-tar and export-raw's archive, written by libarchive in a sandboxed child (see pack.h). */

#include "pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>

#include "errmsg.h"
#include "log.h"
#include "macro.h"

/* importd's tar -c keeps CAP_DAC_OVERRIDE; reading directories needs CAP_DAC_READ_SEARCH too. */
#define KEEP_CAPS ((UINT64_C(1) << CAP_DAC_OVERRIDE) | (UINT64_C(1) << CAP_DAC_READ_SEARCH))

struct pack_args {
        enum pack_kind kind;
        enum import_compression compression;
};

static int add_filter(struct archive *w, enum import_compression c) {
        switch (c) {
        case IMPORT_XZ:
                return archive_write_add_filter_xz(w);
        case IMPORT_GZIP:
                return archive_write_add_filter_gzip(w);
        case IMPORT_BZIP2:
                return archive_write_add_filter_bzip2(w);
        case IMPORT_ZSTD:
                return archive_write_add_filter_zstd(w);
        default:
                return archive_write_add_filter_none(w);
        }
}

static struct archive *writer_new(enum pack_kind kind, enum import_compression c) {
        struct archive *w = archive_write_new();

        if (!w)
                return NULL;
        if ((kind == PACK_TAR ? archive_write_set_format_pax_restricted(w)
                              : archive_write_set_format_raw(w)) != ARCHIVE_OK ||
            add_filter(w, c) != ARCHIVE_OK ||
            /* a compressed stream ends where it ends (no zeros after it); a plain tar is padded
             * to whole 10 KiB records as GNU tar does, a raw image not at all */
            ((kind == PACK_RAW || c != IMPORT_UNCOMPRESSED) &&
             archive_write_set_bytes_in_last_block(w, 1) != ARCHIVE_OK) ||
            archive_write_open_fd(w, STDOUT_FILENO) != ARCHIVE_OK) {
                archive_write_free(w);
                return NULL;
        }
        return w;
}

/* The data of the file the disk reader is at, as it reads it (holes read as zeros). */
static int copy_data(struct archive *disk, struct archive *w, const char *name, char **error) {
        const void *buf;
        size_t size;
        la_int64_t offset;
        int ar;

        while ((ar = archive_read_data_block(disk, &buf, &size, &offset)) == ARCHIVE_OK)
                if (archive_write_data(w, buf, size) < 0)
                        return error_setf(error, -EIO, "%s: %s", name, archive_error_string(w));
        if (ar != ARCHIVE_EOF)
                return error_setf(error, -EIO, "%s: %s", name, archive_error_string(disk));
        return 0;
}

static int pack_entry(struct archive *disk, struct archive *w, struct archive_entry_linkresolver *lr,
                      struct archive_entry *e, char **error) {
        struct archive_entry *spare = NULL;
        const char *name = archive_entry_pathname(e);
        int ar;

        /* a file's further hard links become link members without data */
        archive_entry_linkify(lr, &e, &spare);
        if (!e)
                return 0;
        ar = archive_write_header(w, e);
        if (ar < ARCHIVE_WARN)
                return error_setf(error, -EIO, "%s: %s", name, archive_error_string(w));
        if (ar == ARCHIVE_WARN)
                log_warning("%s: %s", name, archive_error_string(w));
        if (archive_entry_size(e) > 0 && !archive_entry_hardlink(e))
                return copy_data(disk, w, name, error);
        return 0;
}

static int pack_tree(struct archive *w, char **error) {
        struct archive *disk = archive_read_disk_new();
        struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
        struct archive_entry *e = archive_entry_new();
        int r = 0, ar;

        if (!disk || !lr || !e) {
                r = error_setf(error, -ENOMEM, "Failed to set up libarchive.");
                goto finish;
        }
        archive_entry_linkresolver_set_strategy(lr, archive_format(w));
        /* symlinks as symlinks, no chattr flags (importd's tar has none), sparse files read whole;
         * no user or group names: owners are numeric */
        archive_read_disk_set_symlink_physical(disk);
        archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_FFLAGS | ARCHIVE_READDISK_NO_SPARSE);
        if (archive_read_disk_open(disk, ".") != ARCHIVE_OK) {
                r = error_setf(error, -EIO, "Failed to read the image: %s", archive_error_string(disk));
                goto finish;
        }
        while (r >= 0) {
                archive_entry_clear(e);
                ar = archive_read_next_header2(disk, e);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar < ARCHIVE_WARN) {
                        r = error_setf(error, -EIO, "Failed to read the image: %s",
                                       archive_error_string(disk));
                        break;
                }
                if (ar == ARCHIVE_WARN)
                        log_warning("%s: %s", archive_entry_pathname(e), archive_error_string(disk));
                (void) archive_read_disk_descend(disk);
                r = pack_entry(disk, w, lr, e, error);
        }
finish:
        if (e)
                archive_entry_free(e);
        if (lr)
                archive_entry_linkresolver_free(lr);
        if (disk)
                archive_read_free(disk);
        return r;
}

static int pack_raw(int fd, struct archive *w, char **error) {
        struct archive_entry *e = archive_entry_new();
        static char buf[256 * 1024];
        int r = 0;

        if (!e)
                return error_setf(error, -ENOMEM, "Failed to set up libarchive.");
        archive_entry_set_pathname(e, "image.raw");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        if (archive_write_header(w, e) < ARCHIVE_WARN)
                r = error_setf(error, -EIO, "Failed to write the image: %s", archive_error_string(w));
        for (ssize_t n; r >= 0 && (n = read(fd, buf, sizeof buf)) != 0;) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        r = error_setf(error, negative_errno(), "Failed to read the image: %m");
                else if (archive_write_data(w, buf, (size_t) n) < 0)
                        r = error_setf(error, -EIO, "Failed to write the image: %s",
                                       archive_error_string(w));
        }
        archive_entry_free(e);
        return r;
}

static int pack_child(int source_fd, void *userdata, uint64_t *ret_size, char **error) {
        const struct pack_args *args = userdata;
        struct archive *w = writer_new(args->kind, args->compression);
        int r;

        if (!w)
                return error_setf(error, -ENOMEM, "Failed to set up libarchive.");
        r = args->kind == PACK_TAR ? pack_tree(w, error) : pack_raw(source_fd, w, error);
        if (archive_write_close(w) != ARCHIVE_OK && r >= 0)
                r = error_setf(error, -EIO, "Failed to write the archive: %s", archive_error_string(w));
        *ret_size = (uint64_t) archive_filter_bytes(w, -1);
        archive_write_free(w);
        return r;
}

int packer_start(enum pack_kind kind, int source_fd, enum import_compression compression,
                 struct sandbox *ret) {
        /* the child runs within sandbox_start() on its copy of our stack */
        struct pack_args args = {.kind = kind, .compression = compression};

        return sandbox_start(kind == PACK_TAR ? SANDBOX_CHROOT : 0, source_fd, KEEP_CAPS, pack_child, &args,
                             ret);
}
