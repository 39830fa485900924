/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The helper's calls for nspawnctl (sdbus-protocol.h, 'L' … 'B'): what systemd-machined knows
 * about its machines, and machined's methods that act on them. machinectl 252 makes the same
 * calls; nspawnctl asks for them only for machines that its own registry does not know.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "errmsg.h"
#include "machined-record.h"
#include "macro.h"
#include "sdbus-calls.h"
#include "strv.h"

#define MACHINED "org.freedesktop.machine1"
#define MACHINE1 MACHINED, "/org/freedesktop/machine1", "org.freedesktop.machine1.Manager"
#define SYSTEMD1 "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager"

static void bus_message_unrefp(sd_bus_message **m) {
        sd_bus_message_unref(*m);
}

/* machined's error as an errno nspawnctl can tell apart, with its text. */
static int call_error(const sd_bus_error *e, int r, char **ret_text) {
        /* an object of a machine gone since it was listed is unknown too */
        if (sd_bus_error_has_names(e, "org.freedesktop.machine1.NoSuchMachine", SD_BUS_ERROR_UNKNOWN_OBJECT))
                r = -ENOENT;
        else if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                r = -EHOSTDOWN;
        return error_setf(ret_text, r, "%s", e && e->message ? e->message : strerror(-r));
}

static int no_bus(const struct sdbus_conn *c, char **ret_text) {
        return error_setf(ret_text, -EHOSTDOWN, "failed to open the system bus: %s",
                          strerror(-c->open_error));
}

/* One property of org.freedesktop.machine1.Machine (the reply is in its variant). */
static int read_property(sd_bus_message *m, const char *name, const char *type,
                         struct machined_record *rec) {
        const void *p;
        size_t n;
        int r;

        char **slot = streq(type, "s") ? machined_record_string(rec, name) : NULL;
        if (slot) {
                const char *s;
                if ((r = sd_bus_message_read(m, "s", &s)) < 0)
                        return r;
                free(*slot);
                return (*slot = strdup(s)) ? 0 : -ENOMEM;
        }
        if (streq(name, "Id") && streq(type, "ay")) {
                if ((r = sd_bus_message_read_array(m, 'y', &p, &n)) < 0)
                        return r;
                if (n == 16)
                        memcpy(rec->id, p, 16);
                return 0;
        }
        if (streq(name, "Timestamp") && streq(type, "t"))
                return sd_bus_message_read(m, "t", &rec->timestamp);
        if (streq(name, "TimestampMonotonic") && streq(type, "t"))
                return sd_bus_message_read(m, "t", &rec->timestamp_monotonic);
        if (streq(name, "Leader") && streq(type, "u"))
                return sd_bus_message_read(m, "u", &rec->leader);
        if (streq(name, "NetworkInterfaces") && streq(type, "ai")) {
                if ((r = sd_bus_message_read_array(m, 'i', &p, &n)) < 0)
                        return r;
                n /= sizeof(int);
                if (n > MACHINED_RECORD_LIST_MAX)
                        n = MACHINED_RECORD_LIST_MAX;
                free(rec->netif);
                rec->netif = n > 0 ? malloc(n * sizeof(int)) : NULL;
                if (n > 0 && !rec->netif)
                        return -ENOMEM;
                memcpy(rec->netif, p, n * sizeof(int));
                rec->n_netif = n;
                return 0;
        }
        return sd_bus_message_skip(m, type);
}

/* Properties.GetAll of the machine object at path. */
static int get_properties(struct sdbus_conn *c, const char *path, struct machined_record *rec,
                          char **ret_text) {
        _cleanup_(bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(c->bus, MACHINED, path, "org.freedesktop.DBus.Properties", "GetAll",
                                   &error, &reply, "s", "org.freedesktop.machine1.Machine");
        if (r < 0)
                return call_error(&error, r, ret_text);
        if ((r = sd_bus_message_enter_container(reply, 'a', "{sv}")) < 0)
                goto bad;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                const char *name, *type;
                char t;
                if ((r = sd_bus_message_read(reply, "s", &name)) < 0 ||
                    (r = sd_bus_message_peek_type(reply, &t, &type)) < 0 ||
                    (r = sd_bus_message_enter_container(reply, 'v', type)) < 0 ||
                    (r = read_property(reply, name, type, rec)) < 0 ||
                    (r = sd_bus_message_exit_container(reply)) < 0 ||
                    (r = sd_bus_message_exit_container(reply)) < 0)
                        goto bad;
        }
        if (r >= 0)
                return 0;
bad:
        return error_setf(ret_text, r, "bad reply from machined: %s", strerror(-r));
}

