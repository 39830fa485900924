/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "parse-util.h"

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

/* ---- booleans and numbers ---- */

int parse_boolean(const char *v) {
        static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off"};

        if (!v)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

/* strtoll/strtoull accept leading blanks; we do not: values come from users verbatim. */
static bool number_start_ok(const char *s, bool allow_minus) {
        if (isempty(s))
                return false;
        if (*s == '-' && !allow_minus)
                return false;
        if (*s == '+' || *s == '-')
                s++;
        return isdigit((unsigned char) *s);
}

int parse_int(const char *s, int *ret) {
        char *end;
        long long v;

        if (!number_start_ok(s, true))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE || v < INT_MIN || v > INT_MAX)
                return -ERANGE;
        *ret = (int) v;
        return 0;
}

int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!number_start_ok(s, false))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_size(const char *s, uint64_t base, uint64_t *ret) {
        static const char suffixes[] = "EPTGMK";
        uint64_t total = 0;
        const char *p = s;

        if (base != 1000 && base != 1024)
                return -EINVAL;
        p += strspn(p, " \t\n");
        if (!*p)
                return -EINVAL;
        while (*p) {
                uint64_t l, frac = 0, denom = 1, factor = 1;
                char *e;

                if (*p == '-')
                        return -ERANGE;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                errno = 0;
                l = strtoull(p, &e, 10);
                if (errno == ERANGE)
                        return -ERANGE;
                if (*e == '.') {
                        for (e++; *e >= '0' && *e <= '9'; e++)
                                if (denom <= UINT64_MAX / 100) { /* more digits change nothing */
                                        frac = frac * 10 + (uint64_t) (*e - '0');
                                        denom *= 10;
                                }
                }
                e += strspn(e, " \t\n");
                const char *k = *e ? strchr(suffixes, *e) : NULL;
                if (k) {
                        for (size_t n = strlen(k); n > 0; n--)
                                factor *= base;
                        e++;
                } else if (*e == 'B')
                        e++;
                else if (*e)
                        return -EINVAL;
                if (l > UINT64_MAX / factor || l * factor > UINT64_MAX - total)
                        return -ERANGE;
                total += l * factor;
                uint64_t f = (uint64_t) ((long double) frac * (long double) factor / (long double) denom);
                if (f > UINT64_MAX - total)
                        return -ERANGE;
                total += f;
                p = e + strspn(e, " \t\n");
        }
        *ret = total;
        return 0;
}

int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t v;
        int r = parse_u64(s, &v);
        if (r < 0)
                return r;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_uint32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r = parse_u64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int parse_port(const char *s, uint16_t *ret) {
        uint32_t v;
        int r = parse_uint32(s, &v);
        if (r < 0)
                return r;
        if (v == 0 || v > 65535)
                return -ERANGE;
        *ret = (uint16_t) v;
        return 0;
}

int unhex_char(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

/* ---- CPU sets ---- */

/* systemd refuses CPU indexes from 8192 on; so do we (and it bounds the allocation). */
#define CPU_INDEX_MAX 8191

static int cpu_range_parse(const char *w, unsigned *ret_a, unsigned *ret_b) {
        _cleanup_free_ char *first = NULL;
        const char *dash = strchr(w, '-');
        uint32_t a, b;
        int r;

        first = dash ? strndup(w, (size_t) (dash - w)) : strdup(w);
        if (!first)
                return -ENOMEM;
        r = parse_uint32(first, &a);
        if (r < 0)
                return r;
        b = a;
        if (dash) {
                r = parse_uint32(dash + 1, &b);
                if (r < 0)
                        return r;
        }
        if (a > CPU_INDEX_MAX || b > CPU_INDEX_MAX)
                return -ERANGE;
        if (b < a)
                return -EINVAL;
        *ret_a = a;
        *ret_b = b;
        return 0;
}

int parse_cpu_set(const char *s, cpu_set_t **ret, size_t *ret_size) {
        _cleanup_strv_free_ char **words = NULL;
        unsigned a, b, max = 0;
        cpu_set_t *set;
        size_t size;
        int r;

        r = strv_split(s ?: "", ", \t\n", &words);
        if (r < 0)
                return r;
        if (!words[0]) { /* empty: "no affinity set" */
                *ret = NULL;
                *ret_size = 0;
                return 0;
        }
        STRV_FOREACH(w, words) {
                r = cpu_range_parse(*w, &a, &b);
                if (r < 0)
                        return r;
                max = MAX(max, b);
        }
        set = CPU_ALLOC(max + 1);
        if (!set)
                return -ENOMEM;
        size = CPU_ALLOC_SIZE(max + 1);
        CPU_ZERO_S(size, set);
        STRV_FOREACH(w, words) {
                (void) cpu_range_parse(*w, &a, &b);
                for (unsigned c = a; c <= b; c++)
                        CPU_SET_S(c, size, set);
        }
        *ret = set;
        *ret_size = size;
        return 0;
}

/* ---- word splitting ---- */

int extract_word(const char **p, const char *seps, char **ret) {
        _cleanup_free_ char *w = NULL;
        const char *s = *p;
        size_t n = 0;

        if (!s)
                return 0;
        w = malloc(strlen(s) + 1);
        if (!w)
                return -ENOMEM;
        for (;; s++) {
                if (*s == '\\') {
                        if (!s[1])
                                return -EINVAL;
                        w[n++] = *++s;
                        continue;
                }
                if (*s == 0) {
                        s = NULL;
                        break;
                }
                if (strchr(seps, *s)) {
                        s++;
                        break;
                }
                w[n++] = *s;
        }
        w[n] = 0;
        *p = s;
        *ret = TAKE_PTR(w);
        return 1;
}

int split_quoted(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        _cleanup_free_ char *w = NULL;
        int r;

        if (!l || !(w = malloc(strlen(s ?: "") + 1)))
                return -ENOMEM;
        for (const char *p = s ?: "";;) {
                size_t n = 0;
                char quote = 0;

                p += strspn(p, " \t\n\r");
                if (!*p)
                        break;
                for (; *p && (quote || !strchr(" \t\n\r", *p)); p++) {
                        if (quote && *p == quote)
                                quote = 0;
                        else if (!quote && (*p == '\'' || *p == '"'))
                                quote = *p;
                        else if (*p == '\\' && quote != '\'') {
                                if (!p[1])
                                        return -EINVAL;
                                w[n++] = *++p;
                        } else
                                w[n++] = *p;
                }
                if (quote)
                        return -EINVAL;
                w[n] = 0;
                r = strv_extend(&l, w);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
