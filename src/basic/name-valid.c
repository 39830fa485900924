/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "name-valid.h"

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
#include "strv.h"

/* ---- names ---- */

static bool hostname_label_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* Dot-separated labels of letters, digits and inner hyphens; no empty label, no trailing dot;
 * at most 64 characters (HOST_NAME_MAX). */
bool hostname_is_valid(const char *s) {
        size_t label = 0;

        if (isempty(s) || strlen(s) > 64)
                return false;
        for (const char *p = s;; p++) {
                if (*p == '.' || *p == 0) {
                        if (label == 0 || p[-1] == '-')
                                return false;
                        if (*p == 0)
                                return true;
                        label = 0;
                        continue;
                }
                if (!hostname_label_char(*p) || (label == 0 && *p == '-'))
                        return false;
                label++;
        }
}

bool machine_name_is_valid(const char *s) {
        /* A valid hostname already excludes "/", "." and ".."; checked anyway, since the name
         * becomes a file name in several places. */
        return hostname_is_valid(s) && strlen(s) <= 64 && !strchr(s, '/') && !streq(s, ".") &&
               !streq(s, "..");
}

bool filename_is_valid(const char *s) {
        if (isempty(s) || streq(s, ".") || streq(s, ".."))
                return false;
        return !strchr(s, '/') && strlen(s) <= NAME_MAX;
}

/* Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) without control
 * characters (C0 and DEL). */
static bool utf8_printable(const char *s) {
        const unsigned char *p = (const unsigned char *) s;
        while (*p) {
                unsigned c = *p, n = c < 0x80             ? 0
                                     : (c & 0xe0) == 0xc0 ? 1
                                     : (c & 0xf0) == 0xe0 ? 2
                                     : (c & 0xf8) == 0xf0 ? 3
                                                          : 4;
                if (n == 4 || (n == 0 && (c < 0x20 || c == 0x7f)))
                        return false;
                unsigned cp = n == 0 ? c : c & (0x3f >> n);
                for (unsigned i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                static const unsigned min[] = {0, 0x80, 0x800, 0x10000};
                if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                p += n + 1;
        }
        return true;
}

bool image_name_is_valid(const char *s) {
        return filename_is_valid(s) && utf8_printable(s) && !startswith(s, ".#");
}

bool ifname_is_valid(const char *s) {
        bool digits_only = true;

        if (isempty(s) || strlen(s) > 15 || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char) *p;
                if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':')
                        return false;
                digits_only = digits_only && isdigit(c);
        }
        /* An all-digit name could be mistaken for an interface index. */
        return !digits_only;
}

bool env_name_is_valid(const char *s) {
        if (isempty(s) || isdigit((unsigned char) *s))
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char) *p) && *p != '_')
                        return false;
        return true;
}

bool env_assignment_is_valid(const char *s) {
        _cleanup_free_ char *name = NULL;
        const char *eq;

        if (!s || !(eq = strchr(s, '=')))
                return false;
        name = strndup(s, (size_t) (eq - s));
        return name && env_name_is_valid(name);
}

bool user_name_is_valid(const char *s) {
        if (isempty(s) || strlen(s) > 256 || *s == '-' || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char) *p;
                if (c <= 0x20 || c == 0x7f || c == '/' || c == ':')
                        return false;
        }
        return true;
}
