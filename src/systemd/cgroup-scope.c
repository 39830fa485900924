/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The systemd backend of cgroup.h: the container's cgroup P is a transient scope unit that
 * systemd starts for us (StartTransientUnit), so systemd knows and accounts it. The property list
 * is built without a bus (scope-properties.c); the call is made by nspawn's D-Bus helper
 * (sdbus-client.h), whose connection holds the scope for as long as nspawn lives. Without the
 * 'sd-bus' build feature the calls return -EOPNOTSUPP.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "errmsg.h"
#include "macro.h"

#if HAVE_SD_BUS

#include "sdbus-client.h"

bool cgroup_scope_available(void) {
        return access("/run/systemd/system/", F_OK) >= 0;
}

struct scope_unit {
        struct sdbus_client *client;
        char *name;
};

int cgroup_scope_start(const struct scope_spec *spec, struct scope_unit **ret, char **ret_error) {
        _cleanup_free_ struct scope_property *props = NULL;
        _cleanup_free_ char *text = NULL;
        size_t n = 0;
        struct scope_unit *u = calloc(1, sizeof(*u));
        int r;

        if (!u || !(u->name = strdup(spec->scope))) {
                free(u);
                return -ENOMEM;
        }
        r = scope_properties_build(spec, SCOPE_FOR_SYSTEMD, &props, &n);
        if (r >= 0)
                r = sdbus_client_acquire(&u->client, &text);
        if (r >= 0) {
                struct sdbus_request req = {
                        .op = SDBUS_START_SCOPE,
                        .unit = spec->scope,
                        .props = props,
                        .n_props = n,
                };
                r = sdbus_client_call(u->client, &req, &text);
        }
        if (r < 0) {
                /* the helper stopped a unit whose start failed itself: nothing to stop here */
                (void) error_setf(ret_error, r, "Failed to allocate scope: %s", text ?: strerror(-r));
                sdbus_client_release(u->client);
                free(u->name);
                free(u);
                return r;
        }
        *ret = u;
        return 0;
}

struct scope_unit *cgroup_scope_stop(struct scope_unit *u) {
        if (!u)
                return NULL;
        if (u->client) {
                _cleanup_free_ char *text = NULL;
                struct sdbus_request req = {.op = SDBUS_STOP_SCOPE, .unit = u->name};
                (void) sdbus_client_call(u->client, &req, &text);
                sdbus_client_release(u->client);
        }
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
