/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's links, nspawn's side (see network.h). */

#include "network.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "errmsg.h"
#include "fdutil.h"
#include "guard.h"
#include "helper.h"
#include "net-config.h"
#include "macro.h"
#include "name-valid.h"
#include "strv.h"

struct network {
        struct net_plan plan;
        struct helper *helper;
        struct guard *guard;
        int prog_fd;    /* the helper program (O_PATH): what the guard's undo runs */
        int host_netns; /* ours: where moved interfaces go back to */
        int zone_undo;  /* the guard's duties (ids), 0: none */
        int move_undo;
        int pool_undo;
        bool pool_asked; /* 'P' sent */
        bool pool_read;  /* its reply read: */
        int pool_error;
        char *pool_text; /* the guest's resolv.conf ("" without the pool), or the error */
        char **pool_warnings;
        bool pending; /* 'L' sent, its reply not read yet */
        bool running; /* a run's links may exist: 'L' sent, no 'T' since */
        bool has_zone, has_moves, has_ports;
};

/* ---- the plan ---- */

bool network_wants_links(const struct settings *s) {
        return s->network_veth || s->network_bridge || s->network_zone || s->network_veth_extra ||
               s->network_interfaces || s->network_macvlan || s->network_ipvlan;
}

void net_plan_done(struct net_plan *p) {
        free(p->links);
        strv_free(p->warnings);
        *p = (struct net_plan){};
}

