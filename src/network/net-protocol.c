/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The nspawn ↔ nspawn-net messages (see net-protocol.h). Built into both. */

#include "net-protocol.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "fdutil.h"
#include "macro.h"
#include "name-valid.h"

static const char *const kind_names[_NET_LINK_KIND_MAX] = {
        [NET_LINK_MOVE] = "interface",  [NET_LINK_VETH] = "veth",     [NET_LINK_VETH_EXTRA] = "veth-extra",
        [NET_LINK_MACVLAN] = "macvlan", [NET_LINK_IPVLAN] = "ipvlan",
};

const char *net_link_kind_to_string(enum net_link_kind k) {
        return k >= 0 && k < _NET_LINK_KIND_MAX ? kind_names[k] : NULL;
}

static bool name_ok(const char *s, size_t size, bool empty_ok) {
        size_t l = strnlen(s, size);
        return l < size && (l == 0 ? empty_ok : ifname_is_valid(s));
}

int net_link_validate(const struct net_link *l) {
        bool veth = l->kind == NET_LINK_VETH;

        if (l->kind >= _NET_LINK_KIND_MAX || (l->flags & ~(NET_LINK_ZONE | NET_LINK_PRIMARY)) ||
            (!veth && l->flags))
                return -EBADMSG;
        if (!name_ok(l->host, sizeof(l->host), false) ||
            !name_ok(l->container, sizeof(l->container), false) ||
            !name_ok(l->master, sizeof(l->master), true) || (!veth && l->master[0]) ||
            ((l->flags & NET_LINK_ZONE) && !l->master[0]) ||
            strnlen(l->altname, sizeof(l->altname)) >= sizeof(l->altname) || (!veth && l->altname[0]))
                return -EBADMSG;
        return 0;
}

int net_links_send(int fd, const struct net_link *links, size_t n, int netns_fd) {
        uint32_t n32 = (uint32_t) n;
        size_t size = sizeof(n32) + n * sizeof(struct net_link);
        _cleanup_free_ char *buf = malloc(size);

        if (n > NET_LINKS_MAX)
                return -E2BIG;
        if (!buf)
                return -ENOMEM;
        memcpy(buf, &n32, sizeof(n32));
        if (n > 0)
                memcpy(buf + sizeof(n32), links, n * sizeof(struct net_link));
        return msg_send_fds(fd, NET_OP_LINKS, buf, size, &netns_fd, 1);
}

int net_pool_req_validate(const struct net_pool_req *p) {
        if (p->mode >= _NET_POOL_MODE_MAX || (p->flags & ~(NET_POOL_BOOT | NET_POOL_ZONE)) ||
            p->v4_len > 30 || p->v6_len > 64 || p->n_ports > NET_PORTS_MAX)
                return -EBADMSG;
        if (strnlen(p->machine, sizeof(p->machine)) >= sizeof(p->machine) || !p->machine[0] ||
            !name_ok(p->link, sizeof(p->link), false) || !name_ok(p->zone, sizeof(p->zone), true) ||
            !!(p->flags & NET_POOL_ZONE) != !!p->zone[0])
                return -EBADMSG;
        for (size_t i = 0; i < p->n_ports; i++)
                if ((p->ports[i].proto != IPPROTO_TCP && p->ports[i].proto != IPPROTO_UDP) ||
                    !p->ports[i].host || !p->ports[i].container)
                        return -EBADMSG;
        return 0;
}

int net_pool_send(int fd, const struct net_pool_req *p) {
        return msg_send_fds(fd, NET_OP_POOL, p, sizeof(*p), NULL, 0);
}

int net_op_send(int fd, enum net_op op) {
        if (op != NET_OP_TEARDOWN && op != NET_OP_END)
                return -EINVAL;
        return msg_send_fds(fd, (char) op, NULL, 0, NULL, 0);
}

