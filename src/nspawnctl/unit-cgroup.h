/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The cgroup of a supervised machine's unit, as systemd would make it for nspawn@NAME.service:
 * /machine.slice/nspawn@NAME.service in every cgroup hierarchy the supervisor is in (those
 * mounted at their usual place below /sys/fs/cgroup and writable), with TasksMax=16384 where the
 * pids controller reaches it. nspawn runs in it with --keep-unit and puts the container in its
 * payload/ cgroup, so `nspawnctl status` shows the unit as it does under systemd. The supervisor
 * itself stays out of it; the unit's cgroup is made before each start of nspawn and removed
 * after nspawn and its guard are gone.
 */

#include <stdbool.h>

#define UNIT_TASKS_MAX "16384"

struct unit_cgroup;

/* Find the hierarchies. Nothing is made yet. */
int unit_cgroup_new(const char *unit, struct unit_cgroup **ret);
struct unit_cgroup *unit_cgroup_free(struct unit_cgroup *c);

/* Make the unit's cgroup and machine.slice above it (a stale one of a killed supervisor is taken
 * over) and set its limit. */
int unit_cgroup_create(struct unit_cgroup *c);
/* Move the calling process into the unit's cgroup in every hierarchy (the child, before it
 * executes nspawn). */
int unit_cgroup_join(const struct unit_cgroup *c);
/* Remove the unit's cgroup once it is empty: nspawn's guard may still be removing the container's
 * cgroups, so wait up to wait_ms for that; what is left then is killed (systemd's final SIGKILL
 * of a stopped unit). Empty parents (machine.slice) go too. */
int unit_cgroup_remove(struct unit_cgroup *c, unsigned wait_ms);
