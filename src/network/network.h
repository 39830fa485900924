/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The container's links, nspawn's side: -n, --network-veth-extra, --network-bridge,
 * --network-zone, --network-macvlan, --network-ipvlan and --network-interface (and their
 * [Network] keys). nspawn plans them (names, MAC addresses: netif-name.h); the rtnetlink work is
 * done by the helper nspawn-net (net-protocol.h), which nspawn starts only when one of these
 * options is given. --private-network alone and --network-namespace-path need no helper: the
 * clone makes the namespace, or the child joins the given one (spawn.h).
 *
 *   network_new()    plan, start the helper (its exec and libmnl's loading overlap with the rest of
 *                    nspawn's preparation), register the zone bridge's removal with the guard
 *   network_start()  after each clone: the container's network namespace goes to the helper,
 *                    which makes the links while PID 1 sets up; the moved interfaces' way back is
 *                    registered with the guard first
 *   network_wait()   the links exist: the supervisor lets PID 1 go on (protocol.h, NETWORK)
 *   network_stop()   PID 1 is gone: interfaces back to the host, the namespace released (its veths,
 *                    macvlans and ipvlans go with it: the kernel removes them)
 *   network_free()   EOF for the helper: the zone bridge goes if we were its last port
 *
 * Undo when nspawn is killed: the helper does the same at EOF; the guard does it (UNDO_EXEC of
 * "nspawn-net undo-…") if the helper was killed too.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net-protocol.h"
#include "netif-name.h"
#include "settings.h"

struct guard;
struct network;

/* The links s asks for, in the helper's order. */
struct net_plan {
        struct net_link *links;
        size_t n_links;
        char **warnings; /* names that had to be shortened, in systemd-nspawn's words */
};

/* Does s ask for links (and so for the helper)? */
bool network_wants_links(const struct settings *s);

/* Plan s's links for the host's machine_id; container_mac, if not NULL, is host0's address
 * ($SYSTEMD_NSPAWN_NETWORK_MAC). -E2BIG (and a message) for more than NET_LINKS_MAX links. */
int network_plan(const struct settings *s, const uint8_t machine_id[16], const uint8_t *container_mac,
                 struct net_plan *ret, char **ret_error);
void net_plan_done(struct net_plan *p);

struct net_pool_config;
/* The pool request for plan (empty machine: no veth the pool serves; -p then fails). */
int network_pool_request(const struct settings *s, const struct net_plan *plan,
                         const struct net_pool_config *c, struct net_pool_req *ret, char **ret_error);

/* *ret NULL when s wants no links. Warnings (shortened names) go to *ret_warnings for the caller
 * to log. */
int network_new(const struct settings *s, struct guard *guard, struct network **ret, char ***ret_warnings,
                char **ret_error);
/* The pool's answer ('P', sent by network_new()): *ret the guest's resolv.conf ("nameserver" lines,
 * owned by n) where the pool serves the container, NULL where it does not. Read once (it waits for
 * the helper's claim); warnings to *ret_warnings if not NULL. */
int network_resolv_conf(struct network *n, const char **ret, char ***ret_warnings, char **ret_error);
int network_start(struct network *n, pid_t pid, char **ret_error);
/* *ret_ifindex: the host-side interface of the machine (0: none); *ret_warnings: the helper's. */
int network_wait(struct network *n, int *ret_ifindex, char ***ret_warnings, char **ret_error);
void network_stop(struct network *n);
struct network *network_free(struct network *n);
