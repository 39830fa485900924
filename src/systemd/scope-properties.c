/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The systemd scope's property list (cgroup.h, "systemd scope backend"), built without a bus: plain
 * data that nspawn hands to its D-Bus helper (sdbus-protocol.h), which puts it into
 * StartTransientUnit or machined's CreateMachineWithNetwork. Unit-tested on any host; also
 * compiled into the helper (cpu_list_to_mask()).
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "devices.h"
#include "macro.h"

/* ---- the property list ---- */

static struct scope_property *prop_add(struct scope_property **a, size_t *n, const char *name,
                                       enum scope_value_type type) {
        struct scope_property *p = realloc(*a, (*n + 1) * sizeof(**a));
        if (!p)
                return NULL;
        *a = p;
        p = &p[(*n)++];
        *p = (struct scope_property){.type = type};
        snprintf(p->name, sizeof p->name, "%s", name);
        return p;
}

static int prop_u64(struct scope_property **a, size_t *n, const char *name, enum scope_value_type type,
                    uint64_t u) {
        struct scope_property *p = prop_add(a, n, name, type);
        if (!p)
                return -ENOMEM;
        p->u = u;
        return 0;
}

static int prop_str(struct scope_property **a, size_t *n, const char *name, const char *value) {
        struct scope_property *p = prop_add(a, n, name, SCOPE_STRING);
        if (!p)
                return -ENOMEM;
        if (strlen(value) >= sizeof(p->str))
                return -ENAMETOOLONG;
        strcpy(p->str, value);
        return 0;
}

/* The pty majors (136..143, every minor) are "char-pts" to systemd, a single node is
 * /dev/char/MAJ:MIN (parsed, never stat'ed by systemd), 0:0 its own inaccessible nodes. Other
 * ranges cannot be said in DeviceAllow= and are left out (the fixed rules have none). */
static bool device_allow_name(const struct device_rule *r, char *buf, size_t size) {
        if (r->type == 'c' && r->major_lo == 136 && r->major_hi == 143 && r->minor == DEVICE_ANY)
                snprintf(buf, size, "char-pts");
        else if (r->major_lo != r->major_hi || r->major_lo < 0 || r->minor < 0)
                return false;
        else if (r->major_lo == 0 && r->minor == 0)
                snprintf(buf, size, "/run/systemd/inaccessible/%s", r->type == 'c' ? "chr" : "blk");
        else
                snprintf(buf, size, "/dev/%s/%d:%d", r->type == 'c' ? "char" : "block", r->major_lo,
                         r->minor);
        return true;
}

static int prop_device(struct scope_property **a, size_t *n, const struct device_rule *r) {
        char name[64], *q;
        struct scope_property *p;

        if (!device_allow_name(r, name, sizeof name))
                return 0;
        if (!(p = prop_add(a, n, "DeviceAllow", SCOPE_DEVICE)))
                return -ENOMEM;
        strcpy(p->str, name);
        q = p->access;
        if (r->access & DEVICE_ACCESS_READ)
                *q++ = 'r';
        if (r->access & DEVICE_ACCESS_WRITE)
                *q++ = 'w';
        if (r->access & DEVICE_ACCESS_MKNOD)
                *q++ = 'm';
        *q = 0;
        return 0;
}

/* --property=: the bus name and type of each one we parse (cgroup.h's cgroup_property_id). */
static const struct {
        const char *name;
        enum scope_value_type type;
} bus_properties[_CGROUP_PROPERTY_MAX] = {
        [CGROUP_MEMORY_MAX] = {"MemoryMax", SCOPE_U64},
        [CGROUP_MEMORY_HIGH] = {"MemoryHigh", SCOPE_U64},
        [CGROUP_TASKS_MAX] = {"TasksMax", SCOPE_U64},
        [CGROUP_CPU_QUOTA] = {"CPUQuotaPerSecUSec", SCOPE_U64},
        [CGROUP_CPU_WEIGHT] = {"CPUWeight", SCOPE_U64},
        [CGROUP_ALLOWED_CPUS] = {"AllowedCPUs", SCOPE_CPUS},
        [CGROUP_IO_WEIGHT] = {"IOWeight", SCOPE_U64},
};

