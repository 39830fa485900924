/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * nspawn-net: nspawn's network helper (protocol: net-protocol.h). nspawn is linked statically and
 * Debian has no static libmnl; this program is linked against it, started by nspawn only when a
 * container wants links beyond --private-network, and serves nspawn's requests on its socket
 * until 'E' or EOF — as long as the container runs. With the address pool ('P', net-pool.h) it
 * also configures the container's addresses, holds its nft table (net-nft.h) and serves DHCP
 * (net-dhcp.h) and DNS (net-dns.h) to it, and relays -p from the host's ::1 (net-proxy.h): one poll
 * loop, one thread.
 *
 *   nspawn-net FD                       serve nspawn on FD (helper.h)
 *   nspawn-net undo-move CIF IF [...]   move CIF from fd 3's network namespace into fd 4's,
 *                                       named IF (the guard's undo, UNDO_EXEC)
 *   nspawn-net undo-zone vz-ZONE PORT [INDEX]  remove the bridge vz-ZONE (if INDEX: only if that
 *                                       is still its index) if no port but PORT is left
 *   nspawn-net undo-pool [wait]         the pool's free claims of our network namespace removed,
 *                                       forwarding written back if no holder is left; "wait":
 *                                       first for the end of the helper whose pidfd is fd 3 (net-pool.h)
 *
 * Namespaces: we run in the host's network namespace (nspawn's); the container's comes with each
 * 'L' as an fd. Links are made by name in ours, their container ends in the container's by fd
 * (IFLA_NET_NS_FD); a request in the container's namespace goes through a socket made there.
 * What we make that the kernel does not remove with the container's namespace — a zone bridge,
 * interfaces moved in — we undo at 'T'/'E'/EOF; the guard holds the same duties for when we are
 * killed too.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "detach.h"
#include "macro.h"
#include "name-valid.h"
#include "net-dhcp.h"
#include "net-dns.h"
#include "net-link.h"
#include "net-nft.h"
#include "net-pool.h"
#include "net-protocol.h"
#include "net-proxy.h"

/* The message of a failed request (systemd-nspawn's words) and its warnings. */
struct reply {
        char error[1024];
        char warnings[NET_REPLY_MAX];
};

_printf_(3, 4) static int fail(struct reply *rp, int r, const char *fmt, ...) {
        va_list ap;
        if (rp->error[0])
                return r;
        va_start(ap, fmt);
        vsnprintf(rp->error, sizeof(rp->error), fmt, ap);
        va_end(ap);
        return r;
}

_printf_(2, 3) static void warn(struct reply *rp, const char *fmt, ...) {
        size_t l = strlen(rp->warnings);
        va_list ap;
        if (l > 0 && l + 1 < sizeof(rp->warnings))
                rp->warnings[l++] = '\n';
        va_start(ap, fmt);
        vsnprintf(rp->warnings + l, sizeof(rp->warnings) - l, fmt, ap);
        va_end(ap);
}

struct state {
        int sock;
        int host_netns; /* ours: where moved interfaces return */
        struct rtnl rtnl;
        /* the current run */
        int netns; /* the container's, -EBADF: none */
        struct net_link *links;
        size_t n_links, n_moved;
        /* the moved interfaces' indexes in the container's namespace, found there through a
         * socket made in it: they go back by index, whatever the guest renamed them to */
        struct rtnl in;
        int moved[NET_LINKS_MAX];
        /* the host ends of the run's veths, for a restart (run_teardown()) */
        int veths[NET_LINKS_MAX];
        size_t n_veths;
        /* a zone bridge we made or joined: removed at the end if no other port is left */
        char zone[IFNAMSIZ], zone_port[IFNAMSIZ];
        int zone_port_index; /* our port's index once made (0: by name) */
        /* the pool (net-pool.h) and what serves it */
        struct pool pool;
        struct nft_ctx *nft;
        struct dhcp dhcp;
        struct dns dns;
        struct proxy proxy; /* -p from the host's ::1 (net-proxy.h) */
};

