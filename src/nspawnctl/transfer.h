/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The transfer verbs (import-tar, import-raw, import-fs, pull-tar, pull-raw, export-tar, export-raw)
 * without systemd-importd: the transfer runs in this nspawnctl, under a record that another
 * nspawnctl can list and cancel (transfer-record.h). What they share:
 *
 *   transfer_begin()    the record ("Enqueued transfer job N."), SIGINT/SIGTERM/SIGHUP blocked and
 *                       read from a signalfd (they cancel the transfer), SIGPIPE ignored, the
 *                       progress bar;
 *   transfer_prepare()  for a new image: not there yet (unless --force), systemd's name lock of
 *                       NAME for the whole transfer (a clone or another import of NAME waits for
 *                       none: it fails), the leftovers of killed transfers swept from the pool, the
 *                       hidden temporary the image is made in (a directory ".#import.NAME<16 hex>"
 *                       that we flock(), or an O_TMPFILE for a raw image: it has no name at all
 *                       until it is complete);
 *   transfer_feed()     the stream to the unpacker, cancellable, counted for the progress bar and
 *                       the record;
 *   transfer_install()  the OS tree moved up out of a single top directory, --read-only, --force's
 *                       removal of the old image, then one rename (or link) into place;
 *   transfer_end()      whatever is left is undone: the unpacker killed, the temporary removed,
 *                       the lock and the record released, the signals restored.
 *
 * A SIGKILLed nspawnctl leaves its temporary (its unpacker dies with it): its lock is free, and the
 * next transfer or clean removes it; its record's lock is free too, and readers remove the record.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "lock-file.h"
#include "nspawnctl.h"
#include "progress.h"
#include "sandbox.h"

struct transfer_entry;

struct transfer {
        struct ctl *ctl;
        const char *type;   /* "pull-tar": the record's TYPE */
        const char *local;  /* the image's name */
        const char *remote; /* URL, file or directory */
        bool raw;           /* the image is NAME.raw (else a directory tree) */

        struct transfer_entry *record;
        int signal_fd;
        sigset_t saved_mask;
        bool signals_set;
        struct sigaction saved_pipe;
        struct progress progress;

        struct lock_file name_lock;
        int pool_fd;
        char *tmp_name; /* the temporary's name in the pool; NULL for an O_TMPFILE */
        int tmp_fd;     /* the temporary: directory (flock()ed) or file */
        bool tmp_subvolume;
        struct sandbox unpacker;
        uint64_t fed; /* bytes of the stream so far */
};

void transfer_init(struct transfer *t, struct ctl *c, const char *type, const char *local,
                   const char *remote, bool raw);
/* The record and the signals; logs its errors. */
int transfer_begin(struct transfer *t);
/* The checks and the temporary; logs "Image 'NAME' already exists." and the like. */
int transfer_prepare(struct transfer *t);
/* Start the unpacker on the temporary. */
int transfer_start_unpacker(struct transfer *t);
/* size bytes of the stream to the unpacker; -ECANCELED on a signal, -EPIPE when the unpacker
 * stopped reading (its error comes with transfer_finish_unpacker()). */
int transfer_feed(struct transfer *t, const void *data, size_t size);
/* The stream is complete: the unpacker's result (logged on failure); *ret_size its uncompressed
 * size. */
int transfer_finish_unpacker(struct transfer *t, uint64_t *ret_size);
/* Make the temporary the image NAME. */
int transfer_install(struct transfer *t);
void transfer_end(struct transfer *t);

/* A cancelling signal is pending (read from the signalfd, not consumed). */
bool transfer_cancelled(struct transfer *t);
/* Log the cancellation (once) and return -ECANCELED. */
int transfer_log_cancelled(struct transfer *t);
/* The progress bar and the record's PERCENT. */
void transfer_progress(struct transfer *t, uint64_t done, bool force);

/* "" and "-" mean "none" (machinectl's empty_or_dash_to_null()). */
const char *empty_or_dash_to_null(const char *s);
/* The file behind fd as the kernel names it ("/srv/x.tar", "pipe:[123]"), for messages. */
char *fd_pretty(int fd);

/* Log at info unless --quiet, with the progress bar out of the way. */
_printf_(2, 3) void transfer_info(struct transfer *t, const char *fmt, ...);
