/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tarball unpacked by libarchive into the unpacker's root (the new image, see unpack.h): the
 * member names are checked and cleaned first (leading "/" removed, ".." refused), device nodes
 * filtered, and every write is counted against the free space.
 */

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "errmsg.h"
#include "log.h"
#include "macro.h"
#include "unpack-internal.h"
#include "unpack.h"

#define EXTRACT_FLAGS                                                                                       \
        (ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |      \
         ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |          \
         ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_SPARSE)

#define WARNINGS_MAX 10

struct tar_state {
        bool stripped_slash;
        bool have_root_times; /* the "./" member's times, set again at the end: the members
                                 below it changed them */
        struct timespec root_times[2];
        unsigned warnings, devices_skipped;
};

/* Warnings of the unpacker go straight to stderr (nspawnctl's): the first WARNINGS_MAX. */
_printf_(2, 3) static void tar_warn(struct tar_state *st, const char *fmt, ...) {
        char buf[1024];
        va_list ap;

        if (st->warnings++ >= WARNINGS_MAX) {
                if (st->warnings == WARNINGS_MAX + 1)
                        log_warning("Further warnings about the archive are not shown.");
                return;
        }
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        log_warning("%s", buf);
}

static bool has_dotdot(const char *p) {
        for (const char *c = p; (c = strstr(c, "..")); c += 2)
                if ((c == p || c[-1] == '/') && (c[2] == 0 || c[2] == '/'))
                        return true;
        return false;
}

/* "/x" → "x" (GNU tar's behaviour: the member lands inside the image), "/" → "."; NULL for a
 * name with ".." (refused). */
static const char *clean_name(struct tar_state *st, const char *name) {
        const char *p = name;

        while (*p == '/')
                p++;
        if (p != name && !st->stripped_slash) {
                st->stripped_slash = true;
                log_warning("Removing leading '/' from member names.");
        }
        if (has_dotdot(p))
                return NULL;
        return *p ? p : ".";
}

/* 0: unpack the entry, 1: leave it out, <0: refuse the archive. */
static int entry_prepare(struct tar_state *st, struct archive_entry *e, char **error) {
        const char *name = archive_entry_pathname(e), *clean, *link;
        mode_t type = archive_entry_filetype(e);

        if (!name)
                return error_setf(error, -EBADMSG, "A member's name cannot be read.");
        if (!(clean = clean_name(st, name)))
                return error_setf(error, -EPERM, "%s: Member name contains '..'", name);
        if (clean != name)
                archive_entry_copy_pathname(e, clean);

        link = archive_entry_hardlink(e);
        if (link) {
                const char *l = clean_name(st, link);
                if (!l)
                        return error_setf(error, -EPERM, "%s: Hard link target contains '..'", name);
                if (l != link)
                        archive_entry_copy_hardlink(e, l);
        }

        if (streq(clean, ".") || streq(clean, "./")) {
                st->have_root_times = archive_entry_mtime_is_set(e);
                st->root_times[0] = (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)};
                st->root_times[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
                if (!archive_entry_atime_is_set(e))
                        st->root_times[0] = st->root_times[1];
        }
        if (type == AE_IFCHR || type == AE_IFBLK) {
                unsigned ma = archive_entry_rdevmajor(e), mi = archive_entry_rdevminor(e);
                if (type == AE_IFCHR && unpack_device_allowed(ma, mi))
                        return 0;
                st->devices_skipped++;
                tar_warn(st,
                         "%s: not unpacking the %s device node %u:%u (only a container's API devices are "
                         "made).",
                         clean, type == AE_IFBLK ? "block" : "character", ma, mi);
                return 1;
        }
        return 0;
}

static int copy_data(struct archive *a, struct archive *w, struct unpack_space *space, const char *name,
                     char **error) {
        const void *buf;
        size_t size;
        la_int64_t offset;
        int ar, r;

        while ((ar = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
                if ((r = unpack_space_check(space, size, false, error)) < 0)
                        return r;
                if (archive_write_data_block(w, buf, size, offset) < ARCHIVE_WARN)
                        return error_setf(error, -EIO, "%s: %s", name, archive_error_string(w));
        }
        if (ar != ARCHIVE_EOF)
                return error_setf(error, -EBADMSG, "%s: %s", name, archive_error_string(a));
        return 0;
}

static int unpack_entry(struct archive *a, struct archive *w, struct tar_state *st, struct archive_entry *e,
                        struct unpack_space *space, char **error) {
        const char *name;
        int ar, r = entry_prepare(st, e, error);

        if (r != 0)
                return r < 0 ? r : 0;
        if ((r = unpack_space_check(space, 0, true, error)) < 0)
                return r;
        name = archive_entry_pathname(e);
        ar = archive_write_header(w, e);
        if (ar < ARCHIVE_WARN)
                return error_setf(error, -EIO, "%s: %s", name, archive_error_string(w));
        if (ar == ARCHIVE_WARN)
                tar_warn(st, "%s: %s", name, archive_error_string(w));
        if (archive_entry_size(e) > 0 && (r = copy_data(a, w, space, name, error)) < 0)
                return r;
        ar = archive_write_finish_entry(w);
        if (ar < ARCHIVE_WARN)
                return error_setf(error, -EIO, "%s: %s", name, archive_error_string(w));
        if (ar == ARCHIVE_WARN)
                tar_warn(st, "%s: %s", name, archive_error_string(w));
        return 0;
}

int unpack_tar(struct archive *a, struct unpack_space *space, char **error) {
        struct archive *w = archive_write_disk_new();
        struct tar_state st = {};
        int r = 0, ar;

        if (!w)
                return error_setf(error, -ENOMEM, "Failed to set up libarchive.");
        /* no user/group name lookup: owners are numeric (--numeric-owner) */
        archive_write_disk_set_options(w, EXTRACT_FLAGS);
        for (bool first = true; r >= 0; first = false) {
                struct archive_entry *e;

                ar = archive_read_next_header(a, &e);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar < ARCHIVE_WARN) {
                        r = first ? error_setf(error, -EBADMSG,
                                               "This does not look like a tar archive (%s).",
                                               archive_error_string(a))
                                  : error_setf(error, -EBADMSG, "Failed to read the archive: %s",
                                               archive_error_string(a));
                        break;
                }
                if (ar == ARCHIVE_WARN)
                        tar_warn(&st, "%s", archive_error_string(a));
                r = unpack_entry(a, w, &st, e, space, error);
        }
        /* the deferred directory modes and times, also after a failure (the tree is removed then) */
        ar = archive_write_close(w);
        if (r >= 0 && ar < ARCHIVE_WARN)
                r = error_setf(error, -EIO, "Failed to finish unpacking: %s", archive_error_string(w));
        archive_write_free(w);
        if (r >= 0 && st.have_root_times)
                (void) utimensat(AT_FDCWD, "/", st.root_times, 0);
        if (r >= 0 && st.devices_skipped > WARNINGS_MAX)
                log_warning("%u device nodes were not unpacked.", st.devices_skipped);
        return r;
}