/* ---- the zone lock: systemd-nspawn's, so that the two share zones safely ---- */

/* As systemd's make_lock_file(): flock()ed, and unlinked by its holder at release; a file unlinked
 * while we waited for it is not the lock any more. */
static int zone_lock(void) {
        (void) mkdir("/run/systemd", 0755);
        for (;;) {
                struct stat st;
                int fd = open(NET_ZONE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
                        int k = -errno;
                        close(fd);
                        return k;
                }
                if (st.st_nlink > 0)
                        return fd;
                close(fd);
        }
}

static void zone_unlock(int fd) {
        (void) unlink(NET_ZONE_LOCK);
        close(fd);
}

/* Remove zone if no port but port (by its index port_index if > 0) is left on it (and it is a
 * bridge). By index where we know it: the same machine started again at once has a port of the
 * same name on the zone, which a check by name would take for ours and remove the bridge under.
 * bridge > 0: only the bridge of that index (the guard's late undo; a new run may have made another
 * of the same name meanwhile). */
static int zone_remove(struct rtnl *r, const char *zone, const char *port, int port_index, int bridge) {
        char kind[32];
        int lock = zone_lock();
        if (lock < 0)
                return lock;
        int k = link_get(r, zone, kind);
        if (k > 0 && bridge > 0 && k != bridge)
                k = -ENODEV; /* not the bridge we joined: a new one of another run's */
        if (k > 0 && streq(kind, "bridge")) {
                int idx = k;
                k = bridge_has_other_ports(r, idx, port, port_index);
                if (k == 0)
                        k = link_delete(r, idx);
        }
        zone_unlock(lock);
        return k == -ENODEV || k > 0 ? 0 : k;
}

/* ---- making the links ---- */

