/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "net-config.h"
#include "net-protocol.h"
#include "netif-name.h"
#include "network.h"
#include "options.h"
#include "siphash24.h"
#include "strv.h"

/* The machine ID of this project's test machine: systemd-nspawn 252 there gave the names and
 * addresses below (observed with `ip link` inside and outside its containers). */
static const uint8_t machine_id[16] = {0x3d, 0x12, 0x19, 0xc7, 0xc4, 0xc5, 0x40, 0x4a,
                                       0xaa, 0x1f, 0x6d, 0x2a, 0x48, 0xad, 0xfd, 0xa4};

static void assert_mac(const uint8_t mac[6], const char *want) {
        char buf[18];
        ether_addr_format(mac, buf);
        assert_string_equal(buf, want);
}

/* The reference implementation's test vector (key 00..0f, message 00..0e). */
static void test_siphash(void **state) {
        uint8_t key[16], msg[64];
        for (int i = 0; i < 16; i++)
                key[i] = (uint8_t) i;
        for (int i = 0; i < 64; i++)
                msg[i] = (uint8_t) i;
        assert_true(siphash24(msg, 15, key) == UINT64_C(0xa129ca6149be45e5));
        assert_true(siphash24(msg, 0, key) == UINT64_C(0x726fdb47dd0e0e31));
        assert_true(siphash24(msg, 8, key) == UINT64_C(0x93f5f5799a932462));
}

static void test_shorten(void **state) {
        char n[IFNAMSIZ];

        /* systemd-nspawn 252: "Network interface name '…' has been changed to '…'" */
        assert_int_equal(netif_name_shorten("ve-averyveryverylongname", n), 1);
        assert_string_equal(n, "ve-averyverUARo");
        assert_int_equal(netif_name_shorten("vb-averyveryverylongname", n), 1);
        assert_string_equal(n, "vb-averyverp3ja");
        assert_int_equal(netif_name_shorten("ve-rootfs-busybox", n), 1);
        assert_string_equal(n, "ve-rootfs-bUKvF");
        /* 15 characters fit */
        assert_int_equal(netif_name_shorten("ve-123456789012", n), 0);
        assert_string_equal(n, "ve-123456789012");
        assert_int_equal(netif_name_shorten("", n), -EINVAL);
}

static void test_mac(void **state) {
        uint8_t m[6];

        netif_mac(machine_id, "testm", NETIF_MAC_HOST, 0, m);
        assert_mac(m, "da:24:e9:4e:2a:6c");
        netif_mac(machine_id, "testm", NETIF_MAC_CONTAINER, 0, m);
        assert_mac(m, "62:4c:30:a9:e4:50");
        netif_mac(machine_id, "foo", NETIF_MAC_HOST, 0, m);
        assert_mac(m, "42:00:07:63:38:b1");
        netif_mac(machine_id, "foo", NETIF_MAC_CONTAINER, 0, m);
        assert_mac(m, "a2:28:1f:e3:3b:12");
        /* --network-veth-extra=ex0:in0 --network-veth-extra=ex1: the index from the second on */
        netif_mac(machine_id, "averyveryverylongname", NETIF_MAC_EXTRA_HOST, 0, m);
        assert_mac(m, "72:7f:aa:90:1b:3e");
        netif_mac(machine_id, "averyveryverylongname", NETIF_MAC_EXTRA_CONTAINER, 0, m);
        assert_mac(m, "06:51:61:b2:ed:bd");
        netif_mac(machine_id, "averyveryverylongname", NETIF_MAC_EXTRA_HOST, 1, m);
        assert_mac(m, "76:75:a9:46:f9:27");
        netif_mac(machine_id, "averyveryverylongname", NETIF_MAC_EXTRA_CONTAINER, 1, m);
        assert_mac(m, "56:43:e1:8c:da:b4");
        /* always unicast and locally administered */
        for (int role = 0; role < _NETIF_MAC_ROLE_MAX; role++)
                for (uint64_t idx = 0; idx < 64; idx++) {
                        netif_mac(machine_id, "x", role, idx, m);
                        assert_int_equal(m[0] & 3, 2);
                }
}

