/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The container's cgroups, without systemd (backend "cgroupfs"; a systemd-scope backend plugs in
 * through cgroup-scope.c, see there).
 *
 * Layout, in EVERY hierarchy the supervisor is in (cgroup2 and each cgroup v1 hierarchy, so no
 * container process is ever left in a v1 root where release_agent lives, CVE-2022-0492):
 *
 *   default:      /<slice path>/machine-NAME.scope          P: limits (--property), device policy
 *                 /<slice path>/machine-NAME.scope/payload  R: the container (its cgroupns root)
 *   --keep-unit:  <nspawn's own cgroup>/payload             P = R (the unit owns limits and devices)
 *                 <nspawn's own cgroup>/supervisor          nspawn itself, cgroup2 only and only when
 *                                                           controllers must be enabled for payload
 *
 * Why R below P: the container's root keeps CAP_SYS_ADMIN and can mount its cgroup hierarchies
 * writable; it can then write the files of its cgroupns root (R) but never of P. A v1
 * devices.allow write is checked against the parent's list and cgroup2 device programs of P apply
 * to R whatever R attaches, so the limits and the device policy on P cannot be undone from inside.
 *
 * Life cycle (supervisor): cgroup_context_new() (once, in main) → per run: cgroup_clone_fd() before
 * clone, cgroup_realize() and cgroup_attach(pid) right after it, cgroup_join_self() in the child,
 * then the child may unshare its cgroup namespace → once PID 1 is gone: cgroup_destroy() (kills
 * what is left, removes R and P depth-first) before a restart, or cgroup_finish() when nspawn ends.
 * Before each hierarchy's cgroups are made, their removal is registered with the guard (guard.h),
 * which carries it out after nspawn has exited, however it exits (cgroupfs never removes a cgroup by
 * itself; v1 release agents belong to the host). A stale, empty P of the machine (its nspawn and
 * guard both killed) is removed by the next start of the machine.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdutil.h"
#include "settings.h"

enum cgroup_mode {
        CGROUP_NONE,    /* no cgroup file system at /sys/fs/cgroup */
        CGROUP_LEGACY,  /* tmpfs with cgroup v1 hierarchies only */
        CGROUP_HYBRID,  /* v1 hierarchies plus cgroup2 at /sys/fs/cgroup/unified */
        CGROUP_UNIFIED, /* cgroup2 at /sys/fs/cgroup */
};

const char *cgroup_mode_to_string(enum cgroup_mode m);

/* ---- names (cgroup-property.c) ---- */

/* --slice=NAME: "foo" → "foo.slice"; validated as systemd's slice_name_is_valid(). */
int cgroup_slice_normalize(const char *name, char **ret);
/* The cgroup path of a slice, relative to the root: "a-b.slice" → "a.slice/a-b.slice",
 * "-.slice" → "" (the root). */
int cgroup_slice_path(const char *slice, char **ret);
/* "machine-" + the unit-name escaped machine name + ".scope" ("a-b" → "machine-a\x2db.scope"). */
int cgroup_scope_name(const char *machine, char **ret);

/* ---- --property=NAME=VALUE (cgroup-property.c) ---- */

enum cgroup_property_id {
        CGROUP_MEMORY_MAX,
        CGROUP_MEMORY_HIGH,
        CGROUP_TASKS_MAX,
        CGROUP_CPU_QUOTA,
        CGROUP_CPU_WEIGHT,
        CGROUP_ALLOWED_CPUS,
        CGROUP_IO_WEIGHT,
        _CGROUP_PROPERTY_MAX,
};

#define CGROUP_LIMIT_MAX UINT64_MAX /* "infinity" */
#define CGROUP_CPU_PERIOD_USEC 100000

struct cgroup_property {
        enum cgroup_property_id id;
        uint64_t value; /* bytes, tasks, weight, or CPU quota in µs per CGROUP_CPU_PERIOD_USEC */
        char cpus[256]; /* AllowedCPUs: the normalized kernel CPU list ("0-3,5") */
};

/* Parse "NAME=VALUE". -EINVAL with a static reason in *ret_reason (unknown property, bad value),
 * -EOPNOTSUPP for unit properties that exist in systemd but are not built here. */
int cgroup_property_parse(const char *assignment, struct cgroup_property *ret, const char **ret_reason);
const char *cgroup_property_name(enum cgroup_property_id id);

/* One file write that realizes a property: the controller whose hierarchy holds the file
 * (cgroup v1; cgroup2 has one hierarchy) and what to write. Several writes are done in order. */
struct cgroup_write {
        const char *controller;
        const char *file;
        char value[272];
};
/* Fill w[0..n) (n ≤ 2) for cgroup2 (unified) or cgroup v1; returns n. */
size_t cgroup_property_writes(const struct cgroup_property *p, bool unified, struct cgroup_write w[2]);

/* ---- the container's cgroups (cgroup.c) ---- */

struct cgroup_context;
struct guard;

