/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The library never prints: a function that fails leaves a message for the front-end to log
 * once. These record it. */

#include "macro.h"

/* Format a message into *error unless one is there already (the first failure is the one worth
 * reporting; later ones are usually its consequences). Returns r, for
 * "return error_setf(ret_error, -EINVAL, ...)". error may be NULL (nothing recorded). */
_printf_(3, 4) int error_setf(char **error, int r, const char *fmt, ...);

/* Append a formatted message to a NULL-terminated list (warnings); on allocation failure the
 * message is dropped. */
_printf_(2, 3) void strv_pushf(char ***l, const char *fmt, ...);
