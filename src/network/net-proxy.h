/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * -p from the host's own ::1: a userspace proxy in nspawn-net. The kernel forwards every other
 * address by DNAT (net-nft.h), 127.0.0.1 too (route_localnet on the host end), but IPv6 has no
 * route_localnet: ::1 traffic DNATed to the container is dropped. So for each -p rule the helper
 * listens on [::1]:HOSTPORT itself — in the host's network namespace, where it runs — and relays
 * to the container's pool address (IPv6, or IPv4 if the container has none) on CONTAINERPORT. The
 * nft rules leave ::1 alone (they match the destination), so the two never meet.
 *
 *   TCP  accept, a non-blocking connect to the container, then both directions relayed through a
 *        bounded buffer each (PROXY_BUF); a FIN is passed on as shutdown(SHUT_WR) once its
 *        direction's buffer is empty; an error or reset on either side closes both. At most
 *        PROXY_CONNS_MAX connections: more wait in the listen backlog.
 *   UDP  per client address a socket connected to the container; datagrams relayed both ways; a
 *        flow idle for PROXY_UDP_IDLE_MS is closed. At most PROXY_FLOWS_MAX: a new client takes
 *        the slot of the longest idle one.
 *
 * No host-wide state: sockets only, closed by proxy_stop() and by the kernel when the helper dies.
 */

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net-protocol.h"

#define PROXY_BUF (16 * 1024)
#define PROXY_CONNS_MAX 128
#define PROXY_FLOWS_MAX 128
#define PROXY_UDP_IDLE_MS (60 * 1000)
/* pollfds the proxy may ask for: its listeners, two per connection, one per flow */
#define PROXY_POLL_MAX (NET_PORTS_MAX + 2 * PROXY_CONNS_MAX + PROXY_FLOWS_MAX)

struct proxy_buf {
        uint8_t *data; /* PROXY_BUF bytes, allocated with the connection */
        size_t start, len;
        bool eof;  /* the reading side sent its FIN */
        bool shut; /* passed on: shutdown(SHUT_WR) of the writing side */
};

struct proxy_conn {
        int client, server; /* -EBADF: a free slot */
        bool connecting;
        struct proxy_buf up, down; /* client → server, server → client */
};

struct proxy_flow {
        int fd; /* connected to the container; -EBADF: a free slot */
        int listener;
        struct sockaddr_storage client;
        socklen_t client_len;
        uint64_t last_ms;
};

struct proxy_listener {
        int fd;
        uint8_t proto;
        struct sockaddr_storage target;
        socklen_t target_len;
};

/* What one pollfd of proxy_poll()'s stands for. */
struct proxy_ref {
        uint8_t kind; /* PROXY_REF_* */
        uint16_t index;
};

struct proxy {
        struct proxy_listener listeners[NET_PORTS_MAX];
        size_t n_listeners;
        struct proxy_conn conns[PROXY_CONNS_MAX];
        struct proxy_flow flows[PROXY_FLOWS_MAX];
        struct proxy_ref refs[PROXY_POLL_MAX];
        size_t n_refs;
};

void proxy_init(struct proxy *p);

/* Listen on [::1]:HOSTPORT for each of ports, relaying to target (the container's address; its
 * port replaced by each rule's CONTAINERPORT). No IPv6 on the host (no ::1): 0, nothing started,
 * a note in note. Else 0 or a negative errno and error (naming the -p value); then nothing is
 * left open. */
int proxy_start(struct proxy *p, const struct net_port *ports, size_t n_ports, const struct sockaddr *target,
                socklen_t target_len, char *note, size_t note_size, char *error, size_t error_size);

/* Fill up to max pollfds (PROXY_POLL_MAX is enough); returns their number. */
size_t proxy_poll(struct proxy *p, struct pollfd *pfd, size_t max);
/* The pollfds proxy_poll() filled, after poll(). */
void proxy_dispatch(struct proxy *p, const struct pollfd *pfd, size_t n);
/* Close idle UDP flows; the ms until the next one expires (-1: none). */
int proxy_timeouts(struct proxy *p);
void proxy_stop(struct proxy *p);
