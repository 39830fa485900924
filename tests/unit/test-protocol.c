/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"
#include "protocol.h"

/* s[0]: the supervisor's end, s[1]: the child's. */
static void pair(int s[2]) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s), 0);
}

static void test_fd_steps(void **state) {
        int s[2], p[2];
        struct spawn_msg m;

        pair(s);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(spawn_msg_send(s[1], SPAWN_MSG_CONSOLE, &p[0], 1), 0);
        assert_int_equal(spawn_msg_recv(s[0], true, &m), 1);
        assert_int_equal(m.type, SPAWN_MSG_CONSOLE);
        assert_int_equal(m.n_fds, 1);
        int got = spawn_msg_take_fd(&m, 0);
        assert_true(got >= 0);
        assert_int_equal(spawn_msg_take_fd(&m, 0), -EBADF); /* taken */
        spawn_msg_done(&m);
        assert_int_equal(write(p[1], "x", 1), 1);
        char c;
        assert_int_equal(read(got, &c, 1), 1); /* the same pipe */
        close(got);

        /* a step carries what it may: the console one fd, never two */
        int two[] = {p[0], p[1]};
        assert_int_equal(spawn_msg_send(s[1], SPAWN_MSG_CONSOLE, two, 2), -EINVAL);
        /* the child waits for a step of the supervisor's, with its fds */
        assert_int_equal(spawn_msg_send(s[0], SPAWN_MSG_CGROUPS, two, 2), 0);
        int fds[4];
        size_t n = ELEMENTSOF(fds);
        assert_int_equal(spawn_msg_expect(s[1], SPAWN_MSG_CGROUPS, fds, &n), 0);
        assert_int_equal(n, 2);
        close_many(fds, n);
        close_many(p, 2);
        close_many(s, 2);
}

static void test_text_steps(void **state) {
        int s[2];
        struct spawn_msg m;
        char long_text[3000];

        pair(s);
        assert_int_equal(spawn_msg_send_text(s[1], SPAWN_MSG_ERROR, -ENOENT, "Failed to execute x"), 0);
        assert_int_equal(spawn_msg_recv(s[0], true, &m), 1);
        assert_int_equal(m.type, SPAWN_MSG_ERROR);
        assert_int_equal(m.error, ENOENT);
        assert_string_equal(m.text, "Failed to execute x");

        memset(long_text, 'a', sizeof long_text - 1);
        long_text[sizeof long_text - 1] = 0;
        assert_int_equal(spawn_msg_send_text(s[1], SPAWN_MSG_WARNING, 0, long_text), 0);
        assert_int_equal(spawn_msg_recv(s[0], true, &m), 1);
        assert_int_equal(strlen(m.text), SPAWN_MSG_TEXT_MAX - 1); /* cut, terminated */
        assert_int_equal(spawn_msg_send_text(s[1], SPAWN_MSG_CONSOLE, 0, "x"), -EINVAL);
        close_many(s, 2);
}

/* A type that may not come this way ends the run; so does EOF where a step is awaited. */
static void test_wrong_direction_and_eof(void **state) {
        int s[2];
        struct spawn_msg m;

        pair(s);
        /* the child may not send the supervisor's steps (raw, as a confused peer would) */
        assert_int_equal(msg_send_fds(s[1], SPAWN_MSG_CGROUPFS, NULL, 0, NULL, 0), 0);
        assert_int_equal(spawn_msg_recv(s[0], true, &m), -EPROTO);
        /* an unknown type */
        assert_int_equal(msg_send_fds(s[1], 'Z', NULL, 0, NULL, 0), 0);
        assert_int_equal(spawn_msg_recv(s[0], true, &m), -EPROTO);
        /* the child waits for CGROUPFS and gets something else */
        assert_int_equal(spawn_msg_send(s[0], SPAWN_MSG_CGROUPS, NULL, 0), 0);
        assert_int_equal(spawn_msg_expect(s[1], SPAWN_MSG_CGROUPFS, NULL, NULL), -EPROTO);
        /* EOF: the child's end closed */
        close(s[1]);
        assert_int_equal(spawn_msg_recv(s[0], true, &m), 0);
        close(s[0]);
        pair(s);
        close(s[0]);
        assert_int_equal(spawn_msg_expect(s[1], SPAWN_MSG_CGROUPS, NULL, NULL), -EPROTO);
        close(s[1]);
        assert_string_equal(spawn_msg_type_to_string(SPAWN_MSG_CGROUP_NS), "cgroup-ns");
        assert_null(spawn_msg_type_to_string('Z'));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fd_steps),
                cmocka_unit_test(test_text_steps),
                cmocka_unit_test(test_wrong_direction_and_eof),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
