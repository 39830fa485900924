/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The address pool's configuration and -p's syntax (see net-config.h). Pure code. */

#include "net-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "fdutil.h"
#include "macro.h"
#include "parse-util.h"
#include "siphash24.h"
#include "strv.h"

/* The hash key of the default IPv6 pool (random, fixed: the same machine ID gives the same ULA). */
static const uint8_t ula_key[16] = {0x5d, 0x1e, 0x8a, 0x31, 0xc4, 0x77, 0x02, 0x9b,
                                    0xe6, 0x40, 0x2f, 0xd3, 0x18, 0xa5, 0x6c, 0x94};

void net_pool_config_default(struct net_pool_config *c) {
        *c = (struct net_pool_config){
                .mode = NET_POOL_AUTO, .v4 = {10, 99, 0, 0}, .v4_len = 16, .v6_len = 48, .v6_auto = true};
}

void net_pool_config_finish(struct net_pool_config *c, const uint8_t machine_id[16]) {
        if (!c->v6_auto)
                return;
        uint64_t h = siphash24(machine_id, 16, ula_key);
        memset(c->v6, 0, sizeof(c->v6));
        c->v6[0] = 0xfd;
        for (int i = 1; i < 6; i++)
                c->v6[i] = (uint8_t) (h >> (8 * (i - 1)));
        c->v6_len = 48;
        c->v6_auto = false;
}

int net_cidr_parse(int family, const char *s, uint8_t *ret_addr, uint8_t *ret_len) {
        const char *slash = strchr(s, '/');
        size_t alen = family == AF_INET ? 4 : 16;
        uint8_t addr[16];
        uint32_t len;
        char buf[INET6_ADDRSTRLEN];

        if (!slash || (size_t) (slash - s) >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, (size_t) (slash - s));
        buf[slash - s] = 0;
        if (inet_pton(family, buf, addr) != 1 || parse_uint32(slash + 1, &len) < 0 || len > alen * 8)
                return -EINVAL;
        for (size_t bit = len; bit < alen * 8; bit++) /* host bits */
                if (addr[bit / 8] & (0x80 >> (bit % 8)))
                        return -EINVAL;
        memcpy(ret_addr, addr, alen);
        *ret_len = (uint8_t) len;
        return 0;
}

static int parse_mode(const char *v, struct net_pool_config *c) {
        static const char *const names[_NET_POOL_MODE_MAX] = {
                [NET_POOL_AUTO] = "auto", [NET_POOL_YES] = "yes", [NET_POOL_NO] = "no"};
        for (int m = 0; m < _NET_POOL_MODE_MAX; m++)
                if (streq(v, names[m])) {
                        c->mode = m;
                        return 0;
                }
        int b = parse_boolean(v);
        if (b < 0)
                return -EINVAL;
        c->mode = b ? NET_POOL_YES : NET_POOL_NO;
        return 0;
}

static int parse_pool(int family, const char *v, struct net_pool_config *c) {
        bool v4 = family == AF_INET;
        uint8_t addr[16], len;

        if (parse_boolean(v) == 0) {
                if (v4)
                        c->v4_len = 0;
                else
                        c->v6_len = 0, c->v6_auto = false;
                return 0;
        }
        /* room for a zone's /24 (IPv4) or one /64 (IPv6) at least, and no /0 */
        if (net_cidr_parse(family, v, addr, &len) < 0 || len < 8 || len > (v4 ? 24 : 64))
                return -EINVAL;
        if (v4) {
                memcpy(c->v4, addr, 4);
                c->v4_len = len;
        } else {
                memcpy(c->v6, addr, 16);
                c->v6_len = len;
                c->v6_auto = false;
        }
        return 0;
}

int net_pool_config_parse(const char *text, const char *path, struct net_pool_config *c, char **ret_error) {
        _cleanup_strv_free_ char **lines = NULL;
        int r;

        net_pool_config_default(c);
        if ((r = strv_split(text, "\n", &lines)) < 0)
                return r;
        for (size_t i = 0; lines[i]; i++) {
                char *l = lines[i], *eq;
                l += strspn(l, " \t");
                l[strcspn(l, "\r")] = 0;
                if (!*l || *l == '#' || *l == ';')
                        continue;
                if (!(eq = strchr(l, '=')))
                        return error_setf(ret_error, -EINVAL, "%s:%zu: expected KEY=VALUE.", path, i + 1);
                *eq = 0;
                char *key = l, *v = eq + 1;
                for (char *e = eq; e > key && (e[-1] == ' ' || e[-1] == '\t');)
                        *--e = 0;
                v += strspn(v, " \t");
                for (char *e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t');)
                        *--e = 0;
                if (streq(key, "Pool"))
                        r = parse_mode(v, c);
                else if (streq(key, "IPv4Pool"))
                        r = parse_pool(AF_INET, v, c);
                else if (streq(key, "IPv6Pool"))
                        r = parse_pool(AF_INET6, v, c);
                else
                        return error_setf(ret_error, -EINVAL, "%s:%zu: unknown key %s.", path, i + 1, key);
                if (r < 0)
                        return error_setf(
                                ret_error, -EINVAL,
                                "%s:%zu: invalid %s=%s (Pool=auto|yes|no, IPv4Pool=CIDR (/8 to /24)|no, "
                                "IPv6Pool=CIDR (/8 to /64)|no).",
                                path, i + 1, key, v);
        }
        return 0;
}

int net_pool_config_load(const uint8_t machine_id[16], struct net_pool_config *c, char **ret_error) {
        const char *path = getenv(NET_CONFIG_ENV) ?: NET_CONFIG_PATH;
        _cleanup_free_ char *text = NULL;

        int r = read_file_at(AT_FDCWD, path, &text, 64 * 1024);
        if (r == -ENOENT) {
                net_pool_config_default(c);
                net_pool_config_finish(c, machine_id);
                return 0;
        }
        if (r < 0)
                return error_setf(ret_error, r, "Failed to read %s: %s", path, strerror(-r));
        r = net_pool_config_parse(text ?: "", path, c, ret_error);
        if (r < 0)
                return r;
        net_pool_config_finish(c, machine_id);
        return 0;
}

int net_port_parse(const char *s, struct net_port *ret) {
        const char *p;
        struct net_port port = {.proto = IPPROTO_TCP};
        uint16_t hp, cp;
        char host[8];

        if ((p = startswith(s, "tcp:")))
                s = p;
        else if ((p = startswith(s, "udp:"))) {
                s = p;
                port.proto = IPPROTO_UDP;
        }
        const char *colon = strchr(s, ':');
        size_t n = colon ? (size_t) (colon - s) : strlen(s);
        if (n == 0 || n >= sizeof(host))
                return -EINVAL;
        memcpy(host, s, n);
        host[n] = 0;
        if (parse_port(host, &hp) < 0 || hp == 0)
                return -EINVAL;
        cp = hp;
        if (colon && (parse_port(colon + 1, &cp) < 0 || cp == 0))
                return -EINVAL;
        port.host = hp;
        port.container = cp;
        *ret = port;
        return 0;
}