static void test_ether_parse(void **state) {
        uint8_t m[6];

        assert_int_equal(ether_addr_parse("02:11:22:33:44:55", m), 0);
        assert_mac(m, "02:11:22:33:44:55");
        assert_int_equal(ether_addr_parse("02-AA-bb-33-44-55", m), 0);
        assert_mac(m, "02:aa:bb:33:44:55");
        assert_int_equal(ether_addr_parse("021122334455", m), 0);
        static const char *const bad[] = {"",
                                          "02:11:22:33:44",
                                          "02:11:22:33:44:5g",
                                          "02:11-22:33:44:55",
                                          "01:00:5e:00:00:01" /* multicast */,
                                          "00:00:00:00:00:00",
                                          NULL};
        for (size_t i = 0; bad[i]; i++)
                assert_int_equal(ether_addr_parse(bad[i], m), -EINVAL);
}

static void test_machine_id_read(void **state) {
        char path[] = "/tmp/test-network-XXXXXX";
        uint8_t id[16];
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, "3d1219c7c4c5404aaa1f6d2a48adfda4\n", 33), 33);
        assert_int_equal(machine_id_read(path, id), 0);
        assert_memory_equal(id, machine_id, 16);
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(pwrite(fd, "uninitialized\n", 14, 0), 14);
        assert_int_equal(machine_id_read(path, id), -ENOMEDIUM);
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(pwrite(fd, "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4\n", 37, 0), 37);
        assert_int_equal(machine_id_read(path, id), -EINVAL);
        close(fd);
        unlink(path);
        assert_int_equal(machine_id_read(path, id), -ENOENT);
}

/* ---- the plan ---- */

static void parse(struct settings *s, const char *a1, const char *a2, const char *a3, const char *a4) {
        char *argv[] = {(char *) "nspawn", (char *) a1, (char *) a2, (char *) a3, (char *) a4, NULL};
        int argc = 1;
        struct option_result res;

        while (argc < 5 && argv[argc])
                argc++;
        settings_init(s);
        if (options_parse_argv(argc, argv, s, &res) != 0)
                fail_msg("%s", res.error ?: "parse failed");
        option_result_done(&res);
}

static void test_plan_veth(void **state) {
        struct net_plan p;
        struct settings s;
        char *error = NULL;

        parse(&s, "-M", "averyveryverylongname", "--network-zone=myz", "--network-veth-extra=ex0:in0");
        assert_int_equal(network_plan(&s, machine_id, NULL, &p, &error), 0);
        assert_int_equal(p.n_links, 2);
        const struct net_link *v = &p.links[0], *x = &p.links[1];
        assert_int_equal(v->kind, NET_LINK_VETH);
        assert_string_equal(v->host, "vb-averyverp3ja");
        assert_string_equal(v->altname, "vb-averyveryverylongname");
        assert_string_equal(v->container, "host0");
        assert_string_equal(v->master, "vz-myz");
        assert_int_equal(v->flags, NET_LINK_ZONE | NET_LINK_PRIMARY);
        assert_mac(v->host_mac, "9a:aa:89:f2:51:a8");
        assert_mac(v->container_mac, "46:77:d0:b5:19:ff");
        assert_int_equal(x->kind, NET_LINK_VETH_EXTRA);
        assert_string_equal(x->host, "ex0");
        assert_string_equal(x->container, "in0");
        assert_mac(x->host_mac, "72:7f:aa:90:1b:3e");
        assert_mac(x->container_mac, "06:51:61:b2:ed:bd");
        assert_int_equal(strv_length(p.warnings), 1);
        assert_string_equal(p.warnings[0],
                            "Network interface name 'vb-averyveryverylongname' has been changed "
                            "to 'vb-averyverp3ja' to fit length constraints.");
        for (size_t i = 0; i < p.n_links; i++)
                assert_int_equal(net_link_validate(&p.links[i]), 0);
        net_plan_done(&p);

        /* $SYSTEMD_NSPAWN_NETWORK_MAC: host0's address */
        static const uint8_t mac[6] = {0x02, 1, 2, 3, 4, 5};
        settings_done(&s);
        parse(&s, "-M", "testm", "-n", NULL);
        assert_int_equal(network_plan(&s, machine_id, mac, &p, &error), 0);
        assert_int_equal(p.n_links, 1);
        assert_string_equal(p.links[0].host, "ve-testm");
        assert_string_equal(p.links[0].altname, "");
        assert_string_equal(p.links[0].master, "");
        assert_int_equal(p.links[0].flags, NET_LINK_PRIMARY);
        assert_mac(p.links[0].host_mac, "da:24:e9:4e:2a:6c");
        assert_mac(p.links[0].container_mac, "02:01:02:03:04:05");
        assert_null(p.warnings);
        net_plan_done(&p);
        settings_done(&s);
}

