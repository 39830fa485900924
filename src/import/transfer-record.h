/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Running transfers (nspawnctl import-*, export-*, pull-*): without systemd-importd a transfer runs
 * in the nspawnctl process that started it, and this is how another nspawnctl sees it
 * (list-transfers) and stops it (cancel-transfer). One record per transfer in TRANSFER_DIR
 * (/run/nspawn/transfers), named by its ID, mode 0644, one KEY=VALUE a line in this order
 * (values escaped as in registry.h: "\" as "\\", a newline as "\n"):
 *
 *   ID=7                      the transfer's number: .id in the directory counts them up for the
 *                             boot (flock()ed while it is read and written), so an ID is not
 *                             taken again while the host runs
 *   TYPE=pull-tar             pull-tar, pull-raw, import-tar, import-raw, import-fs, export-tar,
 *                             export-raw (systemd-importd's names)
 *   REMOTE=http://...         the URL, the file read or written, or the directory imported
 *   LOCAL=NAME                the image
 *   PID=1234                  the nspawnctl that runs it
 *   PID_STARTTIME=5678        its start time (field 22 of /proc/PID/stat): with PID, one process
 *   PERCENT= 45               the last line, 3 characters: "n/a" or the progress, right-aligned;
 *                             rewritten in place as the transfer goes on (3 bytes, one pwrite)
 *
 * Liveness, as machine records (registry.h): the record is made as an O_TMPFILE, flock()ed
 * exclusively and only then linked under its name, and the transferring process holds that lock
 * until it has removed it — however it ends, the kernel drops it. A record whose lock is free
 * belongs to a killed nspawnctl: readers remove it (what its transfer left, a hidden temporary in
 * the image pool, is swept by the next transfer or clean: image-tmp.h).
 *
 * cancel-transfer proves the process before it signals it: a pidfd of PID whose /proc start time
 * is PID_STARTTIME and which still lives afterwards (a PID is not reused while its process
 * lives), named by a record that is still locked.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TRANSFER_DIR "/run/nspawn/transfers"

struct transfer_record {
        uint32_t id;
        char *type;
        char *remote;
        char *local;
        pid_t pid;
        uint64_t pid_starttime;
        int percent; /* -1: n/a */
};

void transfer_record_done(struct transfer_record *r);
void transfer_record_array_free(struct transfer_record *a, size_t n);

/* The record as file contents / parsed back (-EBADMSG: no valid ID, TYPE, LOCAL or PID). */
int transfer_record_format(const struct transfer_record *r, char **ret);
int transfer_record_parse(const char *text, struct transfer_record *ret);

/* The record of our running transfer, open and locked. */
struct transfer_entry;

/* Publish rec (its id is ignored: the next free one is taken; pid and start time are ours) in dir
 * (created 0755 if missing; it must be root's and writable by nobody else). */
int transfer_claim(const char *dir, const struct transfer_record *rec, struct transfer_entry **ret);
uint32_t transfer_entry_id(const struct transfer_entry *e);
/* Rewrite PERCENT (0..100, or -1: n/a). */
int transfer_entry_set_percent(struct transfer_entry *e, int percent);
/* Remove the record and drop the lock. Returns NULL. */
struct transfer_entry *transfer_release(struct transfer_entry *e);

/* The live records, sorted by LOCAL (list-transfers' order); records of killed processes are
 * removed on the way. A missing dir is no transfers. */
int transfer_list(const char *dir, struct transfer_record **ret, size_t *ret_n);
/* The live record ID: -ENOENT if there is none. */
int transfer_get(const char *dir, uint32_t id, struct transfer_record *ret);
