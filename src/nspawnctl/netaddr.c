/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Addresses in a machine's network namespace over rtnetlink. See netaddr.h. */

#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "strv.h"

struct address {
        int family;
        unsigned char scope;
        int ifindex;
        unsigned char addr[16];
};

/* A NETLINK_ROUTE socket in the namespace of pidfd: enter its network namespace, make the socket,
 * come back. Only the network namespace changes, and only for this moment. */
static int rtnl_socket_in(int pidfd) {
        if (pidfd < 0) {
                int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
                return fd < 0 ? -errno : fd;
        }
        int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (own < 0)
                return -errno;
        if (setns(pidfd, CLONE_NEWNET) < 0) {
                int r = -errno;
                close(own);
                return r;
        }
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        int r = fd < 0 ? -errno : 0;
        if (setns(own, CLONE_NEWNET) < 0)
                abort(); /* must never go on in the container's network namespace */
        close(own);
        return r < 0 ? r : fd;
}

static int cmp_address(const void *x, const void *y) {
        const struct address *a = x, *b = y;
        if (a->family != b->family)
                return a->family == AF_INET ? -1 : 1;
        if (a->scope != b->scope)
                return a->scope < b->scope ? -1 : 1;
        if (a->ifindex != b->ifindex)
                return a->ifindex < b->ifindex ? -1 : 1;
        return memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

static void parse_addr(struct nlmsghdr *h, struct address **a, size_t *n) {
        struct ifaddrmsg *ifa = NLMSG_DATA(h);
        unsigned flags = ifa->ifa_flags;
        const void *local = NULL, *address = NULL;
        int len = (int) IFA_PAYLOAD(h);
        if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
                return;
        for (struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
                if (rta->rta_type == IFA_LOCAL)
                        local = RTA_DATA(rta);
                else if (rta->rta_type == IFA_ADDRESS)
                        address = RTA_DATA(rta);
                else if (rta->rta_type == IFA_FLAGS)
                        flags = *(unsigned *) RTA_DATA(rta);
        if (ifa->ifa_scope == RT_SCOPE_HOST || ifa->ifa_scope == RT_SCOPE_NOWHERE ||
            (flags & IFA_F_DEPRECATED))
                return;
        const void *p = ifa->ifa_family == AF_INET ? (local ? local : address) : address;
        if (!p)
                return;
        struct address *na = realloc(*a, (*n + 1) * sizeof(**a));
        if (!na)
                return;
        *a = na;
        na[*n] = (struct address){
                .family = ifa->ifa_family, .scope = ifa->ifa_scope, .ifindex = (int) ifa->ifa_index};
        memcpy(na[*n].addr, p, ifa->ifa_family == AF_INET ? 4 : 16);
        (*n)++;
}

static int dump_addresses(int fd, struct address **ret, size_t *ret_n) {
        struct {
                struct nlmsghdr h;
                struct ifaddrmsg ifa;
        } req = {
                .h = {.nlmsg_len = sizeof(req),
                      .nlmsg_type = RTM_GETADDR,
                      .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                      .nlmsg_seq = 1},
                .ifa = {.ifa_family = AF_UNSPEC},
        };
        struct address *a = NULL;
        size_t n = 0;
        if (send(fd, &req, sizeof(req), 0) < 0)
                return -errno;
        for (;;) {
                char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
                ssize_t len = recv(fd, buf, sizeof buf, 0);
                if (len < 0) {
                        if (errno == EINTR)
                                continue;
                        free(a);
                        return -errno;
                }
                for (struct nlmsghdr *h = (void *) buf; NLMSG_OK(h, (size_t) len); h = NLMSG_NEXT(h, len)) {
                        if (h->nlmsg_type == NLMSG_DONE) {
                                *ret = a;
                                *ret_n = n;
                                return 0;
                        }
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                int e = ((struct nlmsgerr *) NLMSG_DATA(h))->error;
                                free(a);
                                return e < 0 ? e : -EIO;
                        }
                        if (h->nlmsg_type == RTM_NEWADDR)
                                parse_addr(h, &a, &n);
                }
        }
}

int machine_addresses(int pidfd, int ifindex, char ***ret) {
        struct address *a = NULL;
        size_t n = 0;
        int fd = rtnl_socket_in(pidfd);
        if (fd < 0)
                return fd;
        int r = dump_addresses(fd, &a, &n);
        close(fd);
        if (r < 0)
                return r;
        if (n > 1)
                qsort(a, n, sizeof(*a), cmp_address);
        char **l = calloc(n + 1, sizeof(char *));
        for (size_t i = 0; l && i < n; i++) {
                char text[INET6_ADDRSTRLEN + 16];
                inet_ntop(a[i].family, a[i].addr, text, INET6_ADDRSTRLEN);
                if (a[i].family == AF_INET6 && ifindex > 0)
                        snprintf(text + strlen(text), 16, "%%%d", ifindex);
                if (!(l[i] = strdup(text))) {
                        strv_free(l);
                        l = NULL;
                }
        }
        free(a);
        if (!l)
                return -ENOMEM;
        *ret = l;
        return (int) n;
}