static void test_plan_order(void **state) {
        struct net_plan p;
        struct settings s;
        char *error = NULL;

        /* systemd-nspawn's order whatever the command line's: interfaces, veth, extra, macvlan,
         * ipvlan */
        settings_init(&s);
        s.machine = strdup("m");
        assert_int_equal(strv_extend(&s.network_ipvlan, "averylongparent"), 0);
        assert_int_equal(strv_extend(&s.network_macvlan, "eth0"), 0);
        assert_int_equal(strv_extend(&s.network_macvlan, "eth1:mymv"), 0);
        assert_int_equal(strv_extend(&s.network_interfaces, "eth2:inside"), 0);
        assert_int_equal(strv_extend(&s.network_interfaces, "eth3:"), 0);
        s.network_bridge = strdup("br0");
        settings_network_imply(&s);
        assert_int_equal(network_plan(&s, machine_id, NULL, &p, &error), 0);
        static const struct {
                enum net_link_kind kind;
                const char *host, *container, *master;
        } want[] = {
                {NET_LINK_MOVE, "eth2", "inside", ""},
                {NET_LINK_MOVE, "eth3", "eth3", ""},
                {NET_LINK_VETH, "vb-m", "host0", "br0"},
                {NET_LINK_MACVLAN, "eth0", "mv-eth0", ""},
                {NET_LINK_MACVLAN, "eth1", "mymv", ""},
                {NET_LINK_IPVLAN, "averylongparent", "iv-averylonfS3H", ""},
        };
        assert_int_equal(p.n_links, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                assert_int_equal(p.links[i].kind, want[i].kind);
                assert_string_equal(p.links[i].host, want[i].host);
                assert_string_equal(p.links[i].container, want[i].container);
                assert_string_equal(p.links[i].master, want[i].master);
                assert_int_equal(net_link_validate(&p.links[i]), 0);
        }
        /* the macvlans' addresses count from 0, the first without an index */
        uint8_t m[6];
        netif_mac(machine_id, "m", NETIF_MAC_MACVLAN, 0, m);
        assert_memory_equal(p.links[3].container_mac, m, 6);
        netif_mac(machine_id, "m", NETIF_MAC_MACVLAN, 1, m);
        assert_memory_equal(p.links[4].container_mac, m, 6);
        assert_int_equal(strv_length(p.warnings), 1); /* iv-averylongparent */
        net_plan_done(&p);
        settings_done(&s);

        /* none: nothing to plan, no helper */
        parse(&s, "--private-network", NULL, NULL, NULL);
        assert_false(network_wants_links(&s));
        settings_done(&s);
}

static void test_plan_too_many(void **state) {
        struct net_plan p;
        struct settings s;
        char *error = NULL, name[16];

        settings_init(&s);
        s.machine = strdup("m");
        for (int i = 0; i <= NET_LINKS_MAX; i++) {
                snprintf(name, sizeof(name), "e%d", i);
                assert_int_equal(strv_extend(&s.network_veth_extra, name), 0);
        }
        assert_int_equal(network_plan(&s, machine_id, NULL, &p, &error), -E2BIG);
        assert_non_null(strstr(error, "Too many network interfaces"));
        free(error);
        settings_done(&s);
}

/* ---- the wire ---- */

