/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rtnetlink requests with libmnl (see net-link.h). Runs in nspawn-net only. */

#include "net-link.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"

/* Large enough for a dump's batch of link messages (libmnl's MNL_SOCKET_DUMP_SIZE). */
#define RTNL_BUF_SIZE 32768

/* nspawn-net is single-threaded: one buffer for every request and answer */
static char buf[RTNL_BUF_SIZE];

int rtnl_open(struct rtnl *r) {
        *r = (struct rtnl){.seq = (uint32_t) time(NULL)};
        r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!r->nl)
                return -errno;
        if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
                int k = -errno;
                rtnl_close(r);
                return k;
        }
        r->portid = mnl_socket_get_portid(r->nl);
        return 0;
}

int rtnl_open_in(struct rtnl *r, int netns_fd, int back_fd) {
        /* a socket belongs to the namespace it was made in, for good */
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return -errno;
        int k = rtnl_open(r);
        if (setns(back_fd, CLONE_NEWNET) < 0)
                _exit(EXIT_FAILURE); /* never go on in the container's namespace (nspawn sees EOF) */
        return k;
}

void rtnl_close(struct rtnl *r) {
        if (r->nl)
                mnl_socket_close(r->nl);
        r->nl = NULL;
}

static struct nlmsghdr *link_msg(uint16_t type, uint16_t flags, int ifindex) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        return nlh;
}

/* Send nlh and read the answer up to its ACK (or a dump's end), each data message to cb. */
static int rtnl_call(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data) {
        uint32_t seq = nlh->nlmsg_seq = ++r->seq;

        if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
                return -errno;
        for (;;) {
                ssize_t n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
                if (n < 0)
                        return errno == EINTR ? -EINTR : -errno;
                int k = mnl_cb_run(buf, (size_t) n, seq, r->portid, cb, data);
                if (k < 0)
                        return -errno;
                if (k == MNL_CB_STOP)
                        return 0;
        }
}

static bool mac_set(const uint8_t mac[6]) {
        return mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5];
}

struct link_info {
        int ifindex;
        int master;
        char name[IFNAMSIZ];
        char kind[32];
};

static int parse_linkinfo(const struct nlattr *a, void *data) {
        struct link_info *li = data;
        if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
                snprintf(li->kind, sizeof(li->kind), "%s", mnl_attr_get_str(a));
        return MNL_CB_OK;
}

static int parse_link_attr(const struct nlattr *a, void *data) {
        struct link_info *li = data;
        switch (mnl_attr_get_type(a)) {
        case IFLA_IFNAME:
                if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
                        snprintf(li->name, sizeof(li->name), "%s", mnl_attr_get_str(a));
                break;
        case IFLA_MASTER:
                if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
                        li->master = (int) mnl_attr_get_u32(a);
                break;
        case IFLA_LINKINFO:
                (void) mnl_attr_parse_nested(a, parse_linkinfo, li);
                break;
        }
        return MNL_CB_OK;
}

static void link_info_parse(const struct nlmsghdr *nlh, struct link_info *ret) {
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        *ret = (struct link_info){.ifindex = ifi->ifi_index};
        (void) mnl_attr_parse(nlh, sizeof(*ifi), parse_link_attr, ret);
}

static int on_link(const struct nlmsghdr *nlh, void *data) {
        if (nlh->nlmsg_type == RTM_NEWLINK)
                link_info_parse(nlh, data);
        return MNL_CB_OK;
}

int link_get(struct rtnl *r, const char *name, char kind[32]) {
        struct nlmsghdr *nlh = link_msg(RTM_GETLINK, 0, 0);
        struct link_info li = {};

        mnl_attr_put_strz(nlh, strlen(name) < IFNAMSIZ ? IFLA_IFNAME : IFLA_ALT_IFNAME, name);
        int k = rtnl_call(r, nlh, on_link, &li);
        if (k < 0)
                return k;
        if (li.ifindex <= 0)
                return -ENODEV;
        if (kind)
                memcpy(kind, li.kind, sizeof(li.kind));
        return li.ifindex;
}

