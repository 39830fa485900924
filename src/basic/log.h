/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One logging path, with syslog's levels, to stderr, one line a message. The level in force is
 * LOG_INFO unless SYSTEMD_LOG_LEVEL says otherwise (as systemd's tools: a name — "emerg", "alert",
 * "crit", "err", "warning", "notice", "info", "debug" — or its number), read by log_setup().
 *
 * The library returns its errors and never logs them: the front-end logs each once. What the
 * library may log is its own progress at LOG_DEBUG, and what a long-running operation has to tell
 * the user while it runs (the supervisor's notices and the container's start-up warnings).
 */

#include <syslog.h>

#include "macro.h"

/* Read SYSTEMD_LOG_LEVEL. */
void log_setup(void);
void log_set_max_level(int level);
int log_get_max_level(void);

/* Log at level if it is in force. error: an errno (either sign) whose text "%m" names, or 0.
 * Returns -abs(error) (or -1 when error is 0), so that "return log_error_errno(r, ...);" works. */
_printf_(3, 4) int log_internal(int level, int error, const char *format, ...);

#define log_debug(...) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_DEBUG, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), __VA_ARGS__)

/* A level's name ("err", "debug") and back; -EINVAL for an unknown one. */
const char *log_level_to_string(int level);
int log_level_from_string(const char *s);
