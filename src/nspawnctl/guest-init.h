/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * How a guest's init is asked to power off or reboot (shared/reference/field-notes.md):
 *
 *   init                        poweroff          reboot
 *   systemd, unknown, payload   SIGRTMIN+4        SIGINT          (machinectl's signals)
 *   busybox init                SIGUSR2           SIGTERM
 *   sysvinit (also with OpenRC) runlevel 0        runlevel 6      (an init request on its FIFO)
 *
 * A plain payload or --as-pid2's stub gets machinectl's signals as well (the stub turns them into
 * a stop of the payload; a payload without a handler ignores them, as with machinectl).
 * sysvinit has no signal that powers off (SIGINT runs whatever the inittab's ctrlaltdel says), so
 * it gets what telinit sends: a request on /run/initctl, opened through the leader's root without
 * leaving it, only if it is a FIFO, and without blocking.
 */

#include <sys/types.h>

enum guest_init {
        GUEST_INIT_UNKNOWN, /* also: not booted (a payload, the --as-pid2 stub) */
        GUEST_INIT_SYSTEMD,
        GUEST_INIT_BUSYBOX,
        GUEST_INIT_SYSVINIT,
        _GUEST_INIT_MAX,
};

enum guest_action {
        GUEST_POWEROFF,
        GUEST_REBOOT,
        _GUEST_ACTION_MAX,
};

const char *guest_init_to_string(enum guest_init i);

/* Which init the proven leader (pidfd, pid) runs: its comm, then its executable's contents, read
 * through /proc/PID/exe (the file it runs, not a path in the guest). */
enum guest_init guest_init_detect(int pidfd, pid_t pid);

/* The signal for action, or 0 when the init takes a runlevel request instead. */
int guest_init_signal(enum guest_init i, enum guest_action a);

/* Ask sysvinit for a runlevel ('0', '6') on the leader's /run/initctl. */
int sysvinit_request_runlevel(int pidfd, pid_t pid, char runlevel);