int link_add_veth(struct rtnl *r, const struct net_link *l, int netns_fd, int master) {
        struct nlmsghdr *nlh = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);

        if (master > 0) {
                /* a bridge port is up, as systemd-nspawn leaves it (its join_bridge()) */
                struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
                ifi->ifi_flags = ifi->ifi_change = IFF_UP;
                mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t) master);
        }
        mnl_attr_put_strz(nlh, IFLA_IFNAME, l->host);
        if (mac_set(l->host_mac))
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, l->host_mac);
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg)); /* the peer's, all zero */
        mnl_attr_put_strz(nlh, IFLA_IFNAME, l->container);
        if (mac_set(l->container_mac))
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, l->container_mac);
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        mnl_attr_nest_end(nlh, peer);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(r, nlh, NULL, NULL);
}

int link_add_bridge(struct rtnl *r, const char *name) {
        struct nlmsghdr *nlh = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);

        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(r, nlh, NULL, NULL);
}

int link_add_vlan(struct rtnl *r, const struct net_link *l, int parent, int netns_fd) {
        struct nlmsghdr *nlh = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        bool macvlan = l->kind == NET_LINK_MACVLAN;

        mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t) parent);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, l->container);
        if (macvlan && mac_set(l->container_mac))
                mnl_attr_put(nlh, IFLA_ADDRESS, 6, l->container_mac);
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, macvlan ? "macvlan" : "ipvlan");
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        if (macvlan)
                mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
        else
                mnl_attr_put_u16(nlh, IFLA_IPVLAN_MODE, IPVLAN_MODE_L2);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(r, nlh, NULL, NULL);
}

int link_move(struct rtnl *r, int ifindex, int netns_fd, const char *name) {
        struct nlmsghdr *nlh = link_msg(RTM_SETLINK, 0, ifindex);

        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        if (name)
                mnl_attr_put_strz(nlh, IFLA_IFNAME, name); /* renamed on the way */
        return rtnl_call(r, nlh, NULL, NULL);
}

int link_delete(struct rtnl *r, int ifindex) {
        return rtnl_call(r, link_msg(RTM_DELLINK, 0, ifindex), NULL, NULL);
}

int link_add_altname(struct rtnl *r, int ifindex, const char *altname) {
        struct nlmsghdr *nlh = link_msg(RTM_NEWLINKPROP, NLM_F_CREATE | NLM_F_APPEND, ifindex);

        struct nlattr *list = mnl_attr_nest_start(nlh, IFLA_PROP_LIST);
        mnl_attr_put_strz(nlh, IFLA_ALT_IFNAME, altname);
        mnl_attr_nest_end(nlh, list);
        return rtnl_call(r, nlh, NULL, NULL);
}

struct ports {
        int bridge;
        const char *except;
        int except_index;
        bool other;
};

static int on_port(const struct nlmsghdr *nlh, void *data) {
        struct ports *p = data;
        struct link_info li;

        if (nlh->nlmsg_type != RTM_NEWLINK)
                return MNL_CB_OK;
        link_info_parse(nlh, &li);
        /* the kernel filters by master; a kernel that did not would send every link */
        if (li.master == p->bridge &&
            (p->except_index > 0 ? li.ifindex != p->except_index : !streq(li.name, p->except)))
                p->other = true;
        return MNL_CB_OK;
}

int bridge_has_other_ports(struct rtnl *r, int bridge, const char *except, int except_index) {
        struct nlmsghdr *nlh = link_msg(RTM_GETLINK, NLM_F_DUMP, 0);
        struct ports p = {.bridge = bridge, .except = except, .except_index = except_index};

        nlh->nlmsg_flags &= (uint16_t) ~NLM_F_ACK;
        mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t) bridge);
        int k = rtnl_call(r, nlh, on_port, &p);
        return k < 0 ? k : p.other;
}

/* ---- addresses and routes ---- */

struct prefixes {
        struct net_prefix *p;
        size_t n;
        bool ra;
        int error;
};

