/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * export-tar NAME [FILE], export-raw NAME [FILE] (--format=): machinectl 252's arguments and
 * messages, systemd-export's work done here. The compression comes from --format=, else from
 * FILE's name (.xz, .gz, .bz2, .zst); without FILE (or "-") the archive goes to stdout. The
 * archive is made by the packer (pack.h). FILE is written as an unnamed O_TMPFILE next to where it
 * goes and takes FILE's name (replacing an old FILE, as machinectl's O_TRUNC would) only once it is
 * complete: a failed, cancelled or killed export leaves no partial FILE (and, unlike machinectl, an
 * unknown image no empty one). An existing FILE that is not a regular file (a FIFO, /dev/null) is
 * written as it is.
 */

#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fdutil.h"
#include "image-tmp.h"
#include "image.h"
#include "import-util.h"
#include "log.h"
#include "macro.h"
#include "name-valid.h"
#include "nspawnctl.h"
#include "pack.h"
#include "transfer.h"

#define CHUNK (256 * 1024)
#define EXPORT_TMP_PREFIX ".#export."

/* Where the archive goes. */
struct output {
        int fd;
        int dir_fd; /* FILE's directory, when fd is still to be linked there */
        char *base; /* FILE's name in it */
        char *tmp;  /* a named temporary where O_TMPFILE is not there */
        char *pretty;
};

static char *mfree_string(char *p) {
        free(p);
        return NULL;
}

static void output_done(struct output *o) {
        if (o->tmp && o->dir_fd >= 0)
                (void) unlinkat(o->dir_fd, o->tmp, 0);
        safe_close(o->fd);
        safe_close(o->dir_fd);
        free(o->base);
        free(o->tmp);
        free(o->pretty);
}

static int output_open(const char *path, struct output *o) {
        _cleanup_free_ char *d = NULL, *b = NULL, *dir_real = NULL;
        const char *dir;
        struct stat st;
        mode_t mask;

        *o = (struct output){.fd = -EBADF, .dir_fd = -EBADF};
        if (!path) {
                o->fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
                o->pretty = fd_pretty(STDOUT_FILENO);
                return o->fd < 0 ? negative_errno() : 0;
        }
        if (stat(path, &st) >= 0 && !S_ISREG(st.st_mode)) {
                /* a FIFO, a device: written as it is */
                o->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
                o->pretty = strdup(path);
                return o->fd < 0 ? negative_errno() : 0;
        }
        if (!(d = strdup(path)) || !(b = strdup(path)))
                return -ENOMEM;
        dir = dirname(d);
        o->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (o->dir_fd < 0)
                return negative_errno();
        if (!(dir_real = realpath(dir, NULL)))
                return negative_errno();
        if (!(o->base = strdup(basename(b))) ||
            asprintf(&o->pretty, "%s/%s", streq(dir_real, "/") ? "" : dir_real, o->base) < 0)
                return -ENOMEM;
        mask = umask(0);
        umask(mask);
        o->fd = openat(o->dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666 & ~mask);
        if (o->fd >= 0)
                return 0;
        if (errno != EOPNOTSUPP && errno != EISDIR)
                return negative_errno();
        o->fd = tmp_file_new(o->dir_fd, EXPORT_TMP_PREFIX, o->base, 0666 & ~mask, &o->tmp);
        return o->fd < 0 ? o->fd : 0;
}

/* The complete archive takes FILE's name. */
static int output_commit(struct output *o) {
        _cleanup_free_ char *pfx = NULL, *tmp = NULL;
        char proc[64];
        int r;

        if (o->dir_fd < 0)
                return 0;
        if (!o->tmp) {
                if ((r = tmp_name(EXPORT_TMP_PREFIX, o->base, &pfx, &tmp)) < 0)
                        return r;
                snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
                if (linkat(AT_FDCWD, proc, o->dir_fd, tmp, AT_SYMLINK_FOLLOW) < 0)
                        return negative_errno();
                o->tmp = TAKE_PTR(tmp);
        }
        if (renameat(o->dir_fd, o->tmp, o->dir_fd, o->base) < 0)
                return negative_errno();
        o->tmp = mfree_string(o->tmp);
        return 0;
}

