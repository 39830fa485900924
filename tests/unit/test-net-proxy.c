/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* net-proxy.c in a network namespace of the test's own (unshare(CLONE_NEWNET); skipped where that
 * is not allowed): TCP relayed both ways with a half-close, UDP answers back to their client, a
 * port taken on ::1 fails naming the -p value and leaves nothing open. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "net-proxy.h"

#define HOSTPORT 8080
#define TARGETPORT 9090 /* the "container": a server on ::1 too */

static struct sockaddr_in6 loopback(unsigned port) {
        return (struct sockaddr_in6){
                .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT, .sin6_port = htons(port)};
}

static int setup(void **state) {
        if (unshare(CLONE_NEWNET) < 0)
                return 0; /* each test skips */
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {.ifr_name = "lo"};
        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return -1;
        ifr.ifr_flags |= IFF_UP;
        int r = ioctl(fd, SIOCSIFFLAGS, &ifr);
        close(fd);
        *state = (void *) 1;
        return r;
}

static int server(int type) {
        struct sockaddr_in6 sa = loopback(TARGETPORT);
        int fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){1}, sizeof(int)), 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        if (type == SOCK_STREAM)
                assert_int_equal(listen(fd, 4), 0);
        return fd;
}

static void start(struct proxy *p, uint8_t proto) {
        struct net_port port = {.proto = proto, .host = HOSTPORT, .container = TARGETPORT};
        struct sockaddr_in6 target = loopback(0);
        char note[128] = "", error[256] = "";
        proxy_init(p);
        assert_int_equal(proxy_start(p, &port, 1, (struct sockaddr *) &target, sizeof(target), note,
                                     sizeof(note), error, sizeof(error)),
                         0);
        assert_int_equal(p->n_listeners, 1);
}

/* One round: the proxy's sockets and extra (the test's) polled, the proxy's dispatched. */
static void round_(struct proxy *p, const int *extra, size_t n_extra, short *revents) {
        struct pollfd pfd[PROXY_POLL_MAX + 4];
        for (size_t i = 0; i < n_extra; i++)
                pfd[i] = (struct pollfd){.fd = extra[i], .events = POLLIN};
        size_t n = n_extra + proxy_poll(p, pfd + n_extra, PROXY_POLL_MAX);
        /* a timeout is no failure: the test's own sockets are polled for input only */
        assert_true(poll(pfd, n, 20) >= 0);
        for (size_t i = 0; i < n_extra; i++)
                revents[i] = pfd[i].revents;
        proxy_dispatch(p, pfd + n_extra, n - n_extra);
}