static void test_wire(void **state) {
        int pair[2], netns;
        struct net_link l = {.kind = NET_LINK_VETH, .flags = NET_LINK_PRIMARY}, *got = NULL;
        struct net_pool_req pool;
        size_t n = 0;
        char op = 0;

        strcpy(l.host, "ve-x");
        strcpy(l.container, "host0");
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_int_equal(net_links_send(pair[0], &l, 1, fd), 0);
        assert_int_equal(net_request_recv(pair[1], &op, &got, &n, &netns, &pool), 1);
        assert_int_equal(op, NET_OP_LINKS);
        assert_int_equal(n, 1);
        assert_memory_equal(got, &l, sizeof(l));
        assert_true(netns >= 0);
        close(netns);
        free(got);

        /* malformed: an invalid name, a flag on the wrong kind, a truncated array */
        struct net_link bad[] = {l, l, l};
        strcpy(bad[0].container, "a/b");
        bad[1].kind = NET_LINK_MACVLAN; /* flags are the veth's only */
        bad[2].flags = NET_LINK_ZONE;   /* a zone without a master */
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(net_link_validate(&bad[i]), -EBADMSG);
                assert_int_equal(net_links_send(pair[0], &bad[i], 1, fd), 0);
                assert_int_equal(net_request_recv(pair[1], &op, &got, &n, &netns, &pool), -EBADMSG);
        }
        assert_int_equal(send(pair[0], (char[]){NET_OP_LINKS}, 1, 0), 1);
        assert_int_equal(net_request_recv(pair[1], &op, &got, &n, &netns, &pool),
                         -EBADMSG); /* no fd, no count */

        assert_int_equal(net_op_send(pair[0], NET_OP_END), 0);
        assert_int_equal(net_request_recv(pair[1], &op, &got, &n, &netns, &pool), 1);
        assert_int_equal(op, NET_OP_END);

        /* replies */
        int error = 1, ifindex = 0;
        char *text = NULL;
        assert_int_equal(net_reply_send(pair[1], -ENODEV, 7, "Failed to get device x: No such device"), 0);
        assert_int_equal(net_reply_recv(pair[0], &error, &ifindex, &text), 0);
        assert_int_equal(error, -ENODEV);
        assert_int_equal(ifindex, 7);
        assert_string_equal(text, "Failed to get device x: No such device");
        free(text);
        assert_int_equal(net_reply_send(pair[1], 0, 0, NULL), 0);
        assert_int_equal(net_reply_recv(pair[0], &error, &ifindex, &text), 0);
        assert_null(text);
        close(pair[1]);
        assert_int_equal(net_reply_recv(pair[0], &error, &ifindex, &text), -ECONNRESET);
        close(pair[0]);
        close(fd);
}

/* ---- the pool's configuration and -p ---- */

static void test_pool_config(void **state) {
        struct net_pool_config c;
        char *error = NULL;

        assert_int_equal(net_pool_config_parse("", "f", &c, &error), 0);
        assert_int_equal(c.mode, NET_POOL_AUTO);
        assert_int_equal(c.v4_len, 16);
        assert_memory_equal(c.v4, ((uint8_t[]){10, 99, 0, 0}), 4);
        assert_true(c.v6_auto);

        assert_int_equal(
                net_pool_config_parse("# comment\n; also\n  Pool = yes \nIPv4Pool=192.168.128.0/20\n"
                                      "IPv6Pool=fd00:1:2::/48\n",
                                      "f", &c, &error),
                0);
        assert_int_equal(c.mode, NET_POOL_YES);
        assert_int_equal(c.v4_len, 20);
        assert_memory_equal(c.v4, ((uint8_t[]){192, 168, 128, 0}), 4);
        assert_int_equal(c.v6_len, 48);
        assert_false(c.v6_auto);
        assert_int_equal(c.v6[0], 0xfd);
        assert_int_equal(c.v6[3], 1);

        assert_int_equal(net_pool_config_parse("Pool=no\nIPv4Pool=no\nIPv6Pool=no\n", "f", &c, &error), 0);
        assert_int_equal(c.mode, NET_POOL_NO);
        assert_int_equal(c.v4_len, 0);
        assert_int_equal(c.v6_len, 0);

        /* errors name the file and line */
        static const char *const bad[] = {
                "Pool=maybe\n",           "IPv4Pool=10.0.0.1/16\n", /* host bits */
                "IPv4Pool=10.0.0.0/25\n",                           /* no room for a zone's /24 */
                "IPv4Pool=10.0.0.0\n",    "IPv6Pool=fd00::/65\n",   "Other=1\n", "novalue\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char text[128];
                snprintf(text, sizeof(text), "# x\n%s", bad[i]);
                assert_int_equal(net_pool_config_parse(text, "/etc/nspawn/network.conf", &c, &error),
                                 -EINVAL);
                assert_non_null(strstr(error, "/etc/nspawn/network.conf:2:"));
                free(error);
                error = NULL;
        }

        /* the default ULA: fd, then the machine ID's hash; the same ID, the same prefix */
        uint8_t id[16] = {1, 2, 3}, other[16] = {4};
        struct net_pool_config a, b;
        net_pool_config_default(&a);
        net_pool_config_finish(&a, id);
        net_pool_config_default(&b);
        net_pool_config_finish(&b, id);
        assert_int_equal(a.v6[0], 0xfd);
        assert_int_equal(a.v6_len, 48);
        assert_memory_equal(a.v6, b.v6, 16);
        net_pool_config_default(&b);
        net_pool_config_finish(&b, other);
        assert_memory_not_equal(a.v6, b.v6, 6);
        assert_memory_equal(a.v6 + 6, ((uint8_t[10]){}), 10);
}

