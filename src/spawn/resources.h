/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What every process of the container starts with, beyond its namespaces, cgroups and privileges:
 * the container's resource limits, OOM score, CPU affinity and personality, no audit login UID
 * and a session keyring of its own. Applied by PID 1 before it becomes the payload (child.c) and
 * by every process nspawnctl starts in the running container (control.c), so both start alike.
 * The caller is still privileged (CAP_SYS_RESOURCE, CAP_AUDIT_CONTROL) and sees the /proc of its
 * own PID namespace as /proc/self.
 */

#include <sys/resource.h>

#include "settings.h"

struct seccomp_program;

/*
 * The resource limits, as systemd-nspawn 252 (measured): not the caller's, but what the kernel
 * gives PID 1 at boot (as of Linux 5.16), so that a container behaves the same whoever starts it.
 * Two exceptions: RLIMIT_NOFILE's hard limit is min(fs.nr_open, 512Ki) (systemd raises it so for
 * every service), and RLIMIT_NPROC and RLIMIT_SIGPENDING, which the kernel scales with the memory,
 * are the host PID 1's (read by the supervisor, spawn.h). --rlimit= replaces a row. Then
 * --oom-score-adjust=, --cpu-affinity=, --personality=. On failure a malloc'ed message.
 */
int resources_apply(const struct settings *s, const struct rlimit *init_nproc,
                    const struct rlimit *init_sigpending, char **ret_error);

/* The audit login UID reset (unset) and a new session keyring, so the host's keys are out of
 * reach (keyctl is filtered later). Best effort. */
void resources_new_session(void);

/* The sandbox of the guest's getent when a user is resolved in the container (-u; nspawnctl's
 * shell): the container's system call filter and bounding set less CAP_SYS_PTRACE (as root: NSS
 * modules may need the rest), no supplementary groups, no_new_privs, death with the parent. The
 * caller is the forked helper, right before it executes the guest's code. */
int resources_getent_sandbox(const struct seccomp_program *filter, uint64_t caps);
