/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* uid_map / gid_map contents (see userns-map.h). */
#include "userns-map.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"

static bool range_valid(uint32_t inside, uint32_t outside, uint32_t count) {
        return count > 0 && count - 1 <= UINT32_MAX - inside && count - 1 <= UINT32_MAX - outside;
}

int userns_map_add(struct userns_map *m, uint32_t inside, uint32_t outside, uint32_t count) {
        if (!range_valid(inside, outside, count))
                return -EINVAL;
        if (m->n >= USERNS_MAP_MAX)
                return -E2BIG;
        m->r[m->n++] = (struct userns_range){inside, outside, count};
        return 0;
}

int userns_map_punch(struct userns_map *m, uint32_t inside, uint32_t outside) {
        for (size_t i = 0; i < m->n; i++) {
                struct userns_range c = m->r[i];
                if (inside < c.inside || inside - c.inside >= c.count)
                        continue;
                uint32_t before = inside - c.inside, after = c.count - before - 1;
                if (m->n + 2 > USERNS_MAP_MAX)
                        return -E2BIG;
                /* drop c, then add what is left of it and the single id */
                memmove(m->r + i, m->r + i + 1, (m->n - i - 1) * sizeof(m->r[0]));
                m->n--;
                if (before > 0)
                        (void) userns_map_add(m, c.inside, c.outside, before);
                if (after > 0)
                        (void) userns_map_add(m, inside + 1, c.outside + before + 1, after);
                return userns_map_add(m, inside, outside, 1);
        }
        return userns_map_add(m, inside, outside, 1);
}

static bool overlap(uint32_t a, uint32_t an, uint32_t b, uint32_t bn) {
        return a <= b + (bn - 1) && b <= a + (an - 1);
}

int userns_map_check(const struct userns_map *m, const char **ret_reason) {
        for (size_t i = 0; i < m->n; i++) {
                const struct userns_range *a = &m->r[i];
                if (!range_valid(a->inside, a->outside, a->count)) {
                        *ret_reason = "a range is empty or goes beyond 4294967295";
                        return -EINVAL;
                }
                for (size_t j = 0; j < i; j++) {
                        const struct userns_range *b = &m->r[j];
                        if (overlap(a->inside, a->count, b->inside, b->count)) {
                                *ret_reason = "two ranges overlap inside the container";
                                return -EINVAL;
                        }
                        if (overlap(a->outside, a->count, b->outside, b->count)) {
                                *ret_reason = "two ranges overlap on the host";
                                return -EINVAL;
                        }
                }
        }
        return 0;
}

uint32_t userns_map_to_outside(const struct userns_map *m, uint32_t inside) {
        for (size_t i = 0; i < m->n; i++)
                if (inside >= m->r[i].inside && inside - m->r[i].inside < m->r[i].count)
                        return m->r[i].outside + (inside - m->r[i].inside);
        return UINT32_MAX;
}

uint32_t userns_map_to_inside(const struct userns_map *m, uint32_t outside) {
        for (size_t i = 0; i < m->n; i++)
                if (outside >= m->r[i].outside && outside - m->r[i].outside < m->r[i].count)
                        return m->r[i].inside + (outside - m->r[i].outside);
        return UINT32_MAX;
}

bool userns_map_is_single(const struct userns_map *m, uint32_t base, uint32_t count) {
        return m->n == 1 && m->r[0].inside == 0 && m->r[0].outside == base && m->r[0].count == count;
}

int userns_map_format(const struct userns_map *m, char *buf, size_t size) {
        size_t len = 0;

        if (size == 0)
                return -ENOBUFS;
        buf[0] = 0;
        for (size_t i = 0; i < m->n; i++) {
                int k = snprintf(buf + len, size - len, "%u %u %u\n", m->r[i].inside, m->r[i].outside,
                                 m->r[i].count);
                if (k < 0 || (size_t) k >= size - len)
                        return -ENOBUFS;
                len += (size_t) k;
        }
        return (int) len;
}

void userns_map_to_argv(const struct userns_map *m, char buf[][11], char **argv) {
        size_t k = 0;
        for (size_t i = 0; i < m->n; i++) {
                uint32_t v[3] = {m->r[i].inside, m->r[i].outside, m->r[i].count};
                for (size_t j = 0; j < 3; j++, k++) {
                        snprintf(buf[k], 11, "%u", v[j]);
                        argv[k] = buf[k];
                }
        }
        argv[k] = NULL;
}

int userns_map_parse_line(const char *spec, struct userns_map *uid, struct userns_map *gid,
                          const char **ret_reason) {
        uint32_t v[3];
        const char *p;
        char kind;

        if (!spec || strlen(spec) < 2 || !strchr("ugb", spec[0]) || spec[1] != ':') {
                *ret_reason = "expected u|g|b:INSIDE:OUTSIDE:COUNT";
                return -EINVAL;
        }
        kind = spec[0];
        p = spec + 2;
        for (size_t i = 0; i < 3; i++) {
                const char *end = i < 2 ? strchr(p, ':') : p + strlen(p);
                char num[16];
                size_t l = end ? (size_t) (end - p) : 0;
                if (!end || l == 0 || l >= sizeof num) {
                        *ret_reason = "expected u|g|b:INSIDE:OUTSIDE:COUNT";
                        return -EINVAL;
                }
                memcpy(num, p, l);
                num[l] = 0;
                if (parse_uint32(num, &v[i]) < 0) {
                        *ret_reason = "expected u|g|b:INSIDE:OUTSIDE:COUNT with decimal numbers";
                        return -EINVAL;
                }
                p = end + (i < 2);
        }
        if (!range_valid(v[0], v[1], v[2])) {
                *ret_reason = "the range is empty or goes beyond 4294967295";
                return -EINVAL;
        }
        int r = 0;
        if (kind != 'g')
                r = userns_map_add(uid, v[0], v[1], v[2]);
        if (r >= 0 && kind != 'u')
                r = userns_map_add(gid, v[0], v[1], v[2]);
        if (r == -E2BIG)
                *ret_reason = "too many ranges";
        return r;
}

int userns_subid_ranges(const char *path, const char *name, uint32_t uid, struct userns_range *ret,
                        size_t max, size_t *ret_n) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[512], uidbuf[16];
        size_t n = 0;

        *ret_n = 0;
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        snprintf(uidbuf, sizeof uidbuf, "%u", uid);
        while (fgets(line, sizeof line, f)) {
                char *save = NULL, *who = strtok_r(line, ":\n", &save),
                     *start = strtok_r(NULL, ":\n", &save), *count = strtok_r(NULL, ":\n", &save);
                uint32_t s, c;

                if (!who || !count || (!streq_ptr(who, name) && !streq(who, uidbuf)))
                        continue;
                if (parse_uint32(start, &s) < 0 || parse_uint32(count, &c) < 0 || !range_valid(0, s, c))
                        continue;
                if (n < max)
                        ret[n++] = (struct userns_range){.inside = 0, .outside = s, .count = c};
        }
        *ret_n = n;
        return 0;
}
