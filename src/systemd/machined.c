/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Registration with systemd-machined over sd-bus; see machined.h. The calls and their arguments
 * follow systemd-nspawn 252 (nspawn-register.c): class "container", our service name, the
 * leader, the root directory and the host-side interfaces (none yet: no veth).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "config.h"
#include "errmsg.h"
#include "macro.h"
#include "machined.h"

#define MACHINED_SERVICE "nspawn"

struct machined {
        int mode; /* settings' register_mode: -1 auto, 1 yes */
        void *bus;
        char *name; /* registered under this name, or NULL */
};

bool machined_creates_scope(const struct machined *m, const struct cgroup_context *cg) {
        return m && cgroup_context_uses_scope(cg);
}

#if HAVE_SD_BUS

#include "bus-scope.h"

#define MACHINE1 "org.freedesktop.machine1", "/org/freedesktop/machine1", "org.freedesktop.machine1.Manager"

int machined_new(const struct settings *s, struct machined **ret, char **ret_error) {
        _cleanup_free_ struct machined *m = NULL;
        sd_bus *bus = NULL;
        int r;

        *ret = NULL;
        if (s->register_mode == 0)
                return 0;
        if (!cgroup_scope_available())
                return s->register_mode > 0
                               ? error_setf(ret_error, -EOPNOTSUPP,
                                            "Failed to register machine: systemd is "
                                            "not running on this host (no /run/systemd/system).")
                               : 0;
        r = bus_dlopen();
        if (r >= 0)
                r = sd_bus_open_system(&bus);
        if (r < 0)
                return s->register_mode > 0 ? error_setf(ret_error, r,
                                                         "Failed to register machine: failed to open the "
                                                         "system bus: %s",
                                                         strerror(-r))
                                            : 0;
        if (!(m = calloc(1, sizeof(*m)))) {
                sd_bus_unref(bus);
                return -ENOMEM;
        }
        m->mode = s->register_mode;
        m->bus = bus;
        *ret = TAKE_PTR(m);
        return 0;
}

struct machined *machined_free(struct machined *m) {
        if (!m)
                return NULL;
        machined_unregister(m);
        sd_bus_flush_close_unref(m->bus);
        free(m);
        return NULL;
}

/* The arguments both calls share: "sayssusai". */
static int append_machine(sd_bus_message *msg, const char *name, const uint8_t uuid[16], const char *root,
                          pid_t leader) {
        int r;

        if ((r = sd_bus_message_append(msg, "s", name)) < 0 ||
            (r = sd_bus_message_append_array(msg, 'y', uuid, 16)) < 0 ||
            (r = sd_bus_message_append(msg, "ssus", MACHINED_SERVICE, "container", (uint32_t) leader,
                                       root ?: "")) < 0)
                return r;
        return sd_bus_message_append(msg, "ai", 0); /* host-side interfaces */
}

/* CreateMachineWithNetwork's last argument: the scope's properties as machined wants them. */
static int append_scope(sd_bus *bus, sd_bus_message *msg, const struct cgroup_context *cg, pid_t leader) {
        _cleanup_free_ struct scope_property *props = NULL;
        struct scope_spec spec;
        size_t n = 0;
        int r;

        if ((r = cgroup_context_scope_spec(cg, leader, &spec)) < 0 ||
            (r = scope_properties_build(&spec, SCOPE_FOR_MACHINED, &props, &n)) < 0 ||
            (r = sd_bus_message_open_container(msg, 'a', "(sv)")) < 0 ||
            (r = bus_scope_properties_append(bus, msg, props, n)) < 0)
                return r;
        return sd_bus_message_close_container(msg);
}

int machined_register(struct machined *m, const char *name, const uint8_t uuid[16], const char *root,
                      pid_t leader, const struct cgroup_context *cg, char **ret_error) {
        _cleanup_(bus_message_unrefp) sd_bus_message *msg = NULL;
        _cleanup_(bus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        bool create = machined_creates_scope(m, cg);
        int r;

        if (!m)
                return 0;
        machined_unregister(m); /* a restart registers the new leader */
        r = sd_bus_message_new_method_call(
                m->bus, &msg, MACHINE1, create ? "CreateMachineWithNetwork" : "RegisterMachineWithNetwork");
        if (r >= 0)
                r = append_machine(msg, name, uuid, root, leader);
        if (r >= 0 && create)
                r = append_scope(m->bus, msg, cg, leader);
        if (r >= 0)
                r = sd_bus_call(m->bus, msg, 0, &error, NULL);
        if (r < 0)
                return m->mode > 0 ? error_setf(ret_error, r, "Failed to register machine: %s",
                                                bus_error_text(&error, r))
                                   : 0; /* auto: the container runs unregistered */
        if (!(m->name = strdup(name)))
                return -ENOMEM;
        return 0;
}

void machined_unregister(struct machined *m) {
        if (!m || !m->name)
                return;
        (void) sd_bus_call_method(m->bus, MACHINE1, "UnregisterMachine", NULL, NULL, "s", m->name);
        free(m->name);
        m->name = NULL;
}

#else /* !HAVE_SD_BUS */

int machined_new(const struct settings *s, struct machined **ret, char **ret_error) {
        *ret = NULL;
        if (s->register_mode > 0)
                return error_setf(ret_error, -EOPNOTSUPP,
                                  "Failed to register machine: nspawn was built without "
                                  "systemd support (meson option sd-bus).");
        return 0;
}

struct machined *machined_free(struct machined *m) {
        return NULL;
}

int machined_register(struct machined *m, const char *name, const uint8_t uuid[16], const char *root,
                      pid_t leader, const struct cgroup_context *cg, char **ret_error) {
        return m ? -EOPNOTSUPP : 0;
}

void machined_unregister(struct machined *m) {
}

#endif
