/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the transfer verbs share: record, signals, temporary, unpacker, installation (transfer.h). */

#include "transfer.h"

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "image-ops.h"
#include "image-tmp.h"
#include "image.h"
#include "images.h"
#include "log.h"
#include "fdutil.h"
#include "macro.h"
#include "os-tree.h"
#include "transfer-record.h"
#include "unpack.h"

static char *mfree_str(char *p) {
        free(p);
        return NULL;
}

const char *empty_or_dash_to_null(const char *s) {
        return !s || !*s || streq(s, "-") ? NULL : s;
}

char *fd_pretty(int fd) {
        char proc[64], buf[4096];
        ssize_t n;

        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        n = readlink(proc, buf, sizeof buf - 1);
        return n > 0 ? strndup(buf, (size_t) n) : strdup("n/a");
}

void transfer_init(struct transfer *t, struct ctl *c, const char *type, const char *local,
                   const char *remote, bool raw) {
        *t = (struct transfer){
                .ctl = c,
                .type = type,
                .local = local,
                .remote = remote,
                .raw = raw,
                .signal_fd = -EBADF,
                .name_lock = LOCK_FILE_INIT,
                .pool_fd = -EBADF,
                .tmp_fd = -EBADF,
                .unpacker = SANDBOX_INIT,
        };
        /* machinectl -q shows the transfer's errors and warnings only */
        if (c->quiet && log_get_max_level() > LOG_NOTICE)
                log_set_max_level(LOG_NOTICE);
}

_printf_(2, 3) void transfer_info(struct transfer *t, const char *fmt, ...) {
        char buf[4096];
        va_list ap;

        progress_clear(&t->progress);
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        log_info("%s", buf);
}

/* ---- record and signals --------------------------------------------------------------------- */

int transfer_begin(struct transfer *t) {
        struct transfer_record rec = {
                .type = (char *) t->type, .remote = (char *) t->remote, .local = (char *) t->local};
        struct sigaction ignore = {.sa_handler = SIG_IGN};
        sigset_t mask;
        int r;

        /* ^C, SIGTERM (cancel-transfer) and a hang-up cancel the transfer: read from a signalfd */
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, &t->saved_mask) < 0)
                return log_error_errno(errno, "Failed to block signals: %m");
        t->signals_set = true;
        (void) sigaction(SIGPIPE, &ignore, &t->saved_pipe); /* a reader gone is an EPIPE */
        t->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (t->signal_fd < 0)
                return log_error_errno(errno, "Failed to set up signals: %m");

        r = transfer_claim(TRANSFER_DIR, &rec, &t->record);
        if (r < 0)
                return log_error_errno(r, "Failed to register the transfer in " TRANSFER_DIR ": %m");
        log_info("Enqueued transfer job %u. Press C-c to cancel the transfer.",
                 transfer_entry_id(t->record));
        progress_init(&t->progress, t->local, log_get_max_level() >= LOG_INFO && isatty(STDERR_FILENO));
        return 0;
}

bool transfer_cancelled(struct transfer *t) {
        struct pollfd p = {.fd = t->signal_fd, .events = POLLIN};
        return t->signal_fd >= 0 && poll(&p, 1, 0) > 0;
}

int transfer_log_cancelled(struct transfer *t) {
        progress_clear(&t->progress);
        log_notice("Transfer aborted.");
        return -ECANCELED;
}

void transfer_progress(struct transfer *t, uint64_t done, bool force) {
        progress_update(&t->progress, done, force);
        (void) transfer_entry_set_percent(t->record, progress_percent(&t->progress));
}

/* ---- the new image -------------------------------------------------------------------------- */

static int check_existing(struct transfer *t) {
        struct image i;
        int r = image_get(t->local, &i);

        if (r == -ENOENT)
                return 0;
        if (r == -EINVAL)
                return log_invalid_image_path("import image");
        if (r < 0)
                return log_error_errno(r, "Failed to check whether image '%s' exists: %m", t->local);
        image_done(&i);
        if (!t->ctl->force)
                return log_error("Image '%s' already exists.", t->local);
        return 0;
}

/* A raw image is an O_TMPFILE: nothing of it has a name until it is complete (where the file
 * system has none, a named temporary as for trees). */
