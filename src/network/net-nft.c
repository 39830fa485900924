/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's nftables table (see net-nft.h). */

#include "net-nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"

struct buf {
        char *s;
        size_t len, size;
};

_printf_(2, 3) static void add(struct buf *b, const char *fmt, ...) {
        va_list ap;
        if (!b->s || b->len >= b->size)
                return;
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->size - b->len, fmt, ap);
        va_end(ap);
        b->len = n < 0 ? b->size : MIN(b->len + (size_t) n, b->size);
}

static void rules_nat(struct buf *b, const struct pool *p, const char *s4, const char *s6) {
        add(b, "chain postrouting {\ntype nat hook postrouting priority srcnat; policy accept;\n");
        if (p->len4) {
                add(b, "ip saddr %s ip daddr != %s masquerade\n", s4, s4);
                if (p->req.n_ports)
                        add(b, "ct status dnat ip saddr { 127.0.0.0/8, %s } ip daddr %s masquerade\n", s4,
                            s4);
        }
        if (p->len6) {
                add(b, "ip6 saddr %s ip6 daddr != %s masquerade\n", s6, s6);
                if (p->req.n_ports)
                        add(b, "ct status dnat ip6 saddr %s ip6 daddr %s masquerade\n", s6, s6);
        }
        add(b, "}\n");
}

static void rules_ports(struct buf *b, const struct pool *p, const char *chain, const char *hook,
                        const char *g4, const char *g6) {
        add(b, "chain %s {\ntype nat hook %s priority -100; policy accept;\n", chain, hook);
        for (size_t i = 0; i < p->req.n_ports; i++) {
                const struct net_port *o = &p->req.ports[i];
                const char *proto = o->proto == IPPROTO_UDP ? "udp" : "tcp";
                unsigned hp = o->host, cp = o->container;
                if (p->len4)
                        add(b, "meta nfproto ipv4 fib daddr type local %s dport %u dnat ip to %s:%u\n",
                            proto, hp, g4, cp);
                /* ::1 cannot be DNATed out of the host (no route_localnet for IPv6) */
                if (p->len6)
                        add(b,
                            "meta nfproto ipv6 ip6 daddr != ::1 fib daddr type local %s dport %u dnat ip6 "
                            "to [%s]:%u\n",
                            proto, hp, g6, cp);
        }
        add(b, "}\n");
}

int nft_setup(struct nft_ctx **ret, const struct pool *p, char *error, size_t esize) {
        char s4[32] = "", s6[64] = "", g4[INET_ADDRSTRLEN] = "", g6[INET6_ADDRSTRLEN] = "",
             a[INET6_ADDRSTRLEN];
        struct buf b = {.size = 16384};

        *ret = NULL;
        if (!p->active)
                return 0;
        if (p->len4) {
                snprintf(s4, sizeof(s4), "%s/%u", inet_ntop(AF_INET, p->sub4, a, sizeof(a)), p->len4);
                inet_ntop(AF_INET, p->guest4, g4, sizeof(g4));
        }
        if (p->len6) {
                snprintf(s6, sizeof(s6), "%s/%u", inet_ntop(AF_INET6, p->sub6, a, sizeof(a)), p->len6);
                inet_ntop(AF_INET6, p->guest6, g6, sizeof(g6));
        }
        b.s = malloc(b.size);
        add(&b, "table inet nspawn-%s {\nflags owner\n", p->req.link);
        rules_nat(&b, p, s4, s6);
        if (p->req.n_ports) {
                rules_ports(&b, p, "prerouting", "prerouting", g4, g6);
                rules_ports(&b, p, "output", "output", g4, g6);
        }
        add(&b, "}\n");
        if (!b.s || b.len >= b.size) {
                free(b.s);
                snprintf(error, esize, "Out of memory for the nftables rules.");
                return -ENOMEM;
        }
        struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!ctx) {
                free(b.s);
                snprintf(error, esize, "Failed to start libnftables.");
                return -ENOMEM;
        }
        (void) nft_ctx_buffer_error(ctx);
        /* The same machine started again at once: the table of its last run may still exist, owned
         * by that run's helper, which is exiting (another owner's table: EPERM). Wait for it, as for
         * a ve- link still going away (up to 2 s). */
        char msg[256] = "";
        int k;
        for (int i = 0; (k = nft_run_cmd_from_buffer(ctx, b.s)) != 0; i++) {
                const char *e = nft_ctx_get_error_buffer(ctx) ?: ""; /* read once: then reset */
                snprintf(msg, sizeof(msg), "%.*s", (int) strcspn(e, "\n"), e);
                if (i >= 40 || !strstr(msg, "Operation not permitted"))
                        break;
                (void) nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
        }
        free(b.s);
        if (k != 0) {
                snprintf(error, esize, "Failed to add the nftables table nspawn-%s: %s", p->req.link, msg);
                nft_ctx_free(ctx);
                return -EIO;
        }
        *ret = ctx;
        return 0;
}

struct nft_ctx *nft_done(struct nft_ctx *ctx) {
        if (ctx)
                nft_ctx_free(ctx); /* closes the socket: the kernel removes the table */
        return NULL;
}
