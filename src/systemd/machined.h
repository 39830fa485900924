/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Registration with systemd-machined (--register=), so machinectl and the rest of systemd see
 * the container. Our own registry (registry.h) is written in any case; this is the systemd side.
 *
 *   --register=no       never
 *   unset (auto)        when systemd is PID 1 and nspawn is built with sd-bus; a failure (no
 *                       machined installed, …) is not an error, the container runs unregistered
 *   --register=yes      always: no systemd, no machined or a refused call is an error
 *                       ("Failed to register machine: …"), as systemd-nspawn 252
 *
 * As systemd-nspawn 252: without --keep-unit machined creates the container's scope
 * (CreateMachineWithNetwork with the scope's properties, cgroup.h); with --keep-unit the running
 * unit is registered as it is (RegisterMachineWithNetwork). On exit: UnregisterMachine (for a
 * machine with its own scope: TerminateMachine, after giving up our controller role). The calls
 * are made by nspawn's D-Bus helper (sdbus-client.h), which also makes them when nspawn dies.
 * Without sd-bus the functions are stubs: machined_new() then fails only for --register=yes.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "settings.h"

struct machined;
struct cgroup_context;

/* Decide whether to register; *ret is NULL when not. Starts the D-Bus helper (with --keep-unit:
 * machined_register() does). On failure (only with --register=yes) a malloc'ed message in
 * *ret_error. */
int machined_new(const struct settings *s, struct machined **ret, char **ret_error);
struct machined *machined_free(struct machined *m);
static inline void machined_freep(struct machined **m) {
        *m = machined_free(*m);
}

/* Does this registration create the container's scope (CreateMachine)? Then cgroup_attach()
 * finds PID 1 in the scope already and only adds payload/ below it. */
bool machined_creates_scope(const struct machined *m, const struct cgroup_context *cg);

/* Register the container whose PID 1 is leader. m may be NULL (nothing to do). Failures are
 * errors only with --register=yes. */
int machined_register(struct machined *m, const char *name, const uint8_t uuid[16], const char *root,
                      pid_t leader, const struct cgroup_context *cg, char **ret_error);
/* UnregisterMachine if registered (errors ignored). */
void machined_unregister(struct machined *m);