static void sleep_ms(long ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int add_veth(struct state *st, const struct net_link *l, int master) {
        int k = link_add_veth(&st->rtnl, l, st->netns, master);
        /* The machine's previous run (a restart, a quick new start) may have left its veth in a
         * namespace the kernel is still tearing down (a few ms): wait for it, then try again. */
        for (int i = 0; k == -EEXIST && i < 1000 && link_get(&st->rtnl, l->host, NULL) > 0; i++) {
                sleep_ms(2);
                if (link_get(&st->rtnl, l->host, NULL) == -ENODEV)
                        k = link_add_veth(&st->rtnl, l, st->netns, master);
        }
        return k;
}

/* The bridge a veth joins: an existing one, or the zone's, made now if missing (lock held). */
static int veth_master(struct state *st, const struct net_link *l, struct reply *rp) {
        int k = link_get(&st->rtnl, l->master, NULL);

        if (!(l->flags & NET_LINK_ZONE)) {
                if (k < 0)
                        return fail(rp, k, "Failed to add interface %s to bridge %s: %s", l->host, l->master,
                                    strerror(-k));
                return k;
        }
        /* remembered before it may exist: at the end we remove it if we were its last port */
        snprintf(st->zone, sizeof(st->zone), "%s", l->master);
        snprintf(st->zone_port, sizeof(st->zone_port), "%s", l->host);
        if (k == -ENODEV) {
                k = link_add_bridge(&st->rtnl, l->master);
                if (k >= 0 || k == -EEXIST)
                        k = link_get(&st->rtnl, l->master, NULL);
        }
        if (k < 0)
                return fail(rp, k, "Failed to create bridge interface %s: %s", l->master, strerror(-k));
        return k;
}

static int setup_veth(struct state *st, const struct net_link *l, int *ret_ifindex, struct reply *rp) {
        int lock = -EBADF, master = 0, k = 0;

        if (l->flags & NET_LINK_ZONE) {
                /* systemd-nspawn's lock: no bridge is removed between our look and our join */
                if ((lock = zone_lock()) < 0)
                        return fail(rp, lock, "Failed to take network zone lock: %s", strerror(-lock));
        }
        if (l->master[0])
                k = master = veth_master(st, l, rp);
        if (k >= 0 && (k = add_veth(st, l, master)) == -EOPNOTSUPP && master > 0)
                /* made and joined in one request: this is the kernel's answer for a master that
                 * takes no ports (not a bridge) */
                (void) fail(rp, k, "Failed to add interface %s to bridge %s: %s", l->host, l->master,
                            strerror(-k));
        else if (k < 0)
                (void) fail(rp, k, "Failed to add new veth interfaces (%s:%s): %s", l->host, l->container,
                            strerror(-k));
        if (lock >= 0)
                zone_unlock(lock);
        if (k < 0)
                return k;
        int idx = link_get(&st->rtnl, l->host, NULL);
        if ((l->flags & NET_LINK_ZONE) && idx > 0)
                st->zone_port_index = idx;
        if (l->altname[0] && idx > 0 && (k = link_add_altname(&st->rtnl, idx, l->altname)) < 0)
                warn(rp, "Failed to set alternative interface name '%s' to '%s', ignoring: %s", l->altname,
                     l->host, strerror(-k));
        if (idx > 0)
                st->veths[st->n_veths++] = idx;
        if (l->flags & NET_LINK_PRIMARY)
                *ret_ifindex = master > 0 ? master : MAX(idx, 0);
        return 0;
}

static int setup_move(struct state *st, const struct net_link *l, struct reply *rp) {
        int idx = link_get(&st->rtnl, l->host, NULL);
        if (idx < 0)
                return fail(rp, idx, "Failed to get device %s: %s", l->host, strerror(-idx));
        int k = link_move(&st->rtnl, idx, st->netns, streq(l->host, l->container) ? NULL : l->container);
        if (k < 0)
                return fail(rp, k, "Failed to move interface %s to namespace: %s", l->host, strerror(-k));
        /* the index may change on the way (the container's namespace may have it taken) */
        if (!st->in.nl && rtnl_open_in(&st->in, st->netns, st->host_netns) < 0)
                st->in.nl = NULL;
        st->moved[st->n_moved++] = st->in.nl ? MAX(link_get(&st->in, l->container, NULL), 0) : 0;
        return 0;
}

static int setup_vlan(struct state *st, const struct net_link *l, struct reply *rp) {
        const char *kind = l->kind == NET_LINK_MACVLAN ? "macvlan" : "ipvlan";
        int parent = link_get(&st->rtnl, l->host, NULL);
        if (parent < 0)
                return fail(rp, parent, "Failed to get device %s: %s", l->host, strerror(-parent));
        int k = link_add_vlan(&st->rtnl, l, parent, st->netns);
        if (k == -EOPNOTSUPP)
                return fail(rp, k, "Failed to add new %s interfaces: %s (the kernel has no %s support)",
                            kind, strerror(-k), kind);
        if (k < 0)
                return fail(rp, k, "Failed to add new %s interfaces: %s", kind, strerror(-k));
        return 0;
}

static int run_links(struct state *st, int *ret_ifindex, struct reply *rp) {
        *ret_ifindex = 0;
        for (size_t i = 0; i < st->n_links; i++) {
                const struct net_link *l = &st->links[i];
                int k;
                switch (l->kind) {
                case NET_LINK_MOVE:
                        k = setup_move(st, l, rp);
                        break;
                case NET_LINK_VETH:
                case NET_LINK_VETH_EXTRA:
                        k = setup_veth(st, l, ret_ifindex, rp);
                        break;
                default:
                        k = setup_vlan(st, l, rp);
                }
                if (k < 0)
                        return k;
        }
        return 0;
}

/* ---- undoing ---- */

/* pairs: container name, host name, …: moved back out of in's namespace into target's, last
 * first (so that names swapped on the way in come back right), by index where ifindex has one,
 * else by name. A link that is not there any more is gone already (moved back, or a virtual one
 * deleted by the guest). */
static int move_back(struct rtnl *in, int target, char *const *pairs, const int *ifindex, size_t n_pairs,
                     struct reply *rp) {
        int r = 0;
        for (size_t i = n_pairs; i > 0; i--) {
                const char *c = pairs[2 * (i - 1)], *h = pairs[2 * (i - 1) + 1];
                int idx = ifindex && ifindex[i - 1] > 0 ? ifindex[i - 1] : link_get(in, c, NULL);
                int k = idx < 0 ? idx
                                : link_move(in, idx, target,
                                            h); /* its own name: the guest may have renamed it */
                if (k < 0 && k != -ENODEV)
                        r = fail(rp, k, "Failed to move network interface %s back to the host as %s: %s", c,
                                 h, strerror(-k));
        }
        return r;
}

/* The run is over: moved interfaces back. Before a restart (delete_veths) the veths go too, at
 * once (~16 ms each: the kernel waits for a grace period): the old namespace may still be held —
 * the guard keeps the container's notify socket, made in it, until nspawn exits — and the next
 * run makes links of the same names. At the end the kernel removes them with the namespace. */
static int run_teardown(struct state *st, bool delete_veths, struct reply *rp) {
        char *pairs[2 * NET_LINKS_MAX];
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; i < st->n_links && n / 2 < st->n_moved; i++)
                if (st->links[i].kind == NET_LINK_MOVE) {
                        pairs[n++] = st->links[i].container;
                        pairs[n++] = st->links[i].host;
                }
        if (n > 0 && !st->in.nl && (r = rtnl_open_in(&st->in, st->netns, st->host_netns)) < 0)
                (void) fail(rp, r, "Failed to enter the container's network namespace: %s", strerror(-r));
        if (n > 0 && st->in.nl)
                r = move_back(&st->in, st->host_netns, pairs, st->moved, n / 2, rp);
        rtnl_close(&st->in);
        for (size_t i = 0; delete_veths && i < st->n_veths; i++)
                (void) link_delete(&st->rtnl, st->veths[i]); /* gone already: fine */
        st->netns = safe_close(st->netns);
        free(st->links);
        st->links = NULL;
        st->n_links = st->n_moved = st->n_veths = 0;
        return r;
}

