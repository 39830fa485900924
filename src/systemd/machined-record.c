/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A machine as machined describes it: the helper's data messages. See machined-record.h. */
#include "machined-record.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "name-valid.h"
#include "parse-util.h"
#include "strv.h"

void machined_record_done(struct machined_record *r) {
        free(r->name);
        free(r->service);
        free(r->unit);
        free(r->class);
        free(r->root);
        free(r->state);
        free(r->control_group);
        free(r->netif);
        strv_free(r->os);
        strv_free(r->addresses);
        *r = (struct machined_record){};
}

/* ---- formatting (the helper) ---- */

struct items {
        char *buf;
        size_t size;
        int error;
};

static void item_add(struct items *it, const char *key, const char *value) {
        if (it->error || !value)
                return;
        size_t k = strlen(key), v = strlen(value);
        char *n = realloc(it->buf, it->size + k + 1 + v + 1);
        if (!n) {
                it->error = -ENOMEM;
                return;
        }
        memcpy(n + it->size, key, k);
        n[it->size + k] = '=';
        memcpy(n + it->size + k + 1, value, v + 1);
        it->buf = n;
        it->size += k + 1 + v + 1;
}

static void item_u64(struct items *it, const char *key, uint64_t u) {
        char s[24];
        snprintf(s, sizeof s, "%" PRIu64, u);
        item_add(it, key, s);
}

int machined_record_format(const struct machined_record *r, char **ret, size_t *ret_size) {
        struct items it = {};
        char id[33] = "", netif[MACHINED_RECORD_LIST_MAX * 12] = "";
        bool zero = true;

        if (!r->name)
                return -EINVAL;
        for (size_t i = 0; i < 16; i++)
                zero = zero && r->id[i] == 0;
        for (size_t i = 0; !zero && i < 16; i++)
                snprintf(id + 2 * i, 3, "%02x", r->id[i]);
        for (size_t i = 0; i < r->n_netif && i < MACHINED_RECORD_LIST_MAX; i++)
                snprintf(netif + strlen(netif), sizeof netif - strlen(netif), "%s%i", i ? " " : "",
                         r->netif[i]);
        item_add(&it, "Name", r->name);
        item_add(&it, "Id", id);
        item_u64(&it, "Timestamp", r->timestamp);
        item_u64(&it, "TimestampMonotonic", r->timestamp_monotonic);
        item_add(&it, "Service", r->service);
        item_add(&it, "Unit", r->unit);
        item_u64(&it, "Leader", r->leader);
        item_add(&it, "Class", r->class);
        item_add(&it, "RootDirectory", r->root);
        item_add(&it, "NetworkInterfaces", netif);
        item_add(&it, "State", r->state);
        item_add(&it, "ControlGroup", r->control_group);
        size_t n = 0;
        STRV_FOREACH(s, r->os)
        if (n++ < MACHINED_RECORD_LIST_MAX)
                item_add(&it, "OS", *s);
        n = 0;
        STRV_FOREACH(s, r->addresses)
        if (n++ < MACHINED_RECORD_LIST_MAX)
                item_add(&it, "Address", *s);
        if (it.error) {
                free(it.buf);
                return it.error;
        }
        *ret = it.buf;
        *ret_size = it.size;
        return 0;
}

/* ---- parsing (nspawnctl) ---- */

static int parse_id(const char *s, uint8_t ret[16]) {
        uint8_t id[16] = {};
        if (*s) {
                if (strlen(s) != 32)
                        return -EBADMSG;
                for (size_t i = 0; i < 16; i++) {
                        int hi = unhex_char(s[2 * i]), lo = unhex_char(s[2 * i + 1]);
                        if (hi < 0 || lo < 0)
                                return -EBADMSG;
                        id[i] = (uint8_t) (hi << 4 | lo);
                }
        }
        memcpy(ret, id, 16);
        return 0;
}

static int parse_netif(const char *s, int **ret, size_t *ret_n) {
        _cleanup_strv_free_ char **l = NULL;
        int r = strv_split(s, " ", &l);
        if (r < 0)
                return r;
        size_t n = strv_length(l);
        if (n > MACHINED_RECORD_LIST_MAX)
                return -EBADMSG;
        int *a = n > 0 ? calloc(n, sizeof(int)) : NULL;
        if (n > 0 && !a)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (parse_int(l[i], &a[i]) < 0 || a[i] <= 0) {
                        free(a);
                        return -EBADMSG;
                }
        free(*ret);
        *ret = a;
        *ret_n = n;
        return 0;
}

static int set_string(char **slot, const char *value) {
        char *s = strdup(value);
        if (!s)
                return -ENOMEM;
        free(*slot);
        *slot = s;
        return 0;
}

static int add_listed(char ***l, const char *value) {
        if (strv_length(*l) >= MACHINED_RECORD_LIST_MAX)
                return -EBADMSG;
        return strv_extend(l, value);
}

char **machined_record_string(struct machined_record *r, const char *name) {
        static const struct {
                const char *name;
                size_t offset;
        } strings[] = {
                {"Name", offsetof(struct machined_record, name)},
                {"Service", offsetof(struct machined_record, service)},
                {"Unit", offsetof(struct machined_record, unit)},
                {"Class", offsetof(struct machined_record, class)},
                {"RootDirectory", offsetof(struct machined_record, root)},
                {"State", offsetof(struct machined_record, state)},
                {"ControlGroup", offsetof(struct machined_record, control_group)},
        };
        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                if (streq(name, strings[i].name))
                        return (char **) ((uint8_t *) r + strings[i].offset);
        return NULL;
}

static int parse_item(struct machined_record *r, const char *key, const char *value) {
        char **slot = machined_record_string(r, key);
        if (slot)
                return set_string(slot, value);
        if (streq(key, "Id"))
                return parse_id(value, r->id);
        if (streq(key, "Timestamp"))
                return parse_u64(value, &r->timestamp) < 0 ? -EBADMSG : 0;
        if (streq(key, "TimestampMonotonic"))
                return parse_u64(value, &r->timestamp_monotonic) < 0 ? -EBADMSG : 0;
        if (streq(key, "Leader"))
                return parse_uint32(value, &r->leader) < 0 ? -EBADMSG : 0;
        if (streq(key, "NetworkInterfaces"))
                return parse_netif(value, &r->netif, &r->n_netif);
        if (streq(key, "OS"))
                return strchr(value, '=') ? add_listed(&r->os, value) : -EBADMSG;
        if (streq(key, "Address"))
                return add_listed(&r->addresses, value);
        return 0; /* a key of a newer helper */
}

int machined_record_parse(const void *buf, size_t size, struct machined_record *ret) {
        struct machined_record r = {};
        const char *p = buf, *end = p + size;
        int e = 0;

        if (size == 0 || p[size - 1] != 0)
                return -EBADMSG;
        for (; p < end && e >= 0; p += strlen(p) + 1) {
                const char *eq = strchr(p, '=');
                if (!eq || eq == p) {
                        e = -EBADMSG;
                        break;
                }
                _cleanup_free_ char *key = strndup(p, (size_t) (eq - p));
                e = key ? parse_item(&r, key, eq + 1) : -ENOMEM;
        }
        if (e >= 0 && (!r.name || !machine_name_is_valid(r.name)))
                e = -EBADMSG;
        if (e < 0) {
                machined_record_done(&r);
                return e;
        }
        *ret = r;
        return 0;
}
