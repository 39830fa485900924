/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The wire format of sdbus-protocol.h; compiled into nspawn and into the helper. */
#include "sdbus-protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "macro.h"

#define ALIGN8(n) (((n) + 7) & ~(size_t) 7)

#define N_STRINGS 6

int sdbus_request_pack(const struct sdbus_request *req, void **ret, size_t *ret_size) {
        const char *s[N_STRINGS] = {req->machine ?: "", req->unit ?: "", req->root ?: "",
                                    req->whom ?: "",    req->src ?: "",  req->dst ?: ""};
        size_t len[N_STRINGS], off = sizeof(struct sdbus_wire_request);

        for (size_t i = 0; i < N_STRINGS; i++)
                off += (len[i] = strlen(s[i]) + 1);
        size_t props_at = ALIGN8(off);
        if (req->n_props > (SDBUS_MSG_MAX - props_at) / sizeof(struct scope_property))
                return -E2BIG;
        size_t size = props_at + req->n_props * sizeof(struct scope_property);
        uint8_t *buf = calloc(1, size);
        if (!buf)
                return -ENOMEM;
        struct sdbus_wire_request h = {
                .op = (uint8_t) req->op,
                .leader = (uint32_t) req->leader,
                .n_props = (uint32_t) req->n_props,
                .signal = req->signal,
                .flags = req->flags,
        };
        memcpy(h.uuid, req->uuid, sizeof h.uuid);
        memcpy(buf, &h, sizeof h);
        off = sizeof h;
        for (size_t i = 0; i < N_STRINGS; i++) {
                memcpy(buf + off, s[i], len[i]);
                off += len[i];
        }
        if (req->n_props > 0)
                memcpy(buf + props_at, req->props, req->n_props * sizeof(struct scope_property));
        *ret = buf;
        *ret_size = size;
        return 0;
}

static bool terminated(const char *s, size_t size) {
        return memchr(s, 0, size) != NULL;
}

static bool property_valid(const struct scope_property *p) {
        return terminated(p->name, sizeof p->name) && terminated(p->str, sizeof p->str) &&
               terminated(p->access, sizeof p->access) && p->type >= SCOPE_STRING && p->type <= SCOPE_CPUS;
}

int sdbus_request_unpack(void *buf, size_t size, struct sdbus_request *ret) {
        struct sdbus_wire_request h;
        const char *s[N_STRINGS];
        size_t off = sizeof h;

        if (size < sizeof h)
                return -EBADMSG;
        memcpy(&h, buf, sizeof h);
        if (!strchr(SDBUS_OPS, (char) h.op) || h.op == 0 || (h.flags & ~(uint32_t) _SDBUS_FLAGS_ALL))
                return -EBADMSG;
        for (size_t i = 0; i < N_STRINGS; i++) {
                if (off >= size || !terminated((char *) buf + off, size - off))
                        return -EBADMSG;
                s[i] = (char *) buf + off;
                off += strlen(s[i]) + 1;
        }
        off = ALIGN8(off);
        if (off > size || (size - off) % sizeof(struct scope_property) != 0 ||
            (size - off) / sizeof(struct scope_property) != h.n_props)
                return -EBADMSG;
        const struct scope_property *props = (const struct scope_property *) ((uint8_t *) buf + off);
        for (size_t i = 0; i < h.n_props; i++)
                if (!property_valid(&props[i]))
                        return -EBADMSG;
        *ret = (struct sdbus_request){
                .op = (enum sdbus_op) h.op,
                .machine = s[0],
                .unit = s[1],
                .root = s[2],
                .whom = s[3],
                .src = s[4],
                .dst = s[5],
                .signal = h.signal,
                .flags = h.flags,
                .leader = (pid_t) h.leader,
                .props = h.n_props > 0 ? props : NULL,
                .n_props = h.n_props,
        };
        memcpy(ret->uuid, h.uuid, sizeof h.uuid);
        return 0;
}

int sdbus_send(int fd, const void *buf, size_t size) {
        while (send(fd, buf, size, MSG_NOSIGNAL) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

ssize_t sdbus_recv(int fd, void *buf, size_t size) {
        ssize_t n;

        while ((n = recv(fd, buf, size, MSG_TRUNC | MSG_CMSG_CLOEXEC)) < 0)
                if (errno != EINTR)
                        return errno == ECONNRESET ? 0 : -errno;
        return (size_t) n > size ? -EMSGSIZE : n;
}

int sdbus_reply_send(int fd, int error, const char *text) {
        size_t len = strnlen(text ?: "", SDBUS_REPLY_MAX - 1 - sizeof(int32_t) - 1);
        _cleanup_free_ char *buf = malloc(1 + sizeof(int32_t) + len + 1);
        int32_t e = error;

        if (!buf)
                return -ENOMEM;
        buf[0] = SDBUS_REPLY;
        memcpy(buf + 1, &e, sizeof e);
        memcpy(buf + 1 + sizeof e, text ?: "", len);
        buf[1 + sizeof e + len] = 0;
        return sdbus_send(fd, buf, 1 + sizeof e + len + 1);
}

int sdbus_data_send(int fd, const void *payload, size_t size) {
        if (size > SDBUS_MSG_MAX - 1)
                return -E2BIG;
        _cleanup_free_ char *buf = malloc(1 + size);
        if (!buf)
                return -ENOMEM;
        buf[0] = SDBUS_DATA;
        memcpy(buf + 1, payload, size);
        return sdbus_send(fd, buf, 1 + size);
}

int sdbus_reply_recv(int fd, int *ret_error, char **ret_text) {
        char buf[SDBUS_REPLY_MAX];

        ssize_t n = sdbus_recv(fd, buf, sizeof buf);
        if (n == 0)
                return -ECONNRESET;
        if (n < 0)
                return (int) n;
        return sdbus_reply_parse(buf, (size_t) n, ret_error, ret_text);
}

int sdbus_reply_parse(const char *buf, size_t n, int *ret_error, char **ret_text) {
        int32_t e;

        if (n < 1 + sizeof e + 1 || buf[0] != SDBUS_REPLY || buf[n - 1] != 0)
                return -EBADMSG;
        memcpy(&e, buf + 1, sizeof e);
        if (e > 0)
                return -EBADMSG;
        const char *text = buf + 1 + sizeof e;
        *ret_text = NULL;
        if (*text && !(*ret_text = strdup(text)))
                return -ENOMEM;
        *ret_error = e;
        return 0;
}
