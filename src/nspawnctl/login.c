/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * login [NAME]: the guest's own getty (util-linux agetty, busybox getty) or login on a fresh pty
 * of the container's devpts, as root, whatever init the guest runs (systemd, sysvinit, OpenRC,
 * busybox) — machinectl 252 needs systemd and D-Bus in the guest for this. --uid= and --setenv=
 * are refused, as machinectl does.
 */

#include <stdlib.h>

#include "control-protocol.h"
#include "nspawnctl.h"
#include "session-client.h"
#include "strv.h"

int verb_login(struct ctl *c, int argc, char *argv[]) {
        struct control_request req = {.kind = CONTROL_LOGIN, .pty = true};
        const char *machine = argc >= 2 && argv[1][0] ? argv[1] : ".host";

        if (c->setenv || c->uid)
                return log_error("--setenv= and --uid= are not supported for 'login'. Use 'shell' instead.");
        /* only our TERM: the getty's terminal type */
        if (session_environment(c, &req.env) < 0)
                return log_error("Out of memory.");
        int r = session_client_run(c, machine, &req);
        control_request_done(&req);
        return r;
}
