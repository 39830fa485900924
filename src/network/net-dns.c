/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The DNS forwarder (see net-dns.h). */

#include "net-dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"

#define RESOLV_CONF "/etc/resolv.conf"
#define DNS_TIMEOUT_MS 1500
#define DNS_PACKET_MAX 4096

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

void dns_init(struct dns *d) {
        *d = (struct dns){.listen4 = -EBADF, .listen6 = -EBADF, .resolv_mtime_ns = -1};
        for (size_t i = 0; i < DNS_QUERIES_MAX; i++)
                d->q[i] = (struct dns_query){.fd = -EBADF};
}

/* The host's name servers, when resolv.conf changed. */
static void read_upstreams(struct dns *d) {
        struct stat st;
        char line[256];

        if (stat(RESOLV_CONF, &st) < 0) {
                d->n_upstreams = 0;
                return;
        }
        int64_t m = (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        if (m == d->resolv_mtime_ns)
                return;
        d->resolv_mtime_ns = m;
        d->n_upstreams = 0;
        FILE *f = fopen(RESOLV_CONF, "re");
        while (f && fgets(line, sizeof(line), f) && d->n_upstreams < DNS_UPSTREAMS_MAX) {
                char addr[INET6_ADDRSTRLEN + 1];
                if (sscanf(line, " nameserver %46s", addr) != 1)
                        continue;
                addr[strcspn(addr, "%")] = 0; /* no scoped addresses */
                struct sockaddr_storage *ss = &d->upstream[d->n_upstreams];
                struct sockaddr_in *s4 = (struct sockaddr_in *) ss;
                struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) ss;
                memset(ss, 0, sizeof(*ss));
                if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
                        s4->sin_family = AF_INET;
                        s4->sin_port = htons(53);
                        d->n_upstreams++;
                } else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
                        s6->sin6_family = AF_INET6;
                        s6->sin6_port = htons(53);
                        d->n_upstreams++;
                }
        }
        if (f)
                fclose(f);
}

static int listen_on(int family, const uint8_t *addr) {
        struct sockaddr_storage ss = {};
        socklen_t l;
        int one = 1;
        int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (family == AF_INET) {
                struct sockaddr_in *s = (struct sockaddr_in *) &ss;
                s->sin_family = AF_INET;
                s->sin_port = htons(53);
                memcpy(&s->sin_addr, addr, 4);
                l = sizeof(*s);
        } else {
                struct sockaddr_in6 *s = (struct sockaddr_in6 *) &ss;
                s->sin6_family = AF_INET6;
                s->sin6_port = htons(53);
                memcpy(&s->sin6_addr, addr, 16);
                l = sizeof(*s);
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        }
        /* the address may still be on its way (a zone's bridge: another member adds it) */
        (void) setsockopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                          family == AF_INET ? IP_FREEBIND : IPV6_FREEBIND, &one, sizeof(one));
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *) &ss, l) < 0) {
                int k = -errno;
                close(fd);
                return k;
        }
        return fd;
}

int dns_start(struct dns *d, const struct pool *p) {
        if (p->len4 && (d->listen4 = listen_on(AF_INET, p->gw4)) < 0)
                return d->listen4;
        if (p->len6 && (d->listen6 = listen_on(AF_INET6, p->gw6)) < 0)
                return d->listen6;
        return 0;
}

static void query_free(struct dns_query *q) {
        q->fd = safe_close(q->fd);
        free(q->packet);
        *q = (struct dns_query){.fd = -EBADF};
}

/* Send q to its upstream (the next ones where one fails); SERVFAIL when none is left. */
static void query_send(struct dns *d, struct dns_query *q) {
        for (; q->upstream < d->n_upstreams; q->upstream++) {
                const struct sockaddr_storage *u = &d->upstream[q->upstream];
                socklen_t l =
                        u->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
                q->fd = safe_close(q->fd);
                q->fd = socket(u->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (q->fd >= 0 && connect(q->fd, (const struct sockaddr *) u, l) >= 0 &&
                    send(q->fd, q->packet, q->len, 0) == (ssize_t) q->len) {
                        q->deadline_ms = now_ms() + DNS_TIMEOUT_MS;
                        return;
                }
        }
        /* SERVFAIL: the question back, as an answer, rcode 2 */
        if (q->len >= 12) {
                q->packet[2] |= 0x80;
                q->packet[3] = (uint8_t) ((q->packet[3] & 0xf0) | 2);
                (void) sendto(q->listen_fd, q->packet, q->len, 0, (struct sockaddr *) &q->client,
                              q->client_len);
        }
        query_free(q);
}

static void on_question(struct dns *d, int listen_fd) {
        uint8_t buf[DNS_PACKET_MAX];
        for (;;) {
                struct sockaddr_storage from;
                socklen_t l = sizeof(from);
                ssize_t n =
                        recvfrom(listen_fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *) &from, &l);
                if (n < 0)
                        return;
                if (n < 12 || (buf[2] & 0x80))
                        continue; /* not a question */
                struct dns_query *q = NULL;
                for (size_t i = 0; i < DNS_QUERIES_MAX && !q; i++)
                        if (d->q[i].fd < 0 && !d->q[i].packet)
                                q = &d->q[i];
                if (!q || !(q->packet = malloc((size_t) n)))
                        continue; /* busy: the client asks again */
                memcpy(q->packet, buf, (size_t) n);
                q->len = (size_t) n;
                q->listen_fd = listen_fd;
                q->client = from;
                q->client_len = l;
                q->upstream = 0;
                read_upstreams(d);
                query_send(d, q);
        }
}

static void on_answer(struct dns *d, struct dns_query *q) {
        uint8_t buf[DNS_PACKET_MAX];
        ssize_t n = recv(q->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n < 12 || memcmp(buf, q->packet, 2) != 0 || !(buf[2] & 0x80)) {
                if (n < 0) { /* refused: the next upstream */
                        q->upstream++;
                        query_send(d, q);
                }
                return; /* not the answer: keep waiting */
        }
        (void) sendto(q->listen_fd, buf, (size_t) n, 0, (struct sockaddr *) &q->client, q->client_len);
        query_free(q);
}

void dns_dispatch(struct dns *d, int fd) {
        if (fd == d->listen4 || fd == d->listen6) {
                on_question(d, fd);
                return;
        }
        for (size_t i = 0; i < DNS_QUERIES_MAX; i++)
                if (d->q[i].fd == fd) {
                        on_answer(d, &d->q[i]);
                        return;
                }
}

int dns_timeouts(struct dns *d) {
        uint64_t now = now_ms(), next = UINT64_MAX;
        for (size_t i = 0; i < DNS_QUERIES_MAX; i++) {
                struct dns_query *q = &d->q[i];
                if (q->fd < 0)
                        continue;
                if (q->deadline_ms <= now) {
                        q->upstream++;
                        query_send(d, q);
                }
                if (q->fd >= 0)
                        next = MIN(next, q->deadline_ms);
        }
        return next == UINT64_MAX ? -1 : (int) (next > now ? next - now : 0);
}

void dns_stop(struct dns *d) {
        d->listen4 = safe_close(d->listen4);
        d->listen6 = safe_close(d->listen6);
        for (size_t i = 0; i < DNS_QUERIES_MAX; i++)
                if (d->q[i].fd >= 0 || d->q[i].packet)
                        query_free(&d->q[i]);
}
