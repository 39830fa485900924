/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sd_notify both ways. nspawn is a client of its own service manager ($NOTIFY_SOCKET: READY=1,
 * STATUS=, X_NSPAWN_LEADER_PID=, STOPPING=1) and the server of the guest's /run/host/notify
 * socket, whose READY=1 and STATUS= it forwards (--notify-ready=yes).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Send one datagram to the AF_UNIX socket at path: a file system path, or an abstract address
 * written with a leading '@'. path NULL or empty: nothing to do, 0 (not supervised). Returns 0 or
 * a negative errno (-EINVAL for an address that is neither absolute nor abstract, or too long).
 */
int notify_send(const char *path, const char *message);

/*
 * Receive one datagram from the guest's notify socket into buf (NUL-terminated). File descriptors
 * that came with it are closed. *ret_ucred gets the sender's credentials, or pid 0 when the kernel
 * sent none (SO_PASSCRED is off). Returns the length, -EAGAIN when nothing is pending, -EMSGSIZE
 * for a datagram that did not fit (it is consumed), or another negative errno.
 */
ssize_t notify_recv(int fd, char *buf, size_t size, struct ucred *ret_ucred);

/* What a guest's message says. status points into msg (up to the end of its line, copied). */
struct notify_message {
        bool ready;
        char *status; /* malloc'ed value of STATUS=, NULL if none */
};
int notify_parse(const char *msg, struct notify_message *ret);
void notify_message_done(struct notify_message *m);

/*
 * Whether a datagram from sender_pid (a PID in our own namespace, from SCM_CREDENTIALS) is
 * accepted: the container's PID 1 (leader_pid), as systemd-nspawn does; with any_in_container also
 * every other process in the leader's PID namespace (--as-pid2, where the payload is PID 2).
 */
bool notify_sender_allowed(pid_t sender_pid, pid_t leader_pid, bool any_in_container);
