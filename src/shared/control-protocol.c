/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The control socket's messages (control-protocol.h): the request's wire format and its checks. */

#include "control-protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "name-valid.h"
#include "strv.h"

/* The request on the wire: this header, then NUL-terminated strings — the user ("" for root),
 * n_argv arguments, n_env assignments — and nothing after them. */
struct request_wire {
        uint8_t kind;
        uint8_t pty;
        uint16_t rows, cols;
        uint16_t reserved;
        uint32_t n_argv, n_env;
};

void control_request_done(struct control_request *r) {
        free(r->user);
        strv_free(r->argv);
        strv_free(r->env);
        *r = (struct control_request){};
}

static int put(char **buf, size_t *size, const void *p, size_t n) {
        if (*size + n > CONTROL_REQUEST_MAX)
                return -E2BIG;
        char *b = realloc(*buf, *size + n);
        if (!b)
                return -ENOMEM;
        memcpy(b + *size, p, n);
        *buf = b;
        *size += n;
        return 0;
}

int control_request_encode(const struct control_request *r, char **ret, size_t *ret_size) {
        struct request_wire w = {
                .kind = (uint8_t) r->kind,
                .pty = r->pty,
                .rows = r->rows,
                .cols = r->cols,
                .n_argv = (uint32_t) strv_length(r->argv),
                .n_env = (uint32_t) strv_length(r->env),
        };
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        int k = put(&buf, &size, &w, sizeof(w));
        const char *user = r->user ? r->user : "";

        if (k >= 0)
                k = put(&buf, &size, user, strlen(user) + 1);
        STRV_FOREACH(a, r->argv)
        if (k >= 0)
                k = put(&buf, &size, *a, strlen(*a) + 1);
        STRV_FOREACH(e, r->env)
        if (k >= 0)
                k = put(&buf, &size, *e, strlen(*e) + 1);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

/* The next NUL-terminated string at *p (before end), or NULL. */
static const char *next_string(const char **p, const char *end) {
        const char *s = *p, *nul = s < end ? memchr(s, 0, (size_t) (end - s)) : NULL;
        if (!nul)
                return NULL;
        *p = nul + 1;
        return s;
}

/* count strings from *p into a new list; check each (may be NULL). */
static int take_strings(const char **p, const char *end, uint32_t count, bool (*check)(const char *s),
                        char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        if (count > CONTROL_REQUEST_MAX / 2)
                return -EBADMSG;
        for (uint32_t i = 0; i < count; i++) {
                const char *s = next_string(p, end);
                if (!s || (check && !check(s)))
                        return -EBADMSG;
                if (strv_extend(&l, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int control_request_decode(const void *buf, size_t size, struct control_request *ret) {
        struct request_wire w;
        struct control_request r = {};
        int k;

        if (size < sizeof(w) || size > CONTROL_REQUEST_MAX)
                return -EBADMSG;
        memcpy(&w, buf, sizeof(w));
        const char *p = (const char *) buf + sizeof(w), *end = (const char *) buf + size;
        if (w.kind >= _CONTROL_KIND_MAX || w.pty > 1 || w.reserved != 0)
                return -EBADMSG;
        r.kind = w.kind;
        r.pty = w.pty;
        r.rows = w.rows;
        r.cols = w.cols;
        const char *user = next_string(&p, end);
        k = user ? 0 : -EBADMSG;
        if (k >= 0 && *user && !user_name_is_valid(user))
                k = -EBADMSG;
        if (k >= 0 && *user && !(r.user = strdup(user)))
                k = -ENOMEM;
        if (k >= 0)
                k = take_strings(&p, end, w.n_argv, NULL, &r.argv);
        if (k >= 0)
                k = take_strings(&p, end, w.n_env, env_assignment_is_valid, &r.env);
        /* a command starts with its absolute path; login takes none; nothing after the strings */
        if (k >= 0 && ((r.argv && r.argv[0][0] != '/') || (r.kind == CONTROL_LOGIN && r.argv) || p != end))
                k = -EBADMSG;
        if (k < 0) {
                control_request_done(&r);
                return k;
        }
        *ret = r;
        return 0;
}

int control_end_exit_status(const struct control_end *e) {
        if (e->kind == CONTROL_END_EXITED)
                return e->status & 0xff;
        return 128 + (e->status & 0x7f);
}

int control_socket_path(const char *machine, char *buf, size_t size) {
        if (!machine || !machine_name_is_valid(machine))
                return -EINVAL;
        int n = snprintf(buf, size, CONTROL_DIR "/%s/" CONTROL_SOCKET, machine);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}
