/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * nspawn ↔ nspawn-net: the request/reply protocol between nspawn (linked statically; no libmnl)
 * and its network helper (net-helper.c), which does the rtnetlink work in the host's network
 * namespace with libmnl. Transport as for nspawn-sdbus (helper.h): a SOCK_SEQPACKET socket pair,
 * one message per request and per reply, host byte order; the helper is "nspawn-net FD".
 *
 * Requests (the first byte, then the payload):
 *   'P' POOL      before 'L', at most once: struct net_pool_req. The container's addresses from the
 *                 pool (net-config.h), for the veth of -n or --network-zone=, when the pool is in
 *                 use (not "no", and in "auto" only where systemd-networkd does not manage ve-/vz-
 *                 links in our namespace); its ports (-p) too. The helper claims the addresses now;
 *                 'L' then configures both ends (the container's only without NET_POOL_BOOT: a
 *                 booted guest asks by DHCP), masquerades, forwards the ports and serves DHCP and
 *                 DNS on the host end until the end. The reply's text: the guest's resolv.conf
 *                 ("nameserver" lines; none: the pool is not in use), then warnings, one per line.
 *   'L' LINKS     make a run's links: uint32_t n, then n × struct net_link (byte-packed, no
 *                 padding); one fd: the container's network namespace. At most one run at a time.
 *                 Done in this order (systemd-nspawn's): MOVE, VETH, VETH_EXTRA, MACVLAN, IPVLAN.
 *                 What was made before a failure stays (it is inside the container's namespace, or
 *                 undone at 'T'/EOF).
 *   'T' TEARDOWN  the run is over (PID 1 is gone): moved interfaces go back to the host (renamed
 *                 back), the container's namespace is released (the kernel then removes the veths,
 *                 macvlans and ipvlans that live in it). Before a restart.
 *   'E' END       nspawn is done: 'T' for a run still there, then a zone bridge this helper joined
 *                 is removed if no ports but ours are left (under systemd-nspawn's zone lock,
 *                 /run/systemd/nspawn-network-zone); after its reply the helper exits.
 * Each is answered by exactly one reply: 'r', int32_t error (0 or a negative errno), int32_t
 * ifindex ('L': the host-side interface index systemd-nspawn gives machined — the -n veth's, or its
 * bridge's when bridged — or 0), then a NUL-terminated text: on failure the message for the user
 * (systemd-nspawn's words), on success warnings, one per line, or "".
 *
 * EOF (nspawn is done without 'E' — nothing to undo — or dead, SIGKILL included): as 'E', without
 * the reply. The guard has the same two duties (undo.h, UNDO_EXEC: "nspawn-net undo-move …",
 * "nspawn-net undo-zone …"), for when the helper was killed too.
 */

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#define NET_HELPER "nspawn-net"
#define NET_LINKS_MAX 128
#define NET_ALTNAME_MAX 128 /* ALTIFNAMSIZ */
#define NET_REPLY_MAX 4096
/* A line of a reply's warnings that starts so is a note for nspawn's debug log, not a warning. */
#define NET_REPLY_DEBUG "debug: "
#define NET_ZONE_LOCK "/run/systemd/nspawn-network-zone"

enum net_op {
        NET_OP_POOL = 'P',
        NET_OP_LINKS = 'L',
        NET_OP_TEARDOWN = 'T',
        NET_OP_END = 'E',
        NET_OP_REPLY = 'r',
};

enum net_link_kind {
        NET_LINK_MOVE,       /* host: an existing link, moved in and named container */
        NET_LINK_VETH,       /* -n: host end host (ve-/vb-), container end host0 */
        NET_LINK_VETH_EXTRA, /* --network-veth-extra */
        NET_LINK_MACVLAN,    /* host: the parent; container: mv-… (bridge mode) */
        NET_LINK_IPVLAN,     /* host: the parent; container: iv-… (L2 mode) */
        _NET_LINK_KIND_MAX,
};

enum {
        NET_LINK_ZONE = 1 << 0,    /* VETH: master is a zone bridge, made on demand */
        NET_LINK_PRIMARY = 1 << 1, /* VETH: its (or its bridge's) host ifindex is the reply's */
};

struct net_link {
        uint8_t kind;
        uint8_t flags;
        char host[IFNAMSIZ];
        char container[IFNAMSIZ];
        char master[IFNAMSIZ];         /* VETH: the bridge its host end joins (and is up in), or "" */
        char altname[NET_ALTNAME_MAX]; /* VETH: the host end's name before shortening, or "" */
        uint8_t host_mac[6];           /* all zero: the kernel's choice */
        uint8_t container_mac[6];
} __attribute__((packed));

#define NET_PORTS_MAX 64
#define NET_MACHINE_MAX 65 /* a machine name and its NUL */

/* -p [tcp|udp:]HOSTPORT[:CONTAINERPORT] */
struct net_port {
        uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
        uint16_t host, container;
} __attribute__((packed));

enum net_pool_mode {
        NET_POOL_AUTO, /* unless systemd-networkd manages ve-/vz- links in our namespace */
        NET_POOL_YES,
        NET_POOL_NO,
        _NET_POOL_MODE_MAX,
};

enum {
        NET_POOL_BOOT = 1 << 0, /* -b: host0 is the guest's (DHCP); else configured before the payload */
        NET_POOL_ZONE = 1 << 1, /* link is a zone's bridge (vz-ZONE), shared with its other members */
};

struct net_pool_req {
        uint8_t mode; /* enum net_pool_mode */
        uint8_t flags;
        uint8_t v4[4]; /* IPv4 pool, network byte order; v4_len 0: none */
        uint8_t v4_len;
        uint8_t v6[16]; /* IPv6 pool; v6_len 0: none */
        uint8_t v6_len;
        char machine[NET_MACHINE_MAX];
        char link[IFNAMSIZ];      /* the host end of host0's veth: ve-NAME, or vb-NAME in a zone */
        char zone[IFNAMSIZ];      /* the zone's bridge vz-ZONE, or "" */
        uint8_t container_mac[6]; /* host0's: the only client the DHCP server answers */
        uint8_t n_ports;
        struct net_port ports[NET_PORTS_MAX];
} __attribute__((packed));

/* Ports, names and lengths sound: 0 or -EBADMSG. */
int net_pool_req_validate(const struct net_pool_req *p);
int net_pool_send(int fd, const struct net_pool_req *p);

const char *net_link_kind_to_string(enum net_link_kind k);

/* Names NUL-terminated and valid where the kind needs them, kind and flags known: 0 or -EBADMSG. */
int net_link_validate(const struct net_link *l);

int net_links_send(int fd, const struct net_link *links, size_t n, int netns_fd);
/* 'T' or 'E'. */
int net_op_send(int fd, enum net_op op);
/* The helper's side: one request. Returns 1 (*ret_op; 'L': *ret_links malloc'ed, *ret_netns_fd
 * the namespace; 'P': *ret_pool), 0 at EOF, -EBADMSG for a malformed one (its fds closed), or
 * another -errno. */
int net_request_recv(int fd, char *ret_op, struct net_link **ret_links, size_t *ret_n, int *ret_netns_fd,
                     struct net_pool_req *ret_pool);

int net_reply_send(int fd, int error, int ifindex, const char *text);
/* *ret_text malloc'ed, NULL if empty. -ECONNRESET if the helper is gone, -EBADMSG if malformed. */
int net_reply_recv(int fd, int *ret_error, int *ret_ifindex, char **ret_text);
