/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Machines as services of the host's init: `start`, `enable`, `disable`.
 *
 *                    start NAME                      enable / disable NAME
 *   systemd PID 1    systemctl start                 systemctl enable machines.target
 *                    nspawn@NAME.service             nspawn@NAME.service / systemctl disable …
 *   otherwise        nspawnctl's own supervisor      where systemd is installed: the links that
 *                    (supervise.c): nspawn with the  systemctl enable makes, made offline; where
 *                    unit's arguments, detached, as  OpenRC is: /etc/init.d/nspawn.NAME → nspawn and
 *                    the unit would run it           the runlevel entry (rc-update add/del);
 *                                                    neither: an error
 *
 * units/nspawn@.service.in and openrc/nspawn.in are the unit template and the OpenRC script.
 *
 * NSPAWNCTL_ROOT=DIR (environment) makes enable and disable work on the tree below DIR instead of
 * the host, as `systemctl --root=` does: for tests and for preparing an image (systemd is then
 * never asked, rc-update never run: the links are made directly).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SERVICE_DIR "/run/nspawn/service" /* SERVICE_DIR/NAME: a supervised machine (supervise.c) */
#define SERVICE_LOG_DIR "/var/log/nspawn"
#define SERVICE_LOG_MAX (4 * 1024 * 1024) /* NAME.log is moved to NAME.log.1 beyond this */
#define SERVICE_TEMPLATE "nspawn@.service"
#define SERVICE_TARGET "machines.target"
#define SERVICE_OPENRC_SCRIPT "nspawn"

/* machinectl's checks of each name before anything is done: "Invalid machine name X." and
 * "Machine image 'X' does not exist." (an image directory in the search path below root). Logs
 * the first failure and returns -1. */
int service_check_names(const char *root, int argc, char *argv[]);

/* "nspawn@NAME.service" for a valid machine name. */
char *service_unit_name(const char *machine);

/* Is systemd the host's PID 1 (sd_booted(): its runtime directory exists)? */
bool service_systemd_running(void);

/* The root enable/disable work on: $NSPAWNCTL_ROOT (absolute, normalized) or "/". NULL after
 * logging when the variable is not a usable path. */
const char *service_root(void);
/* root + path ("/" + "/etc" is "/etc"); NULL on ENOMEM. */
char *service_root_path(const char *root, const char *path);

/* The first of the NULL-terminated dirs (below root) holding an executable name: its path
 * without root, malloc'ed; NULL if none does. */
char *service_find_in(const char *root, const char *const *dirs, const char *name);

/* Run argv (argv[0] an absolute path) with stdin from /dev/null, stdout to /dev/null if quiet;
 * wait. Returns its exit status, 128 + signal, or a negative errno if it could not be run. */
int service_run(char *const argv[], bool quiet);

/* With systemd as PID 1: `systemctl VERB [-q] [extra_unit] nspawn@NAME.service …` for the names
 * argv[1..argc); its messages are systemctl's. 0, or -1 when it failed (start.c). */
int service_systemctl(bool quiet, const char *verb, const char *extra_unit, int argc, char *argv[]);

/* ---- what the supervisor does when nspawn ends (supervise.c) ---- */

/* nspawn's exit status when the guest reboots under --keep-unit (EXIT_FORCE_RESTART) */
#define SERVICE_EXIT_REBOOT 133

enum service_exit {
        SERVICE_EXIT_RESTART, /* start nspawn again */
        SERVICE_EXIT_SUCCESS, /* the service ended well */
        SERVICE_EXIT_FAILURE,
};

/* systemd's decision for nspawn@.service's main process (Restart=no, RestartForceExitStatus=133,
 * SuccessExitStatus=133): code and status as waitid() gives them (CLD_EXITED …); stopping: a stop
 * was asked for, after which nothing is restarted. */
enum service_exit service_exit_action(int code, int status, bool stopping);

/* systemd's default start limit (StartLimitIntervalSec=10s, StartLimitBurst=5): a sixth start
 * within 10 s of the fifth-last is refused. */
#define START_LIMIT_BURST 5
#define START_LIMIT_INTERVAL_USEC (10 * 1000000ULL)
struct start_limit {
        uint64_t t[START_LIMIT_BURST]; /* the last starts, a ring */
        unsigned n;
};
/* Record a start at now (µs); false if the limit forbids it (nothing recorded then). */
bool start_limit_allow(struct start_limit *l, uint64_t now);

/* ---- start (start.c, supervise.c) ---- */

/* Start machine name under a supervisor of its own and return once it runs (its record names a
 * leader): 0. When nspawn ends before, what it printed is copied to stderr and its exit status
 * (> 0) returned; -1 after logging another failure. A machine that already runs, or whose
 * supervisor is starting it, is waited for and is success. */
int supervise_start(const char *registry_dir, const char *name);

/* The supervisor's state file: SERVICE_DIR/NAME (SUPERVISOR=PID, MAIN=PID of nspawn, LOG=…),
 * locked (flock) for the supervisor's life. */
char *supervise_state_path(const char *name);
