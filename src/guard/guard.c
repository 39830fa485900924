/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawn's side of the guard (see guard.h). */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdutil.h"
#include "guard.h"
#include "helper.h"
#include "log.h"
#include "macro.h"

struct guard {
        struct helper *helper;
        uint32_t last_id;
        bool ready;
};

static struct guard *guard_free(struct guard *g) {
        if (!g)
                return NULL;
        /* EOF for the guard; reaped if it is gone already, else it goes on alone */
        helper_free(g->helper, false);
        free(g);
        return NULL;
}

int guard_start_at(const char *path, struct guard **ret) {
        struct guard *g = calloc(1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        int r = path ? helper_start_at(path, NULL, &g->helper)
                     : helper_start("nspawn-guard", NULL, &g->helper);
        if (r < 0) {
                free(g);
                return r;
        }
        *ret = g;
        return 0;
}

int guard_start(struct guard **ret) {
        return guard_start_at(NULL, ret);
}

/* The guard's first message says it runs (the exec worked) and holds nothing of ours. */
static int guard_wait_ready(struct guard *g) {
        char c = 0;
        ssize_t n;

        if (g->ready)
                return 0;
        while ((n = recv(g->helper->fd, &c, 1, 0)) < 0 && errno == EINTR)
                ;
        if (n != 1 || c != GUARD_OP_READY)
                return -ESRCH;
        g->ready = true;
        return 0;
}

static int guard_send(struct guard *g, char op, uint32_t id, const struct undo *u) {
        char buf[UNDO_WIRE_MAX];
        int r = guard_wait_ready(g);

        if (r < 0)
                return r;
        int n = undo_wire_encode(u, id, buf, sizeof(buf));
        if (n < 0)
                return n;
        return msg_send_fds(g->helper->fd, op, buf, (size_t) n, u->fds, u->n_fds);
}

int guard_push(struct guard *g, const struct undo *u) {
        if (!g)
                return 0;
        int r = guard_send(g, GUARD_OP_PUSH, g->last_id + 1, u);
        if (r < 0)
                return r;
        log_debug("Guard: undo %u, %s %s.", g->last_id + 1, undo_kind_to_string(u->kind), u->path ?: "");
        return (int) ++g->last_id;
}

int guard_update(struct guard *g, int id, const struct undo *u) {
        if (!g || id <= 0)
                return 0;
        return guard_send(g, GUARD_OP_UPDATE, (uint32_t) id, u);
}

int guard_cancel(struct guard *g, int id) {
        if (!g || id <= 0)
                return 0;
        return guard_send(g, GUARD_OP_CANCEL, (uint32_t) id, &(struct undo){.kind = UNDO_KEEP});
}

void guard_hand_over(struct guard *g) {
        guard_free(g); /* EOF: the guard undoes everything now */
}

void guard_release(struct guard *g) {
        if (g)
                (void) send(g->helper->fd, (char[]){GUARD_OP_DONE}, 1, MSG_NOSIGNAL);
        guard_free(g);
}