static int end(struct state *st, struct reply *rp) {
        int r = st->netns >= 0 ? run_teardown(st, false, rp) : 0;
        int k = st->zone[0] ? zone_remove(&st->rtnl, st->zone, st->zone_port, st->zone_port_index, 0) : 0;
        if (k < 0)
                r = fail(rp, k, "Failed to remove bridge %s: %s", st->zone, strerror(-k));
        return r;
}

/* ---- the pool's services ---- */

static void services_stop(struct state *st) {
        dhcp_stop(&st->dhcp);
        dns_stop(&st->dns);
        proxy_stop(&st->proxy);
}

/* -p from ::1: to the container's IPv6 address, or its IPv4 one if it has no IPv6 (a note, for
 * nspawn's debug log, where the host has no ::1). */
static int proxy_setup(struct state *st, struct reply *rp) {
        struct sockaddr_storage ss = {};
        socklen_t len;
        char note[256] = "";

        if (!st->pool.req.n_ports)
                return 0;
        if (st->pool.len6) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
                a->sin6_family = AF_INET6;
                memcpy(&a->sin6_addr, st->pool.guest6, 16);
                len = sizeof(*a);
        } else {
                struct sockaddr_in *a = (struct sockaddr_in *) &ss;
                a->sin_family = AF_INET;
                memcpy(&a->sin_addr, st->pool.guest4, 4);
                len = sizeof(*a);
        }
        int k = proxy_start(&st->proxy, st->pool.req.ports, st->pool.req.n_ports, (struct sockaddr *) &ss,
                            len, note, sizeof(note), rp->error, sizeof(rp->error));
        if (k >= 0 && note[0])
                warn(rp, "%s%s", NET_REPLY_DEBUG, note);
        return k;
}

