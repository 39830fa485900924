/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A running machine's control socket: how nspawnctl's shell and login ask the machine's
 * supervisor (nspawn) for a process in the container (the supervisor's side: spawn/control.h).
 *
 * One socket per machine, CONTROL_DIR/NAME/socket (SOCK_SEQPACKET), in directories only root can
 * enter. It lives as long as the machine's supervisor (the guard removes it, also after a
 * SIGKILL). The supervisor serves root peers only; nspawnctl talks only to a peer that is the
 * supervisor its record names (SO_PEERCRED), so a record without the socket — its supervisor is
 * not an nspawn that has one — is refused, never guessed at.
 *
 * One session per connection, each message one SOCK_SEQPACKET datagram (type byte, payload, fds):
 *
 *   client → 'S'  the request: struct control_request as control_request_encode() makes it
 *   server → 'R'  the session runs; fds: the pty master, or (no pty) the write end of the
 *                 session's stdin and the read ends of its stdout and stderr (pipes)
 *          | 'E'  text: why it could not start (final; also after 'R' if the enter program
 *                 could not be executed)
 *   server → 'X'  struct control_end: how the session's process ended (final)
 *
 * The client closing its end hangs the session up (SIGHUP to its process group), as a terminal's
 * hangup does.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTROL_DIR "/run/nspawn/control"
#define CONTROL_SOCKET "socket"

/* The largest request (the command line and the environment). */
#define CONTROL_REQUEST_MAX ((size_t) 128 * 1024)

enum {
        CONTROL_MSG_REQUEST = 'S',
        CONTROL_MSG_READY = 'R',
        CONTROL_MSG_ERROR = 'E',
        CONTROL_MSG_END = 'X',
};

enum control_kind {
        CONTROL_SHELL, /* a command, or the user's login shell */
        CONTROL_LOGIN, /* the guest's getty (or login) on a fresh pty, as root */
        _CONTROL_KIND_MAX,
};

struct control_request {
        enum control_kind kind;
        bool pty;            /* a pty from the container's devpts, else pipes */
        uint16_t rows, cols; /* the client's window (pty), 0: unknown */
        char *user;          /* NULL: root */
        char **argv;         /* shell: the command, argv[0] an absolute path; NULL: the
                              * user's login shell. login: NULL */
        char **env;          /* NAME=VALUE assignments (TERM, --setenv=); may be NULL */
};

void control_request_done(struct control_request *r);

/* The request as one message payload (malloc'ed); -E2BIG above CONTROL_REQUEST_MAX. */
int control_request_encode(const struct control_request *r, char **ret, size_t *ret_size);
/* Parse a payload strictly: every field valid (user a printable word, argv[0] absolute, env
 * valid assignments), nothing left over; -EBADMSG otherwise. */
int control_request_decode(const void *buf, size_t size, struct control_request *ret);

/* How the session's process ended ('X'). */
enum control_end_kind {
        CONTROL_END_EXITED, /* status: its exit status */
        CONTROL_END_KILLED, /* status: the signal */
        CONTROL_END_GONE,   /* the container ended (status: the signal that took the process) */
};

struct control_end {
        int32_t kind;
        int32_t status;
};

/* The exit status a client passes on: the status, or 128 + the signal (as a shell reports). */
int control_end_exit_status(const struct control_end *e);

/* CONTROL_DIR/NAME/socket into buf (sizeof(sockaddr_un.sun_path)); -EINVAL for an invalid name. */
int control_socket_path(const char *machine, char *buf, size_t size);
