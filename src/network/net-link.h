/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The rtnetlink requests of nspawn-net, one function each, built with libmnl (net-link.c; only
 * the helper links it). Every request waits for the kernel's answer; a failure is the kernel's
 * errno, negative. A link is named by its index in the socket's network namespace.
 */

#include <stdbool.h>
#include <stdint.h>

#include "net-protocol.h"

struct mnl_socket;

struct rtnl {
        struct mnl_socket *nl;
        unsigned portid;
        uint32_t seq;
};

/* A NETLINK_ROUTE socket in the caller's network namespace; rtnl_open_in(): in netns_fd's, then
 * back into back_fd's (the process exits if it cannot get back). */
int rtnl_open(struct rtnl *r);
int rtnl_open_in(struct rtnl *r, int netns_fd, int back_fd);
void rtnl_close(struct rtnl *r);

/* The link named name (or with that alternative name): its index; kind (IFLA_INFO_KIND, "" if
 * none) into kind if not NULL. -ENODEV if there is none. */
int link_get(struct rtnl *r, const char *name, char kind[32]);

/* l's veth: host end in the socket's namespace (in master and up if master > 0), container end
 * in netns_fd's. */
int link_add_veth(struct rtnl *r, const struct net_link *l, int netns_fd, int master);
int link_add_bridge(struct rtnl *r, const char *name);
/* l's macvlan (bridge mode) or ipvlan (L2 mode) on parent, made in netns_fd's namespace. */
int link_add_vlan(struct rtnl *r, const struct net_link *l, int parent, int netns_fd);
/* Move ifindex into netns_fd's namespace, renamed to name unless it is NULL. */
int link_move(struct rtnl *r, int ifindex, int netns_fd, const char *name);
int link_delete(struct rtnl *r, int ifindex);
int link_add_altname(struct rtnl *r, int ifindex, const char *altname);
/* Does bridge have a port other than except (by its index if except_index > 0: a port of the same
 * name may be a new run's of the same machine)? 1 yes, 0 no. */
int bridge_has_other_ports(struct rtnl *r, int bridge, const char *except, int except_index);

/* ---- addresses and routes (the pool, net-pool.h) ---- */

struct net_prefix {
        int family;
        uint8_t addr[16];
        uint8_t len;
};

/* What the socket's namespace uses: the subnet of every address and every main-table route but the
 * default ones, IPv4 and IPv6 (malloc'ed, *ret_n of them); *ret_ra: a route was learned from a
 * router advertisement (the host needs them: IPv6 forwarding would make the kernel ignore them). */
int rtnl_prefixes(struct rtnl *r, struct net_prefix **ret, size_t *ret_n, bool *ret_ra);
/* addr/len on ifindex (IPv6 without duplicate address detection: usable at once). -EEXIST if there. */
int addr_add(struct rtnl *r, int ifindex, int family, const uint8_t *addr, uint8_t len);
/* The default route via gw on ifindex. */
int route_add_default(struct rtnl *r, int family, const uint8_t *gw, int ifindex);
int link_set_up(struct rtnl *r, int ifindex);
