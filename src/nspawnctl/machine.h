/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A machine as nspawnctl sees it: a live record of the registry (registry.h), ".host", or (with
 * systemd as PID 1) a machine only systemd-machined knows (machined-machines.h; md is set, the
 * record is what machined said). The leader is only ever acted on through a pidfd proven to be
 * it (machine_leader()): the PID of the record, with the start time the record names, still alive
 * after the check; machined's machines are acted on through machined only.
 */

#include <stdbool.h>
#include <stdint.h>

#include "machined-record.h"
#include "registry.h"

#define HOST_MACHINE ".host"

enum machine_state {
        MACHINE_OPENING, /* name claimed, no leader yet */
        MACHINE_RUNNING,
        MACHINE_CLOSING, /* the leader is gone, the record not yet */
        _MACHINE_STATE_MAX,
};
const char *machine_state_to_string(enum machine_state s);

struct machine {
        struct machine_record rec; /* .host: class "host", leader 1, root "/", the host's ID */
        bool host;
        int leader_fd;              /* pidfd once machine_leader() proved it; -EBADF */
        struct machined_record *md; /* known only to machined: what it said; NULL: ours */
};

void machine_done(struct machine *m);
void machine_array_free(struct machine *a, size_t n);

/* The live machine NAME of our registry (".host" too): -ENOENT when there is none (also for
 * invalid names). */
int machine_get(const char *dir, const char *name, struct machine *ret);
/* The same, and if the registry does not know it, machined's machine NAME (machined-machines.h:
 * only when systemd is PID 1). */
int machine_find(const char *dir, const char *name, struct machine *ret);
/* machine_find(), logging machinectl's "Could not WHAT: No machine 'NAME' known" (or the error). */
int machine_get_or_log(const char *dir, const char *name, const char *what, struct machine *ret);
/* Every live machine sorted by name, and those only machined knows (a name in both is ours);
 * .host first when with_host. */
int machine_list(const char *dir, bool with_host, struct machine **ret, size_t *ret_n);

/* The proven pidfd of the leader (owned by m). -ESRCH: no leader (starting, or gone); -ENOKEY:
 * the record does not say the leader's start time (written by an older nspawn), so no process
 * can be proven to be the leader; -EREMOTE: a machine of machined's (never acted on by PID). */
int machine_leader(struct machine *m);
enum machine_state machine_state(struct machine *m);

/* The guest's os-release (/etc/os-release, else /usr/lib/os-release, read through the leader's
 * root without leaving it) as NULL-terminated KEY=VALUE list. */
int machine_os_release(struct machine *m, char ***ret);
/* VALUE of KEY in such a list, or NULL. */
const char *os_release_get(char *const *l, const char *key);
/* Parse os-release text (shell-like assignments, quotes removed). */
int os_release_parse(const char *text, char ***ret);

/* CLOCK_MONOTONIC µs of the machine's start (from its CLOCK_REALTIME one). */
uint64_t machine_monotonic_usec(const struct machine *m);
/* The unit: "-.slice" for the host, else the cgroup holding the container's cgroup (the scope,
 * or with --keep-unit nspawn's own unit); NULL if unknown. */
char *machine_unit(const struct machine *m);
