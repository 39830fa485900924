/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The D-Bus calls of nspawn's helper (nspawn-sdbus, sdbus-protocol.h): systemd's transient scope
 * and systemd-machined's registration, as systemd-nspawn 252 makes them. Linked against
 * libsystemd; only in the helper.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "sdbus-protocol.h"

struct sdbus_conn {
        sd_bus *bus;     /* NULL if it could not be opened */
        int open_error;  /* then: why */
        bool subscribed; /* to systemd's job signals */
        const char *job; /* the job being waited for, and its result once JobRemoved came */
        char *job_result;
};

/* Open the system bus (a failure is kept for the replies) and close it. */
void sdbus_conn_open(struct sdbus_conn *c);
void sdbus_conn_close(struct sdbus_conn *c);

/* 'S': StartTransientUnit and wait for its job. Returns 0 or a negative errno with a malloc'ed
 * text; *ret_created: the unit exists now (also when its job failed) and must be stopped. */
int sdbus_start_scope(struct sdbus_conn *c, const struct sdbus_request *req, bool *ret_created,
                      char **ret_text);
/* 'T': AbandonScope, KillUnit(all, SIGKILL), StopUnit, UnrefUnit; errors ignored. */
void sdbus_stop_scope(struct sdbus_conn *c, const char *unit);
/* 'C' and 'R': CreateMachineWithNetwork / RegisterMachineWithNetwork. */
int sdbus_register_machine(struct sdbus_conn *c, const struct sdbus_request *req, char **ret_text);
/* 'U': a machine created with its scope unit: AbandonScope(unit), TerminateMachine; unit NULL
 * (registered): UnregisterMachine. Errors ignored. */
void sdbus_unregister_machine(struct sdbus_conn *c, const char *machine, const char *unit);

/* nspawnctl's queries and actions (sdbus-machines.c). 'L' and 'G' send each machine to fd as a
 * data message (machined-record.h) before the reply. Unknown machine: -ENOENT; no machined or no
 * bus: -EHOSTDOWN. */
int sdbus_machines_list(struct sdbus_conn *c, int fd, char **ret_text);
int sdbus_machine_get(struct sdbus_conn *c, int fd, const char *machine, char **ret_text);
/* 'K', 'X', 'c', 'f', 'B' */
int sdbus_machine_act(struct sdbus_conn *c, const struct sdbus_request *req, char **ret_text);
