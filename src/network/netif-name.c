/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Link names and MAC addresses as systemd-nspawn makes them (see netif-name.h). */

#include "netif-name.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "fdutil.h"
#include "macro.h"
#include "parse-util.h"
#include "siphash24.h"
#include "uuid.h"

/* systemd's fixed keys (src/nspawn/nspawn-network.c): the values are what makes the results
 * match, so they are systemd's, byte for byte. */
static const uint8_t shorten_key[16] = {0xe1, 0x90, 0xa4, 0x04, 0xa8, 0xef, 0x4b, 0x51,
                                        0x8c, 0xcc, 0xc3, 0x3a, 0x9f, 0x11, 0xfc, 0xa2};
static const uint8_t mac_keys[_NETIF_MAC_ROLE_MAX][16] = {
        [NETIF_MAC_HOST] = {0x1a, 0x37, 0x6f, 0xc7, 0x46, 0xec, 0x45, 0x0b, 0xad, 0xa3, 0xd5, 0x31, 0x06,
                            0x60, 0x5d, 0xb1},
        [NETIF_MAC_CONTAINER] = {0xc3, 0xc4, 0xf9, 0x19, 0xb5, 0x57, 0xb2, 0x1c, 0xe6, 0xcf, 0x14, 0x27,
                                 0x03, 0x9c, 0xee, 0xa2},
        [NETIF_MAC_EXTRA_HOST] = {0x48, 0xc7, 0xf6, 0xb7, 0xea, 0x9d, 0x4c, 0x9e, 0xb7, 0x28, 0xd4, 0xde,
                                  0x91, 0xd5, 0xbf, 0x66},
        [NETIF_MAC_EXTRA_CONTAINER] = {0xaf, 0x50, 0x17, 0x61, 0xce, 0xf9, 0x4d, 0x35, 0x84, 0x0d, 0x2b,
                                       0x20, 0x54, 0xbe, 0xce, 0x59},
        [NETIF_MAC_MACVLAN] = {0x00, 0x13, 0x6d, 0xbc, 0x66, 0x83, 0x44, 0x81, 0xbb, 0x0c, 0xf9, 0x51, 0x1f,
                               0x24, 0xa6, 0x6f},
};

static char urlsafe_base64_char(uint64_t v) {
        static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return table[v & 63];
}

int netif_name_shorten(const char *name, char ret[IFNAMSIZ]) {
        size_t l = name ? strlen(name) : 0;

        if (l == 0)
                return -EINVAL;
        if (l < IFNAMSIZ) {
                memcpy(ret, name, l + 1);
                return 0;
        }
        uint64_t h = siphash24(name, l, shorten_key);
        memcpy(ret, name, IFNAMSIZ - 5);
        for (int i = 0; i < 4; i++)
                ret[IFNAMSIZ - 5 + i] = urlsafe_base64_char(h >> (6 * (3 - i)));
        ret[IFNAMSIZ - 1] = 0;
        return 1;
}

void netif_mac(const uint8_t machine_id[16], const char *machine, enum netif_mac_role role, uint64_t idx,
               uint8_t ret[ETHER_ADDR_LEN]) {
        size_t l = strlen(machine), n = 16 + l;
        uint8_t buf[16 + l + 8];

        memcpy(buf, machine_id, 16);
        memcpy(buf + 16, machine, l);
        for (int i = 0; idx > 0 && i < 8; i++) /* appended only from the second link on */
                buf[n++] = (uint8_t) (idx >> (8 * i));
        uint64_t h = siphash24(buf, n, mac_keys[role]);
        for (int i = 0; i < ETHER_ADDR_LEN; i++)
                ret[i] = (uint8_t) (h >> (8 * i));
        ret[0] &= 0xfe; /* unicast */
        ret[0] |= 0x02; /* locally administered */
}

int machine_id_read(const char *path, uint8_t ret[16]) {
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(AT_FDCWD, path, &text, 64);

        if (r < 0)
                return r;
        text[strcspn(text, "\n")] = 0;
        if (isempty(text) || streq(text, "uninitialized"))
                return -ENOMEDIUM;
        if (strlen(text) != 32)
                return -EINVAL;
        return uuid_parse(text, ret);
}

int ether_addr_parse(const char *s, uint8_t ret[ETHER_ADDR_LEN]) {
        uint8_t a[ETHER_ADDR_LEN];
        size_t l = s ? strlen(s) : 0;
        char sep = l == 17 ? s[2] : 0;

        if (!(l == 12 || (l == 17 && (sep == ':' || sep == '-'))))
                return -EINVAL;
        for (int i = 0; i < ETHER_ADDR_LEN; i++) {
                const char *p = s + i * (sep ? 3 : 2);
                int hi = unhex_char(p[0]), lo = unhex_char(p[1]);
                if (hi < 0 || lo < 0 || (sep && i < ETHER_ADDR_LEN - 1 && p[2] != sep))
                        return -EINVAL;
                a[i] = (uint8_t) (hi << 4 | lo);
        }
        if ((a[0] & 1) || !(a[0] | a[1] | a[2] | a[3] | a[4] | a[5]))
                return -EINVAL;
        memcpy(ret, a, ETHER_ADDR_LEN);
        return 0;
}

void ether_addr_format(const uint8_t a[ETHER_ADDR_LEN], char buf[18]) {
        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}
