/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A DHCPv4 server for one client: the container's host0, by its MAC address (RFC 2131's
 * DISCOVER/OFFER, REQUEST/ACK or NAK, INFORM; RELEASE and DECLINE need nothing: the address stays
 * the container's). It hands out the address the pool claimed for the container, with the gateway
 * as router and DNS server, for an hour at a time. So a booted guest's own DHCP client
 * (networkd's 80-container-host0.network, ifupdown, dhcpcd, udhcpc) gets the address a payload
 * has from the start.
 *
 * It listens on a packet socket of the host end (ve-NAME or the zone's bridge, where every
 * member's helper listens for its own client only: a socket filter passes DHCP requests, the
 * client's MAC address is checked) and answers through it (the client has no address yet: its
 * MAC, or broadcast where it asks so). A UDP socket on port 67 of the link takes the unicast
 * renewals the kernel would answer with "port unreachable".
 */

#include <stdint.h>

#include "net-pool.h"

struct dhcp {
        int packet_fd, udp_fd;
        int ifindex;
        uint8_t mac[6];
        uint8_t server[4], client[4], mask[4];
};

#define DHCP_INIT                                                                                           \
        { .packet_fd = -EBADF, .udp_fd = -EBADF }

int dhcp_start(struct dhcp *d, const char *link, int ifindex, const struct pool *p);
/* A readable packet socket: answer what came. */
void dhcp_dispatch(struct dhcp *d);
/* A readable UDP socket: drain it. */
void dhcp_drain(struct dhcp *d);
void dhcp_stop(struct dhcp *d);
