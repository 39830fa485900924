/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "uuid.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/random.h>
#include <unistd.h>

#include "macro.h"
#include "parse-util.h"
#include "strv.h"

/* ---- UUIDs ---- */

int uuid_parse(const char *s, uint8_t ret[16]) {
        uint8_t u[16];
        bool dashed, nonzero = false;
        size_t i = 0, n = 0;

        if (!s)
                return -EINVAL;
        if (strlen(s) == 36)
                dashed = true;
        else if (strlen(s) == 32)
                dashed = false;
        else
                return -EINVAL;

        while (n < 16) {
                /* The dashed form has dashes exactly at 8, 13, 18 and 23. */
                if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
                        if (s[i++] != '-')
                                return -EINVAL;
                        continue;
                }
                int hi = unhex_char(s[i]), lo = unhex_char(s[i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                u[n] = (uint8_t) (hi << 4 | lo);
                nonzero = nonzero || u[n];
                n++;
                i += 2;
        }
        if (!nonzero)
                return -EINVAL;
        memcpy(ret, u, 16);
        return 0;
}

void uuid_format(const uint8_t u[16], char buf[37]) {
        snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

void uuid_format_plain(const uint8_t u[16], char buf[33]) {
        for (size_t i = 0; i < 16; i++)
                snprintf(buf + 2 * i, 3, "%02x", u[i]);
}

int uuid_random(uint8_t ret[16]) {
        uint8_t u[16];
        size_t done = 0;

        while (done < sizeof(u)) {
                ssize_t k = getrandom(u + done, sizeof(u) - done, 0);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                done += (size_t) k;
        }
        /* Version 4 (random), RFC 4122 variant, as systemd's machine IDs. */
        u[6] = (u[6] & 0x0f) | 0x40;
        u[8] = (u[8] & 0x3f) | 0x80;
        memcpy(ret, u, 16);
        return 0;
}