static int temporary_file(struct transfer *t) {
        _cleanup_free_ char *base = NULL;

        t->tmp_fd = openat(t->pool_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
        if (t->tmp_fd >= 0)
                return fchmod(t->tmp_fd, 0644) < 0 ? negative_errno() : 0;
        if (errno != EOPNOTSUPP && errno != EISDIR)
                return negative_errno();
        if (asprintf(&base, "%s.raw", t->local) < 0)
                return -ENOMEM;
        t->tmp_fd = tmp_file_new(t->pool_fd, IMAGE_IMPORT_PREFIX, base, 0644, &t->tmp_name);
        return t->tmp_fd < 0 ? t->tmp_fd : 0;
}

int transfer_prepare(struct transfer *t) {
        int undo, r = check_existing(t);

        if (r < 0)
                return r;
        r = image_name_lock(t->local, &t->name_lock);
        if (r == -EBUSY)
                return log_error("Image '%s' is being made or changed by another process.", t->local);
        if (r < 0)
                return log_error_errno(r, "Failed to lock the image name '%s': %m", t->local);
        t->pool_fd = image_pool_open();
        if (t->pool_fd < 0)
                return log_error_errno(t->pool_fd, "Failed to open the image pool: %m");
        (void) tmp_sweep(t->pool_fd, IMAGE_IMPORT_PREFIX, true); /* what killed transfers left */

        if (t->raw)
                r = temporary_file(t);
        else {
                r = t->tmp_fd = tmp_dir_new(t->pool_fd, IMAGE_IMPORT_PREFIX, t->local, NULL, &undo,
                                            &t->tmp_name, &t->tmp_subvolume);
                /* the tarball's "./" sets it; 0755 where it has none, as importd's mkdir */
                if (r >= 0 && fchmod(t->tmp_fd, 0755) < 0)
                        r = negative_errno();
        }
        return r < 0 ? log_error_errno(r, "Failed to create a temporary image in the pool: %m") : 0;
}

/* ---- the unpacker --------------------------------------------------------------------------- */

int transfer_start_unpacker(struct transfer *t) {
        int r = unpacker_start(t->raw ? UNPACK_RAW : UNPACK_TAR, t->tmp_fd, &t->unpacker);

        if (r < 0)
                return log_error_errno(r, "Failed to start unpacking: %m");
        /* partial writes, so that a signal is never waited for behind a full pipe */
        (void) fcntl(t->unpacker.stream_fd, F_SETFL, O_NONBLOCK);
        return 0;
}

int transfer_feed(struct transfer *t, const void *data, size_t size) {
        const char *p = data;

        while (size > 0) {
                struct pollfd fds[2] = {{.fd = t->unpacker.stream_fd, .events = POLLOUT},
                                        {.fd = t->signal_fd, .events = POLLIN}};
                ssize_t n;

                if (poll(fds, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (fds[1].revents)
                        return -ECANCELED;
                n = write(t->unpacker.stream_fd, p, size);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                if (n < 0)
                        return negative_errno(); /* -EPIPE: the unpacker stopped */
                p += n;
                size -= (size_t) n;
                t->fed += (uint64_t) n;
        }
        transfer_progress(t, t->fed, false);
        return 0;
}

int transfer_finish_unpacker(struct transfer *t, uint64_t *ret_size) {
        _cleanup_free_ char *error = NULL;
        int r = sandbox_finish(&t->unpacker, ret_size, &error);

        if (r < 0) {
                progress_clear(&t->progress);
                return log_error_errno(r, "%s", error ? error : strerror(-r));
        }
        return 0;
}

/* ---- installation --------------------------------------------------------------------------- */

/* A squashfs or erofs file system can only ever be run read-only: the image says so. */
static bool raw_is_read_only_fs(int fd) {
        uint8_t b[4];

        if (pread(fd, b, 4, 0) == 4 && memcmp(b, "hsqs", 4) == 0)
                return true;
        return pread(fd, b, 4, 1024) == 4 && b[0] == 0xe2 && b[1] == 0xe1 && b[2] == 0xf5 && b[3] == 0xe0;
}

static int remove_existing(struct transfer *t) {
        _cleanup_free_ char *error = NULL;
        struct image i;
        int r = image_get(t->local, &i);

        if (r == -ENOENT)
                return 0;
        if (r >= 0) {
                r = image_remove(&i, &error);
                image_done(&i);
        }
        if (r < 0)
                return log_error("Failed to replace image '%s': %s", t->local, error ? error : strerror(-r));
        return 0;
}

static int install_raw(struct transfer *t) {
        _cleanup_free_ char *final = NULL;
        int r;

        if ((t->ctl->read_only || raw_is_read_only_fs(t->tmp_fd)) &&
            (r = image_make_read_only_fd(t->tmp_fd)) < 0)
                return log_error_errno(r, "Failed to make the image read-only: %m");
        if ((r = remove_existing(t)) < 0)
                return r;
        if (asprintf(&final, "%s.raw", t->local) < 0)
                return log_error_errno(ENOMEM, "Out of memory.");
        if (t->tmp_name)
                r = renameat2(t->pool_fd, t->tmp_name, t->pool_fd, final, RENAME_NOREPLACE) < 0
                            ? negative_errno()
                            : 0;
        else
                r = link_tmpfile(t->tmp_fd, t->pool_fd, final);
        if (r == -EEXIST)
                return log_error("Image '%s' already exists.", t->local);
        if (r < 0)
                return log_error_errno(r, "Failed to move the image into place: %m");
        t->tmp_name = mfree_str(t->tmp_name);
        return 0;
}

static int install_tree(struct transfer *t) {
        _cleanup_free_ char *moved = NULL;
        int r = os_tree_mangle(t->tmp_fd, &moved);

        if (r < 0)
                return log_error_errno(r, "Failed to move the OS tree up: %m");
        if (r > 0)
                log_info("Found OS tree in directory '%s', moved it up.", moved);
        /* a read-only subvolume can be renamed, an immutable directory cannot: that one after */
        if (t->ctl->read_only && t->tmp_subvolume && (r = image_make_read_only_fd(t->tmp_fd)) < 0)
                return log_error_errno(r, "Failed to make the image read-only: %m");
        if ((r = remove_existing(t)) < 0)
                return r;
        if (renameat2(t->pool_fd, t->tmp_name, t->pool_fd, t->local, RENAME_NOREPLACE) < 0)
                return errno == EEXIST || errno == ENOTEMPTY
                               ? log_error("Image '%s' already exists.", t->local)
                               : log_error_errno(errno, "Failed to move the image into place: %m");
        if (t->ctl->read_only && !t->tmp_subvolume && (r = image_make_read_only_fd(t->tmp_fd)) < 0) {
                /* not as asked: back out of sight, and removed */
                (void) renameat2(t->pool_fd, t->local, t->pool_fd, t->tmp_name, RENAME_NOREPLACE);
                return log_error_errno(r, "Failed to make the image read-only: %m");
        }
        t->tmp_name = mfree_str(t->tmp_name);
        return 0;
}

int transfer_install(struct transfer *t) {
        progress_clear(&t->progress);
        return t->raw ? install_raw(t) : install_tree(t);
}

/* ---- the end -------------------------------------------------------------------------------- */

void transfer_end(struct transfer *t) {
        struct signalfd_siginfo si;

        sandbox_abort(&t->unpacker);
        if (t->tmp_name && t->pool_fd >= 0)
                (void) tmp_remove(t->pool_fd, t->tmp_name); /* a failure, or a cancel */
        t->tmp_name = mfree_str(t->tmp_name);
        t->tmp_fd = safe_close(t->tmp_fd);
        t->pool_fd = safe_close(t->pool_fd);
        lock_file_release(&t->name_lock);
        progress_clear(&t->progress);
        t->record = transfer_release(t->record);
        if (t->signal_fd >= 0) {
                /* consumed, so that restoring the mask does not deliver them: a cancel is exit 1 */
                while (read(t->signal_fd, &si, sizeof si) == (ssize_t) sizeof si)
                        ;
                t->signal_fd = safe_close(t->signal_fd);
        }
        if (t->signals_set) {
                (void) sigprocmask(SIG_SETMASK, &t->saved_mask, NULL);
                (void) sigaction(SIGPIPE, &t->saved_pipe, NULL);
                t->signals_set = false;
        }
}