int net_request_recv(int fd, char *ret_op, struct net_link **ret_links, size_t *ret_n, int *ret_netns_fd,
                     struct net_pool_req *ret_pool) {
        /* one byte more than the largest request: a longer one (cut by recvmsg) is malformed */
        size_t max = sizeof(uint32_t) + NET_LINKS_MAX * sizeof(struct net_link) + 1;
        _cleanup_free_ char *buf = malloc(max);
        int fds[1] = {-EBADF};
        size_t n_fds = 1;
        char op = 0;
        uint32_t n;

        if (!buf)
                return -ENOMEM;
        ssize_t size = msg_recv_fds(fd, &op, buf, max, fds, &n_fds);
        if (size <= 0)
                return (int) size;
        size--; /* the type byte */
        if (op == NET_OP_POOL) {
                bool good = n_fds == 0 && (size_t) size == sizeof(*ret_pool);
                if (good)
                        memcpy(ret_pool, buf, sizeof(*ret_pool));
                if (!good || net_pool_req_validate(ret_pool) < 0) {
                        close_many(fds, n_fds);
                        return -EBADMSG;
                }
                *ret_op = op;
                *ret_links = NULL;
                *ret_n = 0;
                *ret_netns_fd = -EBADF;
                return 1;
        }
        bool ok = op == NET_OP_TEARDOWN || op == NET_OP_END
                          ? size == 0 && n_fds == 0
                          : op == NET_OP_LINKS && n_fds == 1 && (size_t) size >= sizeof(n);
        if (ok && op == NET_OP_LINKS) {
                memcpy(&n, buf, sizeof(n));
                ok = n <= NET_LINKS_MAX && (size_t) size == sizeof(n) + n * sizeof(struct net_link);
        }
        struct net_link *links = NULL;
        if (ok && op == NET_OP_LINKS) {
                links = calloc(n ?: 1, sizeof(struct net_link));
                if (!links) {
                        close_many(fds, n_fds);
                        return -ENOMEM;
                }
                memcpy(links, buf + sizeof(n), n * sizeof(struct net_link));
                for (uint32_t i = 0; i < n && ok; i++)
                        ok = net_link_validate(&links[i]) >= 0;
        }
        if (!ok) {
                free(links);
                close_many(fds, n_fds);
                return -EBADMSG;
        }
        *ret_op = op;
        *ret_links = links;
        *ret_n = op == NET_OP_LINKS ? n : 0;
        *ret_netns_fd = op == NET_OP_LINKS ? fds[0] : -EBADF;
        return 1;
}

int net_reply_send(int fd, int error, int ifindex, const char *text) {
        char buf[2 * sizeof(int32_t) + NET_REPLY_MAX];
        int32_t e = error, i = ifindex;
        size_t l = strnlen(text ?: "", NET_REPLY_MAX - 1);

        memcpy(buf, &e, sizeof(e));
        memcpy(buf + sizeof(e), &i, sizeof(i));
        memcpy(buf + 2 * sizeof(e), text ?: "", l);
        buf[2 * sizeof(e) + l] = 0;
        return msg_send_fds(fd, NET_OP_REPLY, buf, 2 * sizeof(e) + l + 1, NULL, 0);
}

int net_reply_recv(int fd, int *ret_error, int *ret_ifindex, char **ret_text) {
        char buf[2 * sizeof(int32_t) + NET_REPLY_MAX + 1];
        size_t n_fds = 0;
        char op = 0;
        int32_t e, i;

        ssize_t n = msg_recv_fds(fd, &op, buf, sizeof(buf) - 1, NULL, &n_fds);
        if (n == 0 || n == -ECONNRESET)
                return -ECONNRESET;
        if (n < 0)
                return (int) n;
        n--;
        if (op != NET_OP_REPLY || (size_t) n < 2 * sizeof(e) + 1 || buf[n - 1] != 0)
                return -EBADMSG;
        memcpy(&e, buf, sizeof(e));
        memcpy(&i, buf + sizeof(e), sizeof(i));
        if (e > 0)
                return -EBADMSG;
        const char *text = buf + 2 * sizeof(e);
        *ret_text = NULL;
        if (*text && !(*ret_text = strdup(text)))
                return -ENOMEM;
        *ret_error = e;
        *ret_ifindex = i;
        return 0;
}
