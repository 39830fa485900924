/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* -p from the host's ::1 (see net-proxy.h). Runs in nspawn-net, in the host's network namespace. */

#include "net-proxy.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"

enum { PROXY_REF_LISTENER, PROXY_REF_CONN, PROXY_REF_FLOW };

#define PROXY_BATCH 16 /* accepts or datagrams per wake-up: the other sockets get their turn */

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

void proxy_init(struct proxy *p) {
        *p = (struct proxy){};
        for (size_t i = 0; i < PROXY_CONNS_MAX; i++)
                p->conns[i].client = p->conns[i].server = -EBADF;
        for (size_t i = 0; i < PROXY_FLOWS_MAX; i++)
                p->flows[i].fd = -EBADF;
}

/* ---- TCP ---- */

static void conn_close(struct proxy_conn *c, bool reset) {
        /* an error on one side: the other sees a reset, not a clean end */
        if (reset && c->client >= 0)
                (void) setsockopt(c->client, SOL_SOCKET, SO_LINGER, &(struct linger){.l_onoff = 1},
                                  sizeof(struct linger));
        safe_close(c->client);
        safe_close(c->server);
        free(c->up.data);
        *c = (struct proxy_conn){.client = -EBADF, .server = -EBADF};
}

/* Move what can move from "from" through b to "to" without blocking (b has room to read into
 * while len < PROXY_BUF: compacted first; from_ok/to_ok: that side is connected). A negative errno: the
 * connection is broken. */
static int pump(int from, bool from_ok, int to, bool to_ok, struct proxy_buf *b) {
        if (b->len == 0)
                b->start = 0;
        else if (b->start + b->len == PROXY_BUF) {
                memmove(b->data, b->data + b->start, b->len);
                b->start = 0;
        }
        if (from_ok && !b->eof && b->start + b->len < PROXY_BUF) {
                ssize_t n = read(from, b->data + b->start + b->len, PROXY_BUF - b->start - b->len);
                if (n == 0)
                        b->eof = true;
                else if (n > 0)
                        b->len += (size_t) n;
                else if (errno != EAGAIN && errno != EINTR)
                        return -errno;
        }
        if (to_ok && b->len > 0) {
                ssize_t n = send(to, b->data + b->start, b->len, MSG_NOSIGNAL);
                if (n > 0) {
                        b->start += (size_t) n;
                        b->len -= (size_t) n;
                        if (b->len == 0)
                                b->start = 0;
                } else if (n < 0 && errno != EAGAIN && errno != EINTR)
                        return -errno;
        }
        if (to_ok && b->eof && b->len == 0 && !b->shut) {
                /* the FIN passed on: half-closed connections keep working the other way */
                if (shutdown(to, SHUT_WR) < 0 && errno != ENOTCONN)
                        return -errno;
                b->shut = true;
        }
        return 0;
}

static void conn_io(struct proxy_conn *c, short client_revents, short server_revents) {
        if (c->connecting) {
                if (!(server_revents & (POLLOUT | POLLERR | POLLHUP)))
                        goto client;
                int err = 0;
                socklen_t l = sizeof(err);
                if (getsockopt(c->server, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err != 0)
                        return conn_close(c, true);
                c->connecting = false;
        }
client:
        if (!client_revents && !server_revents && c->connecting)
                return;
        if (pump(c->client, true, c->server, !c->connecting, &c->up) < 0 ||
            pump(c->server, !c->connecting, c->client, true, &c->down) < 0)
                return conn_close(c, true);
        if (c->up.shut && c->down.shut)
                conn_close(c, false);
}

static short conn_events_client(const struct proxy_conn *c) {
        return (!c->up.eof && c->up.len < PROXY_BUF ? POLLIN : 0) | (c->down.len > 0 ? POLLOUT : 0);
}

static short conn_events_server(const struct proxy_conn *c) {
        if (c->connecting)
                return POLLOUT;
        return (!c->down.eof && c->down.len < PROXY_BUF ? POLLIN : 0) | (c->up.len > 0 ? POLLOUT : 0);
}

static struct proxy_conn *conn_free_slot(struct proxy *p) {
        for (size_t i = 0; i < PROXY_CONNS_MAX; i++)
                if (p->conns[i].client < 0)
                        return &p->conns[i];
        return NULL;
}

static void tcp_accept(struct proxy *p, struct proxy_listener *l) {
        for (int i = 0; i < PROXY_BATCH; i++) {
                struct proxy_conn *c = conn_free_slot(p);
                if (!c)
                        return; /* the rest waits in the backlog (not polled until a slot is free) */
                int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0)
                        return;
                uint8_t *data = malloc(2 * PROXY_BUF);
                int s = socket(l->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (!data || s < 0 ||
                    (connect(s, (const struct sockaddr *) &l->target, l->target_len) < 0 &&
                     errno != EINPROGRESS)) {
                        free(data);
                        safe_close(s);
                        (void) setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){.l_onoff = 1},
                                          sizeof(struct linger));
                        close(fd);
                        continue;
                }
                *c = (struct proxy_conn){.client = fd, .server = s, .connecting = true};
                c->up.data = data;
                c->down.data = data + PROXY_BUF;
        }
}

