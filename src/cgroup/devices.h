/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Device policy without systemd: the container may create (mknod) and open only an allow-list
 * of devices — what systemd-nspawn's scope gets from systemd (DevicePolicy=closed plus
 * DeviceAllow=/dev/net/tun rwm, char-pts rw and the bound device nodes):
 *
 *   c 1:3 null, 1:5 zero, 1:7 full, 1:8 random, 1:9 urandom, 5:0 tty, 5:2 ptmx   rwm
 *   c 10:200 /dev/net/tun                                                        rwm
 *   c 136-143:* the container's ptys (its /dev/console is one of them)           rw
 *   c 0:0, b 0:0 the inaccessible nodes of /run/host/inaccessible                m
 *   every device node given as a --bind/--bind-ro source (exactly that node)     rw (r for -ro)
 *
 * Binding /dev/loop-control therefore gives the control node only: a loop device it allocates
 * cannot be opened unless that /dev/loopN is bound too (block devices are never implied).
 *
 * Enforced by the cgroup v1 devices controller (devices.deny "a", then one devices.allow line per
 * rule) and/or a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup2 cgroup with
 * BPF_F_ALLOW_MULTI (the guest's own programs can then only narrow it further).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

enum {
        DEVICE_ACCESS_MKNOD = 1 << 0,
        DEVICE_ACCESS_READ = 1 << 1,
        DEVICE_ACCESS_WRITE = 1 << 2,
};

#define DEVICE_ANY -1

struct device_rule {
        char type;    /* 'c' or 'b' */
        int major_lo; /* DEVICE_ANY for every major; else major_lo..major_hi */
        int major_hi;
        int minor;       /* DEVICE_ANY or one minor */
        unsigned access; /* DEVICE_ACCESS_* */
};

struct device_policy {
        struct device_rule *rules;
        size_t n;
};

/* The allow-list for these settings: the fixed set plus each bind source that is a device node
 * (stat'ed on the host now). */
int device_policy_build(const struct settings *s, struct device_policy *ret);
void device_policy_done(struct device_policy *p);

/* One devices.allow line per major of the rule ("c 1:3 rwm", "c 136:* rw"); returns the number
 * of lines written to lines[0..max) (each of size LINE_MAX_DEVICES). */
#define DEVICE_LINE_MAX 32
size_t device_rule_format_v1(const struct device_rule *r, char (*lines)[DEVICE_LINE_MAX], size_t max);

/* cgroup v1: cgroup_fd is the container's cgroup directory in the devices hierarchy. */
int device_policy_apply_v1(int cgroup_fd, const struct device_policy *p);
/* cgroup2: load the program and attach it to the cgroup directory cgroup_fd. */
int device_policy_apply_bpf(int cgroup_fd, const struct device_policy *p);
