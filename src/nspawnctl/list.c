/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * `list`: machinectl 252's table of running machines (MACHINE CLASS SERVICE OS VERSION
 * ADDRESSES), or its JSON; -a adds .host. With systemd as PID 1 also the machines only
 * systemd-machined knows (machine_list()).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "netaddr.h"
#include "nspawnctl.h"
#include "strv.h"
#include "table.h"

/* The addresses as one cell, one a line; NULL when there are none (or they cannot be read). */
static char *addresses_cell(struct machine *m) {
        _cleanup_strv_free_ char **l = NULL;
        if (m->md) {
                if (!m->md->addresses || !(l = strv_copy(m->md->addresses)))
                        return NULL;
        } else {
                int fd = m->host ? -EBADF : machine_leader(m);
                if (!m->host && fd < 0)
                        return NULL;
                if (machine_addresses(fd, 0, &l) <= 0)
                        return NULL;
        }
        size_t len = 1;
        STRV_FOREACH(a, l)
        len += strlen(*a) + 1;
        char *s = calloc(1, len);
        STRV_FOREACH(a, l) {
                if (!s)
                        break;
                if (a != l)
                        strcat(s, "\n");
                strcat(s, *a);
        }
        return s;
}

static int add_machine(struct table *t, struct machine *m, const struct ctl *c) {
        _cleanup_strv_free_ char **os = NULL;
        _cleanup_free_ char *addresses = NULL;
        (void) machine_os_release(m, &os);
        if (c->max_addresses > 0)
                addresses = addresses_cell(m);
        const char *cells[] = {
                m->rec.name,
                m->rec.class,
                m->rec.service,
                os_release_get(os, "ID"),
                os_release_get(os, "VERSION_ID"),
                addresses,
        };
        return table_add_row(t, cells);
}

int verb_list(struct ctl *c, int argc, char *argv[]) {
        static const char *const columns[] = {"machine", "class", "service", "os", "version", "addresses"};
        _cleanup_(table_freep) struct table *t = NULL;
        struct machine *machines = NULL;
        size_t n = 0;

        int r = machine_list(c->registry_dir, c->all, &machines, &n);
        if (r < 0)
                return log_error("Could not get machines: %s", strerror(-r));
        t = table_new(columns, c->max_addresses > 0 ? 6 : 5);
        if (!t) {
                machine_array_free(machines, n);
                return log_error("Out of memory.");
        }
        if (c->max_addresses != (unsigned) -1)
                table_set_height_max(t, c->max_addresses);
        for (size_t i = 0; i < n && r >= 0; i++)
                if (machines[i].rec.name[0] != '.' || c->all)
                        r = add_machine(t, &machines[i], c);
        machine_array_free(machines, n);
        if (r < 0)
                return log_error("Out of memory.");

        table_sort(t);
        if (table_rows(t) > 0 || output_mode_is_json(c->output)) {
                r = output_mode_is_json(c->output) ? table_print_json(t, c->output, stdout)
                                                   : table_print(t, c->legend, stdout);
                if (r < 0)
                        return log_error("Failed to show table: %s", strerror(-r));
        }
        if (c->legend) {
                if (table_rows(t) > 0)
                        printf("\n%zu machines listed.\n", table_rows(t));
                else
                        printf("No machines.\n");
        }
        return 0;
}
