/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The machines systemd-machined knows and our registry does not (started by systemd-nspawn, or by
 * anything else that registers with machined), for list, status, show and the verbs that act on
 * machines. nspawnctl does not link libsystemd: it asks through nspawn's D-Bus helper,
 * nspawn-sdbus (sdbus-protocol.h, 'L' … 'B'), one per nspawnctl, started on first use.
 *
 * Only when systemd is PID 1 (sd_booted(): /run/systemd/system exists) and nspawn is built with
 * sd-bus: on any other host nothing is started, nothing waits, and machined's machines simply do
 * not exist. A helper that cannot be started, a bus or machined that is not there are the same as
 * a machined without machines (logged at debug level).
 *
 * Such a machine is a struct machine with md set: its record fields come from machined, and its
 * leader is never acted on by PID (machine_leader() refuses it): everything it is asked to do
 * goes to machined's methods.
 */

#include <stdbool.h>
#include <stddef.h>

#include "machine.h"
#include "sdbus-protocol.h"

/* systemd as PID 1 and a helper built: machined may be asked. */
bool machined_booted(void);

/* machined's machines (none without machined) as struct machine, in machined's order. */
int machined_machines_list(struct machine **ret, size_t *ret_n);
/* machined's machine NAME: -ENOENT if it is unknown (or machined is not there). */
int machined_machine_get(const char *name, struct machine *ret);
/* machined's method for req ('K', 'X', 'c', 'f', 'B'); on failure machined's text (or why it
 * could not be asked) in *ret_text. */
int machined_machine_call(const struct sdbus_request *req, char **ret_text);
