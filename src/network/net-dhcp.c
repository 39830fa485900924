/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one-client DHCPv4 server (see net-dhcp.h). */

#include "net-dhcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"

#define BOOTP_LEN 236
#define DHCP_MAGIC 0x63825363u
#define LEASE_SECONDS 3600u

enum { DISCOVER = 1, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM };

struct bootp {
        uint8_t op, htype, hlen, hops;
        uint32_t xid;
        uint16_t secs, flags;
        uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
        uint8_t chaddr[16];
        uint8_t sname[64], file[128];
        uint32_t magic;
        uint8_t options[312];
} __attribute__((packed));

/* IPv4, UDP, not a fragment, to port 67 (the kernel filters; the rest is checked again here). */
static const struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
        BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
        BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 67, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xffff),
        BPF_STMT(BPF_RET | BPF_K, 0),
};

int dhcp_start(struct dhcp *d, const char *link, int ifindex, const struct pool *p) {
        struct sock_fprog prog = {.len = ELEMENTSOF(filter), .filter = (struct sock_filter *) filter};
        struct sockaddr_ll ll = {
                .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = ifindex};
        struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(67)};
        int one = 1;

        *d = (struct dhcp) DHCP_INIT;
        if (!p->len4)
                return 0;
        d->ifindex = ifindex;
        memcpy(d->mac, p->req.container_mac, 6);
        memcpy(d->server, p->gw4, 4);
        memcpy(d->client, p->guest4, 4);
        uint32_t mask = p->len4 ? htonl(UINT32_MAX << (32 - p->len4)) : 0;
        memcpy(d->mask, &mask, 4);
        d->packet_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (d->packet_fd < 0 ||
            setsockopt(d->packet_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
            bind(d->packet_fd, (struct sockaddr *) &ll, sizeof(ll)) < 0)
                goto fail;
        d->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (d->udp_fd < 0 || setsockopt(d->udp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            setsockopt(d->udp_fd, SOL_SOCKET, SO_BINDTODEVICE, link, (socklen_t) strlen(link)) < 0 ||
            bind(d->udp_fd, (struct sockaddr *) &any, sizeof(any)) < 0)
                d->udp_fd = safe_close(d->udp_fd); /* only for quiet renewals */
        return 0;
fail:;
        int k = -errno;
        dhcp_stop(d);
        return k;
}

void dhcp_stop(struct dhcp *d) {
        d->packet_fd = safe_close(d->packet_fd);
        d->udp_fd = safe_close(d->udp_fd);
}

void dhcp_drain(struct dhcp *d) {
        char b[1];
        while (d->udp_fd >= 0 && recv(d->udp_fd, b, sizeof(b), MSG_DONTWAIT) >= 0)
                ;
}

/* Option code's value in the request (NULL: none), its length in *len. */
static const uint8_t *option(const struct bootp *b, size_t size, uint8_t code, uint8_t *len) {
        const uint8_t *o = b->options, *end = (const uint8_t *) b + size;
        while (o < end && *o != 255) {
                if (*o == 0) {
                        o++;
                        continue;
                }
                if (o + 2 > end || o + 2 + o[1] > end)
                        return NULL;
                if (*o == code) {
                        *len = o[1];
                        return o + 2;
                }
                o += 2 + o[1];
        }
        return NULL;
}

static uint16_t ip_checksum(const void *data, size_t len) {
        const uint8_t *p = data;
        uint32_t sum = 0;
        for (size_t i = 0; i + 1 < len; i += 2)
                sum += (uint32_t) (p[i] << 8 | p[i + 1]);
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return htons((uint16_t) ~sum);
}

static uint8_t *opt(uint8_t *o, uint8_t code, uint8_t len, const void *v) {
        o[0] = code;
        o[1] = len;
        memcpy(o + 2, v, len);
        return o + 2 + len;
}

/* lease_it: the address goes in yiaddr (not for an INFORM's ACK, nor a NAK). */
static void reply(struct dhcp *d, const struct bootp *req, uint8_t type, bool lease_it) {
        struct {
                struct iphdr ip;
                struct udphdr udp;
                struct bootp b;
        } __attribute__((packed)) pkt = {};
        uint32_t lease = htonl(LEASE_SECONDS), t1 = htonl(LEASE_SECONDS / 2),
                 t2 = htonl(LEASE_SECONDS * 7 / 8);
        uint8_t brd[4];
        bool bcast = (ntohs(req->flags) & 0x8000) || type == NAK;

        for (int i = 0; i < 4; i++)
                brd[i] = (uint8_t) (d->client[i] | ~d->mask[i]);
        pkt.b = (struct bootp){.op = 2,
                               .htype = 1,
                               .hlen = 6,
                               .xid = req->xid,
                               .flags = req->flags,
                               .magic = htonl(DHCP_MAGIC)};
        memcpy(pkt.b.chaddr, req->chaddr, 16);
        memcpy(pkt.b.ciaddr, req->ciaddr, 4);
        if (lease_it)
                memcpy(pkt.b.yiaddr, d->client, 4);
        uint8_t *o = pkt.b.options;
        o = opt(o, 53, 1, &type);
        o = opt(o, 54, 4, d->server);
        if (type != NAK) {
                o = opt(o, 51, 4, &lease);
                o = opt(o, 58, 4, &t1);
                o = opt(o, 59, 4, &t2);
                o = opt(o, 1, 4, d->mask);
                o = opt(o, 28, 4, brd);
                o = opt(o, 3, 4, d->server);
                o = opt(o, 6, 4, d->server);
        }
        *o++ = 255;
        size_t blen = (size_t) (o - (uint8_t *) &pkt.b);
        blen = MAX(blen, (size_t) 300); /* BOOTP's minimum, which some clients want */
        bool unicast_ip = !bcast && type != NAK;
        const uint8_t *dst = unicast_ip ? (memcmp(req->ciaddr, "\0\0\0", 4) ? req->ciaddr : d->client)
                                        : (const uint8_t *) "\xff\xff\xff\xff";
        pkt.ip = (struct iphdr){.version = 4,
                                .ihl = 5,
                                .ttl = 64,
                                .protocol = IPPROTO_UDP,
                                .tot_len = htons((uint16_t) (sizeof(pkt.ip) + sizeof(pkt.udp) + blen))};
        memcpy(&pkt.ip.saddr, d->server, 4);
        memcpy(&pkt.ip.daddr, dst, 4);
        pkt.ip.check = ip_checksum(&pkt.ip, sizeof(pkt.ip));
        pkt.udp = (struct udphdr){
                .source = htons(67), .dest = htons(68), .len = htons((uint16_t) (sizeof(pkt.udp) + blen))};
        struct sockaddr_ll ll = {.sll_family = AF_PACKET,
                                 .sll_protocol = htons(ETH_P_IP),
                                 .sll_ifindex = d->ifindex,
                                 .sll_halen = 6};
        memcpy(ll.sll_addr, unicast_ip ? d->mac : (const uint8_t *) "\xff\xff\xff\xff\xff\xff", 6);
        (void) sendto(d->packet_fd, &pkt, sizeof(pkt.ip) + sizeof(pkt.udp) + blen, 0,
                      (struct sockaddr *) &ll, sizeof(ll));
}

static void handle(struct dhcp *d, const uint8_t *p, size_t n, const uint8_t src[6]) {
        struct bootp b = {};
        uint8_t len = 0;

        if (n < sizeof(struct iphdr))
                return;
        size_t ihl = (size_t) (p[0] & 0xf) * 4;
        if (ihl < 20 || n < ihl + sizeof(struct udphdr) + BOOTP_LEN + 4)
                return;
        size_t blen = MIN(n - ihl - sizeof(struct udphdr), sizeof(b));
        memcpy(&b, p + ihl + sizeof(struct udphdr), blen);
        /* only our client, asking */
        if (b.op != 1 || b.htype != 1 || b.hlen != 6 || memcmp(b.chaddr, d->mac, 6) != 0 ||
            memcmp(src, d->mac, 6) != 0 || ntohl(b.magic) != DHCP_MAGIC)
                return;
        const uint8_t *type = option(&b, blen, 53, &len);
        if (!type || len != 1)
                return;
        const uint8_t *want = option(&b, blen, 50, &len);
        want = want && len == 4 ? want : NULL;
        const uint8_t *server = option(&b, blen, 54, &len);
        server = server && len == 4 ? server : NULL;
        switch (*type) {
        case DISCOVER:
                reply(d, &b, OFFER, true);
                break;
        case REQUEST:
                if (server && memcmp(server, d->server, 4) != 0)
                        break; /* another server's offer taken */
                if ((want && memcmp(want, d->client, 4) != 0) ||
                    (!want && memcmp(b.ciaddr, d->client, 4) != 0))
                        reply(d, &b, NAK, false);
                else
                        reply(d, &b, ACK, true);
                break;
        case INFORM:
                reply(d, &b, ACK, false);
                break;
        }
}

void dhcp_dispatch(struct dhcp *d) {
        uint8_t p[1500];
        for (;;) {
                struct sockaddr_ll ll = {};
                socklen_t l = sizeof(ll);
                ssize_t n = recvfrom(d->packet_fd, p, sizeof(p), MSG_DONTWAIT, (struct sockaddr *) &ll, &l);
                if (n < 0)
                        return;
                if (ll.sll_pkttype != PACKET_OUTGOING && ll.sll_halen == 6)
                        handle(d, p, (size_t) n, ll.sll_addr);
        }
}
