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
 * Life cycle (supervisor): cgroup_context_new() (once, in main) → per run: cgroup_realize() before
 * clone → cgroup_attach(pid) right after clone, then the child may unshare its cgroup namespace →
 * cgroup_destroy() once PID 1 is gone (kills what is left, removes R and P depth-first). A
 * supervisor killed with SIGKILL leaves empty cgroups: the next start of the same machine name
 * removes them (cgroupfs never removes a cgroup by itself; v1 release agents belong to the host).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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
        uint64_t value;    /* bytes, tasks, weight, or CPU quota in µs per CGROUP_CPU_PERIOD_USEC */
        char cpus[256];    /* AllowedCPUs: the normalized kernel CPU list ("0-3,5") */
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

/* Detect the host's cgroup mode, find every hierarchy we are in, compute the container's cgroup
 * paths, parse --property, build the device policy. Touches nothing. *ret is NULL when the host
 * has no cgroups at all (CGROUP_NONE). On failure a malloc'ed message in *ret_error. */
int cgroup_context_new(const struct settings *s, struct cgroup_context **ret, char **ret_error);
struct cgroup_context *cgroup_context_free(struct cgroup_context *c);
static inline void cgroup_context_freep(struct cgroup_context **c) {
        cgroup_context_free(*c);
}
enum cgroup_mode cgroup_context_mode(const struct cgroup_context *c);
/* The container's cgroup (R) in the main hierarchy (cgroup2, else name=systemd), e.g.
 * "/machine.slice/machine-foo.scope/payload". */
const char *cgroup_context_path(const struct cgroup_context *c);

/* Supervisor, before clone: remove stale empty cgroups of this machine, create P and R in every
 * hierarchy, write limits and the device policy. */
int cgroup_realize(struct cgroup_context *c, char **ret_error);
/* Supervisor, right after clone: move pid into R in every hierarchy. */
int cgroup_attach(struct cgroup_context *c, pid_t pid, char **ret_error);
/* Supervisor, after PID 1 is gone (and on every failure path after realize): kill what is left
 * in R, remove R and P depth-first, restore what --keep-unit changed. Idempotent. */
int cgroup_destroy(struct cgroup_context *c);

/* Supervisor, once PID 1 is placed: fork a small guard process that removes R and P if the
 * supervisor dies without cgroup_destroy() (SIGKILL). cgroupfs never removes a cgroup by itself,
 * so this is what makes a killed nspawn leave nothing behind; cgroup_destroy() ends the guard.
 * Without it (fork failed), the next start of the machine removes the stale, empty cgroups. */
int cgroup_guard(struct cgroup_context *c);

/* Child, after unshare(CLONE_NEWCGROUP), in the container's mount namespace: on a legacy or
 * hybrid host, mount each v1 hierarchy (controllers read-only, name=systemd writable) and, on a
 * hybrid host, cgroup2 at "unified" below dir_fd (the fresh tmpfs of /sys/fs/cgroup), with a
 * symlink per controller of a joined hierarchy ("cpu" → "cpu,cpuacct"), as systemd-nspawn 252. */
int cgroup_mount_v1(const struct cgroup_context *c, int dir_fd);

/* ---- systemd scope backend (cgroup-scope.c) ---- */

/* True if nspawn was built with the systemd-scope backend and systemd runs as PID 1. */
bool cgroup_scope_available(void);
/* Ask systemd (StartTransientUnit) for scope_name in slice with pid in it and the properties;
 * returns the scope's cgroup path. The build-time stub returns -EOPNOTSUPP. */
int cgroup_scope_start(const char *scope_name, const char *slice, pid_t pid, const struct cgroup_property *props,
                       size_t n_props, char **ret_path);
