/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The names and MAC addresses systemd-nspawn gives a container's links, computed the same way so
 * that a machine keeps its names and addresses when it moves between the two (its host's DHCP
 * leases, firewall rules and networkd matches keep working).
 *
 * Names: "ve-NAME" (host side of -n), "vb-NAME" (the same, bridged or zoned), "mv-IF", "iv-IF".
 * A name longer than 15 characters (IFNAMSIZ - 1) is cut to its first 11 and four characters of
 * url-safe base64 are appended: bits 23…0 of SipHash-2-4(name) with systemd's fixed key, six
 * bits per character, most significant first (systemd's naming scheme since v250,
 * NAMING_NSPAWN_LONG_HASH; older schemes truncated). systemd-nspawn 252 on this project's test
 * machine: "ve-averyveryverylongname" → "ve-averyverUARo".
 *
 * MAC addresses: the first 6 bytes (little-endian) of SipHash-2-4(machine-id ‖ NAME [‖ idx as
 * 64-bit little-endian, if idx > 0]) with one fixed key per role, then made unicast and locally
 * administered. machine-id is the host's /etc/machine-id (16 bytes), NAME the machine name, idx
 * the position among the extra veths or the macvlans (0 for the first).
 */

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETHER_ADDR_LEN 6

enum netif_mac_role {
        NETIF_MAC_HOST,            /* ve-/vb- */
        NETIF_MAC_CONTAINER,       /* host0 */
        NETIF_MAC_EXTRA_HOST,      /* --network-veth-extra, host side */
        NETIF_MAC_EXTRA_CONTAINER, /* --network-veth-extra, container side */
        NETIF_MAC_MACVLAN,         /* mv- */
        _NETIF_MAC_ROLE_MAX,
};

/* name as it fits into IFNAMSIZ (see above) into ret; returns 1 if it had to be shortened, 0 if
 * not, -EINVAL for an empty name. */
int netif_name_shorten(const char *name, char ret[IFNAMSIZ]);

/* The address of role for machine (see above). */
void netif_mac(const uint8_t machine_id[16], const char *machine, enum netif_mac_role role, uint64_t idx,
               uint8_t ret[ETHER_ADDR_LEN]);

/* The host's machine ID from path (/etc/machine-id: 32 hex digits and a newline). -ENOMEDIUM if
 * it is empty or "uninitialized", -EINVAL if it is not an ID. */
int machine_id_read(const char *path, uint8_t ret[16]);

/* "xx:xx:xx:xx:xx:xx" (also '-' or no separators, as systemd's ether_addr_from_string()); the
 * multicast bit and all-zero are refused: -EINVAL. */
int ether_addr_parse(const char *s, uint8_t ret[ETHER_ADDR_LEN]);
void ether_addr_format(const uint8_t a[ETHER_ADDR_LEN], char buf[18]);
