/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The transfer verbs' progress bar: one line on stderr, redrawn in place at most five times a
 * second, when stderr is a terminal (and not --quiet); nothing otherwise.
 *
 *   deb  45% [=========>            ] 120.5M/267.3M  35.2M/s  ETA 4s
 *   deb      120.5M  35.2M/s                      (the size is not known)
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct progress {
        bool enabled;
        const char *label;
        uint64_t total; /* UINT64_MAX: not known */
        uint64_t done;
        uint64_t start_usec, last_usec;
        bool drawn;
};

void progress_init(struct progress *p, const char *label, bool enabled);
void progress_set_total(struct progress *p, uint64_t total);
/* done bytes so far; redrawn if the last draw is 200 ms old (or force). */
void progress_update(struct progress *p, uint64_t done, bool force);
/* Erase the line (before other output, and at the end). */
void progress_clear(struct progress *p);
/* 0..100, or -1 when the size is not known. */
int progress_percent(const struct progress *p);

/* The line for these numbers, width columns at most (unit-tested). */
void progress_format(char *buf, size_t size, const char *label, uint64_t done, uint64_t total,
                     uint64_t elapsed_usec, unsigned width);
