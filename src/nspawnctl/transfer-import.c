/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * import-tar FILE|- [NAME], import-raw FILE|- [NAME], import-fs DIRECTORY [NAME]: machinectl 252's
 * arguments and messages, the work of systemd-import and systemd-import-fs done here (transfer.h).
 * A tarball or raw image is read by the unpacker (unpack.h); a directory is copied as cp -a would
 * (reflinks where the file system can), interruptible.
 */

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/stat.h>

#include "copy.h"
#include "image.h"
#include "import-util.h"
#include "log.h"
#include "macro.h"
#include "name-valid.h"
#include "nspawnctl.h"
#include "transfer.h"

#define CHUNK (256 * 1024)

/* The last component of path, as machinectl's path_extract_filename(). */
static int path_filename(const char *path, char **ret) {
        size_t n = strlen(path);
        const char *p;

        while (n > 0 && path[n - 1] == '/')
                n--;
        for (p = path + n; p > path && p[-1] != '/';)
                p--;
        if (p == path + n || (n - (size_t) (p - path) == 1 && *p == '.') ||
            (n - (size_t) (p - path) == 2 && p[0] == '.' && p[1] == '.'))
                return -EADDRNOTAVAIL;
        return (*ret = strndup(p, n - (size_t) (p - path))) ? 0 : -ENOMEM;
}

/* The local name: the argument or the file's name, its suffixes dropped (tar or raw). */
static int local_name(int argc, char *argv[], bool raw, bool strip, char **ret) {
        const char *path = argc >= 2 ? empty_or_dash_to_null(argv[1]) : NULL;
        const char *local = argc >= 3 ? empty_or_dash_to_null(argv[2]) : NULL;
        _cleanup_free_ char *fn = NULL;
        int r;

        if (!local && path) {
                r = path_filename(path, &fn);
                if (r < 0)
                        return log_error_errno(r, "Cannot extract container name from filename: %m");
                local = fn;
        }
        if (!local)
                return log_error("Need either path or local name.");
        if (!strip)
                r = (*ret = strdup(local)) ? 0 : -ENOMEM;
        else
                r = raw ? raw_strip_suffixes(local, ret) : tar_strip_suffixes(local, ret);
        if (r == -EINVAL)
                return log_error("Local name %s is not a suitable machine name.", local);
        if (r < 0)
                return log_error_errno(r, "Out of memory.");
        if (!machine_name_is_valid(*ret)) {
                log_error("Local name %s is not a suitable machine name.", *ret);
                free(*ret);
                *ret = NULL;
                return -EINVAL;
        }
        return 0;
}

/* The stream from fd to the unpacker, until EOF or a cancelling signal. */
static int pump(struct transfer *t, int fd) {
        _cleanup_free_ char *buf = malloc(CHUNK);

        if (!buf)
                return log_error_errno(ENOMEM, "Out of memory.");
        for (;;) {
                struct pollfd fds[2] = {{.fd = fd, .events = POLLIN},
                                        {.fd = t->signal_fd, .events = POLLIN}};
                ssize_t n;
                int r;

                if (poll(fds, 2, -1) < 0 && errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for input: %m");
                if (fds[1].revents)
                        return transfer_log_cancelled(t);
                if (!fds[0].revents)
                        continue;
                n = read(fd, buf, CHUNK);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return log_error_errno(errno, "Failed to read the image: %m");
                if (n == 0)
                        return 0;
                r = transfer_feed(t, buf, (size_t) n);
                if (r == -ECANCELED)
                        return transfer_log_cancelled(t);
                if (r == -EPIPE)
                        return 0; /* the unpacker stopped: its result says why */
                if (r < 0)
                        return log_error_errno(r, "Failed to pass on the image: %m");
        }
}

static int import_stream(struct ctl *c, int argc, char *argv[], bool raw) {
        const char *path = argc >= 2 ? empty_or_dash_to_null(argv[1]) : NULL;
        _cleanup_free_ char *local = NULL, *pretty = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct transfer t;
        struct stat st;
        int r = local_name(argc, argv, raw, true, &local);

        if (r < 0)
                return r;
        if (path && (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
                return log_error_errno(errno, "Failed to open %s: %m", path);
        pretty = fd_pretty(fd >= 0 ? fd : STDIN_FILENO);

        transfer_init(&t, c, raw ? "import-raw" : "import-tar", local, pretty, raw);
        r = transfer_begin(&t);
        if (r >= 0)
                r = transfer_prepare(&t);
        if (r >= 0) {
                log_info("Importing '%s', saving as '%s'.", pretty ?: "n/a", local);
                if (fstat(fd >= 0 ? fd : STDIN_FILENO, &st) >= 0 && S_ISREG(st.st_mode))
                        progress_set_total(&t.progress, (uint64_t) st.st_size);
                r = transfer_start_unpacker(&t);
        }
        if (r >= 0)
                r = pump(&t, fd >= 0 ? fd : STDIN_FILENO);
        if (r >= 0) {
                transfer_progress(&t, t.fed, true);
                r = transfer_finish_unpacker(&t, NULL);
        }
        if (r >= 0)
                r = transfer_install(&t);
        if (r >= 0) {
                log_info("Operation completed successfully.");
                log_info("Exiting.");
        }
        transfer_end(&t);
        return r;
}

int verb_import_tar(struct ctl *c, int argc, char *argv[]) {
        return import_stream(c, argc, argv, false);
}

int verb_import_raw(struct ctl *c, int argc, char *argv[]) {
        return import_stream(c, argc, argv, true);
}

/* import-fs: a copy (reflinks where the file system can) into the temporary. */
int verb_import_fs(struct ctl *c, int argc, char *argv[]) {
        const char *path = argc >= 2 ? empty_or_dash_to_null(argv[1]) : NULL;
        _cleanup_free_ char *local = NULL, *pretty = NULL, *pool = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct transfer t;
        int r = local_name(argc, argv, false, false, &local);

        if (r < 0)
                return r;
        if (path && (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                return log_error_errno(errno, "Failed to open directory '%s': %m", path);
        if (!path && (fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
                return log_error_errno(errno, "Failed to open directory '%s': %m", "-");
        pretty = fd_pretty(fd);

        transfer_init(&t, c, "import-fs", local, pretty, false);
        r = transfer_begin(&t);
        if (r >= 0)
                r = transfer_prepare(&t);
        if (r >= 0) {
                log_info("Importing '%s', saving as '%s'.", pretty ?: "n/a", local);
                r = copy_tree_full(fd, t.tmp_fd, COPY_SIGINT);
                if (r == -EINTR)
                        r = transfer_log_cancelled(&t);
                else if (r < 0)
                        r = log_error_errno(r, "Failed to copy directory: %m");
        }
        if (r >= 0)
                r = transfer_install(&t);
        if (r >= 0 && image_pool_path(&pool) >= 0)
                log_info("Directory '%s/%s successfully installed. Exiting.", pool, local);
        transfer_end(&t);
        return r;
}