static int plan_add(struct net_plan *p, enum net_link_kind kind, struct net_link **ret) {
        if (p->n_links >= NET_LINKS_MAX)
                return -E2BIG;
        struct net_link *n = realloc(p->links, (p->n_links + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        p->links = n;
        *ret = &p->links[p->n_links++];
        **ret = (struct net_link){.kind = kind};
        return 0;
}

/* prefix + name, made to fit (systemd's words for the warning). */
static void plan_name(struct net_plan *p, const char *prefix, const char *name, char ret[IFNAMSIZ],
                      char *ret_full, size_t full_size) {
        char full[NET_ALTNAME_MAX];

        snprintf(full, sizeof(full), "%s%s", prefix, name);
        if (netif_name_shorten(full, ret) > 0) {
                strv_pushf(&p->warnings,
                           "Network interface name '%s' has been changed to '%s' to fit length constraints.",
                           full, ret);
                if (ret_full)
                        snprintf(ret_full, full_size, "%s", full);
        }
}

/* "IF[:NAME]": IF, and NAME, or prefix + IF (shortened) where it is missing or empty. */
static int plan_pair(struct net_plan *p, enum net_link_kind kind, const char *word, const char *prefix,
                     struct net_link **ret) {
        const char *colon = strchr(word, ':');
        size_t n = colon ? (size_t) (colon - word) : strlen(word);
        struct net_link *l;
        int r = plan_add(p, kind, &l);

        if (r < 0)
                return r;
        *ret = l;
        if (n >= sizeof(l->host))
                return -EINVAL;
        memcpy(l->host, word, n);
        l->host[n] = 0;
        if (colon && colon[1])
                snprintf(l->container, sizeof(l->container), "%s", colon + 1);
        else
                plan_name(p, prefix, l->host, l->container, NULL, 0);
        return ifname_is_valid(l->host) && ifname_is_valid(l->container) ? 0 : -EINVAL;
}

static int plan_veth(struct net_plan *p, const struct settings *s, const uint8_t machine_id[16],
                     const uint8_t *container_mac) {
        bool bridged = s->network_bridge || s->network_zone;
        struct net_link *l;
        int r = plan_add(p, NET_LINK_VETH, &l);

        if (r < 0)
                return r;
        plan_name(p, bridged ? "vb-" : "ve-", s->machine, l->host, l->altname, sizeof(l->altname));
        strcpy(l->container, "host0");
        if (s->network_zone)
                snprintf(l->master, sizeof(l->master), "vz-%s", s->network_zone);
        else if (s->network_bridge)
                snprintf(l->master, sizeof(l->master), "%s", s->network_bridge);
        l->flags = NET_LINK_PRIMARY | (s->network_zone ? NET_LINK_ZONE : 0);
        netif_mac(machine_id, s->machine, NETIF_MAC_HOST, 0, l->host_mac);
        if (container_mac)
                memcpy(l->container_mac, container_mac, ETHER_ADDR_LEN);
        else
                netif_mac(machine_id, s->machine, NETIF_MAC_CONTAINER, 0, l->container_mac);
        return 0;
}

int network_plan(const struct settings *s, const uint8_t machine_id[16], const uint8_t *container_mac,
                 struct net_plan *ret, char **ret_error) {
        struct net_plan p = {};
        struct net_link *l;
        uint64_t idx;
        int r = 0;

        /* systemd-nspawn's order: moved interfaces, the veth (and its bridge), extra veths,
         * macvlans, ipvlans */
        STRV_FOREACH(w, s->network_interfaces)
        if ((r = plan_pair(&p, NET_LINK_MOVE, *w, "", &l)) < 0)
                goto fail;
        if (s->network_veth && (r = plan_veth(&p, s, machine_id, container_mac)) < 0)
                goto fail;
        idx = 0;
        STRV_FOREACH(w, s->network_veth_extra) {
                if ((r = plan_pair(&p, NET_LINK_VETH_EXTRA, *w, "", &l)) < 0)
                        goto fail;
                netif_mac(machine_id, s->machine, NETIF_MAC_EXTRA_HOST, idx, l->host_mac);
                netif_mac(machine_id, s->machine, NETIF_MAC_EXTRA_CONTAINER, idx++, l->container_mac);
        }
        idx = 0;
        STRV_FOREACH(w, s->network_macvlan) {
                if ((r = plan_pair(&p, NET_LINK_MACVLAN, *w, "mv-", &l)) < 0)
                        goto fail;
                netif_mac(machine_id, s->machine, NETIF_MAC_MACVLAN, idx++, l->container_mac);
        }
        STRV_FOREACH(w, s->network_ipvlan)
        if ((r = plan_pair(&p, NET_LINK_IPVLAN, *w, "iv-", &l)) < 0)
                goto fail;
        *ret = p;
        return 0;
fail:
        net_plan_done(&p);
        if (r == -EINVAL)
                return error_setf(ret_error, r, "Invalid network interface name.");
        if (r == -E2BIG)
                return error_setf(ret_error, r, "Too many network interfaces (at most %d).", NET_LINKS_MAX);
        return error_setf(ret_error, r, "Out of memory.");
}

/* ---- the helper ---- */

/* "undo-zone vz-ZONE vb-NAME [INDEX]": the guard's duty for a zone bridge we may create
 * (net-helper.c). Registered before the bridge exists; once the helper has answered, updated with
 * the bridge's index (bridge 0: not known yet), so that a late undo leaves alone a bridge of the
 * same name that a new run of the same machine made meanwhile (its port has our port's name). */
static int zone_undo(struct network *n, int bridge) {
        for (size_t i = 0; i < n->plan.n_links; i++) {
                const struct net_link *l = &n->plan.links[i];
                char args[80];
                if (!(l->flags & NET_LINK_ZONE))
                        continue;
                if (bridge > 0)
                        snprintf(args, sizeof(args), "undo-zone %s %s %d", l->master, l->host, bridge);
                else
                        snprintf(args, sizeof(args), "undo-zone %s %s", l->master, l->host);
                struct undo u = {.kind = UNDO_EXEC,
                                 .path = args,
                                 .path2 = NET_HELPER,
                                 .fds = {n->prog_fd},
                                 .n_fds = 1};
                if (bridge > 0)
                        return guard_update(n->guard, n->zone_undo, &u);
                n->has_zone = true;
                n->zone_undo = guard_push(n->guard, &u);
                return n->zone_undo < 0 ? n->zone_undo : 0;
        }
        return 0;
}

static int register_zone_undo(struct network *n) {
        return zone_undo(n, 0);
}

static int read_plan_inputs(const struct settings *s, uint8_t machine_id[16], uint8_t mac[ETHER_ADDR_LEN],
                            bool *ret_mac_set, char **ret_error) {
        const char *e = getenv("SYSTEMD_NSPAWN_NETWORK_MAC");
        bool need_id = s->network_veth || s->network_veth_extra || s->network_macvlan;
        int r;

        *ret_mac_set = false;
        if (e) {
                if (ether_addr_parse(e, mac) < 0)
                        return error_setf(ret_error, -EINVAL,
                                          "Failed to parse provided MAC address via environment variable");
                *ret_mac_set = true;
        }
        /* a veth's and a macvlan's addresses come from the host's machine ID, as in systemd-nspawn */
        if (need_id && (r = machine_id_read("/etc/machine-id", machine_id)) < 0)
                return error_setf(ret_error, r,
                                  "Failed to generate predictable MAC address for container side: %s",
                                  strerror(-r));
        return 0;
}

static int start_helper(struct network *n, char **ret_error) {
        _cleanup_free_ char *path = NULL;
        int r = helper_path(NET_HELPER, &path);

        if (r == -ENOENT)
                return error_setf(ret_error, r,
                                  "Cannot find the network helper %s (next to nspawn or in %s).", NET_HELPER,
                                  LIBEXECDIR);
        if (r < 0)
                return error_setf(ret_error, r, "Cannot find the network helper %s: %s", NET_HELPER,
                                  strerror(-r));
        n->prog_fd = open(path, O_PATH | O_CLOEXEC);
        n->host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (n->prog_fd < 0 || n->host_netns < 0)
                return error_setf(ret_error, -errno, "Failed to open %s: %m",
                                  n->prog_fd < 0 ? path : "/proc/self/ns/net");
        r = helper_start_at(path, NULL, &n->helper);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to start the network helper %s: %s", NET_HELPER,
                                  strerror(-r));
        return 0;
}

/* ---- the address pool ---- */

/* The veth the pool serves: -n's, alone or in a zone (not in a bridge of the admin's). */
static const struct net_link *pool_link(const struct net_plan *p) {
        for (size_t i = 0; i < p->n_links; i++) {
                const struct net_link *l = &p->links[i];
                if (l->kind == NET_LINK_VETH && (!l->master[0] || (l->flags & NET_LINK_ZONE)))
                        return l;
        }
        return NULL;
}

int network_pool_request(const struct settings *s, const struct net_plan *plan,
                         const struct net_pool_config *c, struct net_pool_req *ret, char **ret_error) {
        const struct net_link *l = pool_link(plan);
        struct net_pool_req req = {.mode = (uint8_t) c->mode, .v4_len = c->v4_len, .v6_len = c->v6_len};

        if (!l) {
                if (s->expose_ports)
                        return error_setf(ret_error, -EOPNOTSUPP,
                                          "--port= needs -n or --network-zone= (the address pool); with "
                                          "--network-bridge= or without a veth it is not supported yet.");
                *ret = (struct net_pool_req){};
                return 0;
        }
        memcpy(req.v4, c->v4, 4);
        memcpy(req.v6, c->v6, 16);
        req.flags = (s->start_mode == START_BOOT ? NET_POOL_BOOT : 0) |
                    (l->flags & NET_LINK_ZONE ? NET_POOL_ZONE : 0);
        snprintf(req.machine, sizeof(req.machine), "%s", s->machine);
        memcpy(req.link, l->host, sizeof(req.link));
        if (l->flags & NET_LINK_ZONE)
                memcpy(req.zone, l->master, sizeof(req.zone));
        memcpy(req.container_mac, l->container_mac, 6);
        STRV_FOREACH(w, s->expose_ports) {
                if (req.n_ports >= NET_PORTS_MAX)
                        return error_setf(ret_error, -E2BIG, "Too many ports (at most %d).", NET_PORTS_MAX);
                if (net_port_parse(*w, &req.ports[req.n_ports++]) < 0)
                        return error_setf(ret_error, -EINVAL, "Invalid port: %s", *w);
        }
        *ret = req;
        return 0;
}

/* 'P' (net-protocol.h), with the guard's undo registered first: the helper may set the forwarding
 * sysctls and leave claims that only the guard removes if the helper is killed. */
static int pool_ask(struct network *n, const struct settings *s, const uint8_t machine_id[16],
                    char **ret_error) {
        struct net_pool_config c;
        struct net_pool_req req;
        int r;

        if ((r = net_pool_config_load(machine_id, &c, ret_error)) < 0)
                return r;
        if ((r = network_pool_request(s, &n->plan, &c, &req, ret_error)) < 0)
                return r;
        if (!req.machine[0] || c.mode == NET_POOL_NO || (!c.v4_len && !c.v6_len)) {
                if (s->expose_ports)
                        return error_setf(
                                ret_error, -EOPNOTSUPP,
                                "--port= without the address pool (Pool=no in %s) is not supported yet.",
                                getenv(NET_CONFIG_ENV) ?: NET_CONFIG_PATH);
                return 0;
        }
        /* The helper's pidfd goes with it (fd 3: "wait"): killed with nspawn, the helper may still
         * hold its claims' locks while it dies; the undo waits for its end, or it would find them
         * held and leave them (and the sysctls) behind. */
        _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, n->helper->pid, 0);
        if (pidfd < 0)
                return error_setf(ret_error, -errno, "Failed to watch the network helper: %s",
                                  strerror(errno));
        struct undo u = {.kind = UNDO_EXEC,
                         .path = "undo-pool wait",
                         .path2 = NET_HELPER,
                         .fds = {n->prog_fd, pidfd},
                         .n_fds = 2};
        if ((n->pool_undo = guard_push(n->guard, &u)) < 0)
                return error_setf(ret_error, n->pool_undo, "Failed to register the address pool's undo: %s",
                                  strerror(-n->pool_undo));
        if ((r = net_pool_send(n->helper->fd, &req)) < 0)
                return error_setf(ret_error, r, "Failed to ask the network helper for addresses: %s",
                                  strerror(-r));
        n->pool_asked = true;
        return 0;
}

