/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start-up protocol's messages (see protocol.h). */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "protocol.h"

/* Each type: its name, its direction, how many fds it carries at most, whether it has text. */
static const struct {
        enum spawn_msg_type type;
        const char *name;
        bool to_supervisor;
        size_t max_fds;
        bool text;
} steps[] = {
        {SPAWN_MSG_USERNS, "userns", false, 0, false},
        {SPAWN_MSG_CONSOLE, "console", true, 1, false},
        {SPAWN_MSG_KMSG, "kmsg", true, 1, false},
        {SPAWN_MSG_NOTIFY, "notify", true, 1, false},
        {SPAWN_MSG_CGROUPS, "cgroups", false, MSG_MAX_FDS, false},
        {SPAWN_MSG_CGROUP_NS, "cgroup-ns", true, 0, false},
        {SPAWN_MSG_CGROUPFS, "cgroupfs", false, 0, false},
        {SPAWN_MSG_NETWORK, "network", false, 0, false},
        {SPAWN_MSG_WARNING, "warning", true, 0, true},
        {SPAWN_MSG_ERROR, "error", true, 0, true},
};

static int step_find(int type) {
        for (size_t i = 0; i < ELEMENTSOF(steps); i++)
                if ((int) steps[i].type == type)
                        return (int) i;
        return -EPROTO;
}

const char *spawn_msg_type_to_string(enum spawn_msg_type t) {
        int i = step_find(t);
        return i < 0 ? NULL : steps[i].name;
}

int spawn_msg_send(int sock, enum spawn_msg_type t, const int *fds, size_t n_fds) {
        int i = step_find(t);
        if (i < 0 || steps[i].text || n_fds > steps[i].max_fds)
                return -EINVAL;
        return msg_send_fds(sock, (char) t, NULL, 0, fds, n_fds);
}

int spawn_msg_send_text(int sock, enum spawn_msg_type t, int error, const char *text) {
        char buf[sizeof(int) + SPAWN_MSG_TEXT_MAX];
        int e = error < 0 ? -error : error;
        size_t l = strnlen(text, SPAWN_MSG_TEXT_MAX - 1);

        if (t != SPAWN_MSG_WARNING && t != SPAWN_MSG_ERROR)
                return -EINVAL;
        memcpy(buf, &e, sizeof(int));
        memcpy(buf + sizeof(int), text, l);
        buf[sizeof(int) + l] = 0;
        return msg_send_fds(sock, (char) t, buf, sizeof(int) + l + 1, NULL, 0);
}

void spawn_msg_done(struct spawn_msg *m) {
        close_many(m->fds, m->n_fds);
        m->n_fds = 0;
}

int spawn_msg_take_fd(struct spawn_msg *m, size_t i) {
        if (i >= m->n_fds || m->fds[i] < 0)
                return -EBADF;
        return TAKE_FD(m->fds[i]);
}

int spawn_msg_recv(int sock, bool to_supervisor, struct spawn_msg *ret) {
        char buf[sizeof(int) + SPAWN_MSG_TEXT_MAX];
        char type = 0;

        *ret = (struct spawn_msg){.n_fds = MSG_MAX_FDS};
        ssize_t n = msg_recv_fds(sock, &type, buf, sizeof(buf), ret->fds, &ret->n_fds);
        if (n <= 0) {
                ret->n_fds = 0;
                return (int) n;
        }
        int i = step_find(type);
        if (i < 0 || steps[i].to_supervisor != to_supervisor || ret->n_fds > steps[i].max_fds ||
            (steps[i].text && (size_t) n - 1 < sizeof(int) + 1)) {
                spawn_msg_done(ret);
                return -EPROTO;
        }
        ret->type = (enum spawn_msg_type) type;
        if (steps[i].text) {
                memcpy(&ret->error, buf, sizeof(int));
                size_t l = MIN((size_t) n - 1 - sizeof(int), sizeof(ret->text) - 1);
                memcpy(ret->text, buf + sizeof(int), l);
                ret->text[l] = 0;
        }
        return 1;
}

int spawn_msg_expect(int sock, enum spawn_msg_type t, int *ret_fds, size_t *n_fds) {
        struct spawn_msg m;
        int r = spawn_msg_recv(sock, false, &m);

        if (r <= 0 || m.type != t) {
                spawn_msg_done(&m);
                return -EPROTO;
        }
        size_t n = 0;
        for (; n < m.n_fds && n_fds && n < *n_fds; n++)
                ret_fds[n] = spawn_msg_take_fd(&m, n);
        if (n_fds)
                *n_fds = n;
        spawn_msg_done(&m);
        return 0;
}
