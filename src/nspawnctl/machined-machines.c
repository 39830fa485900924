/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-machined's machines through nspawn-sdbus; see machined-machines.h. */
#include "machined-machines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "machined-record.h"
#include "macro.h"
#include "sdbus-client.h"

bool machined_booted(void) {
        /* one access() on every other host: the fast path of list and friends */
        return HAVE_SD_BUS && access("/run/systemd/system", F_OK) == 0;
}

/* The helper, started once per nspawnctl (the process ends with it: no release needed before). */
static int client(struct sdbus_client **ret) {
        static struct sdbus_client *c;
        static int error;
        _cleanup_free_ char *text = NULL;

        if (!c && !error && (error = sdbus_client_acquire(&c, &text)) < 0)
                log_debug("Cannot ask systemd-machined: %s", text ?: strerror(-error));
        *ret = c;
        return c ? 0 : -EHOSTDOWN;
}

static int machine_from_record(struct machined_record *rec, struct machine *ret) {
        struct machine m = {.leader_fd = -EBADF};
        if (!(m.md = malloc(sizeof(*m.md))))
                return -ENOMEM;
        *m.md = *rec; /* moved */
        *rec = (struct machined_record){};
        m.rec.name = strdup(m.md->name);
        m.rec.class = m.md->class ? strdup(m.md->class) : NULL;
        m.rec.service = m.md->service ? strdup(m.md->service) : NULL;
        m.rec.root = m.md->root ? strdup(m.md->root) : NULL;
        if (m.md->n_netif > 0 && (m.rec.netif = calloc(m.md->n_netif, sizeof(int)))) {
                memcpy(m.rec.netif, m.md->netif, m.md->n_netif * sizeof(int));
                m.rec.n_netif = m.md->n_netif;
        }
        memcpy(m.rec.uuid, m.md->id, 16);
        m.rec.leader = (pid_t) m.md->leader;
        m.rec.realtime_usec = m.md->timestamp;
        m.rec.start_mode = START_BOOT;
        if (!m.rec.name || (m.md->class && !m.rec.class) || (m.md->service && !m.rec.service) ||
            (m.md->root && !m.rec.root) || (m.md->n_netif > 0 && !m.rec.netif)) {
                machine_done(&m);
                return -ENOMEM;
        }
        *ret = m;
        return 0;
}

struct collect {
        struct machine *a;
        size_t n;
};

static int on_machine(const void *payload, size_t size, void *userdata) {
        struct collect *col = userdata;
        struct machined_record rec;
        int r = machined_record_parse(payload, size, &rec);
        if (r == -EBADMSG) { /* one bad machine does not hide the others */
                _cleanup_free_ char *shown = malloc(size);
                for (size_t i = 0; shown && i < size; i++)
                        shown[i] = ((const char *) payload)[i] ?: '|';
                log_debug("Ignoring a machine systemd-machined described that cannot be parsed: %.*s",
                          shown ? (int) size : 0, shown ?: "");
                return 0;
        }
        if (r < 0)
                return r;
        struct machine *a = realloc(col->a, (col->n + 1) * sizeof(*a));
        if (!a) {
                machined_record_done(&rec);
                return -ENOMEM;
        }
        col->a = a;
        r = machine_from_record(&rec, &a[col->n]);
        machined_record_done(&rec);
        if (r >= 0)
                col->n++;
        return r;
}

static int query(const struct sdbus_request *req, struct collect *col) {
        struct sdbus_client *c;
        _cleanup_free_ char *text = NULL;
        int r = client(&c);
        if (r >= 0)
                r = sdbus_client_query(c, req, on_machine, col, &text);
        if (r < 0 && r != -ENOENT)
                log_debug("Cannot ask systemd-machined: %s", text ?: strerror(-r));
        return r;
}

int machined_machines_list(struct machine **ret, size_t *ret_n) {
        struct collect col = {};
        *ret = NULL;
        *ret_n = 0;
        if (!machined_booted())
                return 0;
        int r = query(&(struct sdbus_request){.op = SDBUS_LIST_MACHINES}, &col);
        if (r == -ENOMEM) {
                machine_array_free(col.a, col.n);
                return r;
        }
        /* whatever came before a failure is what machined knows */
        *ret = col.a;
        *ret_n = col.n;
        return 0;
}

int machined_machine_get(const char *name, struct machine *ret) {
        struct collect col = {};
        if (!machined_booted())
                return -ENOENT;
        int r = query(&(struct sdbus_request){.op = SDBUS_GET_MACHINE, .machine = name}, &col);
        if (r >= 0 && (col.n != 1 || !streq(col.a[0].rec.name, name)))
                r = -ENOENT;
        if (r >= 0) {
                *ret = col.a[0];
                free(col.a);
                return 0;
        }
        machine_array_free(col.a, col.n);
        return r == -ENOMEM ? r : -ENOENT;
}

int machined_machine_call(const struct sdbus_request *req, char **ret_text) {
        struct sdbus_client *c;
        *ret_text = NULL;
        int r = client(&c);
        if (r < 0)
                return r;
        return sdbus_client_call(c, req, ret_text);
}