static void test_tcp(void **state) {
        if (!*state)
                skip();
        struct proxy p;
        static uint8_t out[300000], back[sizeof(out)];
        size_t sent = 0, got = 0;
        int srv = server(SOCK_STREAM), conn = -EBADF;
        bool srv_eof = false;

        start(&p, IPPROTO_TCP);
        for (size_t i = 0; i < sizeof(out); i++)
                out[i] = (uint8_t) (i * 7 + i / 251);
        struct sockaddr_in6 sa = loopback(HOSTPORT);
        int c = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        assert_true(connect(c, (struct sockaddr *) &sa, sizeof(sa)) == 0 || errno == EINPROGRESS);
        for (int i = 0; i < 2000 && got < sizeof(out); i++) {
                int extra[] = {srv, c, conn};
                short rev[3];
                round_(&p, extra, conn >= 0 ? 3 : 2, rev);
                if (conn < 0 && !srv_eof &&
                    (conn = accept4(srv, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
                        conn = -EBADF;
                /* the client: all of out, then its FIN; reads the echo */
                ssize_t k = sent < sizeof(out) ? send(c, out + sent, sizeof(out) - sent, MSG_NOSIGNAL) : 0;
                if (k > 0 && (sent += (size_t) k) == sizeof(out))
                        assert_int_equal(shutdown(c, SHUT_WR), 0);
                while ((k = read(c, back + got, sizeof(back) - got)) > 0)
                        got += (size_t) k;
                /* the server: echoes as it reads, closes at the client's FIN */
                uint8_t buf[4096];
                while (conn >= 0 && !srv_eof && (k = read(conn, buf, sizeof(buf))) >= 0) {
                        if (k == 0) {
                                srv_eof = true; /* all echoed: the server closes */
                                conn = safe_close(conn);
                                break;
                        }
                        assert_int_equal(send(conn, buf, (size_t) k, MSG_NOSIGNAL), k); /* small: fits */
                }
        }
        assert_int_equal(got, sizeof(out));
        assert_memory_equal(back, out, sizeof(out));
        assert_true(srv_eof); /* the half-close came through */
        /* the server's FIN reaches the client, and the connection goes */
        ssize_t k = -1;
        for (int i = 0; i < 100 && k != 0; i++) {
                short rev[1];
                round_(&p, &c, 1, rev);
                k = read(c, back, 1);
        }
        assert_int_equal(k, 0);
        for (size_t i = 0; i < PROXY_CONNS_MAX; i++)
                assert_true(p.conns[i].client < 0); /* both FINs passed on: closed */
        close(c);
        close(srv);
        proxy_stop(&p);
}

static void test_udp(void **state) {
        if (!*state)
                skip();
        struct proxy p;
        int srv = server(SOCK_DGRAM);
        start(&p, IPPROTO_UDP);
        struct sockaddr_in6 sa = loopback(HOSTPORT);
        int c = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_int_equal(sendto(c, "ping", 4, 0, (struct sockaddr *) &sa, sizeof(sa)), 4);
        char buf[16] = "";
        struct sockaddr_storage from;
        socklen_t from_len = sizeof(from);
        ssize_t k = -1;
        for (int i = 0; i < 50 && k < 0; i++) {
                short rev[1];
                round_(&p, &srv, 1, rev);
                k = recvfrom(srv, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *) &from, &from_len);
        }
        assert_int_equal(k, 4);
        assert_memory_equal(buf, "ping", 4);
        assert_int_equal(sendto(srv, "pong", 4, 0, (struct sockaddr *) &from, from_len), 4);
        k = -1;
        for (int i = 0; i < 50 && k < 0; i++) {
                short rev[1];
                round_(&p, &c, 1, rev);
                k = recv(c, buf, sizeof(buf), MSG_DONTWAIT);
        }
        assert_int_equal(k, 4);
        assert_memory_equal(buf, "pong", 4);
        assert_true(proxy_timeouts(&p) > PROXY_UDP_IDLE_MS - 5000); /* one flow, fresh */
        close(c);
        close(srv);
        proxy_stop(&p);
        assert_int_equal(proxy_timeouts(&p), -1);
}

static void test_taken(void **state) {
        if (!*state)
                skip();
        struct proxy p;
        struct net_port ports[] = {{.proto = IPPROTO_UDP, .host = 7000, .container = 53},
                                   {.proto = IPPROTO_TCP, .host = 8081, .container = 80}};
        struct sockaddr_in6 target = loopback(0), sa = loopback(8081);
        char note[128] = "", error[256] = "";
        int taker = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_equal(bind(taker, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_equal(listen(taker, 1), 0);
        proxy_init(&p);
        assert_int_equal(proxy_start(&p, ports, 2, (struct sockaddr *) &target, sizeof(target), note,
                                     sizeof(note), error, sizeof(error)),
                         -EADDRINUSE);
        assert_string_equal(error,
                            "Failed to listen on [::1]:8081 for --port=tcp:8081:80: Address already in use");
        assert_int_equal(p.n_listeners, 0); /* the UDP listener made first is closed again */
        close(taker);
        /* now free: the UDP port was given back too */
        assert_int_equal(proxy_start(&p, ports, 2, (struct sockaddr *) &target, sizeof(target), note,
                                     sizeof(note), error, sizeof(error)),
                         0);
        assert_string_equal(note, "");
        proxy_stop(&p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tcp),
                cmocka_unit_test(test_udp),
                cmocka_unit_test(test_taken),
        };
        return cmocka_run_group_tests(tests, setup, NULL);
}
