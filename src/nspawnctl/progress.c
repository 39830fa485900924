/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The transfer verbs' progress bar (see progress.h). */

#include "progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "images.h"
#include "macro.h"
#include "proc.h"

#define REDRAW_USEC 200000

void progress_init(struct progress *p, const char *label, bool enabled) {
        *p = (struct progress){
                .enabled = enabled,
                .label = label,
                .total = UINT64_MAX,
                .start_usec = now_usec(CLOCK_MONOTONIC),
        };
}

void progress_set_total(struct progress *p, uint64_t total) {
        p->total = total;
}

int progress_percent(const struct progress *p) {
        if (p->total == UINT64_MAX || p->total == 0)
                return -1;
        return p->done >= p->total ? 100 : (int) (p->done * 100 / p->total);
}

static void format_eta(char *buf, size_t size, uint64_t sec) {
        if (sec >= 3600)
                snprintf(buf, size, "%" PRIu64 "h %" PRIu64 "min", sec / 3600, sec % 3600 / 60);
        else if (sec >= 60)
                snprintf(buf, size, "%" PRIu64 "min %" PRIu64 "s", sec / 60, sec % 60);
        else
                snprintf(buf, size, "%" PRIu64 "s", sec);
}

void progress_format(char *buf, size_t size, const char *label, uint64_t done, uint64_t total,
                     uint64_t elapsed_usec, unsigned width) {
        char d[32], t[32], rate[32], eta[32] = "", tail[128], bar[256];
        uint64_t bps = elapsed_usec > 0 ? (uint64_t) ((double) done * 1e6 / (double) elapsed_usec) : 0;
        int n;

        format_bytes(d, sizeof d, done);
        format_bytes(rate, sizeof rate, bps);
        if (total == UINT64_MAX || total == 0) {
                snprintf(buf, size, "%.40s %s %s/s", label, d, rate);
                return;
        }
        unsigned percent = done >= total ? 100 : (unsigned) (done * 100 / total);
        format_bytes(t, sizeof t, total);
        if (bps > 0 && done < total)
                format_eta(eta, sizeof eta, (total - done) / bps);
        n = snprintf(tail, sizeof tail, " %s/%s %s/s%s%s", d, t, rate, *eta ? " ETA " : "", eta);
        /* "label NNN% [" + bar + "]" + tail fits in width */
        int fixed = (int) MIN(strlen(label), (size_t) 40) + 7 + 1 + n;
        int cells = MIN((int) width - fixed - 1, (int) sizeof bar - 1);
        if (cells < 10) {
                snprintf(buf, size, "%.40s %3u%%%s", label, percent, tail);
                return;
        }
        int full = (int) ((uint64_t) cells * MIN(done, total) / total);
        for (int i = 0; i < cells; i++)
                bar[i] = i < full ? '=' : i == full ? '>' : ' ';
        bar[cells] = 0;
        snprintf(buf, size, "%.40s %3u%% [%s]%s", label, percent, bar, tail);
}

static unsigned terminal_width(void) {
        struct winsize w;
        return ioctl(STDERR_FILENO, TIOCGWINSZ, &w) >= 0 && w.ws_col > 0 ? w.ws_col : 80;
}

void progress_update(struct progress *p, uint64_t done, bool force) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        char line[512];

        p->done = done;
        if (!p->enabled || (!force && now - p->last_usec < REDRAW_USEC))
                return;
        p->last_usec = now;
        progress_format(line, sizeof line, p->label, done, p->total, now - p->start_usec, terminal_width());
        fprintf(stderr, "\r%s\x1b[K", line);
        fflush(stderr);
        p->drawn = true;
}

void progress_clear(struct progress *p) {
        if (!p->drawn)
                return;
        fputs("\r\x1b[K", stderr);
        fflush(stderr);
        p->drawn = false;
}