/* Detect the host's cgroup mode, find every hierarchy we are in, compute the container's cgroup
 * paths, parse --property, build the device policy. Touches nothing. *ret is NULL when the host
 * has no cgroups at all (CGROUP_NONE). guard (not owned; NULL in unit tests) gets the removal of
 * every cgroup before it is made. On failure a malloc'ed message in *ret_error. */
int cgroup_context_new(const struct settings *s, struct guard *guard, struct cgroup_context **ret,
                       char **ret_error);
struct cgroup_context *cgroup_context_free(struct cgroup_context *c);
static inline void cgroup_context_freep(struct cgroup_context **c) {
        cgroup_context_free(*c);
}
enum cgroup_mode cgroup_context_mode(const struct cgroup_context *c);
/* The container's cgroup (R) in the main hierarchy (cgroup2, else name=systemd), e.g.
 * "/machine.slice/machine-foo.scope/payload". */
const char *cgroup_context_path(const struct cgroup_context *c);

/* Supervisor, after clone while the child prepares its mounts: remove stale empty cgroups of this
 * machine, create P and R in every hierarchy (but the one cgroup_clone_fd() did), write limits and
 * the device policy — the cgroup2 device program for the cgroup2 hierarchy too (its BPF load is
 * kept off the clone's path). */
int cgroup_realize(struct cgroup_context *c, char **ret_error);
/* Moving another process into a cgroup makes the kernel take a global lock whose first taking
 * waits for an RCU grace period (7-20 ms measured); a single thread moving itself into a cgroup v1
 * group ("0" into its tasks file) and a child cloned into a cgroup2 cgroup (CLONE_INTO_CGROUP) do
 * not. So:
 *
 * Supervisor, before clone: realize the cgroup2 hierarchy (if any, cgroupfs backend) and return
 * an fd of R there for clone3's CLONE_INTO_CGROUP, so PID 1 is born in it; -EOPNOTSUPP if there
 * is no such hierarchy (cgroup v1 only) or the scope backend is used. */
int cgroup_clone_fd(struct cgroup_context *c, char **ret_error);
#define CGROUP_MAX_JOIN_FDS MSG_MAX_FDS /* they go in one message */
/* Supervisor, right after clone: put pid into R in every hierarchy it was not cloned into. For v1
 * hierarchies it returns the open tasks files of R instead (at most CGROUP_MAX_JOIN_FDS), which
 * the child, still single-threaded, joins itself with cgroup_join_self() before it makes its
 * cgroup namespace; the caller owns (closes) them. */
int cgroup_attach(struct cgroup_context *c, pid_t pid, int *ret_fds, size_t *ret_n, char **ret_error);
/* Supervisor, after cgroup_attach(), with a user namespace: the container's cgroup R becomes its
 * root's (uid, gid: its host ids) in the hierarchies it may write (cgroup2, name=systemd), as
 * systemd-nspawn delegates it. */
int cgroup_delegate(struct cgroup_context *c, uid_t uid, gid_t gid, char **ret_error);
/* Child: write "0" (itself) into each tasks file that cgroup_attach() returned. */
int cgroup_join_self(const int *fds, size_t n);
/* Supervisor, while the container runs (control.c): what a new process needs to join the
 * container in every hierarchy — the cgroup2 cgroup for clone3's CLONE_INTO_CGROUP in
 * *ret_v2_fd (-EBADF without cgroup2) and R's tasks file in each v1 hierarchy (for
 * cgroup_join_self()). The cgroup2 cgroup is R, or, where the guest enabled controllers for R's
 * subtree (cgroup2 lets no process into an inner cgroup), the cgroup of PID 1 (leader), which is
 * below R. The caller owns the fds. */
int cgroup_enter_fds(const struct cgroup_context *c, pid_t leader, int *ret_v2_fd, int *ret_fds,
                     size_t *ret_n);
/* Supervisor, after PID 1 is gone (and on every failure path after realize): kill what is left
 * in R, remove R and P depth-first, restore what --keep-unit changed. Idempotent; the guard's
 * duties stay (a restart makes the same cgroups). */
int cgroup_destroy(struct cgroup_context *c);
/* A stale machine record's CGROUP (nspawn and its guard were both killed; the container's
 * cgroup R, as cgroup_context_path() gave it): remove what nspawn made of it in every hierarchy
 * if it is empty — R, its P if P is a scope of ours (machine-NAME.scope), and then the empty
 * slices. Never kills, never waits. */
void cgroup_reclaim(const struct cgroup_context *c, const char *path);

/* Supervisor, once PID 1 is gone and nspawn ends: what the guard cannot do is done now (put
 * --keep-unit's move of nspawn back, give a systemd scope up); the cgroups themselves are removed
 * by the guard after nspawn has exited (~0.8 ms for the ~20 directories of a hybrid host, off
 * nspawn's exit path). A new run of the machine waits for that in registry_claim(). */
int cgroup_finish(struct cgroup_context *c);