static int helper_reply(struct network *n, int *ret_ifindex, char **ret_text);

int network_resolv_conf(struct network *n, const char **ret, char ***ret_warnings, char **ret_error) {
        *ret = NULL;
        if (!n || !n->pool_asked)
                return 0;
        if (!n->pool_read) {
                n->pool_read = true;
                n->pool_error = helper_reply(n, NULL, &n->pool_text);
                if (n->pool_error >= 0) {
                        /* "nameserver" lines for the guest, then warnings */
                        _cleanup_strv_free_ char **lines = NULL;
                        _cleanup_free_ char *resolv = strdup("");
                        (void) strv_split(n->pool_text ?: "", "\n", &lines);
                        STRV_FOREACH(l, lines) {
                                if (startswith(*l, "nameserver ")) {
                                        char *x = NULL;
                                        if (asprintf(&x, "%s%s\n", resolv ?: "", *l) >= 0)
                                                free(resolv), resolv = x;
                                } else if (**l)
                                        (void) strv_extend(&n->pool_warnings, *l);
                        }
                        free(n->pool_text);
                        n->pool_text = TAKE_PTR(resolv);
                }
        }
        if (n->pool_error == -EADDRNOTAVAIL) /* the helper does not know the file */
                return error_setf(ret_error, n->pool_error, "%s (%s).",
                                  n->pool_text ?: "The address pool is used up.",
                                  getenv(NET_CONFIG_ENV) ?: NET_CONFIG_PATH);
        if (n->pool_error < 0)
                return error_setf(ret_error, n->pool_error, "%s",
                                  n->pool_text ?: "The network helper failed.");
        if (ret_warnings) {
                *ret_warnings = TAKE_PTR(n->pool_warnings);
        }
        if (n->pool_text && n->pool_text[0])
                *ret = n->pool_text;
        else if (n->plan.n_links && n->pool_text && !n->pool_text[0] && n->has_ports)
                return error_setf(
                        ret_error, -EOPNOTSUPP,
                        "--port= where systemd-networkd manages the container's links is not supported "
                        "yet (Pool=yes in %s takes them over).",
                        getenv(NET_CONFIG_ENV) ?: NET_CONFIG_PATH);
        return 0;
}

