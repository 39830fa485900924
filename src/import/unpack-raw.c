/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A raw disk image, decompressed by libarchive, written with its zero blocks as holes (see
 * unpack.h). */

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>

#include "errmsg.h"
#include "macro.h"
#include "unpack-internal.h"

#define BLOCK 4096

static const char zeros[BLOCK];

/* Write buf at offset, leaving whole zero blocks out (the file is new: they read as zeros). */
static int write_sparse(int fd, const char *buf, size_t size, off_t offset) {
        size_t i = 0;

        while (i < size) {
                size_t n = MIN((size_t) BLOCK, size - i), run = 0;

                if (n == BLOCK && memcmp(buf + i, zeros, BLOCK) == 0) {
                        i += BLOCK;
                        continue;
                }
                /* the data run up to the next whole zero block */
                while (i + run < size) {
                        size_t m = MIN((size_t) BLOCK, size - i - run);
                        if (m == BLOCK && run > 0 && memcmp(buf + i + run, zeros, BLOCK) == 0)
                                break;
                        run += m;
                }
                for (size_t done = 0; done < run;) {
                        ssize_t k = pwrite(fd, buf + i + done, run - done, offset + (off_t) (i + done));
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0)
                                return k < 0 ? negative_errno() : -EIO;
                        done += (size_t) k;
                }
                i += run;
        }
        return 0;
}

int unpack_raw(struct archive *a, int out_fd, struct unpack_space *space, char **error) {
        struct archive_entry *e;
        const void *buf;
        size_t size;
        la_int64_t offset;
        off_t end = 0;
        bool first = true;
        int ar, r;

        if (archive_read_next_header(a, &e) < ARCHIVE_WARN)
                return error_setf(error, -EBADMSG, "Failed to read the image: %s", archive_error_string(a));
        while ((ar = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
                if (first && size >= 4 && memcmp(buf, "QFI\xfb", 4) == 0)
                        return error_setf(error, -EOPNOTSUPP, "QCOW2 images are not supported yet.");
                first = false;
                if ((r = unpack_space_check(space, size, false, error)) < 0)
                        return r;
                if ((r = write_sparse(out_fd, buf, size, (off_t) offset)) < 0)
                        return error_setf(error, r, "Failed to write the image: %s", strerror(-r));
                end = MAX(end, (off_t) offset + (off_t) size);
        }
        if (ar != ARCHIVE_EOF)
                return error_setf(error, -EBADMSG, "Failed to read the image: %s", archive_error_string(a));
        if (first)
                return error_setf(error, -EBADMSG, "The image is empty.");
        /* the trailing holes */
        if (ftruncate(out_fd, end) < 0)
                return error_setf(error, negative_errno(), "Failed to write the image: %m");
        return 0;
}