/* ID, VERSION_ID and PRETTY_NAME of the guest's os-release, as machinectl shows them. */
static void get_os_release(struct sdbus_conn *c, struct machined_record *rec) {
        _cleanup_(bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *k, *v;

        if (sd_bus_call_method(c->bus, MACHINE1, "GetMachineOSRelease", NULL, &reply, "s", rec->name) < 0 ||
            sd_bus_message_enter_container(reply, 'a', "{ss}") < 0)
                return;
        while (sd_bus_message_read(reply, "{ss}", &k, &v) > 0) {
                _cleanup_free_ char *kv = NULL;
                if ((streq(k, "ID") || streq(k, "VERSION_ID") || streq(k, "PRETTY_NAME")) &&
                    asprintf(&kv, "%s=%s", k, v) >= 0)
                        (void) strv_extend(&rec->os, kv);
        }
}

static void get_addresses(struct sdbus_conn *c, struct machined_record *rec) {
        _cleanup_(bus_message_unrefp) sd_bus_message *reply = NULL;

        if (sd_bus_call_method(c->bus, MACHINE1, "GetMachineAddresses", NULL, &reply, "s", rec->name) < 0 ||
            sd_bus_message_enter_container(reply, 'a', "(iay)") < 0)
                return;
        while (sd_bus_message_enter_container(reply, 'r', "iay") > 0) {
                char text[INET6_ADDRSTRLEN];
                const void *p;
                size_t n;
                int32_t family;
                if (sd_bus_message_read(reply, "i", &family) < 0 ||
                    sd_bus_message_read_array(reply, 'y', &p, &n) < 0 ||
                    sd_bus_message_exit_container(reply) < 0)
                        return;
                if (((family == AF_INET && n == 4) || (family == AF_INET6 && n == 16)) &&
                    inet_ntop(family, p, text, sizeof text) &&
                    strv_length(rec->addresses) < MACHINED_RECORD_LIST_MAX)
                        (void) strv_extend(&rec->addresses, text);
        }
}

/* The machine's unit's cgroup, systemd's ControlGroup= of the unit (for status's process tree). */
static void get_control_group(struct sdbus_conn *c, struct machined_record *rec) {
        static const char *const ifaces[][2] = {
                {".scope", "org.freedesktop.systemd1.Scope"},
                {".service", "org.freedesktop.systemd1.Service"},
                {".slice", "org.freedesktop.systemd1.Slice"},
        };
        _cleanup_(bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path, *iface = NULL;

        size_t len = rec->unit ? strlen(rec->unit) : 0;
        for (size_t i = 0; i < ELEMENTSOF(ifaces); i++)
                if (len > strlen(ifaces[i][0]) &&
                    streq(rec->unit + len - strlen(ifaces[i][0]), ifaces[i][0]))
                        iface = ifaces[i][1];
        if (!iface || sd_bus_call_method(c->bus, SYSTEMD1, "GetUnit", NULL, &reply, "s", rec->unit) < 0 ||
            sd_bus_message_read(reply, "o", &path) < 0)
                return;
        (void) sd_bus_get_property_string(c->bus, "org.freedesktop.systemd1", path, iface, "ControlGroup",
                                          NULL, &rec->control_group);
}

/* Describe the machine at path and send it as one data message. */
static int send_machine(struct sdbus_conn *c, int fd, const char *path, char **ret_text) {
        _cleanup_free_ char *buf = NULL;
        struct machined_record rec = {};
        size_t size;

        int r = get_properties(c, path, &rec, ret_text);
        if (r >= 0 && !rec.name)
                r = error_setf(ret_text, -EBADMSG, "machined described a machine without a name");
        if (r >= 0) {
                get_os_release(c, &rec);
                get_addresses(c, &rec);
                get_control_group(c, &rec);
                r = machined_record_format(&rec, &buf, &size);
                if (r >= 0)
                        r = sdbus_data_send(fd, buf, size);
                if (r < 0)
                        r = error_setf(ret_text, r, "cannot send machine %s: %s", rec.name, strerror(-r));
        }
        machined_record_done(&rec);
        return r;
}

int sdbus_machines_list(struct sdbus_conn *c, int fd, char **ret_text) {
        _cleanup_(bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *name, *class, *service, *path;

        if (!c->bus)
                return no_bus(c, ret_text);
        int r = sd_bus_call_method(c->bus, MACHINE1, "ListMachines", &error, &reply, NULL);
        if (r < 0)
                return call_error(&error, r, ret_text);
        if ((r = sd_bus_message_enter_container(reply, 'a', "(ssso)")) < 0)
                return error_setf(ret_text, r, "bad reply from machined: %s", strerror(-r));
        while ((r = sd_bus_message_read(reply, "(ssso)", &name, &class, &service, &path)) > 0) {
                _cleanup_free_ char *text = NULL;
                if (streq(class, "host")) /* .host: nspawnctl has its own */
                        continue;
                /* a machine gone meanwhile is not listed */
                r = send_machine(c, fd, path, &text);
                if (r < 0 && r != -ENOENT) {
                        *ret_text = TAKE_PTR(text);
                        return r;
                }
        }
        return r < 0 ? error_setf(ret_text, r, "bad reply from machined: %s", strerror(-r)) : 0;
}

int sdbus_machine_get(struct sdbus_conn *c, int fd, const char *machine, char **ret_text) {
        _cleanup_(bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;

        if (!c->bus)
                return no_bus(c, ret_text);
        int r = sd_bus_call_method(c->bus, MACHINE1, "GetMachine", &error, &reply, "s", machine);
        if (r < 0)
                return call_error(&error, r, ret_text);
        if ((r = sd_bus_message_read(reply, "o", &path)) < 0)
                return error_setf(ret_text, r, "bad reply from machined: %s", strerror(-r));
        _cleanup_free_ char *text = NULL;
        r = send_machine(c, fd, path, &text);
        /* the object went between the two calls: as unknown as it is now */
        if (r == -ENOENT)
                return error_setf(ret_text, r, "No machine '%s' known", machine);
        *ret_text = TAKE_PTR(text);
        return r;
}

int sdbus_machine_act(struct sdbus_conn *c, const struct sdbus_request *req, char **ret_text) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *m = req->machine;
        int r = -EBADMSG;

        if (!c->bus)
                return no_bus(c, ret_text);
        /* copies take as long as they take: no call timeout, as machinectl */
        switch (req->op) {
        case SDBUS_KILL_MACHINE:
                r = sd_bus_call_method(c->bus, MACHINE1, "KillMachine", &error, NULL, "ssi", m, req->whom,
                                       (int32_t) req->signal);
                break;
        case SDBUS_TERMINATE_MACHINE:
                r = sd_bus_call_method(c->bus, MACHINE1, "TerminateMachine", &error, NULL, "s", m);
                break;
        case SDBUS_COPY_TO:
        case SDBUS_COPY_FROM: {
                _cleanup_(bus_message_unrefp) sd_bus_message *call = NULL;
                r = sd_bus_message_new_method_call(c->bus, &call, MACHINE1,
                                                   req->op == SDBUS_COPY_TO ? "CopyToMachine"
                                                                            : "CopyFromMachine");
                if (r >= 0)
                        r = sd_bus_message_append(call, "sss", m, req->src, req->dst);
                if (r >= 0)
                        r = sd_bus_call(c->bus, call, UINT64_MAX, &error, NULL);
                break;
        }
        case SDBUS_BIND_MOUNT:
                r = sd_bus_call_method(c->bus, MACHINE1, "BindMountMachine", &error, NULL, "sssbb", m,
                                       req->src, req->dst, (int) !!(req->flags & SDBUS_READ_ONLY),
                                       (int) !!(req->flags & SDBUS_MKDIR));
                break;
        default:
                break;
        }
        return r < 0 ? call_error(&error, r, ret_text) : 0;
}
