/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The systemd backend of cgroup.h: when systemd is PID 1, the container's cgroup should be a
 * transient scope (StartTransientUnit over sd-bus: machine-NAME.scope in the slice, PIDs=[PID 1],
 * Delegate=yes, CollectMode=inactive-or-failed, AddRef=yes, DevicePolicy=closed + DeviceAllow=,
 * the --property= settings), so systemd knows and accounts it. cgroup_attach() would call
 * cgroup_scope_start() right after clone and then create payload/ below the scope with the
 * cgroupfs code, as systemd-nspawn does.
 *
 * This build has no sd-bus (and this host runs no systemd, so it could not be tested): the stub
 * below reports the backend as unavailable and the cgroupfs backend is used everywhere. A real
 * implementation replaces this file when meson finds libsystemd.
 */

#include <errno.h>

#include "cgroup.h"

bool cgroup_scope_available(void) {
        return false;
}

int cgroup_scope_start(const char *scope_name, const char *slice, pid_t pid, const struct cgroup_property *props,
                       size_t n_props, char **ret_path) {
        return -EOPNOTSUPP;
}
