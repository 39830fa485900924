/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The logging path (see log.h). */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse-util.h"

static int max_level = LOG_INFO;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg",     [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit", [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

const char *log_level_to_string(int level) {
        return level >= 0 && level < (int) ELEMENTSOF(level_names) ? level_names[level] : NULL;
}

int log_level_from_string(const char *s) {
        int n;

        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (streq(s, level_names[i]))
                        return (int) i;
        if (parse_int(s, &n) >= 0 && n >= LOG_EMERG && n <= LOG_DEBUG)
                return n;
        return -EINVAL;
}

void log_setup(void) {
        const char *e = getenv("SYSTEMD_LOG_LEVEL");
        int l = e ? log_level_from_string(e) : -EINVAL;
        if (l >= 0)
                max_level = l;
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

int log_internal(int level, int error, const char *format, ...) {
        int saved = errno, e = error < 0 ? -error : error;
        va_list ap;

        if (level <= max_level) {
                char line[2048];
                errno = e; /* for %m */
                va_start(ap, format);
                vsnprintf(line, sizeof line, format, ap);
                va_end(ap);
                fprintf(stderr, "%s\n", line);
        }
        errno = saved;
        return e > 0 ? -e : -1;
}