int network_new(const struct settings *s, struct guard *guard, struct network **ret, char ***ret_warnings,
                char **ret_error) {
        uint8_t machine_id[16] = {}, mac[ETHER_ADDR_LEN];
        bool mac_set;
        int r;

        *ret = NULL;
        if (!network_wants_links(s)) {
                if (s->expose_ports)
                        return error_setf(ret_error, -EOPNOTSUPP,
                                          "--port= needs -n or --network-zone= (the address pool); with "
                                          "--private-network alone it is not supported yet.");
                return 0;
        }
        if (!HAVE_NETWORK)
                return error_setf(
                        ret_error, -EOPNOTSUPP,
                        "Network interfaces are not supported yet: nspawn was built without libmnl.");
        if ((r = read_plan_inputs(s, machine_id, mac, &mac_set, ret_error)) < 0)
                return r;
        struct network *n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        *n = (struct network){.guard = guard, .prog_fd = -EBADF, .host_netns = -EBADF};
        r = network_plan(s, machine_id, mac_set ? mac : NULL, &n->plan, ret_error);
        for (size_t i = 0; r >= 0 && i < n->plan.n_links; i++)
                n->has_moves = n->has_moves || n->plan.links[i].kind == NET_LINK_MOVE;
        n->has_ports = s->expose_ports;
        if (r >= 0)
                r = start_helper(n, ret_error);
        /* before the first link exists (the helper makes none before 'L') */
        if (r >= 0 && (r = register_zone_undo(n)) < 0)
                (void) error_setf(ret_error, r, "Failed to register the zone bridge's removal: %s",
                                  strerror(-r));
        if (r >= 0)
                r = pool_ask(n, s, machine_id, ret_error);
        if (r < 0) {
                network_free(n);
                return r;
        }
        *ret_warnings = TAKE_PTR(n->plan.warnings);
        *ret = n;
        return 0;
}

