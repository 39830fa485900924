/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * `status NAME...`: machinectl 252's status block per machine — name and ID, since, leader,
 * service and class, root, interfaces, addresses, OS, unit and the unit's process tree. There is
 * no journal to show (machinectl's last part): nspawn does not write one on the host. A machine
 * only machined knows is shown from what machined says (addresses, OS, the unit's cgroup).
 */

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup-tree.h"
#include "machine.h"
#include "netaddr.h"
#include "nspawnctl.h"
#include "proc.h"
#include "strv.h"
#include "timefmt.h"
#include "uuid.h"

static bool uuid_is_null(const uint8_t u[16]) {
        for (int i = 0; i < 16; i++)
                if (u[i])
                        return false;
        return true;
}

static void print_since(const struct machine *m) {
        char abs[128], rel[128];
        format_timestamp(abs, sizeof abs, m->rec.realtime_usec);
        format_timestamp_relative(rel, sizeof rel, m->rec.realtime_usec, now_usec(CLOCK_REALTIME));
        if (*rel)
                printf("\t   Since: %s; %s\n", *abs ? abs : "n/a", rel);
        else if (*abs)
                printf("\t   Since: %s\n", abs);
}

/* Iface: line; returns the only interface's index (for IPv6 scopes), 0 with several, -1 none. */
static int print_ifaces(const struct machine *m) {
        int ifi = -1;
        if (m->rec.n_netif == 0)
                return ifi;
        fputs("\t   Iface:", stdout);
        for (size_t i = 0; i < m->rec.n_netif; i++) {
                char name[IF_NAMESIZE + 1];
                if (if_indextoname((unsigned) m->rec.netif[i], name)) {
                        printf(" %s", name);
                        ifi = ifi < 0 ? m->rec.netif[i] : 0;
                } else
                        printf(" %i", m->rec.netif[i]);
        }
        fputc('\n', stdout);
        return ifi;
}

static void print_addresses(struct machine *m, int ifi) {
        _cleanup_strv_free_ char **l = NULL;
        if (m->md) {
                if (!m->md->addresses || !(l = strv_copy(m->md->addresses)))
                        return;
        } else {
                int fd = m->host ? -EBADF : machine_leader(m);
                if ((!m->host && fd < 0) || machine_addresses(fd, ifi, &l) <= 0)
                        return;
        }
        STRV_FOREACH(a, l)
        printf(a == l ? "\t Address: %s" : "\n\t          %s", *a);
        fputc('\n', stdout);
}

static void print_status(struct machine *m, const struct ctl *c) {
        char id[33];
        fputs(m->rec.name, stdout);
        if (!uuid_is_null(m->rec.uuid)) {
                uuid_format_plain(m->rec.uuid, id);
                printf("(%s)\n", id);
        } else
                putchar('\n');
        print_since(m);
        if (m->rec.leader > 0) {
                _cleanup_free_ char *comm = NULL;
                printf("\t  Leader: %u", (unsigned) m->rec.leader);
                /* machined's leader: its name only shown, as machinectl does */
                if ((m->host || m->md || machine_leader(m) >= 0) && proc_comm(m->rec.leader, &comm) >= 0)
                        printf(" (%s)", comm);
                putchar('\n');
        }
        if (m->rec.service) {
                printf("\t Service: %s", m->rec.service);
                if (m->rec.class)
                        printf("; class %s", m->rec.class);
                putchar('\n');
        } else if (m->rec.class)
                printf("\t   Class: %s\n", m->rec.class);
        if (m->rec.root)
                printf("\t    Root: %s\n", m->rec.root);
        int ifi = print_ifaces(m);
        print_addresses(m, ifi);
        _cleanup_strv_free_ char **os = NULL;
        if (machine_os_release(m, &os) >= 0 && os_release_get(os, "PRETTY_NAME"))
                printf("\t      OS: %s\n", os_release_get(os, "PRETTY_NAME"));
        _cleanup_free_ char *unit = machine_unit(m);
        if (unit) {
                printf("\t    Unit: %s\n", unit);
                fflush(stdout);
                /* the unit's cgroup: the parent of the container's one (or the root for .host;
                 * machined's machines: systemd's ControlGroup of the unit) */
                _cleanup_free_ char *path = NULL;
                if (m->md)
                        path = m->md->control_group ? strdup(m->md->control_group) : NULL;
                else {
                        path = strdup(m->host ? "/" : m->rec.cgroup);
                        if (path && !m->host)
                                *strrchr(path, '/') = 0;
                }
                if (path)
                        (void) cgroup_show_tree(path, "\t\t  ", c->all, stdout);
        }
}

int verb_status(struct ctl *c, int argc, char *argv[]) {
        for (int i = 1; i < argc; i++) {
                struct machine m;
                int r = machine_get_or_log(c->registry_dir, argv[i], "get path to machine", &m);
                if (r < 0)
                        return r;
                if (i > 1)
                        putchar('\n');
                print_status(&m, c);
                machine_done(&m);
        }
        return 0;
}
