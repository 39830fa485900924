/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Names and limits of the container's cgroups: systemd's slice and scope naming, and the
 * --property=NAME=VALUE settings nspawn writes to cgroup files itself (cgroup2 names, mapped to
 * the cgroup v1 files on legacy and hybrid hosts). See cgroup.h.
 */

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "macro.h"
#include "parse-util.h"

#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)

/* ---- slices and scopes ---- */

#define UNIT_NAME_MAX 255

static bool unit_char_valid(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr(":-_.\\", c);
}

/* systemd's slice_name_is_valid(): "-.slice", or a valid unit name whose prefix neither starts
 * nor ends with '-' and has no "--" (each dash is a level of the tree). */
static bool slice_name_is_valid(const char *s) {
        size_t n = strlen(s), l;

        if (streq(s, "-.slice"))
                return true;
        if (n <= strlen(".slice") || n > UNIT_NAME_MAX || !streq(s + n - strlen(".slice"), ".slice"))
                return false;
        l = n - strlen(".slice");
        for (size_t i = 0; i < l; i++)
                if (!unit_char_valid(s[i]) || s[i] == '.' || s[i] == '\\')
                        return false;
        return s[0] != '-' && s[l - 1] != '-' && !memmem(s, l, "--", 2);
}

int cgroup_slice_normalize(const char *name, char **ret) {
        char *s;

        if (isempty(name))
                return -EINVAL;
        if (strlen(name) > strlen(".slice") && streq(name + strlen(name) - strlen(".slice"), ".slice"))
                s = strdup(name);
        else if (asprintf(&s, "%s.slice", name) < 0)
                s = NULL;
        if (!s)
                return -ENOMEM;
        if (!slice_name_is_valid(s)) {
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

/* Controller names: a cgroup named "<controller>.<anything>" could clash with a control file,
 * so systemd's cg_escape() prefixes such names (and "_…", ".…", "cgroup.…") with '_'. */
static const char *const controller_names[] = {
        "cpu",     "cpuacct", "cpuset",   "io",         "blkio",   "memory", "devices", "pids",
        "freezer", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma",   "misc",
};

static bool cg_needs_prefix(const char *p) {
        const char *dot = strrchr(p, '.');

        if (p[0] == 0 || p[0] == '_' || p[0] == '.' || startswith(p, "cgroup.") || streq(p, "tasks") ||
            streq(p, "notify_on_release") || streq(p, "release_agent"))
                return true;
        if (!dot)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(controller_names); i++)
                if (strlen(controller_names[i]) == (size_t) (dot - p) &&
                    strneq(p, controller_names[i], dot - p))
                        return true;
        return false;
}

/* Append "/name" (cg_escape'd) to *buf at *len. */
static int path_append(char *buf, size_t size, size_t *len, const char *name, size_t n) {
        char tmp[UNIT_NAME_MAX + 1];
        int k;

        if (n > UNIT_NAME_MAX)
                return -EINVAL;
        memcpy(tmp, name, n);
        tmp[n] = 0;
        k = snprintf(buf + *len, size - *len, "%s%s%s", *len ? "/" : "", cg_needs_prefix(tmp) ? "_" : "",
                     tmp);
        if (k < 0 || (size_t) k >= size - *len)
                return -ENAMETOOLONG;
        *len += (size_t) k;
        return 0;
}

int cgroup_slice_path(const char *slice, char **ret) {
        char buf[4096] = "";
        size_t len = 0, l;
        int r;

        if (!slice_name_is_valid(slice))
                return -EINVAL;
        if (!streq(slice, "-.slice")) {
                l = strlen(slice) - strlen(".slice");
                /* every prefix ending before a dash is a parent slice: a-b-c → a, a-b, a-b-c */
                for (size_t i = 1; i <= l; i++) {
                        if (i < l && slice[i] != '-')
                                continue;
                        char unit[UNIT_NAME_MAX + 1];
                        snprintf(unit, sizeof unit, "%.*s.slice", (int) i, slice);
                        r = path_append(buf, sizeof buf, &len, unit, strlen(unit));
                        if (r < 0)
                                return r;
                }
        }
        char *s = strdup(buf);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int cgroup_scope_name(const char *machine, char **ret) {
        char buf[4 * UNIT_NAME_MAX + 32], *p;

        if (isempty(machine) || strlen(machine) > 64)
                return -EINVAL;
        p = stpcpy(buf, "machine-");
        for (const char *c = machine; *c; c++) {
                /* unit_name_escape(): '/' → '-', anything outside [a-zA-Z0-9:_.] (and a leading
                 * '.') → \xNN */
                if (*c == '/')
                        *p++ = '-';
                else if (*c == '-' || *c == '\\' || !unit_char_valid(*c) || (c == machine && *c == '.'))
                        p += sprintf(p, "\\x%02x", (unsigned) (unsigned char) *c);
                else
                        *p++ = *c;
        }
        strcpy(p, ".scope");
        if (strlen(buf) > UNIT_NAME_MAX)
                return -EINVAL;
        if (!(*ret = strdup(buf)))
                return -ENOMEM;
        return 0;
}

/* ---- properties ---- */

enum value_kind { VALUE_BYTES, VALUE_TASKS, VALUE_PERCENT, VALUE_WEIGHT, VALUE_CPUS };

static const struct property_def {
        const char *name;
        enum value_kind kind;
        /* cgroup2 file; cgroup v1 controller and file */
        const char *v2_file;
        const char *v1_controller;
        const char *v1_file;
} property_defs[_CGROUP_PROPERTY_MAX] = {
        [CGROUP_MEMORY_MAX] = {"MemoryMax", VALUE_BYTES, "memory.max", "memory", "memory.limit_in_bytes"},
        /* v1 has no throttling limit; the soft limit (reclaim target under pressure) is closest */
        [CGROUP_MEMORY_HIGH] = {"MemoryHigh", VALUE_BYTES, "memory.high", "memory",
                                "memory.soft_limit_in_bytes"},
        [CGROUP_TASKS_MAX] = {"TasksMax", VALUE_TASKS, "pids.max", "pids", "pids.max"},
        [CGROUP_CPU_QUOTA] = {"CPUQuota", VALUE_PERCENT, "cpu.max", "cpu", "cpu.cfs_quota_us"},
        [CGROUP_CPU_WEIGHT] = {"CPUWeight", VALUE_WEIGHT, "cpu.weight", "cpu", "cpu.shares"},
        [CGROUP_ALLOWED_CPUS] = {"AllowedCPUs", VALUE_CPUS, "cpuset.cpus", "cpuset", "cpuset.cpus"},
        [CGROUP_IO_WEIGHT] = {"IOWeight", VALUE_WEIGHT, "io.weight", "blkio", "blkio.weight"},
};

/* Unit properties of systemd that nspawn does not write itself (yet): a distinct error, so the
 * user learns the name is right but the mechanism is missing. */
static const char *const known_unsupported[] = {
        "MemoryMin",           "MemoryLow",         "MemorySwapMax",      "CPUShares",
        "StartupCPUWeight",    "CPUQuotaPeriodSec", "AllowedMemoryNodes", "IOReadBandwidthMax",
        "IOWriteBandwidthMax", "IODeviceWeight",    "DeviceAllow",        "DevicePolicy",
        "BlockIOWeight",       "MemoryLimit",       "Delegate",           "TasksAccounting",
        "MemoryAccounting",    "CPUAccounting",     "IOAccounting",
};

const char *cgroup_property_name(enum cgroup_property_id id) {
        return id >= 0 && id < _CGROUP_PROPERTY_MAX ? property_defs[id].name : NULL;
}

/* Bytes with an optional binary suffix (K, M, G, T, P, E: powers of 1024, as systemd), or
 * "infinity". */
static int parse_bytes(const char *v, uint64_t *ret) {
        static const char suffixes[] = "KMGTPE";
        char *end;
        unsigned long long n;

        if (streq(v, "infinity")) {
                *ret = CGROUP_LIMIT_MAX;
                return 0;
        }
        if (!(*v >= '0' && *v <= '9'))
                return -EINVAL;
        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno != 0)
                return -ERANGE;
        if (*end) {
                const char *s = strchr(suffixes, *end);
                if (!s || !*s || (end[1] && !streq(end + 1, "B")))
                        return -EINVAL;
                for (const char *i = suffixes; i <= s; i++) {
                        if (n > ULLONG_MAX / 1024)
                                return -ERANGE;
                        n *= 1024;
                }
        }
        *ret = n;
        return 0;
}

/* "N%" or "N.NN%" of one CPU → µs per CGROUP_CPU_PERIOD_USEC (at least 1 ms, as the kernel
 * wants). More than 100% means more than one CPU. */
static int parse_cpu_quota(const char *v, uint64_t *ret) {
        size_t n = strlen(v);
        uint64_t whole, frac = 0, scale = 1;
        const char *dot;
        char buf[32];

        if (n < 2 || n >= sizeof buf || v[n - 1] != '%')
                return -EINVAL;
        memcpy(buf, v, n - 1);
        buf[n - 1] = 0;
        dot = strchr(buf, '.');
        if (dot) {
                buf[dot - buf] = 0;
                if (strlen(dot + 1) < 1 || strlen(dot + 1) > 2 || parse_u64_range(dot + 1, 0, 99, &frac) < 0)
                        return -EINVAL;
                scale = strlen(dot + 1) == 1 ? 10 : 100;
        }
        if (parse_u64_range(buf, 0, 1000000, &whole) < 0)
                return -EINVAL;
        /* percent of one CPU's period: period * pct / 100 */
        uint64_t usec = (whole * scale + frac) * CGROUP_CPU_PERIOD_USEC / (100 * scale);
        if (usec == 0)
                return -ERANGE;
        *ret = MAX(usec, (uint64_t) 1000);
        return 0;
}

/* Normalize a CPU list ("0-3, 5") to the kernel's format ("0-3,5"). */
static int parse_cpus(const char *v, char *buf, size_t size) {
        _cleanup_free_ cpu_set_t *set = NULL;
        size_t setsize, len = 0;
        int r = parse_cpu_set(v, &set, &setsize);

        if (r < 0)
                return r;
        if (!set)
                return -EINVAL;
        buf[0] = 0;
        for (unsigned i = 0; i < setsize * 8; i++) {
                unsigned j = i;
                if (!CPU_ISSET_S(i, setsize, set))
                        continue;
                while (j + 1 < setsize * 8 && CPU_ISSET_S(j + 1, setsize, set))
                        j++;
                int k = j > i ? snprintf(buf + len, size - len, "%s%u-%u", len ? "," : "", i, j)
                              : snprintf(buf + len, size - len, "%s%u", len ? "," : "", i);
                if (k < 0 || (size_t) k >= size - len)
                        return -E2BIG;
                len += (size_t) k;
                i = j;
        }
        return 0;
}

static int parse_value(const struct property_def *d, const char *v, struct cgroup_property *p) {
        switch (d->kind) {
        case VALUE_BYTES:
                return parse_bytes(v, &p->value);
        case VALUE_TASKS:
                if (streq(v, "infinity")) {
                        p->value = CGROUP_LIMIT_MAX;
                        return 0;
                }
                return parse_u64_range(v, 1, UINT32_MAX, &p->value);
        case VALUE_PERCENT:
                return parse_cpu_quota(v, &p->value);
        case VALUE_WEIGHT:
                return parse_u64_range(v, 1, 10000, &p->value);
        case VALUE_CPUS:
                return parse_cpus(v, p->cpus, sizeof p->cpus);
        }
        return -EINVAL;
}

static const char *const value_reasons[] = {
        [VALUE_BYTES] = "expected bytes (with an optional K, M, G, T suffix) or \"infinity\"",
        [VALUE_TASKS] = "expected a number of tasks or \"infinity\"",
        [VALUE_PERCENT] = "expected a percentage of one CPU, such as 20% or 150%",
        [VALUE_WEIGHT] = "expected a weight between 1 and 10000",
        [VALUE_CPUS] = "expected a list of CPUs, such as 0-3,5",
};

int cgroup_property_parse(const char *assignment, struct cgroup_property *ret, const char **ret_reason) {
        const char *eq = assignment ? strchr(assignment, '=') : NULL;
        struct cgroup_property p = {};

        if (!eq || eq == assignment) {
                *ret_reason = "expected NAME=VALUE";
                return -EINVAL;
        }
        size_t l = (size_t) (eq - assignment);
        for (p.id = 0; p.id < _CGROUP_PROPERTY_MAX; p.id++)
                if (strlen(property_defs[p.id].name) == l && strneq(assignment, property_defs[p.id].name, l))
                        break;
        if (p.id == _CGROUP_PROPERTY_MAX) {
                for (size_t i = 0; i < ELEMENTSOF(known_unsupported); i++)
                        if (strlen(known_unsupported[i]) == l &&
                            strneq(assignment, known_unsupported[i], l)) {
                                *ret_reason =
                                        "this unit property is not supported without systemd; supported: "
                                        "MemoryMax, MemoryHigh, TasksMax, CPUQuota, CPUWeight, "
                                        "AllowedCPUs, IOWeight";
                                return -EOPNOTSUPP;
                        }
                *ret_reason = "unknown property; supported: MemoryMax, MemoryHigh, TasksMax, CPUQuota, "
                              "CPUWeight, AllowedCPUs, IOWeight";
                return -EINVAL;
        }
        if (parse_value(&property_defs[p.id], eq + 1, &p) < 0) {
                *ret_reason = value_reasons[property_defs[p.id].kind];
                return -EINVAL;
        }
        *ret = p;
        return 0;
}

/* systemd's mappings of cgroup2 weights (1..10000, default 100) to v1 values. */
static uint64_t weight_to_shares(uint64_t w) {
        return MIN(MAX(w * 1024 / 100, (uint64_t) 2), (uint64_t) 262144);
}
static uint64_t weight_to_blkio(uint64_t w) {
        return MIN(MAX(w * 500 / 100, (uint64_t) 10), (uint64_t) 1000);
}

static void set_write(struct cgroup_write *w, const char *controller, const char *file, const char *fmt,
                      uint64_t a, uint64_t b) {
        w->controller = controller;
        w->file = file;
        snprintf(w->value, sizeof w->value, fmt, (unsigned long long) a, (unsigned long long) b);
}

static size_t writes_v2(const struct cgroup_property *p, const struct property_def *d,
                        struct cgroup_write w[2]) {
        const char *ctrl = d->v1_controller; /* the v2 controller is named alike, except io */
        bool inf = p->value == CGROUP_LIMIT_MAX;

        if (p->id == CGROUP_IO_WEIGHT)
                ctrl = "io";
        switch (p->id) {
        case CGROUP_CPU_QUOTA:
                set_write(w, ctrl, d->v2_file, "%llu %llu", p->value, CGROUP_CPU_PERIOD_USEC);
                break;
        case CGROUP_IO_WEIGHT:
                set_write(w, ctrl, d->v2_file, "default %llu", p->value, 0);
                break;
        case CGROUP_ALLOWED_CPUS:
                w->controller = ctrl;
                w->file = d->v2_file;
                snprintf(w->value, sizeof w->value, "%s", p->cpus);
                break;
        default:
                if (inf)
                        set_write(w, ctrl, d->v2_file, "max", 0, 0);
                else
                        set_write(w, ctrl, d->v2_file, "%llu", p->value, 0);
        }
        return 1;
}

static size_t writes_v1(const struct cgroup_property *p, const struct property_def *d,
                        struct cgroup_write w[2]) {
        bool inf = p->value == CGROUP_LIMIT_MAX;

        switch (p->id) {
        case CGROUP_CPU_QUOTA:
                /* the period first: the quota is checked against it */
                set_write(&w[0], d->v1_controller, "cpu.cfs_period_us", "%llu", CGROUP_CPU_PERIOD_USEC, 0);
                set_write(&w[1], d->v1_controller, d->v1_file, "%llu", p->value, 0);
                return 2;
        case CGROUP_CPU_WEIGHT:
                set_write(w, d->v1_controller, d->v1_file, "%llu", weight_to_shares(p->value), 0);
                return 1;
        case CGROUP_IO_WEIGHT:
                set_write(w, d->v1_controller, d->v1_file, "%llu", weight_to_blkio(p->value), 0);
                return 1;
        case CGROUP_ALLOWED_CPUS:
                w->controller = d->v1_controller;
                w->file = d->v1_file;
                snprintf(w->value, sizeof w->value, "%s", p->cpus);
                return 1;
        case CGROUP_TASKS_MAX:
                if (inf)
                        set_write(w, d->v1_controller, d->v1_file, "max", 0, 0);
                else
                        set_write(w, d->v1_controller, d->v1_file, "%llu", p->value, 0);
                return 1;
        default: /* memory: -1 is "no limit" */
                if (inf)
                        set_write(w, d->v1_controller, d->v1_file, "-1", 0, 0);
                else
                        set_write(w, d->v1_controller, d->v1_file, "%llu", p->value, 0);
                return 1;
        }
}

size_t cgroup_property_writes(const struct cgroup_property *p, bool unified, struct cgroup_write w[2]) {
        const struct property_def *d = &property_defs[p->id];
        return unified ? writes_v2(p, d, w) : writes_v1(p, d, w);
}