/* "undo-move CIF IF …" with the container's namespace and ours: the guard's way back for the
 * moved interfaces if nspawn and the helper die (net-helper.c). Registered before they move. */
static int register_move_undo(struct network *n, int netns_fd) {
        char args[4096] = "undo-move";
        size_t len = strlen(args);

        for (size_t i = 0; i < n->plan.n_links; i++) {
                const struct net_link *l = &n->plan.links[i];
                if (l->kind != NET_LINK_MOVE)
                        continue;
                int k = snprintf(args + len, sizeof(args) - len, " %s %s", l->container, l->host);
                if (k < 0 || (size_t) k >= sizeof(args) - len)
                        return -E2BIG;
                len += (size_t) k;
        }
        struct undo u = {.kind = UNDO_EXEC,
                         .path = args,
                         .path2 = NET_HELPER,
                         .fds = {n->prog_fd, netns_fd, n->host_netns},
                         .n_fds = 3};
        n->move_undo = guard_push(n->guard, &u);
        return n->move_undo < 0 ? n->move_undo : 0;
}

int network_start(struct network *n, pid_t pid, char **ret_error) {
        char path[64];
        int r;

        if (!n)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        _cleanup_close_ int netns = open(path, O_RDONLY | O_CLOEXEC);
        if (netns < 0)
                return error_setf(ret_error, -errno, "Failed to open the container's network namespace: %m");
        if (n->has_moves && (r = register_move_undo(n, netns)) < 0)
                return error_setf(ret_error, r, "Failed to register the network interfaces' way back: %s",
                                  strerror(-r));
        r = net_links_send(n->helper->fd, n->plan.links, n->plan.n_links, netns);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to ask the network helper for the links: %s",
                                  strerror(-r));
        n->pending = n->running = true;
        return 0;
}

