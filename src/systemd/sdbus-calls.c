/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The helper's D-Bus calls; see sdbus-calls.h. The calls and their arguments follow
 * systemd-nspawn 252 (nspawn-register.c): the scope's property list comes from nspawn as plain
 * data (scope_properties_build(), cgroup.h), the helper adds Controller= (its own bus name), so
 * that systemd asks it (RequestStop) rather than killing the scope on its own.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errmsg.h"
#include "macro.h"
#include "sdbus-calls.h"

#define SYSTEMD1 "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager"
#define MACHINE1 "org.freedesktop.machine1", "/org/freedesktop/machine1", "org.freedesktop.machine1.Manager"
#define MACHINED_SERVICE "nspawn"
#define JOB_TIMEOUT_USEC (30 * 1000000ULL)

static void bus_message_unrefp(sd_bus_message **m) {
        sd_bus_message_unref(*m);
}

/* The error's message if the call returned one, else strerror(-r). */
static const char *bus_error_text(const sd_bus_error *e, int r) {
        if (e && sd_bus_error_is_set(e) && e->message)
                return e->message;
        return strerror(r < 0 ? -r : r);
}

/* The shared reason of every call when the bus could not be opened. */
static int no_bus(const struct sdbus_conn *c, char **ret_text) {
        return error_setf(ret_text, c->open_error, "failed to open the system bus: %s",
                          strerror(-c->open_error));
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct sdbus_conn *c = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (c->job && streq(path, c->job) && !c->job_result)
                c->job_result = strdup(result);
        return 0;
}

void sdbus_conn_open(struct sdbus_conn *c) {
        *c = (struct sdbus_conn){};
        int r = sd_bus_open_system(&c->bus);
        if (r < 0) {
                c->bus = NULL;
                c->open_error = r;
        }
}

void sdbus_conn_close(struct sdbus_conn *c) {
        c->bus = sd_bus_flush_close_unref(c->bus);
        free(c->job_result);
        c->job_result = NULL;
}

/* ---- the scope's properties ---- */

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

/* "a(sv)": Controller= (our unique name), then the properties of the request. */
static int append_properties(sd_bus *bus, sd_bus_message *m, const struct sdbus_request *req) {
        const char *unique;
        int r;

        if ((r = sd_bus_message_open_container(m, 'a', "(sv)")) < 0 ||
            (r = sd_bus_get_unique_name(bus, &unique)) < 0 ||
            (r = sd_bus_message_append(m, "(sv)", "Controller", "s", unique)) < 0)
                return r;
        for (size_t i = 0; i < req->n_props; i++)
                if ((r = append_one(m, &req->props[i])) < 0)
                        return r;
        return sd_bus_message_close_container(m);
}

/* ---- systemd: the transient scope ---- */

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* systemd signals job ends only to subscribers: the match first, then Subscribe (once per
 * connection: a second one is refused), then the call, so the end of its job cannot be missed. */
static int subscribe(struct sdbus_conn *c) {
        if (c->subscribed)
                return 0;
        int r = sd_bus_match_signal(c->bus, NULL, SYSTEMD1, "JobRemoved", on_job_removed, c);
        if (r >= 0)
                r = sd_bus_call_method(c->bus, SYSTEMD1, "Subscribe", NULL, NULL, NULL);
        c->subscribed = r >= 0;
        return r;
}

