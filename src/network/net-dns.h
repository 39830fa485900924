/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A DNS forwarder on the gateway addresses (port 53, UDP): what the container asks goes to the
 * host's name servers — those of its /etc/resolv.conf, read again when it changes — from the
 * helper, which runs in the host's network namespace and so reaches a server the guest cannot,
 * such as resolved's stub on 127.0.0.53. Each question is sent from a socket of its own (a port
 * the kernel picks) and its answer must carry the question's ID; an upstream that does not answer
 * within 1.5 s is left for the next one; when none answers, SERVFAIL. At most DNS_QUERIES_MAX
 * questions at once (more are dropped: the client asks again). Zone members each listen on the
 * zone's gateway (SO_REUSEPORT: the kernel spreads questions over them; any of them answers any).
 */

#include <stdint.h>
#include <sys/socket.h>

#include "net-pool.h"

#define DNS_QUERIES_MAX 64
#define DNS_UPSTREAMS_MAX 3

struct dns_query {
        int fd; /* to the upstream; -EBADF: a free slot */
        int listen_fd;
        struct sockaddr_storage client;
        socklen_t client_len;
        uint8_t *packet;
        size_t len;
        unsigned upstream;
        uint64_t deadline_ms;
};

struct dns {
        int listen4, listen6;
        struct sockaddr_storage upstream[DNS_UPSTREAMS_MAX];
        size_t n_upstreams;
        int64_t resolv_mtime_ns;
        struct dns_query q[DNS_QUERIES_MAX];
};

void dns_init(struct dns *d);
int dns_start(struct dns *d, const struct pool *p);
/* fd readable (a listener or a query's socket). */
void dns_dispatch(struct dns *d, int fd);
/* Time out questions; the ms until the next deadline (-1: none). */
int dns_timeouts(struct dns *d);
void dns_stop(struct dns *d);
