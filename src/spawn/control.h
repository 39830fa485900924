/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The machine's control socket, the supervisor's side (the protocol: control-protocol.h): how
 * nspawnctl's shell and login get a process in the running container — in guests with or without
 * systemd or D-Bus, and without anything of the host's running inside.
 *
 * The supervisor knows the container's exact context (the compiled system call filter, the
 * bounding set, no_new_privs, the environment rules, the resource limits, the cgroups) and holds
 * PID 1's pidfd, so it makes the process; nothing acts on the machine by PID. Per request:
 *
 *   supervisor (host namespaces)       accepts (root peers only), clones the session process into
 *     │                                the container's cgroup2 cgroup (CLONE_INTO_CGROUP), reaps it
 *     │                                and sends nspawnctl the end ('X'); SIGHUP to it when
 *     │                                nspawnctl hangs up
 *     └─ session process (nspawn's code, host PID namespace; session.c)
 *          joins the v1 cgroups, takes the container's resource limits, enters its mount, UTS,
 *          IPC, network and cgroup namespaces through PID 1's pidfd (root: the container's);
 *          resolves the user with the guest's getent (each run as below); opens a pty from the
 *          container's devpts (or pipes) and passes nspawnctl its end ('R'); setns() into the PID
 *          namespace (for its children only); then the container's filter, user, capabilities,
 *          no_new_privs; executes nspawn-enter from a sealed memfd (src/stub/enter.c):
 *          └─ nspawn-enter (still outside the container's PID namespace, holds no fd) forks:
 *               └─ the process, born in the container's PID namespace with the container's
 *                  privileges and nothing of the host (no host binary: /proc/PID/exe is the
 *                  sealed memfd; no host fd), executes the guest's program
 *
 * Before the first step the session process keeps only its connection, PID 1's pidfd and the
 * cgroup fds: nothing else of the supervisor's (console, guard, registry) goes with it.
 *
 * The socket is made once per nspawn, on the first run, while PID 1 finishes its set-up (before
 * the record names the leader: a machine with a leader always has its socket); its directory's
 * removal is registered with the guard first (a socket's inode comes to be with its name, so the
 * guard's duty is the directory, UNDO_TREE). It is served from each run's event loop; sessions end
 * with the run (their processes died with the container's PID namespace).
 */

#include <sys/types.h>

struct control;
struct guard;
struct spawn_params;
struct spawn_host;

/* Nothing is made yet (control_start() makes the socket). */
int control_new(const char *machine, struct guard *guard, struct control **ret);
/* Close the socket; its directory is left to the guard. Ends what control_stop() did not. */
struct control *control_free(struct control *c);

/* A run: PID 1 (pidfd, pid) lives in its namespaces and cgroups; p and host describe it and
 * outlive the run. */
struct control_run {
        const struct spawn_params *p;
        const struct spawn_host *host;
        int pidfd;
        pid_t pid;
};

/* Serve the socket on epfd for this run (made on the first call). c may be NULL (nothing to do).
 * On failure a malloc'ed message. */
int control_start(struct control *c, int epfd, const struct control_run *run, char **ret_error);
/* PID 1 is gone: stop serving on the run's epfd; each session still running is ended and reaped
 * (its process in the container died with the PID namespace). The socket stays for a restart. */
void control_stop(struct control *c);

/* A stale record's machine (its nspawn and guard were both killed): remove its control directory. */
void control_reclaim(const char *machine);