/* ---- UDP ---- */

static void flow_close(struct proxy_flow *f) {
        safe_close(f->fd);
        *f = (struct proxy_flow){.fd = -EBADF};
}

static struct proxy_flow *flow_get(struct proxy *p, struct proxy_listener *l,
                                   const struct sockaddr_storage *from, socklen_t from_len) {
        struct proxy_flow *oldest = NULL;
        for (size_t i = 0; i < PROXY_FLOWS_MAX; i++) {
                struct proxy_flow *f = &p->flows[i];
                if (f->fd >= 0 && f->listener == l->fd && f->client_len == from_len &&
                    memcmp(&f->client, from, from_len) == 0)
                        return f;
                if (!oldest || (oldest->fd >= 0 && (f->fd < 0 || f->last_ms < oldest->last_ms)))
                        oldest = f;
        }
        /* a new client: a free slot, else the longest idle flow's */
        int fd = socket(l->target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return NULL;
        if (connect(fd, (const struct sockaddr *) &l->target, l->target_len) < 0) {
                close(fd);
                return NULL;
        }
        flow_close(oldest);
        *oldest = (struct proxy_flow){.fd = fd, .listener = l->fd, .client_len = from_len};
        memcpy(&oldest->client, from, from_len);
        return oldest;
}

static uint8_t datagram[65536];

static void udp_receive(struct proxy *p, struct proxy_listener *l) {
        for (int i = 0; i < PROXY_BATCH; i++) {
                struct sockaddr_storage from;
                socklen_t from_len = sizeof(from);
                ssize_t n = recvfrom(l->fd, datagram, sizeof(datagram), MSG_DONTWAIT,
                                     (struct sockaddr *) &from, &from_len);
                if (n < 0)
                        return;
                struct proxy_flow *f = flow_get(p, l, &from, from_len);
                if (!f)
                        continue;
                f->last_ms = now_ms();
                (void) send(f->fd, datagram, (size_t) n, MSG_DONTWAIT); /* lost: as on the wire */
        }
}

static void flow_receive(struct proxy_flow *f) {
        for (int i = 0; i < PROXY_BATCH; i++) {
                ssize_t n = recv(f->fd, datagram, sizeof(datagram), MSG_DONTWAIT);
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n < 0)
                        continue; /* ECONNREFUSED: an ICMP error of an earlier datagram */
                f->last_ms = now_ms();
                (void) sendto(f->listener, datagram, (size_t) n, MSG_DONTWAIT,
                              (struct sockaddr *) &f->client, f->client_len);
        }
}

int proxy_timeouts(struct proxy *p) {
        uint64_t now = now_ms();
        int next = -1;
        for (size_t i = 0; i < PROXY_FLOWS_MAX; i++) {
                struct proxy_flow *f = &p->flows[i];
                if (f->fd < 0)
                        continue;
                if (now >= f->last_ms + PROXY_UDP_IDLE_MS) {
                        flow_close(f);
                        continue;
                }
                int left = (int) (f->last_ms + PROXY_UDP_IDLE_MS - now);
                if (next < 0 || left < next)
                        next = left;
        }
        return next;
}

/* ---- the loop ---- */

static void add(struct proxy *p, struct pollfd *pfd, size_t *n, int fd, short events, uint8_t kind,
                size_t index) {
        /* nothing wanted: not polled (a socket shut both ways would report POLLHUP forever) */
        pfd[*n] = (struct pollfd){.fd = events ? fd : -1, .events = events};
        p->refs[*n] = (struct proxy_ref){.kind = kind, .index = (uint16_t) index};
        (*n)++;
}

