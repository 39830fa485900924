/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The address pool, the helper's side ('P' in net-protocol.h; the configuration: net-config.h).
 *
 * Claims. What one container takes from the pool is claimed under /run/nspawn/network/COOKIE/
 * (COOKIE: the network namespace's SO_NETNS_COOKIE, never reused, so that namespaces — tests' too —
 * never see each other's claims) by lock files (lock-file.h) that the helper holds for its life:
 *   net-LINK      a subnet, held shared: "4 A.B.C.D/N" and "6 X::/N" lines. LINK is ve-NAME (one
 *                 holder) or vz-ZONE (each member of the zone holds it; the first one chose it)
 *   addr-ADDRESS  a member's address in a zone, held exclusively
 *   forward       the host's forwarding sysctls, held shared by every container whose traffic is
 *                 forwarded: "4=V" and "6=V" (their values before the first holder set them to 1,
 *                 6=-1: IPv6 forwarding left alone); the last holder writes them back
 * All of it under one mutex (the lock file /run/nspawn/network/lock). A killed helper's claims are
 * free at once (the kernel drops its locks): the next claim, and the guard's "nspawn-net undo-pool",
 * remove them (and write the forwarding values back if it was the last). A new subnet is one that
 * no held claim and no address or main-table route of the namespace overlaps.
 *
 * Everything else is kernel state that goes by itself: the addresses on our links, the nft table
 * (net-nft.h: it dies with its netlink socket), the DHCP and DNS sockets.
 */

#include <stdbool.h>
#include <stdint.h>

#include "lock-file.h"
#include "net-link.h"
#include "net-protocol.h"

#define NET_POOL_DIR "/run/nspawn/network"

struct pool {
        bool active;
        struct net_pool_req req;
        uint8_t len4, sub4[4], gw4[4], guest4[4]; /* len4 0: no IPv4 */
        uint8_t len6, sub6[16], gw6[16], guest6[16];
        bool ra; /* the host takes router advertisements: no IPv6 forwarding */
        uint64_t cookie;
        int dir_fd;
        struct lock_file claims[3];
        struct lock_file forward;
};

void pool_init(struct pool *p);

/* 'P': is the pool for us (mode, systemd-networkd)? If so, claim the subnet and addresses. 0 with
 * p->active false: not in use. warn: a buffer for warnings (lines). */
int pool_claim(struct pool *p, struct rtnl *r, const struct net_pool_req *req, char *warn, size_t warn_size,
               char *error, size_t error_size);

/* 'L': the host end (link, or the zone's bridge) and, without NET_POOL_BOOT, host0 in netns's
 * namespace get their addresses and routes; forwarding is claimed. */
int pool_configure(struct pool *p, struct rtnl *r, int netns, int back_netns, char *error,
                   size_t error_size);

/* The text of the reply to 'P': "nameserver" lines, or "" when the pool is not in use. */
void pool_resolv_conf(const struct pool *p, char *buf, size_t size);

/* Give back every claim (the last holder of "forward" writes the values back). */
void pool_release(struct pool *p);

/* The guard's "nspawn-net undo-pool": our namespace's free claims removed, forwarding written back
 * if no holder is left. pidfd (if >= 0): the helper's, waited for first (it holds its claims until
 * its end). */
int pool_undo(int pidfd);
