/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "notify.h"

static void test_parse(void **state) {
        struct notify_message m;

        assert_int_equal(notify_parse("READY=1\nSTATUS=Up and running", &m), 0);
        assert_true(m.ready);
        assert_string_equal(m.status, "Up and running");
        notify_message_done(&m);

        assert_int_equal(notify_parse("STATUS=first\nREADY=10\nSTATUS=second\n", &m), 0);
        assert_false(m.ready);
        assert_string_equal(m.status, "first");
        notify_message_done(&m);

        assert_int_equal(notify_parse("X_READY=1\nSTATUS=", &m), 0);
        assert_false(m.ready);
        assert_string_equal(m.status, "");
        notify_message_done(&m);

        assert_int_equal(notify_parse("", &m), 0);
        assert_false(m.ready);
        assert_null(m.status);
}

/* A datagram socket with SO_PASSCRED at a path or an abstract name ('@'). */
static int listen_at(const char *addr) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(addr);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

        assert_true(fd >= 0);
        memcpy(sa.sun_path, addr, strlen(addr));
        if (addr[0] == '@')
                sa.sun_path[0] = 0;
        else
                len++;
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, len), 0);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
        return fd;
}

static void roundtrip(const char *addr) {
        char buf[128];
        struct ucred uc;
        int fd = listen_at(addr);

        assert_int_equal(notify_send(addr, "READY=1"), 0);
        assert_int_equal(notify_recv(fd, buf, sizeof(buf), &uc), 7);
        assert_string_equal(buf, "READY=1");
        assert_int_equal(uc.pid, getpid());
        assert_int_equal(notify_recv(fd, buf, sizeof(buf), &uc), -EAGAIN);

        /* Too long for the buffer: consumed and reported, the next one is fine. */
        char big[600];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        assert_int_equal(notify_send(addr, big), 0);
        assert_int_equal(notify_send(addr, "STATUS=ok"), 0);
        assert_int_equal(notify_recv(fd, buf, sizeof(buf), &uc), -EMSGSIZE);
        assert_int_equal(notify_recv(fd, buf, sizeof(buf), &uc), 9);
        assert_string_equal(buf, "STATUS=ok");
        close(fd);
}

static void test_send_recv(void **state) {
        char path[64], abstract[64];

        snprintf(path, sizeof path, "/tmp/test-notify.%d", (int) getpid());
        (void) unlink(path);
        roundtrip(path);
        unlink(path);

        snprintf(abstract, sizeof abstract, "@test-notify/%d", (int) getpid());
        roundtrip(abstract);
}

static void test_send_errors(void **state) {
        assert_int_equal(notify_send(NULL, "READY=1"), 0);
        assert_int_equal(notify_send("", "READY=1"), 0);
        assert_int_equal(notify_send("relative/path", "READY=1"), -EINVAL);
        char longpath[200];
        memset(longpath, 'a', sizeof(longpath) - 1);
        longpath[0] = '/';
        longpath[sizeof(longpath) - 1] = 0;
        assert_int_equal(notify_send(longpath, "READY=1"), -EINVAL);
        /* Nobody listens there. */
        assert_int_equal(notify_send("/nonexistent/notify", "READY=1"), -ENOENT);
}

static void test_sender_allowed(void **state) {
        pid_t self = getpid();

        assert_true(notify_sender_allowed(self, self, false));
        assert_false(notify_sender_allowed(0, self, true));
        assert_false(notify_sender_allowed(self, 0, true));
        /* Our parent shares our PID namespace: only accepted as "any in the container". */
        assert_false(notify_sender_allowed(getppid(), self, false));
        assert_true(notify_sender_allowed(getppid(), self, true));
        /* A PID that does not exist. */
        assert_false(notify_sender_allowed(0x3ffffff, self, true));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_send_recv),
                cmocka_unit_test(test_send_errors),
                cmocka_unit_test(test_sender_allowed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