/* After the run's links: addresses, the nft table (once: it outlives a restart), DHCP, DNS. */
static int services_start(struct state *st, struct reply *rp) {
        const char *link = st->pool.req.flags & NET_POOL_ZONE ? st->pool.req.zone : st->pool.req.link;
        int k;

        if (!st->pool.active)
                return 0;
        if ((k = pool_configure(&st->pool, &st->rtnl, st->netns, st->host_netns, rp->error,
                                sizeof(rp->error))) < 0)
                return k;
        if (!st->nft && (k = nft_setup(&st->nft, &st->pool, rp->error, sizeof(rp->error))) < 0)
                return k;
        int idx = link_get(&st->rtnl, link, NULL);
        if (idx < 0 || (k = dhcp_start(&st->dhcp, link, idx, &st->pool)) < 0)
                return fail(rp, idx < 0 ? idx : k, "Failed to start the DHCP server on %s: %s", link,
                            strerror(-(idx < 0 ? idx : k)));
        if ((k = dns_start(&st->dns, &st->pool)) < 0)
                return fail(rp, k, "Failed to start the DNS forwarder on %s: %s", link, strerror(-k));
        return proxy_setup(st, rp);
}

static int pool_request(struct state *st, const struct net_pool_req *req, struct reply *rp) {
        char resolv[256];
        if (st->pool.req.machine[0])
                return fail(rp, -EBUSY, "The network helper has a pool already.");
        int k = pool_claim(&st->pool, &st->rtnl, req, rp->warnings, sizeof(rp->warnings), rp->error,
                           sizeof(rp->error));
        if (k < 0)
                return k;
        /* the guest's resolv.conf first, then the warnings */
        pool_resolv_conf(&st->pool, resolv, sizeof(resolv));
        if (resolv[0]) {
                size_t l = strlen(resolv), w = strnlen(rp->warnings, sizeof(rp->warnings) - 1 - l);
                memmove(rp->warnings + l, rp->warnings, w);
                memcpy(rp->warnings, resolv, l);
                rp->warnings[l + w] = 0;
        }
        return 0;
}

static void end_pool(struct state *st) {
        services_stop(st);
        st->nft = nft_done(st->nft);
        pool_release(&st->pool);
}

/* ---- modes ---- */

/* One request: 1 to go on, else the end (0 or a negative errno). */
static int handle_request(struct state *st) {
        struct net_link *links = NULL;
        struct net_pool_req req;
        struct reply rp = {};
        int netns = -EBADF, ifindex = 0, r;
        size_t n = 0;
        char op = 0;

        int k = net_request_recv(st->sock, &op, &links, &n, &netns, &req);
        if (k == -EINTR || k == -EAGAIN)
                return 1;
        if (k == 0 || (k < 0 && k != -EBADMSG)) {
                r = end(st, &rp); /* nspawn is done, or dead */
                end_pool(st);
                return r;
        }
        if (k == -EBADMSG)
                r = fail(&rp, k, "Malformed request to %s.", NET_HELPER);
        else if (op == NET_OP_POOL)
                r = pool_request(st, &req, &rp);
        else if (op == NET_OP_LINKS && st->netns >= 0) {
                r = fail(&rp, -EBUSY, "The network helper has a run already.");
                safe_close(netns);
                free(links);
        } else if (op == NET_OP_LINKS) {
                st->netns = netns;
                st->links = links;
                st->n_links = n;
                r = run_links(st, &ifindex, &rp);
                if (r >= 0)
                        r = services_start(st, &rp);
        } else if (op == NET_OP_TEARDOWN) {
                services_stop(st);
                r = st->netns >= 0 ? run_teardown(st, true, &rp) : 0;
        } else {
                r = end(st, &rp);
                end_pool(st);
        }
        (void) net_reply_send(st->sock, r, ifindex, r < 0 ? rp.error : rp.warnings);
        return op == NET_OP_END ? r : 1;
}

