/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Timestamps as systemd prints them: "Sun 2026-11-29 00:31:01 UTC" and "2s ago". */

#include <stddef.h>
#include <stdint.h>

/* CLOCK_REALTIME µs → local time; "" for 0. */
char *format_timestamp(char *buf, size_t size, uint64_t usec);
/* Distance from now ("5min 3s ago", "1 day 2h left", "now"); "" for 0. */
char *format_timestamp_relative(char *buf, size_t size, uint64_t usec, uint64_t now);