static void test_port_parse(void **state) {
        struct net_port p;

        assert_int_equal(net_port_parse("8080", &p), 0);
        assert_int_equal(p.proto, IPPROTO_TCP);
        assert_int_equal(p.host, 8080);
        assert_int_equal(p.container, 8080);
        assert_int_equal(net_port_parse("udp:53:5353", &p), 0);
        assert_int_equal(p.proto, IPPROTO_UDP);
        assert_int_equal(p.host, 53);
        assert_int_equal(p.container, 5353);
        assert_int_equal(net_port_parse("tcp:1:65535", &p), 0);
        assert_int_equal(p.container, 65535);
        static const char *const bad[] = {
                "", "0", "65536", "sctp:80", "tcp:", "80:", "80:0", "x", "80:90:100", "udp:-1"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(net_port_parse(bad[i], &p), -EINVAL);
}

static void test_pool_wire(void **state) {
        struct net_pool_req req = {.mode = NET_POOL_YES,
                                   .v4 = {10, 99},
                                   .v4_len = 16,
                                   .n_ports = 1,
                                   .ports = {{.proto = IPPROTO_UDP, .host = 53, .container = 53}}},
                            got;
        struct net_link *links = NULL;
        int pair[2], netns;
        size_t n;
        char op;

        strcpy(req.machine, "m");
        strcpy(req.link, "ve-m");
        assert_int_equal(net_pool_req_validate(&req), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
        assert_int_equal(net_pool_send(pair[0], &req), 0);
        assert_int_equal(net_request_recv(pair[1], &op, &links, &n, &netns, &got), 1);
        assert_int_equal(op, NET_OP_POOL);
        assert_memory_equal(&got, &req, sizeof(req));

        struct net_pool_req bad[] = {req, req, req, req};
        bad[0].ports[0].proto = 132;  /* not TCP or UDP */
        bad[1].flags = NET_POOL_ZONE; /* a zone without its bridge */
        bad[2].machine[0] = 0;
        bad[3].n_ports = NET_PORTS_MAX + 1;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(net_pool_req_validate(&bad[i]), -EBADMSG);
                assert_int_equal(net_pool_send(pair[0], &bad[i]), 0);
                assert_int_equal(net_request_recv(pair[1], &op, &links, &n, &netns, &got), -EBADMSG);
        }
        close(pair[0]);
        close(pair[1]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_siphash),
                cmocka_unit_test(test_shorten),
                cmocka_unit_test(test_mac),
                cmocka_unit_test(test_ether_parse),
                cmocka_unit_test(test_machine_id_read),
                cmocka_unit_test(test_plan_veth),
                cmocka_unit_test(test_plan_order),
                cmocka_unit_test(test_plan_too_many),
                cmocka_unit_test(test_wire),
                cmocka_unit_test(test_pool_config),
                cmocka_unit_test(test_port_parse),
                cmocka_unit_test(test_pool_wire),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
