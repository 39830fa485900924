/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the cgroupfs backend's files (cgroup.c, cgroup-remove.c) share; not part of the API. */

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "cgroup-util.h"
#include "devices.h"
#include "guard.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define MAX_PROPERTIES 32

enum cgroup_backend {
        CGROUP_BACKEND_CGROUPFS,
        CGROUP_BACKEND_SCOPE, /* systemd PID 1: P is a transient scope (cgroup-scope.c) */
};

struct hierarchy {
        int id;              /* 0: cgroup2 */
        char *controllers;   /* "memory", "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
        char *own;           /* the supervisor's cgroup, relative to the root ("" = the root) */
        int root_fd;         /* O_PATH directory of the hierarchy's root */
        char *p;             /* the policy cgroup P, relative */
        char *r;             /* the container's cgroup R (== p with --keep-unit) */
        char *supervisor;    /* --keep-unit on cgroup2 with controllers: own/supervisor */
        char *saved_subtree; /* own's cgroup.subtree_control before we enabled controllers */
        bool realized;
        bool program_attached; /* cgroup2: the device program is on P */
        bool entered;          /* PID 1 was cloned into R (CLONE_INTO_CGROUP): nothing to write */
        bool in_unit;          /* --keep-unit below a real unit: P = R = own/payload, own is not ours */
        bool systemd;          /* P is the systemd scope: only R is ours to create and remove */
        int undo_id;           /* the guard's duty to remove what we make here (guard.h) */
        int undo_supervisor;   /* the same for --keep-unit's own/supervisor */
};

struct cgroup_context {
        enum cgroup_mode mode;
        enum cgroup_backend backend;
        bool keep_unit;
        struct hierarchy *h;
        size_t n;
        struct cgroup_property props[MAX_PROPERTIES];
        size_t n_props;
        struct device_policy devices;
        /* A v1 devices hierarchy enforces the policy; else the cgroup2 device program does. (Both
         * would work on a hybrid host; the program costs a verifier run per start.) */
        bool devices_v1;
        char *main_path;
        char *machine, *slice_unit, *scope_unit; /* for the scope backend */
        int kill_signal;
        struct scope_unit *scope; /* started by us (not by machined) */
        struct guard *guard;      /* removes our cgroups once nspawn is gone (not owned) */
};
