/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The container's nftables table (libnftables, in nspawn-net only): "inet nspawn-LINK" (LINK: the
 * host end of host0's veth) with the owner flag (NFT_TABLE_F_OWNER, Linux 5.12): it belongs to the
 * netlink socket of the helper's libnftables context, and the kernel removes it when that socket
 * closes — at the end, or when the helper dies however it dies. Nothing host-wide is shared, so
 * nothing needs counting: each container masquerades its own subnet (zone members each their
 * zone's: duplicates are harmless) and forwards its own ports.
 *
 *   postrouting  masquerade what leaves the subnet; and port-forwarded connections from the host's
 *                loopback (they leave with the gateway's address) or from inside the subnet (a
 *                hairpin: the answer must come back through the host)
 *   prerouting   -p: to any local address of the host, DNAT to the container
 *   output       -p: the same for the host's own connections (also to 127.0.0.1: the host end has
 *                route_localnet; IPv6 has none, so ::1 is left to the helper's proxy, net-proxy.h)
 */

#include "net-pool.h"

struct nft_ctx;

int nft_setup(struct nft_ctx **ret, const struct pool *p, char *error, size_t esize);
struct nft_ctx *nft_done(struct nft_ctx *ctx);
