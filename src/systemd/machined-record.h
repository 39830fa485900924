/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A machine as systemd-machined describes it, as nspawn's D-Bus helper sends it to nspawnctl
 * (sdbus-protocol.h, 'L' and 'G': one data message per machine). Only nspawnctl reads it, for the
 * machines that machined knows and our registry does not (started by systemd-nspawn, or by
 * anything else that registers with machined).
 *
 * Format: NUL-terminated "KEY=VALUE" items, one after the other (D-Bus strings hold no NUL, so a
 * value needs no escaping); unknown keys are ignored, so either side may grow. Keys are
 * machined's property names, and a few more:
 *
 *   Name=foo                       required, a valid machine name
 *   Id=0123…ef                     32 lower-case hex digits (machined's "ay"), or empty
 *   Timestamp=USEC                 CLOCK_REALTIME µs   TimestampMonotonic=USEC
 *   Service=  Unit=  Class=  RootDirectory=  State=
 *   Leader=PID                     machined's PID of the leader, shown, never acted on
 *   NetworkInterfaces=3 7          host ifindexes, space separated
 *   ControlGroup=/machine.slice/…  the unit's cgroup (systemd's property of the unit)
 *   OS=KEY=VALUE                   repeated: ID, VERSION_ID, PRETTY_NAME of its os-release
 *   Address=10.0.0.2               repeated: its addresses, as text
 *
 * At most MACHINED_RECORD_LIST_MAX OS= and Address= items each; a bad number or Id, or an item
 * without "=", makes the whole record -EBADMSG.
 */

#include <stddef.h>
#include <stdint.h>

#define MACHINED_RECORD_LIST_MAX 64

struct machined_record {
        char *name;
        uint8_t id[16];
        uint64_t timestamp, timestamp_monotonic;
        char *service, *unit, *class, *root, *state, *control_group;
        uint32_t leader;
        int *netif;
        size_t n_netif;
        char **os;        /* KEY=VALUE, NULL-terminated; NULL when none */
        char **addresses; /* NULL-terminated; NULL when none */
};

/* Where machined's string property NAME (Name, Service, Unit, Class, RootDirectory, State,
 * ControlGroup: the D-Bus names, which the text form uses too) goes in r; NULL for any other. */
char **machined_record_string(struct machined_record *r, const char *name);

void machined_record_done(struct machined_record *r);

/* The record as items (malloc'ed, *ret_size bytes). r->name must be set. */
int machined_record_format(const struct machined_record *r, char **ret, size_t *ret_size);
/* Parse size bytes of items; -EBADMSG for anything malformed (see above). */
int machined_record_parse(const void *buf, size_t size, struct machined_record *ret);
