/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "errmsg.h"

#include <stdarg.h>

#include "strv.h"

int error_setf(char **error, int r, const char *fmt, ...) {
        va_list ap;
        char *msg;

        if (!error || *error)
                return r;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) >= 0)
                *error = msg;
        va_end(ap);
        return r;
}

void strv_pushf(char ***l, const char *fmt, ...) {
        va_list ap;
        char *msg;

        va_start(ap, fmt);
        int k = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (k >= 0)
                (void) strv_push(l, msg); /* frees msg if it fails */
}
