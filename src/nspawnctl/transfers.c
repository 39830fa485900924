/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * list-transfers and cancel-transfer on the records of running transfers (transfer-record.h),
 * with machinectl 252's table, messages and exit codes. A transfer runs in the nspawnctl that
 * started it: cancel-transfer sends that process SIGTERM through a pidfd proven to be the record's
 * (its start time) and waits until it has ended, i.e. removed what it had made.
 */

#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>

#include "log.h"
#include "macro.h"
#include "nspawnctl.h"
#include "parse-util.h"
#include "proc.h"
#include "registry.h"
#include "transfer-record.h"

#define CANCEL_WAIT_MS 30000

static int digits(uint32_t n) {
        int d = 1;
        while (n >= 10) {
                n /= 10;
                d++;
        }
        return d;
}

int verb_list_transfers(struct ctl *c, int argc, char *argv[]) {
        struct transfer_record *a = NULL;
        size_t n = 0, w_type = 4, w_local = 5, w_remote = 6;
        uint32_t max_id = 0;
        int w_id, r = transfer_list(TRANSFER_DIR, &a, &n);

        if (r < 0)
                return log_error_errno(r, "Could not get transfers: %m");
        for (size_t k = 0; k < n; k++) {
                w_type = MAX(w_type, strlen(a[k].type));
                w_local = MAX(w_local, strlen(a[k].local));
                w_remote = MAX(w_remote, strlen(a[k].remote ?: ""));
                max_id = MAX(max_id, a[k].id);
        }
        w_id = MAX(2, digits(max_id));
        if (c->legend && n > 0)
                printf("%-*s %-*s %-*s %-*s %-*s\n", w_id, "ID", 7, "PERCENT", (int) w_type, "TYPE",
                       (int) w_local, "LOCAL", (int) w_remote, "REMOTE");
        for (size_t k = 0; k < n; k++) {
                if (a[k].percent < 0)
                        printf("%*" PRIu32 " %*s", w_id, a[k].id, 7, "n/a");
                else
                        printf("%*" PRIu32 " %*d%%", w_id, a[k].id, 6, a[k].percent);
                printf(" %-*s %-*s %-*s\n", (int) w_type, a[k].type, (int) w_local, a[k].local,
                       (int) w_remote, a[k].remote ?: "");
        }
        if (c->legend) {
                if (n > 0)
                        printf("\n%zu transfers listed.\n", n);
                else
                        printf("No transfers.\n");
        }
        transfer_record_array_free(a, n);
        return 0;
}

/* The record's process, proven: a pidfd whose process has the record's start time. */
static int transfer_pidfd(const struct transfer_record *rec) {
        uint64_t start;
        int fd = pidfd_open_pid(rec->pid), r;

        if (fd < 0)
                return fd;
        r = registry_process_identity(rec->pid, &start, NULL);
        if (r >= 0 && (start != rec->pid_starttime || rec->pid_starttime == 0))
                r = -ESRCH;
        if (r >= 0 && !pidfd_alive(fd))
                r = -ESRCH;
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        return fd;
}

static int cancel_one(uint32_t id) {
        struct transfer_record rec;
        struct pollfd p;
        int fd, r = transfer_get(TRANSFER_DIR, id, &rec);

        if (r == -ENOENT)
                return log_error("Could not cancel transfer: No transfer by id %" PRIu32, id);
        if (r < 0)
                return log_error_errno(r, "Could not cancel transfer: %m");
        fd = transfer_pidfd(&rec);
        transfer_record_done(&rec);
        if (fd == -ESRCH)
                return log_error("Could not cancel transfer: No transfer by id %" PRIu32, id);
        if (fd < 0)
                return log_error_errno(fd, "Could not cancel transfer: %m");
        r = pidfd_signal(fd, SIGTERM);
        /* it removes what it made, then exits */
        p = (struct pollfd){.fd = fd, .events = POLLIN};
        if (r >= 0 && poll(&p, 1, CANCEL_WAIT_MS) == 0)
                log_warning("Transfer %" PRIu32 " did not end within %d s.", id, CANCEL_WAIT_MS / 1000);
        safe_close(fd);
        return r < 0 && r != -ESRCH ? log_error_errno(r, "Could not cancel transfer: %m") : 0;
}

int verb_cancel_transfer(struct ctl *c, int argc, char *argv[]) {
        for (int k = 1; k < argc; k++) {
                uint32_t id;
                int r;

                if (parse_uint32(argv[k], &id) < 0)
                        return log_error("Failed to parse transfer id: %s", argv[k]);
                if ((r = cancel_one(id)) < 0)
                        return r;
        }
        return 0;
}
