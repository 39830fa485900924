/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The start-up protocol between the supervisor (spawn.c) and the container's PID 1 until it
 * executes the payload (child.c): one SOCK_SEQPACKET socket pair made before the clone. The
 * child's end is close-on-exec, so EOF tells the supervisor that the payload was executed (or
 * that the child died; an ERROR came first then).
 *
 * Inherited at the clone, no message: struct spawn_params (memory) and struct spawn_host (what the
 * supervisor took from the host for the child: the tree's bind, the host PID 1's limits; spawn.h).
 *
 * The steps, in order ("→": child to supervisor, "←": supervisor to child):
 *
 *   USERNS     ←  with a user namespace (userns.h), first: the supervisor wrote the child's
 *                 uid/gid maps and id-mapped the detached tree and binds; the child becomes root
 *                 of its namespace and only then starts its set-up
 *   CONSOLE    →  fd: the pty master of the container's console     unless --console=pipe
 *   KMSG       →  fd: /run/host/proc-kmsg, which the supervisor holds
 *   NOTIFY     →  fd: /run/host/notify, the guest's sd_notify socket
 *   CGROUPS    ←  fds: the v1 tasks files to join (cgroup.h)         with cgroups: the child waits
 *                                                                     for it as late as it can
 *   CGROUP_NS  →  the child is in its cgroups and has unshared its cgroup namespace; the
 *                 supervisor now mounts /sys/fs/cgroup inside (in the container's namespaces)
 *   CGROUPFS   ←  /sys/fs/cgroup is mounted, the supervisor is back
 *   NETWORK    ←  the links exist (network.h: the helper made them in the          with links
 *                 namespace PID 1 was cloned with, while it set up), named and up or down as
 *                 systemd-nspawn leaves them (host0 down); the record has them (NETIF=). Guest
 *                 code runs only after it: the child waits for it with CGROUPFS.
 *   (EOF)      →  the payload was executed
 *
 * At any time before EOF: WARNING → (text: set-up goes on, the supervisor logs it) and ERROR →
 * (errno and text: the child exits; the supervisor reports it). An ERROR after CGROUP_NS is sent
 * only once CGROUPFS came (the supervisor is busy in the child's namespaces until then).
 * Anything unexpected — a type in the wrong direction, EOF where a step is awaited — ends the run.
 */

#include <stdbool.h>
#include <stddef.h>

#include "fdutil.h"

enum spawn_msg_type {
        SPAWN_MSG_USERNS = 'U',
        SPAWN_MSG_CONSOLE = 'P',
        SPAWN_MSG_KMSG = 'F',
        SPAWN_MSG_NOTIFY = 'N',
        SPAWN_MSG_CGROUPS = 'G',
        SPAWN_MSG_CGROUP_NS = 'C',
        SPAWN_MSG_CGROUPFS = 'M',
        SPAWN_MSG_NETWORK = 'L',
        SPAWN_MSG_WARNING = 'W',
        SPAWN_MSG_ERROR = 'E',
};

#define SPAWN_MSG_TEXT_MAX 1024

/* One received message; its fds are the receiver's to take (spawn_msg_done() closes the rest). */
struct spawn_msg {
        enum spawn_msg_type type;
        int error;                     /* ERROR: the errno (positive) */
        char text[SPAWN_MSG_TEXT_MAX]; /* WARNING, ERROR: NUL-terminated */
        int fds[MSG_MAX_FDS];
        size_t n_fds;
};

const char *spawn_msg_type_to_string(enum spawn_msg_type t);

/* Send a step (fds: none, or the step's). */
int spawn_msg_send(int sock, enum spawn_msg_type t, const int *fds, size_t n_fds);
/* WARNING and ERROR (error: a negative errno). Text longer than the limit is cut. */
int spawn_msg_send_text(int sock, enum spawn_msg_type t, int error, const char *text);

/* Receive one message of the other side. to_supervisor: we are the supervisor (only the child's
 * types are accepted, and the other way round). Returns 1, 0 at EOF, -EPROTO for a type that may
 * not come this way (its fds closed), or another negative errno. */
int spawn_msg_recv(int sock, bool to_supervisor, struct spawn_msg *ret);
/* Take fd i of m (the caller owns it now). */
int spawn_msg_take_fd(struct spawn_msg *m, size_t i);
void spawn_msg_done(struct spawn_msg *m);

/* Child side: wait for step t; its fds in ret (at most *n_fds, set to how many came). Anything
 * else or EOF: -EPROTO (the supervisor gave up; it reports why). */
int spawn_msg_expect(int sock, enum spawn_msg_type t, int *ret_fds, size_t *n_fds);
