/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Timestamps as systemd 252 formats them (format_timestamp(), format_timestamp_relative()). */

#include "timefmt.h"

#include <stdio.h>
#include <time.h>

#define USEC_PER_MSEC 1000ULL
#define USEC_PER_SEC 1000000ULL
#define USEC_PER_MINUTE (60 * USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MINUTE)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)
#define USEC_PER_WEEK (7 * USEC_PER_DAY)
#define USEC_PER_MONTH (2629800 * USEC_PER_SEC)
#define USEC_PER_YEAR (31557600 * USEC_PER_SEC)

char *format_timestamp(char *buf, size_t size, uint64_t usec) {
        struct tm tm;
        time_t sec = (time_t) (usec / USEC_PER_SEC);
        buf[0] = 0;
        if (usec == 0 || !localtime_r(&sec, &tm) || strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                buf[0] = 0;
        return buf;
}

static const char *plural(unsigned long long n, const char *one, const char *more) {
        return n == 1 ? one : more;
}

char *format_timestamp_relative(char *buf, size_t size, uint64_t usec, uint64_t now) {
        unsigned long long d;
        const char *s;

        if (usec == 0) {
                buf[0] = 0;
                return buf;
        }
        if (now > usec) {
                d = now - usec;
                s = "ago";
        } else {
                d = usec - now;
                s = "left";
        }
        if (d >= USEC_PER_YEAR) {
                unsigned long long y = d / USEC_PER_YEAR, m = (d % USEC_PER_YEAR) / USEC_PER_MONTH;
                snprintf(buf, size, "%llu %s %llu %s %s", y, plural(y, "year", "years"), m,
                         plural(m, "month", "months"), s);
        } else if (d >= USEC_PER_MONTH) {
                unsigned long long m = d / USEC_PER_MONTH, dd = (d % USEC_PER_MONTH) / USEC_PER_DAY;
                snprintf(buf, size, "%llu %s %llu %s %s", m, plural(m, "month", "months"), dd,
                         plural(dd, "day", "days"), s);
        } else if (d >= USEC_PER_WEEK) {
                unsigned long long w = d / USEC_PER_WEEK, dd = (d % USEC_PER_WEEK) / USEC_PER_DAY;
                snprintf(buf, size, "%llu %s %llu %s %s", w, plural(w, "week", "weeks"), dd,
                         plural(dd, "day", "days"), s);
        } else if (d >= 2 * USEC_PER_DAY)
                snprintf(buf, size, "%llu days %s", d / USEC_PER_DAY, s);
        else if (d >= 25 * USEC_PER_HOUR)
                snprintf(buf, size, "1 day %lluh %s", (d - USEC_PER_DAY) / USEC_PER_HOUR, s);
        else if (d >= 6 * USEC_PER_HOUR)
                snprintf(buf, size, "%lluh %s", d / USEC_PER_HOUR, s);
        else if (d >= USEC_PER_HOUR)
                snprintf(buf, size, "%lluh %llumin %s", d / USEC_PER_HOUR,
                         (d % USEC_PER_HOUR) / USEC_PER_MINUTE, s);
        else if (d >= 5 * USEC_PER_MINUTE)
                snprintf(buf, size, "%llumin %s", d / USEC_PER_MINUTE, s);
        else if (d >= USEC_PER_MINUTE)
                snprintf(buf, size, "%llumin %llus %s", d / USEC_PER_MINUTE,
                         (d % USEC_PER_MINUTE) / USEC_PER_SEC, s);
        else if (d >= USEC_PER_SEC)
                snprintf(buf, size, "%llus %s", d / USEC_PER_SEC, s);
        else if (d >= USEC_PER_MSEC)
                snprintf(buf, size, "%llums %s", d / USEC_PER_MSEC, s);
        else if (d > 0)
                snprintf(buf, size, "%lluus %s", d, s);
        else
                snprintf(buf, size, "now");
        return buf;
}