size_t proxy_poll(struct proxy *p, struct pollfd *pfd, size_t max) {
        size_t n = 0;
        bool room = conn_free_slot(p) != NULL;

        max = MIN(max, (size_t) PROXY_POLL_MAX);
        /* connections and flows first, listeners last: an accept in proxy_dispatch() may reuse a
         * slot closed earlier in the same round, whose pollfds are behind it then */
        for (size_t i = 0; i < PROXY_CONNS_MAX && n + 2 <= max; i++)
                if (p->conns[i].client >= 0) {
                        add(p, pfd, &n, p->conns[i].client, conn_events_client(&p->conns[i]), PROXY_REF_CONN,
                            i);
                        add(p, pfd, &n, p->conns[i].server, conn_events_server(&p->conns[i]), PROXY_REF_CONN,
                            i);
                }
        for (size_t i = 0; i < PROXY_FLOWS_MAX && n < max; i++)
                if (p->flows[i].fd >= 0)
                        add(p, pfd, &n, p->flows[i].fd, POLLIN, PROXY_REF_FLOW, i);
        for (size_t i = 0; i < p->n_listeners && n < max; i++)
                add(p, pfd, &n, p->listeners[i].fd,
                    p->listeners[i].proto == IPPROTO_UDP || room ? POLLIN : 0, PROXY_REF_LISTENER, i);
        p->n_refs = n;
        return n;
}

void proxy_dispatch(struct proxy *p, const struct pollfd *pfd, size_t n) {
        for (size_t i = 0; i < MIN(n, p->n_refs); i++) {
                const struct proxy_ref *r = &p->refs[i];
                if (r->kind == PROXY_REF_CONN) {
                        /* the client's pollfd, then the server's */
                        short b = i + 1 < n ? pfd[i + 1].revents : 0;
                        if ((pfd[i].revents || b) && p->conns[r->index].client >= 0)
                                conn_io(&p->conns[r->index], pfd[i].revents, b);
                        i++;
                } else if (!pfd[i].revents)
                        continue;
                else if (r->kind == PROXY_REF_FLOW && p->flows[r->index].fd >= 0)
                        flow_receive(&p->flows[r->index]);
                else if (r->kind == PROXY_REF_LISTENER && p->listeners[r->index].proto == IPPROTO_UDP)
                        udp_receive(p, &p->listeners[r->index]);
                else if (r->kind == PROXY_REF_LISTENER)
                        tcp_accept(p, &p->listeners[r->index]);
        }
        p->n_refs = 0;
}

/* ---- start and stop ---- */

static int listen_loopback6(const struct net_port *o, int *ret) {
        struct sockaddr_in6 sa = {
                .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT, .sin6_port = htons(o->host)};
        bool tcp = o->proto != IPPROTO_UDP;
        int fd = socket(AF_INET6, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* SO_REUSEADDR: a quick new run binds past its last one's TIME_WAIT (never past a listener) */
        if ((tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int)) < 0) ||
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &(int){1}, sizeof(int)) < 0 ||
            bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || (tcp && listen(fd, 64) < 0)) {
                int k = -errno;
                close(fd);
                return k;
        }
        *ret = fd;
        return 0;
}

int proxy_start(struct proxy *p, const struct net_port *ports, size_t n_ports, const struct sockaddr *target,
                socklen_t target_len, char *note, size_t note_size, char *error, size_t error_size) {
        for (size_t i = 0; i < MIN(n_ports, (size_t) NET_PORTS_MAX); i++) {
                const struct net_port *o = &ports[i];
                const char *proto = o->proto == IPPROTO_UDP ? "udp" : "tcp";
                int fd = -EBADF, k = listen_loopback6(o, &fd);
                if (k == -EAFNOSUPPORT || k == -EADDRNOTAVAIL) {
                        /* no IPv6 here (or none on lo): there is no ::1 to forward */
                        proxy_stop(p);
                        snprintf(note, note_size, "No ::1 on the host (%s): -p is not forwarded from it.",
                                 strerror(-k));
                        return 0;
                }
                if (k < 0) {
                        proxy_stop(p);
                        snprintf(error, error_size, "Failed to listen on [::1]:%u for --port=%s:%u:%u: %s",
                                 o->host, proto, o->host, o->container, strerror(-k));
                        return k;
                }
                struct proxy_listener *l = &p->listeners[p->n_listeners++];
                *l = (struct proxy_listener){.fd = fd, .proto = o->proto, .target_len = target_len};
                memcpy(&l->target, target, target_len);
                if (target->sa_family == AF_INET6)
                        ((struct sockaddr_in6 *) &l->target)->sin6_port = htons(o->container);
                else
                        ((struct sockaddr_in *) &l->target)->sin_port = htons(o->container);
        }
        return 0;
}

void proxy_stop(struct proxy *p) {
        for (size_t i = 0; i < PROXY_CONNS_MAX; i++)
                if (p->conns[i].client >= 0)
                        conn_close(&p->conns[i], false);
        for (size_t i = 0; i < PROXY_FLOWS_MAX; i++)
                if (p->flows[i].fd >= 0)
                        flow_close(&p->flows[i]);
        for (size_t i = 0; i < p->n_listeners; i++)
                safe_close(p->listeners[i].fd);
        p->n_listeners = p->n_refs = 0;
}