/* The packer's output to FILE, cancellable. */
static int pump(struct transfer *t, int out_fd) {
        _cleanup_free_ char *buf = malloc(CHUNK);
        uint64_t done = 0;

        if (!buf)
                return log_error_errno(ENOMEM, "Out of memory.");
        for (;;) {
                struct pollfd fds[2] = {{.fd = t->unpacker.stream_fd, .events = POLLIN},
                                        {.fd = t->signal_fd, .events = POLLIN}};
                ssize_t n;
                int r;

                if (poll(fds, 2, -1) < 0 && errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for the archive: %m");
                if (fds[1].revents)
                        return transfer_log_cancelled(t);
                if (!fds[0].revents)
                        continue;
                n = read(t->unpacker.stream_fd, buf, CHUNK);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return log_error_errno(errno, "Failed to read the archive: %m");
                if (n == 0)
                        return 0;
                if ((r = write_all(out_fd, buf, (size_t) n)) < 0) {
                        progress_clear(&t->progress);
                        return log_error_errno(r, "Failed to write the archive: %m");
                }
                done += (uint64_t) n;
                transfer_progress(t, done, false);
        }
}

static int export(struct ctl *c, int argc, char *argv[], bool raw) {
        const char *local = argv[1], *path = argc >= 3 ? empty_or_dash_to_null(argv[2]) : NULL;
        enum import_compression compression =
                c->format >= 0 ? c->format : import_compression_from_filename(path);
        _cleanup_free_ char *error = NULL;
        _cleanup_close_ int src_fd = -EBADF;
        struct output out = {.fd = -EBADF, .dir_fd = -EBADF};
        struct transfer t;
        struct image i = {};
        int r;

        if (!machine_name_is_valid(local))
                return log_error("Machine name %s is not valid.", local);
        r = image_get(local, &i);
        if (r == -ENOENT)
                return log_error("Machine image %s not found.", local);
        if (r < 0)
                return log_error_errno(r, "Failed to look for machine image %s: %m", local);
        if (raw ? i.type != IMAGE_RAW : (i.type != IMAGE_DIRECTORY && i.type != IMAGE_SUBVOLUME)) {
                r = log_error("Machine image %s is a %s image, %s exports %s images.", local,
                              image_type_to_string(i.type), raw ? "export-raw" : "export-tar",
                              raw ? "raw" : "directory and subvolume");
                image_done(&i);
                return r;
        }
        src_fd = open(i.path, (raw ? 0 : O_DIRECTORY) | O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (src_fd < 0) {
                r = log_error_errno(errno, "Failed to open %s: %m", i.path);
                image_done(&i);
                return r;
        }
        if ((r = output_open(path, &out)) < 0) {
                image_done(&i);
                return log_error_errno(r, "Failed to open %s: %m", path ?: "standard output");
        }

        transfer_init(&t, c, raw ? "export-raw" : "export-tar", local, out.pretty, raw);
        r = transfer_begin(&t);
        if (r >= 0) {
                log_info("Exporting '%s', saving to '%s' with compression '%s'.", i.path, out.pretty,
                         import_compression_to_string(compression));
                r = packer_start(raw ? PACK_RAW : PACK_TAR, src_fd, compression, &t.unpacker);
                if (r < 0)
                        r = log_error_errno(r, "Failed to start the archive process: %m");
        }
        if (r >= 0)
                r = pump(&t, out.fd);
        if (r >= 0) {
                transfer_progress(&t, t.progress.done, true);
                progress_clear(&t.progress);
                r = sandbox_finish(&t.unpacker, NULL, &error);
                if (r < 0)
                        r = log_error_errno(r, "%s", error ?: "Failed to export: %m");
        }
        if (r >= 0 && (r = output_commit(&out)) < 0)
                r = log_error_errno(r, "Failed to write %s: %m", out.pretty);
        if (r >= 0) {
                log_info("Operation completed successfully.");
                log_info("Exiting.");
        }
        transfer_end(&t);
        output_done(&out);
        image_done(&i);
        return r;
}

int verb_export_tar(struct ctl *c, int argc, char *argv[]) {
        return export(c, argc, argv, false);
}

int verb_export_raw(struct ctl *c, int argc, char *argv[]) {
        return export(c, argc, argv, true);
}