static int helper_reply(struct network *n, int *ret_ifindex, char **ret_text) {
        int error = 0, ifindex = 0;
        int r = net_reply_recv(n->helper->fd, &error, &ifindex, ret_text);
        if (r == -ECONNRESET)
                return error_setf(ret_text, r, "The network helper %s exited.", NET_HELPER);
        if (r < 0)
                return error_setf(ret_text, r, "No answer from the network helper %s: %s", NET_HELPER,
                                  strerror(-r));
        if (ret_ifindex)
                *ret_ifindex = ifindex;
        return error;
}

int network_wait(struct network *n, int *ret_ifindex, char ***ret_warnings, char **ret_error) {
        _cleanup_free_ char *text = NULL;

        *ret_ifindex = 0;
        if (!n || !n->pending)
                return 0;
        n->pending = false;
        int r = helper_reply(n, ret_ifindex, &text);
        if (r < 0) {
                *ret_error = TAKE_PTR(text);
                return r;
        }
        if (text)
                (void) strv_split(text, "\n", ret_warnings);
        if (n->zone_undo > 0 && *ret_ifindex > 0 && (r = zone_undo(n, *ret_ifindex)) < 0)
                return error_setf(ret_error, r, "Failed to update the zone bridge's removal: %s",
                                  strerror(-r));
        return 0;
}

/* 'T' or 'E' and its reply; the moved interfaces are back (or never moved) on success. */
static int helper_finish(struct network *n, enum net_op op) {
        _cleanup_free_ char *text = NULL;

        if (n->pool_asked && !n->pool_read)
                (void) network_resolv_conf(n, &(const char *){NULL}, NULL, &text);
        free(TAKE_PTR(text));
        if (n->pending) {
                n->pending = false;
                (void) helper_reply(n, NULL, &text);
                free(TAKE_PTR(text));
        }
        int r = net_op_send(n->helper->fd, op);
        if (r >= 0)
                r = helper_reply(n, NULL, &text);
        n->running = false;
        if (r >= 0 && n->move_undo > 0) {
                (void) guard_cancel(n->guard, n->move_undo);
                n->move_undo = 0;
        }
        return r;
}

void network_stop(struct network *n) {
        if (n && n->running)
                (void) helper_finish(n, NET_OP_TEARDOWN);
}

struct network *network_free(struct network *n) {
        if (!n)
                return NULL;
        /* Interfaces back and the zone bridge gone before nspawn exits, as systemd-nspawn; without
         * either, EOF is enough (the helper releases the namespace as it exits). The pool's state
         * (its nft table, claims, forwarding count, the DHCP server's packet socket, whose close
         * alone waits ~10 ms for an RCU grace period) goes after nspawn has exited, as the cgroups
         * do: the helper undoes it at EOF, and the guard's undo-pool duty, which waits for the
         * helper's end, sweeps whatever is left. */
        if (n->helper && ((n->running && n->has_moves) || n->has_zone) &&
            helper_finish(n, NET_OP_END) >= 0) {
                if (n->zone_undo > 0)
                        (void) guard_cancel(n->guard, n->zone_undo);
                if (n->pool_undo > 0)
                        (void) guard_cancel(n->guard, n->pool_undo);
        }
        free(n->pool_text);
        strv_free(n->pool_warnings);
        helper_free(n->helper, false);
        safe_close(n->prog_fd);
        safe_close(n->host_netns);
        net_plan_done(&n->plan);
        free(n);
        return NULL;
}
