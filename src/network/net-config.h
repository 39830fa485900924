/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The address pool of -n and --network-zone= (nspawn's side; the helper claims and configures,
 * net-pool.h). Host-wide configuration in /etc/nspawn/network.conf ($NSPAWN_NETWORK_CONF names
 * another file; a missing file is the defaults), "KEY=VALUE" lines, '#' and ';' comments:
 *
 *   Pool=auto|yes|no   auto (default): only where systemd-networkd does not manage ve-/vz- links
 *                      in nspawn's network namespace; yes: always; no: never (links as
 *                      systemd-nspawn leaves them: down, unconfigured)
 *   IPv4Pool=CIDR|no   default 10.99.0.0/16, a /8 to a /24: each -n container a /28, each zone a /24
 *   IPv6Pool=CIDR|no   default a ULA /48 from the host's machine ID (fdXX:XXXX:XXXX::/48), at most
 *                      a /64: each container and zone a /64
 *
 * And -p/--port/Port=: "[tcp|udp:]HOSTPORT[:CONTAINERPORT]".
 */

#include <stdbool.h>
#include <stdint.h>

#include "net-protocol.h"

#define NET_CONFIG_PATH "/etc/nspawn/network.conf"
#define NET_CONFIG_ENV "NSPAWN_NETWORK_CONF"

struct net_pool_config {
        enum net_pool_mode mode;
        uint8_t v4[4], v4_len; /* v4_len 0: no IPv4 */
        uint8_t v6[16], v6_len;
        bool v6_auto; /* the default ULA, made from the machine ID by net_pool_config_finish() */
};

void net_pool_config_default(struct net_pool_config *c);
/* Parse text (the file's contents) into c (defaults first); -EINVAL with *ret_error naming path:line. */
int net_pool_config_parse(const char *text, const char *path, struct net_pool_config *c, char **ret_error);
/* Read the file (NET_CONFIG_ENV or NET_CONFIG_PATH; missing: defaults) and finish. */
int net_pool_config_load(const uint8_t machine_id[16], struct net_pool_config *c, char **ret_error);
/* The ULA of v6_auto: fd + 40 bits of a hash of the machine ID, /48 (RFC 4193's shape). */
void net_pool_config_finish(struct net_pool_config *c, const uint8_t machine_id[16]);

/* "A.B.C.D/N" or "X::/N" (host bits must be zero); -EINVAL. */
int net_cidr_parse(int family, const char *s, uint8_t *ret_addr, uint8_t *ret_len);

int net_port_parse(const char *s, struct net_port *ret);
