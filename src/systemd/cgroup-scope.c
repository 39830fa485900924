/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The systemd backend of cgroup.h: the container's cgroup P is a transient scope unit that
 * systemd starts for us (StartTransientUnit over sd-bus), so systemd knows and accounts it. The
 * property list is built here without sd-bus (it is unit-tested on any host); the bus code is
 * compiled only with the 'sd-bus' build feature, without it the calls return -EOPNOTSUPP.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "devices.h"
#include "errmsg.h"
#include "macro.h"

/* ---- the property list ---- */

static struct scope_property *prop_add(struct scope_property **a, size_t *n, const char *name,
                                       enum scope_value_type type) {
        struct scope_property *p = realloc(*a, (*n + 1) * sizeof(**a));
        if (!p)
                return NULL;
        *a = p;
        p = &p[(*n)++];
        *p = (struct scope_property){.name = name, .type = type};
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

#if HAVE_SD_BUS

#include <poll.h>
#include <time.h>

#include "bus-scope.h"

bool cgroup_scope_available(void) {
        return access("/run/systemd/system/", F_OK) >= 0;
}

const char *bus_error_text(const sd_bus_error *e, int r) {
        if (e && sd_bus_error_is_set(e) && e->message)
                return e->message;
        return strerror(r < 0 ? -r : r);
}

static int append_one(sd_bus_message *m, const struct scope_property *p) {
        _cleanup_free_ uint8_t *mask = NULL;
        size_t n = 0;
        int r;

        switch (p->type) {
        case SCOPE_STRING:
                return sd_bus_message_append(m, "(sv)", p->name, "s", p->str);
        case SCOPE_BOOL:
                return sd_bus_message_append(m, "(sv)", p->name, "b", (int) !!p->u);
        case SCOPE_U64:
                return sd_bus_message_append(m, "(sv)", p->name, "t", p->u);
        case SCOPE_I32:
                return sd_bus_message_append(m, "(sv)", p->name, "i", (int32_t) p->u);
        case SCOPE_PIDS:
                return sd_bus_message_append(m, "(sv)", p->name, "au", 1, (uint32_t) p->u);
        case SCOPE_DEVICE:
                return sd_bus_message_append(m, "(sv)", p->name, "a(ss)", 1, p->str, p->access);
        case SCOPE_CPUS:
                if ((r = cpu_list_to_mask(p->str, &mask, &n)) < 0)
                        return r;
                if ((r = sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
                    (r = sd_bus_message_append(m, "s", p->name)) < 0 ||
                    (r = sd_bus_message_open_container(m, 'v', "ay")) < 0 ||
                    (r = sd_bus_message_append_array(m, 'y', mask, n)) < 0 ||
                    (r = sd_bus_message_close_container(m)) < 0)
                        return r;
                return sd_bus_message_close_container(m);
        }
        return -EINVAL;
}

int bus_scope_properties_append(sd_bus *bus, sd_bus_message *m, const struct scope_property *p, size_t n) {
        const char *unique;
        int r;

        /* Controller=: systemd asks us (RequestStop) instead of killing the scope on its own */
        if ((r = sd_bus_get_unique_name(bus, &unique)) < 0 ||
            (r = sd_bus_message_append(m, "(sv)", "Controller", "s", unique)) < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if ((r = append_one(m, &p[i])) < 0)
                        return r;
        return 0;
}

struct scope_unit {
        sd_bus *bus;
        char *name;
};

struct job_wait {
        const char *path;
        char *result; /* set by the JobRemoved signal */
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct job_wait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->path && streq(path, w->path) && !w->result)
                w->result = strdup(result);
        return 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Wait (30 s at most) for JobRemoved of w->path. */
static int job_wait(sd_bus *bus, struct job_wait *w) {
        uint64_t deadline = now_usec() + 30 * 1000000ULL;

        while (!w->result) {
                int r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (now_usec() >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_wait(bus, deadline - now_usec());
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return streq(w->result, "done") ? 0 : -EIO;
}

static int start_call(struct scope_unit *u, const struct scope_spec *spec, struct job_wait *w,
                      char **ret_error) {
        _cleanup_(bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ struct scope_property *props = NULL;
        size_t n = 0;
        const char *job;
        int r;

        if ((r = scope_properties_build(spec, SCOPE_FOR_SYSTEMD, &props, &n)) < 0)
                return r;
        if ((r = sd_bus_message_new_method_call(
                     u->bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                     "org.freedesktop.systemd1.Manager", "StartTransientUnit")) < 0 ||
            (r = sd_bus_message_append(m, "ss", spec->scope, "fail")) < 0 ||
            (r = sd_bus_message_open_container(m, 'a', "(sv)")) < 0 ||
            (r = bus_scope_properties_append(u->bus, m, props, n)) < 0 ||
            (r = sd_bus_message_close_container(m)) < 0 ||
            (r = sd_bus_message_append(m, "a(sa(sv))", 0)) < 0)
                return r;
        r = sd_bus_call(u->bus, m, 0, &error, &reply);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to allocate scope: %s", bus_error_text(&error, r));
        if ((r = sd_bus_message_read(reply, "o", &job)) < 0)
                return r;
        w->path = job;
        r = job_wait(u->bus, w);
        w->path = NULL;
        if (r < 0)
                (void) error_setf(ret_error, r, "Failed to start %s: %s", spec->scope,
                                  r == -EIO ? w->result : strerror(-r));
        return r;
}

int cgroup_scope_start(const struct scope_spec *spec, struct scope_unit **ret, char **ret_error) {
        struct job_wait w = {};
        struct scope_unit *u = calloc(1, sizeof(*u));
        int r;

        if (!u || !(u->name = strdup(spec->scope))) {
                free(u);
                return -ENOMEM;
        }
        r = bus_dlopen();
        if (r >= 0)
                r = sd_bus_open_system(&u->bus);
        if (r < 0) {
                (void) error_setf(ret_error, r, "Failed to open system bus: %s", strerror(-r));
                cgroup_scope_stop(u);
                return r;
        }
        /* the match first, then Subscribe (systemd signals job ends only when someone
         * subscribed), then the call: the job's end cannot be missed */
        r = sd_bus_match_signal(u->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &w);
        if (r >= 0)
                r = sd_bus_call_method(u->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                       "org.freedesktop.systemd1.Manager", "Subscribe", NULL, NULL, NULL);
        if (r >= 0)
                r = start_call(u, spec, &w, ret_error);
        free(w.result);
        if (r < 0) {
                (void) error_setf(ret_error, r, "Failed to allocate scope: %s", strerror(-r));
                cgroup_scope_stop(u);
                return r;
        }
        *ret = u;
        return 0;
}

struct scope_unit *cgroup_scope_stop(struct scope_unit *u) {
        static const char *const dbus = "org.freedesktop.systemd1",
                                 *const path = "/org/freedesktop/systemd1",
                                 *const iface = "org.freedesktop.systemd1.Manager";

        if (!u)
                return NULL;
        if (u->bus && u->name) {
                (void) sd_bus_call_method(u->bus, dbus, path, iface, "AbandonScope", NULL, NULL, "s",
                                          u->name);
                (void) sd_bus_call_method(u->bus, dbus, path, iface, "KillUnit", NULL, NULL, "ssi", u->name,
                                          "all", (int32_t) SIGKILL);
                (void) sd_bus_call_method(u->bus, dbus, path, iface, "UnrefUnit", NULL, NULL, "s", u->name);
        }
        sd_bus_flush_close_unref(u->bus);
        free(u->name);
        free(u);
        return NULL;
}

#else /* !HAVE_SD_BUS */

bool cgroup_scope_available(void) {
        return false;
}

int cgroup_scope_start(const struct scope_spec *spec, struct scope_unit **ret, char **ret_error) {
        return -EOPNOTSUPP;
}

struct scope_unit *cgroup_scope_stop(struct scope_unit *u) {
        return NULL;
}

#endif