/* Wait (30 s at most) for JobRemoved of c->job: 0 for "done", -EIO for another result. */
static int job_wait(struct sdbus_conn *c) {
        uint64_t deadline = now_usec() + JOB_TIMEOUT_USEC;

        while (!c->job_result) {
                int r = sd_bus_process(c->bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (now_usec() >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_wait(c->bus, deadline - now_usec());
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return streq(c->job_result, "done") ? 0 : -EIO;
}

int sdbus_start_scope(struct sdbus_conn *c, const struct sdbus_request *req, bool *ret_created,
                      char **ret_text) {
        _cleanup_(bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *job;
        int r;

        *ret_created = false;
        if (!c->bus)
                return no_bus(c, ret_text);
        if ((r = subscribe(c)) < 0)
                return error_setf(ret_text, r, "cannot subscribe to systemd's job signals: %s",
                                  strerror(-r));
        if ((r = sd_bus_message_new_method_call(c->bus, &m, SYSTEMD1, "StartTransientUnit")) < 0 ||
            (r = sd_bus_message_append(m, "ss", req->unit, "fail")) < 0 ||
            (r = append_properties(c->bus, m, req)) < 0 ||
            (r = sd_bus_message_append(m, "a(sa(sv))", 0)) < 0)
                return error_setf(ret_text, r, "cannot build the StartTransientUnit call: %s", strerror(-r));
        if ((r = sd_bus_call(c->bus, m, 0, &error, &reply)) < 0)
                return error_setf(ret_text, r, "%s", bus_error_text(&error, r));
        *ret_created = true;
        if ((r = sd_bus_message_read(reply, "o", &job)) < 0)
                return error_setf(ret_text, r, "bad reply to StartTransientUnit: %s", strerror(-r));
        free(c->job_result);
        c->job_result = NULL;
        c->job = job;
        r = job_wait(c);
        c->job = NULL;
        if (r == -EIO)
                return error_setf(ret_text, r, "the start job of %s ended with result '%s'", req->unit,
                                  c->job_result);
        if (r < 0)
                return error_setf(ret_text, r, "waiting for the start job of %s: %s", req->unit,
                                  strerror(-r));
        return 0;
}

void sdbus_stop_scope(struct sdbus_conn *c, const char *unit) {
        if (!c->bus)
                return;
        /* Abandon first: without a controller, a stop does not wait for our RequestStop answer */
        (void) sd_bus_call_method(c->bus, SYSTEMD1, "AbandonScope", NULL, NULL, "s", unit);
        (void) sd_bus_call_method(c->bus, SYSTEMD1, "KillUnit", NULL, NULL, "ssi", unit, "all",
                                  (int32_t) SIGKILL);
        (void) sd_bus_call_method(c->bus, SYSTEMD1, "StopUnit", NULL, NULL, "ss", unit, "replace");
        (void) sd_bus_call_method(c->bus, SYSTEMD1, "UnrefUnit", NULL, NULL, "s", unit);
}

/* ---- systemd-machined ---- */

/* The arguments CreateMachine and RegisterMachine share: "sayssusai". */
static int append_machine(sd_bus_message *m, const struct sdbus_request *req) {
        int r;

        if ((r = sd_bus_message_append(m, "s", req->machine)) < 0 ||
            (r = sd_bus_message_append_array(m, 'y', req->uuid, 16)) < 0 ||
            (r = sd_bus_message_append(m, "ssus", MACHINED_SERVICE, "container", (uint32_t) req->leader,
                                       req->root)) < 0)
                return r;
        return sd_bus_message_append(m, "ai", 0); /* host-side interfaces: none yet (no veth) */
}

int sdbus_register_machine(struct sdbus_conn *c, const struct sdbus_request *req, char **ret_text) {
        _cleanup_(bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        bool create = req->op == SDBUS_CREATE_MACHINE;
        int r;

        if (!c->bus)
                return no_bus(c, ret_text);
        r = sd_bus_message_new_method_call(
                c->bus, &m, MACHINE1, create ? "CreateMachineWithNetwork" : "RegisterMachineWithNetwork");
        if (r >= 0)
                r = append_machine(m, req);
        if (r >= 0 && create)
                r = append_properties(c->bus, m, req);
        if (r < 0)
                return error_setf(ret_text, r, "cannot build the call to machined: %s", strerror(-r));
        if ((r = sd_bus_call(c->bus, m, 0, &error, NULL)) < 0)
                return error_setf(ret_text, r, "%s", bus_error_text(&error, r));
        return 0;
}

void sdbus_unregister_machine(struct sdbus_conn *c, const char *machine, const char *unit) {
        if (!c->bus)
                return;
        if (!unit) {
                (void) sd_bus_call_method(c->bus, MACHINE1, "UnregisterMachine", NULL, NULL, "s", machine);
                return;
        }
        /* machined stops the scope (and drops its reference); without our controller role the stop
         * is immediate where the scope has nothing left to kill */
        (void) sd_bus_call_method(c->bus, SYSTEMD1, "AbandonScope", NULL, NULL, "s", unit);
        (void) sd_bus_call_method(c->bus, MACHINE1, "TerminateMachine", NULL, NULL, "s", machine);
}
