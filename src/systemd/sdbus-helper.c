/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * nspawn-sdbus: nspawn's D-Bus helper (protocol: sdbus-protocol.h). nspawn is linked statically
 * and cannot load libsystemd (a second libc in the process); this small program is linked against
 * it, started by nspawn only when systemd is PID 1, and serves its requests on fd 3 until EOF.
 * nspawnctl starts it too (when systemd is PID 1), to ask machined about the machines our
 * registry does not know and to act on them through machined.
 * What nspawn started or registered and did not release by then — nspawn was killed, or failed
 * half-way — is released here, so a SIGKILLed nspawn leaves no scope or machine behind.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "detach.h"
#include "macro.h"
#include "sdbus-calls.h"

/* What nspawn holds through us: released on its request, or at EOF. */
struct held {
        char *scope;         /* started with 'S' */
        char *machine;       /* registered with 'C' or 'R' */
        char *machine_scope; /* 'C': the scope machined started for it */
};

static void release_scope(struct sdbus_conn *c, struct held *h) {
        if (!h->scope)
                return;
        sdbus_stop_scope(c, h->scope);
        free(h->scope);
        h->scope = NULL;
}

static void release_machine(struct sdbus_conn *c, struct held *h) {
        if (!h->machine)
                return;
        sdbus_unregister_machine(c, h->machine, h->machine_scope);
        free(h->machine);
        free(h->machine_scope);
        h->machine = h->machine_scope = NULL;
}

static int keep(char **slot, const char *value) {
        free(*slot);
        return (*slot = strdup(value)) ? 0 : -ENOMEM;
}

static int dispatch(struct sdbus_conn *c, int fd, struct held *h, const struct sdbus_request *req,
                    char **ret_text) {
        bool created;
        int r;

        switch (req->op) {
        case SDBUS_START_SCOPE:
                release_scope(c, h);
                r = sdbus_start_scope(c, req, &created, ret_text);
                if (created && keep(&h->scope, req->unit) < 0)
                        r = -ENOMEM;
                /* a unit whose start job failed exists all the same; one that could not be made
                 * may be someone else's (the name is in use): never touched */
                if (r < 0)
                        release_scope(c, h);
                return r;
        case SDBUS_STOP_SCOPE:
                if (h->scope && streq(h->scope, req->unit))
                        release_scope(c, h);
                else
                        sdbus_stop_scope(c, req->unit);
                return 0;
        case SDBUS_CREATE_MACHINE:
        case SDBUS_REGISTER_MACHINE:
                release_machine(c, h);
                if ((r = sdbus_register_machine(c, req, ret_text)) < 0)
                        return r;
                if (keep(&h->machine, req->machine) < 0 ||
                    (req->op == SDBUS_CREATE_MACHINE && keep(&h->machine_scope, req->unit) < 0))
                        return -ENOMEM;
                return 0;
        case SDBUS_UNREGISTER_MACHINE:
                release_machine(c, h);
                return 0;
        case SDBUS_LIST_MACHINES:
                return sdbus_machines_list(c, fd, ret_text);
        case SDBUS_GET_MACHINE:
                return sdbus_machine_get(c, fd, req->machine, ret_text);
        case SDBUS_KILL_MACHINE:
        case SDBUS_TERMINATE_MACHINE:
        case SDBUS_COPY_TO:
        case SDBUS_COPY_FROM:
        case SDBUS_BIND_MOUNT:
                return sdbus_machine_act(c, req, ret_text);
        }
        return -EBADMSG;
}

int main(int argc, char *argv[]) {
        struct sdbus_conn c;
        struct held h = {};
        void *buf = malloc(SDBUS_MSG_MAX); /* 8-byte aligned, as unpacking wants */

        int fd = helper_socket_arg(argc, argv);
        if (fd < 0 || !buf) {
                fprintf(stderr, "%s: started by nspawn only, as \"%s FD\" (its socket)\n", SDBUS_HELPER,
                        SDBUS_HELPER);
                return EXIT_FAILURE;
        }
        if (helper_detach(fd, true) < 0)
                return EXIT_FAILURE;
        (void) prctl(PR_SET_NAME, SDBUS_HELPER);
        /* connecting overlaps with what nspawn does until its first request */
        sdbus_conn_open(&c);
        for (;;) {
                _cleanup_free_ char *text = NULL;
                struct sdbus_request req;

                ssize_t n = sdbus_recv(fd, buf, SDBUS_MSG_MAX);
                if (n == 0)
                        break; /* nspawn is done, or dead */
                if (n == -EBADF || n == -ENOTSOCK) {
                        fprintf(stderr, "%s: fd %d is not nspawn's socket\n", SDBUS_HELPER, fd);
                        break;
                }
                int r = n < 0 ? (int) n : sdbus_request_unpack(buf, (size_t) n, &req);
                if (r >= 0)
                        r = dispatch(&c, fd, &h, &req, &text);
                else
                        text = strdup("malformed request");
                /* a failed send: nspawn is gone, the next receive sees EOF */
                (void) sdbus_reply_send(fd, r < 0 ? r : 0, r < 0 ? text ?: strerror(-r) : NULL);
        }
        release_scope(&c, &h);
        release_machine(&c, &h);
        sdbus_conn_close(&c);
        free(buf);
        return EXIT_SUCCESS;
}
