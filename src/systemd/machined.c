/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Registration with systemd-machined; see machined.h. The calls are made by nspawn's D-Bus helper
 * (sdbus-client.h, sdbus-protocol.h): CreateMachineWithNetwork (machined starts the scope) or
 * RegisterMachineWithNetwork (--keep-unit), with systemd-nspawn 252's arguments.
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

struct machined {
        int mode; /* settings' register_mode: -1 auto, 1 yes */
        struct sdbus_client *client;
        char *name; /* registered under this name, or NULL */
};

bool machined_creates_scope(const struct machined *m, const struct cgroup_context *cg) {
        return m && cgroup_context_uses_scope(cg);
}

#if HAVE_SD_BUS

#include "sdbus-client.h"

int machined_new(const struct settings *s, struct machined **ret, char **ret_error) {
        _cleanup_free_ struct machined *m = NULL;
        _cleanup_free_ char *text = NULL;

        *ret = NULL;
        if (s->register_mode == 0)
                return 0;
        if (!cgroup_scope_available())
                return s->register_mode > 0
                               ? error_setf(ret_error, -EOPNOTSUPP,
                                            "Failed to register machine: systemd is "
                                            "not running on this host (no /run/systemd/system).")
                               : 0;
        if (!(m = calloc(1, sizeof(*m))))
                return -ENOMEM;
        m->mode = s->register_mode;
        /* Started now, its start and bus connection overlap with ours up to the registration.
         * Not with --keep-unit: nspawn may yet move to <unit>/supervisor on cgroup2, and the
         * helper, left behind in the unit's cgroup, would keep it from passing controllers on. */
        if (!s->keep_unit) {
                int r = sdbus_client_acquire(&m->client, &text);
                if (r < 0)
                        return s->register_mode > 0
                                       ? error_setf(ret_error, r, "Failed to register machine: %s", text)
                                       : 0;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

struct machined *machined_free(struct machined *m) {
        if (!m)
                return NULL;
        machined_unregister(m);
        sdbus_client_release(m->client);
        free(m);
        return NULL;
}

/* CreateMachineWithNetwork's scope: its unit name and properties as machined wants them. */
static int machine_scope(const struct cgroup_context *cg, pid_t leader, struct scope_spec *spec,
                         struct scope_property **ret, size_t *ret_n) {
        int r = cgroup_context_scope_spec(cg, leader, spec);
        if (r < 0)
                return r;
        return scope_properties_build(spec, SCOPE_FOR_MACHINED, ret, ret_n);
}

int machined_register(struct machined *m, const char *name, const uint8_t uuid[16], const char *root,
                      pid_t leader, const struct cgroup_context *cg, char **ret_error) {
        _cleanup_free_ struct scope_property *props = NULL;
        _cleanup_free_ char *text = NULL;
        struct scope_spec spec = {};
        struct sdbus_request req = {
                .op = machined_creates_scope(m, cg) ? SDBUS_CREATE_MACHINE : SDBUS_REGISTER_MACHINE,
                .machine = name,
                .root = root,
                .leader = leader,
        };
        int r = 0;

        if (!m)
                return 0;
        machined_unregister(m); /* a restart registers the new leader */
        memcpy(req.uuid, uuid, sizeof req.uuid);
        if (req.op == SDBUS_CREATE_MACHINE &&
            (r = machine_scope(cg, leader, &spec, &props, &req.n_props)) >= 0) {
                req.unit = spec.scope;
                req.props = props;
        }
        if (r >= 0 && !m->client)
                r = sdbus_client_acquire(&m->client, &text);
        if (r >= 0)
                r = sdbus_client_call(m->client, &req, &text);
        if (r < 0)
                return m->mode > 0 ? error_setf(ret_error, r, "Failed to register machine: %s",
                                                text ?: strerror(-r))
                                   : 0; /* auto: the container runs unregistered */
        if (!(m->name = strdup(name)))
                return -ENOMEM;
        return 0;
}

void machined_unregister(struct machined *m) {
        if (!m || !m->name)
                return;
        _cleanup_free_ char *text = NULL;
        struct sdbus_request req = {.op = SDBUS_UNREGISTER_MACHINE, .machine = m->name};
        (void) sdbus_client_call(m->client, &req, &text);
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