static int serve(struct state *st) {
        for (;;) {
                struct pollfd pfd[5 + DNS_QUERIES_MAX + PROXY_POLL_MAX];
                size_t n = 0;
                int fds[] = {st->sock, st->dhcp.packet_fd, st->dhcp.udp_fd, st->dns.listen4,
                             st->dns.listen6};

                for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                        if (fds[i] >= 0)
                                pfd[n++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
                for (size_t i = 0; i < DNS_QUERIES_MAX; i++)
                        if (st->dns.q[i].fd >= 0)
                                pfd[n++] = (struct pollfd){.fd = st->dns.q[i].fd, .events = POLLIN};
                size_t n_proxy = n; /* the proxy's pollfds follow the others */
                n += proxy_poll(&st->proxy, pfd + n, ELEMENTSOF(pfd) - n);
                int t = dns_timeouts(&st->dns), tp = proxy_timeouts(&st->proxy);
                if (tp >= 0 && (t < 0 || tp < t))
                        t = tp;
                if (poll(pfd, n, t) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                /* the services first: the request may stop them */
                proxy_dispatch(&st->proxy, pfd + n_proxy, n - n_proxy);
                for (size_t i = 1; i < n_proxy; i++) {
                        if (!pfd[i].revents)
                                continue;
                        if (pfd[i].fd == st->dhcp.packet_fd)
                                dhcp_dispatch(&st->dhcp);
                        else if (pfd[i].fd == st->dhcp.udp_fd)
                                dhcp_drain(&st->dhcp);
                        else
                                dns_dispatch(&st->dns, pfd[i].fd);
                }
                if (pfd[0].revents) {
                        int k = handle_request(st);
                        if (k <= 0)
                                return k;
                }
        }
}

/* The guard's: argv = container name, host name, …; fd 3 the container's namespace, fd 4 ours. */
static int undo_move(int argc, char *argv[]) {
        struct reply rp = {};
        struct rtnl in;

        if (argc % 2 != 0 || setns(3, CLONE_NEWNET) < 0 || rtnl_open(&in) < 0)
                return EXIT_FAILURE;
        int r = move_back(&in, 4, argv, NULL, (size_t) argc / 2, &rp);
        rtnl_close(&in);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int undo_zone(int argc, char *argv[]) {
        struct rtnl r;

        int bridge = 0;
        if (argc < 2 || argc > 3 || !ifname_is_valid(argv[0]) || !ifname_is_valid(argv[1]) ||
            (argc == 3 && (bridge = atoi(argv[2])) <= 0) || rtnl_open(&r) < 0)
                return EXIT_FAILURE;
        int k = zone_remove(&r, argv[0], argv[1], 0, bridge);
        rtnl_close(&r);
        return k < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char *argv[]) {
        struct state st = {.host_netns = -EBADF, .netns = -EBADF, .dhcp = DHCP_INIT};

        if (argc >= 2 && streq(argv[1], "undo-move"))
                return undo_move(argc - 2, argv + 2);
        if (argc >= 2 && streq(argv[1], "undo-zone"))
                return undo_zone(argc - 2, argv + 2);
        if ((argc == 2 || argc == 3) && streq(argv[1], "undo-pool"))
                return pool_undo(argc == 3 && streq(argv[2], "wait") ? 3 : -EBADF) < 0 ? EXIT_FAILURE
                                                                                       : EXIT_SUCCESS;
        st.sock = helper_socket_arg(argc, argv);
        if (st.sock < 0) {
                fprintf(stderr, "%s: started by nspawn only, as \"%s FD\" (its socket)\n", NET_HELPER,
                        NET_HELPER);
                return EXIT_FAILURE;
        }
        if (helper_detach(st.sock, true) < 0)
                return EXIT_FAILURE;
        pool_init(&st.pool);
        dns_init(&st.dns);
        proxy_init(&st.proxy);
        (void) prctl(PR_SET_NAME, NET_HELPER);
        st.host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        int k = st.host_netns < 0 ? -errno : rtnl_open(&st.rtnl);
        if (k < 0) {
                fprintf(stderr, "%s: cannot open rtnetlink: %s\n", NET_HELPER, strerror(-k));
                return EXIT_FAILURE;
        }
        k = serve(&st);
        rtnl_close(&st.rtnl);
        return k < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