static void prefixes_add(struct prefixes *ps, int family, const void *addr, uint8_t len) {
        size_t alen = family == AF_INET ? 4 : 16;
        struct net_prefix *n = realloc(ps->p, (ps->n + 1) * sizeof(*n));
        if (!n) {
                ps->error = -ENOMEM;
                return;
        }
        ps->p = n;
        n = &ps->p[ps->n++];
        *n = (struct net_prefix){.family = family, .len = len};
        memcpy(n->addr, addr, alen);
        for (size_t bit = len; bit < alen * 8; bit++) /* the subnet, not the address */
                n->addr[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
}

static int on_addr(const struct nlmsghdr *nlh, void *data) {
        const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
        const struct nlattr *a;
        size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;

        if (nlh->nlmsg_type != RTM_NEWADDR || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
                return MNL_CB_OK;
        mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
                if (mnl_attr_get_type(a) == IFA_ADDRESS && mnl_attr_get_payload_len(a) == alen)
                        prefixes_add(data, ifa->ifa_family, mnl_attr_get_payload(a), ifa->ifa_prefixlen);
        }
        return MNL_CB_OK;
}

static int on_route(const struct nlmsghdr *nlh, void *data) {
        const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
        struct prefixes *ps = data;
        const struct nlattr *a;
        size_t alen = rtm->rtm_family == AF_INET ? 4 : 16;
        uint32_t table = rtm->rtm_table;

        if (nlh->nlmsg_type != RTM_NEWROUTE || (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
                return MNL_CB_OK;
        mnl_attr_for_each(a, nlh, sizeof(*rtm)) if (mnl_attr_get_type(a) == RTA_TABLE) table =
                mnl_attr_get_u32(a);
        if (rtm->rtm_protocol == RTPROT_RA)
                ps->ra = true;
        if (table != RT_TABLE_MAIN || rtm->rtm_dst_len == 0 || rtm->rtm_type != RTN_UNICAST)
                return MNL_CB_OK;
        mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
                if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == alen)
                        prefixes_add(ps, rtm->rtm_family, mnl_attr_get_payload(a), rtm->rtm_dst_len);
        }
        return MNL_CB_OK;
}

static int dump(struct rtnl *r, uint16_t type, size_t hdr, mnl_cb_t cb, void *data) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, hdr);
        g->rtgen_family = AF_UNSPEC;
        return rtnl_call(r, nlh, cb, data);
}

int rtnl_prefixes(struct rtnl *r, struct net_prefix **ret, size_t *ret_n, bool *ret_ra) {
        struct prefixes ps = {};
        int k = dump(r, RTM_GETADDR, sizeof(struct ifaddrmsg), on_addr, &ps);
        if (k >= 0)
                k = dump(r, RTM_GETROUTE, sizeof(struct rtmsg), on_route, &ps);
        if (k >= 0 && ps.error < 0)
                k = ps.error;
        if (k < 0) {
                free(ps.p);
                return k;
        }
        *ret = ps.p;
        *ret_n = ps.n;
        *ret_ra = ps.ra;
        return 0;
}

int addr_add(struct rtnl *r, int ifindex, int family, const uint8_t *addr, uint8_t len) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        size_t alen = family == AF_INET ? 4 : 16;

        nlh->nlmsg_type = RTM_NEWADDR;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (uint8_t) family;
        ifa->ifa_prefixlen = len;
        ifa->ifa_index = (uint32_t) ifindex;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
        mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
        if (family == AF_INET6) {
                ifa->ifa_flags = IFA_F_NODAD;
                mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
        } else {
                uint8_t brd[4];
                uint32_t a;
                memcpy(&a, addr, 4);
                a |= len >= 32 ? 0 : htonl(UINT32_MAX >> len);
                memcpy(brd, &a, 4);
                mnl_attr_put(nlh, IFA_BROADCAST, 4, brd);
        }
        return rtnl_call(r, nlh, NULL, NULL);
}

int route_add_default(struct rtnl *r, int family, const uint8_t *gw, int ifindex) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

        nlh->nlmsg_type = RTM_NEWROUTE;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        rtm->rtm_family = (uint8_t) family;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_STATIC;
        rtm->rtm_scope = RT_SCOPE_UNIVERSE;
        rtm->rtm_type = RTN_UNICAST;
        mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16, gw);
        mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t) ifindex);
        return rtnl_call(r, nlh, NULL, NULL);
}

int link_set_up(struct rtnl *r, int ifindex) {
        struct nlmsghdr *nlh = link_msg(RTM_NEWLINK, 0, ifindex);
        struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        ifi->ifi_flags = ifi->ifi_change = IFF_UP;
        return rtnl_call(r, nlh, NULL, NULL);
}
