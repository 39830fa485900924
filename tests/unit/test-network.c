/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
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
        size_t n = 0;
        char op = 0;

        strcpy(l.host, "ve-x");
        strcpy(l.container, "host0");
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_int_equal(net_links_send(pair[0], &l, 1, fd), 0);
        assert_int_equal(net_request_recv(pair[1], &op, &got, &n, &netns), 1);
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
                assert_int_equal(net_request_recv(pair[1], &op, &got, &n, &netns), -EBADMSG);
        }
        assert_int_equal(send(pair[0], (char[]){NET_OP_LINKS}, 1, 0), 1);
        assert_int_equal(net_request_recv(pair[1], &op, &got, &n, &netns), -EBADMSG); /* no fd, no count */

        assert_int_equal(net_op_send(pair[0], NET_OP_END), 0);
        assert_int_equal(net_request_recv(pair[1], &op, &got, &n, &netns), 1);
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
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
