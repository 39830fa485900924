/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * nspawn-guard: the process that undoes nspawn's host effects once nspawn is gone (guard.h).
 *
 *   nspawn-guard FD
 *
 * FD is our end of a SOCK_SEQPACKET socket whose other end only nspawn holds. We collect the
 * duties nspawn registers (undo.h) in order; at EOF — nspawn exited and handed its clean-up over,
 * or it was killed, even with SIGKILL — we carry them out in reverse order, then exit. A "done"
 * message means nspawn cleaned up itself: we exit without undoing anything.
 *
 * Built static and small (against musl where available): it lives as long as the container, so
 * its memory counts for every running container. It detaches first (detach.h: own session,
 * terminal signals ignored, /dev/null as stdio, no fd of nspawn's but FD) and cleans up at the
 * lowest CPU priority.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "detach.h"
#include "fdutil.h"
#include "macro.h"
#include "undo.h"

struct duty {
        uint32_t id;
        struct undo u;
        char *path, *path2;
};

static struct duty *duties;
static size_t n_duties;

static void duty_clear(struct duty *d) {
        for (size_t i = 0; i < d->u.n_fds; i++)
                safe_close(d->u.fds[i]);
        free(d->path);
        free(d->path2);
        *d = (struct duty){};
}

static struct duty *duty_find(uint32_t id) {
        for (size_t i = 0; i < n_duties; i++)
                if (duties[i].id == id)
                        return &duties[i];
        return NULL;
}

/* Take over u (its fds are ours now) as duty id: a new one, or a replacement. */
static void duty_set(uint32_t id, const struct undo *u, bool replace) {
        struct duty *d = duty_find(id);

        if (!d && replace)
                goto drop; /* cancelled meanwhile: nothing to replace */
        if (!d) {
                struct duty *n = realloc(duties, (n_duties + 1) * sizeof(*n));
                if (!n)
                        goto drop;
                duties = n;
                d = &duties[n_duties++];
                *d = (struct duty){};
        } else
                duty_clear(d);
        d->id = id;
        d->u = *u;
        d->path = u->path ? strdup(u->path) : NULL;
        d->path2 = u->path2 ? strdup(u->path2) : NULL;
        d->u.path = d->path;
        d->u.path2 = d->path2;
        return;
drop:
        for (size_t i = 0; i < u->n_fds; i++)
                safe_close(u->fds[i]);
}

static void duty_cancel(uint32_t id) {
        struct duty *d = duty_find(id);
        if (d)
                duty_clear(d); /* stays in place as an empty slot: the order of the others holds */
}

/* Serve nspawn until EOF (returns true: undo) or "done" (false). */
static bool serve(int sock) {
        static char buf[UNDO_WIRE_MAX];

        for (;;) {
                int fds[MSG_MAX_FDS];
                size_t n_fds = MIN((size_t) UNDO_MAX_FDS, ELEMENTSOF(fds));
                char op = 0;
                struct undo u;
                uint32_t id;
                ssize_t n = msg_recv_fds(sock, &op, buf, sizeof(buf), fds, &n_fds);

                if (n == -EINTR)
                        continue;
                if (n <= 0)
                        return true; /* EOF, or an error we cannot recover from: nspawn is gone */
                if (op == GUARD_OP_DONE)
                        return false;
                if (undo_wire_decode(buf, (size_t) n - 1, &id, &u) < 0) {
                        close_many(fds, n_fds);
                        continue;
                }
                memcpy(u.fds, fds, n_fds * sizeof(int));
                u.n_fds = n_fds;
                if (op == GUARD_OP_PUSH || op == GUARD_OP_UPDATE)
                        duty_set(id, &u, op == GUARD_OP_UPDATE);
                else {
                        close_many(fds, n_fds);
                        if (op == GUARD_OP_CANCEL)
                                duty_cancel(id);
                }
        }
}

int main(int argc, char *argv[]) {
        int sock = helper_socket_arg(argc, argv);

        if (sock < 0 || helper_detach(sock, false) < 0)
                return EXIT_FAILURE;
        (void) send(sock, (char[]){GUARD_OP_READY}, 1, MSG_NOSIGNAL);

        if (serve(sock)) {
                /* Clean-up is background work: it must not take the CPU from what runs next (a
                 * new container, the caller that waited for nspawn). */
                (void) setpriority(PRIO_PROCESS, 0, 19);
                for (size_t i = n_duties; i > 0; i--)
                        if (duties[i - 1].id != 0)
                                (void) undo_run(&duties[i - 1].u, UNDO_WAIT_MS);
        }
        return EXIT_SUCCESS;
}
