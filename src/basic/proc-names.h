/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Names of process attributes as systemd spells them: signals, resource limits, personalities. */

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/* "SIGTERM", "TERM", "15", "SIGRTMIN+3", "RTMIN+3": signal number, or -EINVAL. */
int signal_from_string(const char *s);
/* "SIGTERM", "SIGRTMIN+3" (static buffer for RT signals is not used: returns a pointer into a
 * table; RT signals are formatted into buf of at least 16 bytes). */
const char *signal_to_string(int sig, char *buf, size_t size);
/* "NOFILE" or "RLIMIT_NOFILE" → RLIMIT_NOFILE, or -EINVAL. */
int rlimit_from_string(const char *s);
const char *rlimit_to_string(int r); /* "NOFILE" */
/* "SOFT[:HARD]", each a number or "infinity"; one value sets both. */
int parse_rlimit_value(const char *s, struct rlimit *ret);
/* Personality names as systemd: "x86", "x86-64", ... → PER_LINUX / PER_LINUX32. */
int personality_from_string(const char *s, unsigned long *ret);