static int prop_setting(struct scope_property **a, size_t *n, const struct cgroup_property *c) {
        if (c->id < 0 || c->id >= _CGROUP_PROPERTY_MAX)
                return -EINVAL;
        struct scope_property *p = prop_add(a, n, bus_properties[c->id].name, bus_properties[c->id].type);
        if (!p)
                return -ENOMEM;
        p->u = c->value;
        /* our quota is per CGROUP_CPU_PERIOD_USEC, systemd's per second ("infinity" stays) */
        if (c->id == CGROUP_CPU_QUOTA && c->value != CGROUP_LIMIT_MAX)
                p->u = c->value * (1000000 / CGROUP_CPU_PERIOD_USEC);
        if (c->id == CGROUP_ALLOWED_CPUS)
                snprintf(p->str, sizeof p->str, "%s", c->cpus);
        return 0;
}

static int build(const struct scope_spec *spec, enum scope_caller who, struct scope_property **a,
                 size_t *n) {
        char description[128];
        int r;

        if (who == SCOPE_FOR_SYSTEMD) {
                snprintf(description, sizeof description, "Container %s", spec->machine);
                if ((r = prop_u64(a, n, "PIDs", SCOPE_PIDS, (uint64_t) spec->pid)) < 0 ||
                    (r = prop_str(a, n, "Description", description)) < 0 ||
                    (r = prop_u64(a, n, "Delegate", SCOPE_BOOL, 1)) < 0 ||
                    (r = prop_str(a, n, "CollectMode", "inactive-or-failed")) < 0 ||
                    (r = prop_u64(a, n, "AddRef", SCOPE_BOOL, 1)) < 0)
                        return r;
        }
        if ((r = prop_str(a, n, "Slice", spec->slice ?: "machine.slice")) < 0 ||
            (r = prop_str(a, n, "DevicePolicy", "closed")) < 0)
                return r;
        for (size_t i = 0; i < spec->n_devices; i++)
                if ((r = prop_device(a, n, &spec->devices[i])) < 0)
                        return r;
        if (spec->kill_signal > 0 &&
            ((r = prop_u64(a, n, "KillSignal", SCOPE_I32, (uint64_t) spec->kill_signal)) < 0 ||
             (r = prop_str(a, n, "KillMode", "mixed")) < 0))
                return r;
        for (size_t i = 0; i < spec->n_props; i++)
                if ((r = prop_setting(a, n, &spec->props[i])) < 0)
                        return r;
        return 0;
}

int scope_properties_build(const struct scope_spec *spec, enum scope_caller who, struct scope_property **ret,
                           size_t *ret_n) {
        struct scope_property *a = NULL;
        size_t n = 0;

        if (!spec->machine || (who == SCOPE_FOR_SYSTEMD && spec->pid <= 0))
                return -EINVAL;
        int r = build(spec, who, &a, &n);
        if (r < 0) {
                free(a);
                return r;
        }
        *ret = a;
        *ret_n = n;
        return 0;
}

/* "0-3,8" → bits 0..3 and 8. The list was validated by cgroup_property_parse(). */
int cpu_list_to_mask(const char *list, uint8_t **ret, size_t *ret_n) {
        uint8_t *mask = NULL;
        size_t n = 0;

        for (const char *p = list; p && *p;) {
                char *end;
                unsigned long lo = strtoul(p, &end, 10), hi = lo;
                if (end == p)
                        goto invalid;
                if (*end == '-') {
                        p = end + 1;
                        hi = strtoul(p, &end, 10);
                        if (end == p)
                                goto invalid;
                }
                if (hi < lo || hi >= 8192 || (*end && *end != ',' && *end != '\n'))
                        goto invalid;
                if (hi / 8 + 1 > n) {
                        uint8_t *m = realloc(mask, hi / 8 + 1);
                        if (!m) {
                                free(mask);
                                return -ENOMEM;
                        }
                        memset(m + n, 0, hi / 8 + 1 - n);
                        mask = m;
                        n = hi / 8 + 1;
                }
                for (unsigned long c = lo; c <= hi; c++)
                        mask[c / 8] |= (uint8_t) (1u << (c % 8));
                p = *end ? end + 1 : end;
        }
        *ret = mask;
        *ret_n = n;
        return 0;
invalid:
        free(mask);
        return -EINVAL;
}
