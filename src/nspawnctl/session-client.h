/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * nspawnctl's side of a session in a running machine (shell, login; the protocol:
 * control-protocol.h). The machine is found in the registry; its control socket is used only if
 * the peer is the supervisor the record names (SO_PEERCRED) — a machine whose supervisor has no
 * such socket is refused with a clear message. Then the request, machinectl's "Connected to
 * machine NAME." line, the forwarding (the pty with the shared pty forwarder, ^] three times
 * within 1 s leaves; or the pipes, stdio-forward.h) until the supervisor says how the session's
 * process ended, and "Connection to machine NAME terminated.".
 */

#include "control-protocol.h"
#include "nspawnctl.h"

/* Returns the exit status to pass on (the session's: its status, 128 + a signal), or -1 after an
 * error was logged as "Failed to get shell PTY: …" / "Failed to get login PTY: …". */
int session_client_run(struct ctl *c, const char *machine, struct control_request *req);