/* Child, after unshare(CLONE_NEWCGROUP), in the container's mount namespace: on a legacy or
 * hybrid host, mount each v1 hierarchy (controllers read-only, name=systemd writable) and, on a
 * hybrid host, cgroup2 at "unified" below dir_fd (the fresh tmpfs of /sys/fs/cgroup), with a
 * symlink per controller of a joined hierarchy ("cpu" → "cpu,cpuacct"), as systemd-nspawn 252. */
int cgroup_mount_v1(const struct cgroup_context *c, int dir_fd);

/* ---- systemd scope backend (src/systemd: cgroup-scope.c, scope-properties.c) ---- */

/*
 * When systemd is PID 1 (and nspawn is built with sd-bus) the container's cgroup P is a transient
 * scope unit, machine-NAME.scope in the slice, started by systemd (StartTransientUnit) or by
 * systemd-machined (CreateMachine, machined.h) with the same properties as systemd-nspawn 252
 * gives it. cgroup_attach() then creates R = P/payload below the delegated scope in each
 * hierarchy systemd put PID 1 in, and the cgroupfs way (as above) in the v1 hierarchies systemd
 * does not manage. systemd applies --property= and the device policy to the scope; on exit the
 * scope empties once payload/ is gone and systemd removes it (CollectMode=inactive-or-failed).
 */

/* One property of the scope unit as it goes over D-Bus: a name and a typed value. */
enum scope_value_type {
        SCOPE_STRING, /* "s": str */
        SCOPE_BOOL,   /* "b": u */
        SCOPE_U64,    /* "t": u */
        SCOPE_I32,    /* "i": u (a signal number) */
        SCOPE_PIDS,   /* "au": one PID in u */
        SCOPE_DEVICE, /* "a(ss)": one entry: the device in str, its access ("rwm") in access */
        SCOPE_CPUS,   /* "ay": a CPU bitmask, from the kernel CPU list in str */
};

/* Plain data (no pointers): nspawn sends the list as it is to its D-Bus helper (sdbus-protocol.h). */
struct scope_property {
        char name[32];
        enum scope_value_type type;
        uint64_t u;
        char str[256];
        char access[4];
};

/* Who starts the scope: systemd (StartTransientUnit, every property) or machined (CreateMachine:
 * machined adds PIDs, Description, Delegate, CollectMode and AddRef itself). */
enum scope_caller {
        SCOPE_FOR_SYSTEMD,
        SCOPE_FOR_MACHINED,
};

struct device_rule;

/* What the scope is made of; the pointers belong to the caller (cgroup_context_scope_spec()). */
struct scope_spec {
        const char *machine;
        const char *scope; /* "machine-NAME.scope" */
        const char *slice; /* unit name, "machine.slice" by default */
        pid_t pid;
        int kill_signal; /* 0: none (then no KillSignal=/KillMode=) */
        const struct cgroup_property *props;
        size_t n_props;
        const struct device_rule *devices;
        size_t n_devices;
};

/* The property list, in systemd-nspawn 252's order: [PIDs, Description, Delegate, CollectMode,
 * AddRef], Slice, DevicePolicy=closed, one DeviceAllow= per device rule that systemd can express
 * (char-pts, /dev/char/MAJ:MIN, /dev/block/MAJ:MIN, /run/systemd/inaccessible/chr|blk),
 * KillSignal= and KillMode=mixed with a kill signal, then the --property= settings. */
int scope_properties_build(const struct scope_spec *spec, enum scope_caller who, struct scope_property **ret,
                           size_t *ret_n);
/* AllowedCPUs= over D-Bus is a bitmask, one bit per CPU, CPU 0 in bit 0 of byte 0. */
int cpu_list_to_mask(const char *list, uint8_t **ret, size_t *ret_n);

/* The backend in use: the container goes into a systemd scope. */
bool cgroup_context_uses_scope(const struct cgroup_context *c);
/* The scope spec of this container (pointers into c, valid as long as c). */
int cgroup_context_scope_spec(const struct cgroup_context *c, pid_t pid, struct scope_spec *ret);

/* True if nspawn was built with sd-bus and systemd runs as PID 1 (/run/systemd/system exists). */
bool cgroup_scope_available(void);

/* A started scope unit, held (AddRef=yes, Controller=) by the bus connection of nspawn's D-Bus
 * helper (sdbus-client.h), which lives as long as nspawn. */
struct scope_unit;
/* StartTransientUnit of spec->scope and wait for its job; the build without sd-bus returns
 * -EOPNOTSUPP. */
int cgroup_scope_start(const struct scope_spec *spec, struct scope_unit **ret, char **ret_error);
/* As systemd-nspawn's terminate_scope(): AbandonScope, KillUnit SIGKILL, then StopUnit and
 * UnrefUnit (errors ignored: the scope is usually gone already), then let go of the helper.
 * Returns NULL. */
struct scope_unit *cgroup_scope_stop(struct scope_unit *u);
