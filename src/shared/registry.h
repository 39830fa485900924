/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The machine registry: one record per running container in REGISTRY_DIR (/run/nspawn/machines),
 * for nspawnctl and for the next start of the same machine. It does not need systemd; when
 * systemd-machined is there, nspawn registers with it as well (machined.h).
 *
 * Record file format — REGISTRY_DIR/NAME, mode 0644, one KEY=VALUE per line, keys in this order,
 * unknown keys ignored by readers; in values "\" is written "\\" and a newline "\n":
 *
 *   NAME=foo                               machine name (also the file name)
 *   ID=0123456789abcdef0123456789abcdef    container UUID, 32 lower-case hex digits
 *   CLASS=container
 *   SERVICE=nspawn
 *   ROOT=/var/lib/machines/foo             root directory of the container, as seen by the host
 *   LEADER=1234                            host PID of the container's PID 1; 0 while it is
 *                                          being started (the name is claimed before the clone)
 *   SUPERVISOR=1233                        PID of the nspawn process
 *   REALTIME=1700000000000000              CLOCK_REALTIME µs when the current leader started
 *   START_MODE=pid1|pid2|boot              how the container was started (default, -a, -b)
 *   NETIF=12 13                            host-side interface indexes, space separated; empty
 *                                          when the container has no interfaces of its own
 *   LEADER_STARTTIME=123456                start time of LEADER, field 22 of /proc/LEADER/stat
 *                                          (clock ticks after boot); 0 unknown. With LEADER it
 *                                          names one process for good: nspawnctl opens a pidfd on
 *                                          LEADER and acts only if the start times match
 *   CGROUP=/machine.slice/machine-foo.scope/payload
 *                                          the container's cgroup (its cgroup namespace root) in
 *                                          the main hierarchy (cgroup2, else name=systemd): where
 *                                          nspawn will put it when the name is claimed, then the
 *                                          leader's cgroup2 cgroup once it is placed (the "0::"
 *                                          line of /proc/LEADER/cgroup). Every process of the
 *                                          container is in its subtree; a stale record's CGROUP is
 *                                          what the next start reclaims. Empty when unknown
 *
 * LEADER_STARTTIME and CGROUP were added after the first version: readers of that version ignore
 * them, and records without them read back as 0 and NULL (nspawnctl then refuses to signal).
 *
 * Liveness: the supervisor holds an exclusive flock() on the record's inode for its whole life,
 * shared with its guard (guard.h: the record's removal is the guard's first duty, so the guard
 * holds the record's fds), and an OFD lock (fcntl) of its own. When the supervisor ends, it leaves
 * removing the machine's cgroups and then its record to the guard: the record keeps its flock but
 * loses the OFD lock — the machine is closing, for about a millisecond. A claim of the name waits for a
 * closing machine to be gone (registry_claim()), so a new run of a machine never meets the cgroups of its
 * previous run. A record is never changed in place: an update is a new, already locked, anonymous file
 * (O_TMPFILE) that is linked under a ".#NAME.*" name and renamed over the record, so the file at
 * NAME is locked at every moment while the supervisor lives. A record (or ".#" temporary) whose
 * flock can be taken therefore belongs to a dead supervisor (SIGKILL, its guard killed too). Such
 * a stale record is reclaimed by the next start of any machine (registry_gc(): what it left — its
 * CGROUP — is removed, then the record) or of the same machine (registry_claim()); readers
 * (registry_list(), registry_get()) skip it and leave it for them, so that what it tells about
 * its leftovers is not lost.
 * Readers take the lock with LOCK_NB only and never wait (a closing machine is listed). PIDs are
 * those of the supervisor's PID namespace.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "settings.h"

#define REGISTRY_DIR "/run/nspawn/machines"

struct machine_record {
        char *name;
        uint8_t uuid[16];
        char *class;   /* "container" */
        char *service; /* "nspawn" */
        char *root;
        pid_t leader; /* 0: being started */
        pid_t supervisor;
        uint64_t realtime_usec;
        enum start_mode start_mode;
        int *netif; /* host ifindexes */
        size_t n_netif;
        uint64_t leader_starttime; /* /proc/LEADER/stat field 22; 0 unknown */
        char *cgroup;              /* the container's cgroup (see CGROUP=); NULL unknown */
};

void machine_record_done(struct machine_record *r);
void machine_record_array_free(struct machine_record *a, size_t n);

/* The record as file contents (see above) / parsed back. Parsing fails with -EBADMSG on a
 * record without a valid NAME, an unparseable number or UUID. */
int machine_record_format(const struct machine_record *r, char **ret);
int machine_record_parse(const char *text, struct machine_record *ret);

const char *start_mode_to_registry_string(enum start_mode m);

/* The record of a running supervisor: open and locked until registry_release(). */
struct registry_entry;
struct guard;

/* Create dir (and its parents) if needed, owned by us and not writable by others (0755), and
 * publish rec under rec->name. Its removal is registered with guard (NULL: none) before it
 * exists, and kept up to date when the record is replaced. A stale record of the same name is removed first;
 * a closing machine of that name is waited for (up to 15 s). Fails with -EEXIST when a live supervisor holds
 * the name (or a closing machine did not go), -EINVAL for an invalid machine name, -EPERM when dir is not a
 * directory owned by us that only we can write. */
int registry_claim(const char *dir, const struct machine_record *rec, struct guard *guard,
                   struct registry_entry **ret);

/* Replace the published record atomically: a new leader (its REALTIME becomes now, its start
 * time is read from /proc), its cgroup (NULL: as claimed) once it is placed; new interfaces
 * (while the leader is 0 they are only kept, and published with the leader: one rewrite). */
int registry_set_leader(struct registry_entry *e, pid_t leader, const char *cgroup);
int registry_set_netif(struct registry_entry *e, const int *ifindex, size_t n);

/* What identifies process pid for good: its start time (field 22 of /proc/PID/stat) and, if
 * ret_cgroup is given, its cgroup2 path (NULL when it has none). The same reader writes the record
 * and checks a pidfd against it (nspawnctl). -ESRCH if there is no such process. */
int registry_process_identity(pid_t pid, uint64_t *ret_starttime, char **ret_cgroup);

/* The record as published (owned by e). */
const struct machine_record *registry_entry_record(const struct registry_entry *e);

/* Remove the record and drop the lock. Returns NULL. */
struct registry_entry *registry_release(struct registry_entry *e);
/* The supervisor is done and its guard, holding the record, removes it: only our fds are closed,
 * which drops the supervisor's OFD lock. Returns NULL. */
struct registry_entry *registry_hand_over(struct registry_entry *e);
static inline void registry_releasep(struct registry_entry **e) {
        *e = registry_release(*e);
}

/* Live records, sorted by name (stale ones are skipped). A missing dir is an empty registry. */
int registry_list(const char *dir, struct machine_record **ret, size_t *ret_n);

/* The live record NAME: -ENOENT if there is none (or a stale one). */
int registry_get(const char *dir, const char *name, struct machine_record *ret);

/* Remove stale records and temporaries; for each stale record, reclaim (if not NULL) is called
 * first, with its lock held, to remove what the machine left behind. Returns how many were
 * removed. */
typedef void (*registry_reclaim_fn)(const struct machine_record *rec, void *userdata);
int registry_gc(const char *dir, registry_reclaim_fn reclaim, void *userdata);
