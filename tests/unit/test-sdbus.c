/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawn's side of its D-Bus helper: the protocol (sdbus-protocol.h), finding the helper
 * (helper-path.h) and starting and calling it (sdbus-client.h), against a stand-in helper
 * (fake-sdbus-helper.c, built as nspawn-sdbus next to this test). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "helper.h"
#include "macro.h"
#include "sdbus-client.h"
#include "sdbus-protocol.h"

static struct scope_property prop(const char *name, enum scope_value_type type, const char *str) {
        struct scope_property p = {.type = type, .u = 7};
        snprintf(p.name, sizeof p.name, "%s", name);
        snprintf(p.str, sizeof p.str, "%s", str);
        return p;
}

static void test_pack_roundtrip(void **state) {
        struct scope_property props[] = {prop("Slice", SCOPE_STRING, "machine.slice"),
                                         prop("DeviceAllow", SCOPE_DEVICE, "char-pts")};
        strcpy(props[1].access, "rw");
        struct sdbus_request req = {
                .op = SDBUS_CREATE_MACHINE,
                .machine = "foo",
                .unit = "machine-foo.scope",
                .root = "/var/lib/machines/foo",
                .uuid = {1, 2, 3},
                .leader = 4242,
                .props = props,
                .n_props = ELEMENTSOF(props),
        };
        _cleanup_free_ void *buf = NULL;
        struct sdbus_request got;
        size_t size;

        (void) state;
        assert_int_equal(sdbus_request_pack(&req, &buf, &size), 0);
        assert_int_equal(sdbus_request_unpack(buf, size, &got), 0);
        assert_int_equal(got.op, SDBUS_CREATE_MACHINE);
        assert_string_equal(got.machine, "foo");
        assert_string_equal(got.unit, "machine-foo.scope");
        assert_string_equal(got.root, "/var/lib/machines/foo");
        assert_memory_equal(got.uuid, req.uuid, 16);
        assert_int_equal(got.leader, 4242);
        assert_int_equal(got.n_props, 2);
        assert_int_equal((uintptr_t) got.props % 8, 0); /* aligned in a malloc'ed buffer */
        assert_string_equal(got.props[0].name, "Slice");
        assert_string_equal(got.props[0].str, "machine.slice");
        assert_int_equal(got.props[1].type, SCOPE_DEVICE);
        assert_string_equal(got.props[1].access, "rw");
        assert_int_equal(got.props[1].u, 7);

        /* NULL strings go as "", no properties */
        _cleanup_free_ void *buf2 = NULL;
        struct sdbus_request unreg = {.op = SDBUS_UNREGISTER_MACHINE, .machine = "foo"};
        assert_int_equal(sdbus_request_pack(&unreg, &buf2, &size), 0);
        assert_int_equal(sdbus_request_unpack(buf2, size, &got), 0);
        assert_int_equal(got.op, SDBUS_UNREGISTER_MACHINE);
        assert_string_equal(got.unit, "");
        assert_string_equal(got.root, "");
        assert_int_equal(got.n_props, 0);
        assert_null(got.props);
}

/* nspawnctl's requests: the kill's whom and signal, the copy's paths, the bind's flags. */
static void test_pack_nspawnctl(void **state) {
        _cleanup_free_ void *buf = NULL;
        struct sdbus_request got;
        size_t size;

        (void) state;
        struct sdbus_request req = {.op = SDBUS_BIND_MOUNT,
                                    .machine = "m",
                                    .whom = "all",
                                    .signal = 35,
                                    .src = "/srv/a",
                                    .dst = "/mnt/b",
                                    .flags = SDBUS_READ_ONLY | SDBUS_MKDIR};
        assert_int_equal(sdbus_request_pack(&req, &buf, &size), 0);
        assert_int_equal(sdbus_request_unpack(buf, size, &got), 0);
        assert_int_equal(got.op, SDBUS_BIND_MOUNT);
        assert_string_equal(got.whom, "all");
        assert_int_equal(got.signal, 35);
        assert_string_equal(got.src, "/srv/a");
        assert_string_equal(got.dst, "/mnt/b");
        assert_int_equal(got.flags, SDBUS_READ_ONLY | SDBUS_MKDIR);
        /* an unknown flag is refused */
        ((struct sdbus_wire_request *) buf)->flags = 1u << 7;
        assert_int_equal(sdbus_request_unpack(buf, size, &got), -EBADMSG);
        /* every op of the table is known, nothing else */
        for (const char *op = SDBUS_OPS; *op; op++) {
                ((struct sdbus_wire_request *) buf)->flags = 0;
                ((struct sdbus_wire_request *) buf)->op = (uint8_t) *op;
                assert_int_equal(sdbus_request_unpack(buf, size, &got), 0);
        }
        ((struct sdbus_wire_request *) buf)->op = 'Z';
        assert_int_equal(sdbus_request_unpack(buf, size, &got), -EBADMSG);
}

static void test_pack_too_big(void **state) {
        size_t n = SDBUS_MSG_MAX / sizeof(struct scope_property) + 1;
        _cleanup_free_ struct scope_property *props = calloc(n, sizeof(*props));
        struct sdbus_request req = {.op = SDBUS_START_SCOPE, .unit = "u", .props = props, .n_props = n};
        void *buf = NULL;
        size_t size;

        (void) state;
        assert_int_equal(sdbus_request_pack(&req, &buf, &size), -E2BIG);
        assert_null(buf);
}

/* A malformed message is refused, never read past its end. */
static void test_unpack_malformed(void **state) {
        struct scope_property p = prop("Slice", SCOPE_STRING, "machine.slice");
        struct sdbus_request req = {.op = SDBUS_START_SCOPE, .unit = "u", .props = &p, .n_props = 1};
        _cleanup_free_ uint8_t *buf = NULL;
        struct sdbus_request got;
        size_t size;

        (void) state;
        assert_int_equal(sdbus_request_pack(&req, (void **) &buf, &size), 0);
        _cleanup_free_ uint8_t *copy = malloc(size);
        size_t props_at = size - sizeof(struct scope_property);

        for (size_t cut = 0; cut < size; cut++) /* every truncation */
                assert_int_equal(sdbus_request_unpack(buf, cut, &got), -EBADMSG);
#define MUTATE(stmt)                                                                                        \
        do {                                                                                                \
                memcpy(copy, buf, size);                                                                    \
                stmt;                                                                                       \
                assert_int_equal(sdbus_request_unpack(copy, size, &got), -EBADMSG);                         \
        } while (0)
        MUTATE(copy[0] = 'Z');                                     /* unknown op */
        MUTATE(copy[0] = 0);                                       /* no op */
        MUTATE(((struct sdbus_wire_request *) copy)->n_props = 2); /* count ≠ size */
        MUTATE(memset(copy + sizeof(struct sdbus_wire_request), 'a',
                      props_at - sizeof(struct sdbus_wire_request)));
        MUTATE(memset(((struct scope_property *) (copy + props_at))->name, 'a', 32)); /* unterminated */
        MUTATE(memset(((struct scope_property *) (copy + props_at))->str, 'a', 256));
        MUTATE(memset(((struct scope_property *) (copy + props_at))->access, 'a', 4));
        MUTATE(((struct scope_property *) (copy + props_at))->type = (enum scope_value_type) 99);
        memcpy(copy, buf, size);
        assert_int_equal(sdbus_request_unpack(copy, size, &got), 0);
}

static void test_reply(void **state) {
        int sk[2], error;
        char *text = NULL;

        (void) state;
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk), 0);
        assert_int_equal(sdbus_reply_send(sk[0], 0, NULL), 0);
        assert_int_equal(sdbus_reply_recv(sk[1], &error, &text), 0);
        assert_int_equal(error, 0);
        assert_null(text);
        assert_int_equal(sdbus_reply_send(sk[0], -ENOENT, "Unit machine-x.scope not found."), 0);
        assert_int_equal(sdbus_reply_recv(sk[1], &error, &text), 0);
        assert_int_equal(error, -ENOENT);
        assert_string_equal(text, "Unit machine-x.scope not found.");
        free(text);
        /* a long text is cut to fit */
        _cleanup_free_ char *big = malloc(3 * SDBUS_REPLY_MAX);
        memset(big, 'x', 3 * SDBUS_REPLY_MAX - 1);
        big[3 * SDBUS_REPLY_MAX - 1] = 0;
        assert_int_equal(sdbus_reply_send(sk[0], -EIO, big), 0);
        assert_int_equal(sdbus_reply_recv(sk[1], &error, &text), 0);
        assert_int_equal(error, -EIO);
        assert_true(strlen(text) > 0 && strlen(text) < SDBUS_REPLY_MAX);
        free(text);
        /* not a reply, a positive error: refused */
        assert_int_equal(send(sk[0], "x\0\0\0\0", 6, 0), 6);
        assert_int_equal(sdbus_reply_recv(sk[1], &error, &text), -EBADMSG);
        int32_t e = 5;
        char msg[6] = {SDBUS_REPLY};
        memcpy(msg + 1, &e, sizeof e);
        assert_int_equal(send(sk[0], msg, sizeof msg, 0), 6);
        assert_int_equal(sdbus_reply_recv(sk[1], &error, &text), -EBADMSG);
        /* the peer is gone */
        close(sk[0]);
        assert_int_equal(sdbus_reply_recv(sk[1], &error, &text), -ECONNRESET);
        close(sk[1]);
}

static void test_helper_path(void **state) {
        _cleanup_free_ char *p = NULL, *self = NULL;
        char *q = NULL;

        (void) state;
        /* next to the running binary: this test's build directory has the stand-in */
        assert_int_equal(helper_path(SDBUS_HELPER, &p), 0);
        assert_non_null(self = realpath("/proc/self/exe", NULL));
        *strrchr(self, '/') = 0;
        assert_true(strncmp(p, self, strlen(self)) == 0);
        assert_string_equal(p + strlen(self), "/" SDBUS_HELPER);
        assert_int_equal(helper_path("nspawn-no-such-helper", &q), -ENOENT);
        assert_int_equal(helper_path("test-sdbus.p", &q), -ENOENT); /* a directory there */
        assert_int_equal(helper_path("../nspawn", &q), -EINVAL);
        assert_int_equal(helper_path("", &q), -EINVAL);
        assert_int_equal(helper_path("..", &q), -EINVAL);
        assert_null(q);
}

static bool has(const char *text, const char *word) {
        return text && strstr(text, word);
}

/* The helper gets a clean process: its socket on fd 3 and nothing else of ours, its own session,
 * default signals, only DBUS_SYSTEM_BUS_ADDRESS, cwd "/", stdin /dev/null. */
static void test_client_spawn(void **state) {
        struct sdbus_client *c = NULL, *c2 = NULL;
        char *error = NULL, *text = NULL;
        sigset_t mask, old;

        (void) state;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGPIPE);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, &old);
        signal(SIGALRM, SIG_IGN);
        int leak = fcntl(0, F_DUPFD, 20); /* not close-on-exec: must not reach the helper */
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nowhere", 1);
        setenv("NSPAWN_TEST_SECRET", "x", 1);

        assert_int_equal(sdbus_client_acquire(&c, &error), 0);
        assert_null(error);
        struct sdbus_request req = {.op = SDBUS_REGISTER_MACHINE, .machine = "inspect"};
        assert_int_equal(sdbus_client_call(c, &req, &text), 0);
        /* stdio and the socket (at the number helper_start() chose), nothing else */
        int f[4], used = 0;
        assert_int_equal(sscanf(text, "fds=%d,%d,%d,%d %n", &f[0], &f[1], &f[2], &f[3], &used), 4);
        assert_true(used > 0 && f[0] == 0 && f[1] == 1 && f[2] == 2 && f[3] > 2);
        assert_true(has(text, " sid=own "));
        assert_true(has(text, " mask=empty "));
        assert_true(has(text, " sigalrm=default "));
        assert_true(has(text, " env=DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nowhere "));
        assert_true(has(text, " cwd=/ "));
        assert_true(has(text, " stdin=/dev/null "));
        const char *pid_at = strstr(text, " pid=");
        assert_non_null(pid_at);
        pid_t pid = atoi(pid_at + 5);

        /* a second user shares the helper */
        assert_int_equal(sdbus_client_acquire(&c2, &error), 0);
        assert_ptr_equal(c2, c);
        assert_null(sdbus_client_release(c2));
        assert_int_equal(kill(pid, 0), 0);
        /* the last release closes the socket: the helper sees EOF and exits, and is reaped */
        free(text);
        assert_null(sdbus_client_release(c));
        assert_int_equal(kill(pid, 0), -1);
        assert_int_equal(errno, ESRCH);

        close(leak);
        unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
        unsetenv("NSPAWN_TEST_SECRET");
        signal(SIGINT, SIG_DFL);
        sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_client_calls(void **state) {
        struct scope_property p = prop("PIDs", SCOPE_PIDS, "");
        struct sdbus_client *c = NULL;
        char *error = NULL, *text = NULL;

        (void) state;
        assert_int_equal(sdbus_client_acquire(&c, &error), 0);
        struct sdbus_request req = {
                .op = SDBUS_START_SCOPE,
                .machine = "m",
                .unit = "machine-m.scope",
                .uuid = {9},
                .leader = 77,
                .props = &p,
                .n_props = 1,
        };
        assert_int_equal(sdbus_client_call(c, &req, &text), 0);
        assert_string_equal(text,
                            "op=S machine=m unit=machine-m.scope root= leader=77 uuid0=9 n=1 first=PIDs:");
        free(text);
        /* an error comes back with its text */
        req.machine = "refuse";
        assert_int_equal(sdbus_client_call(c, &req, &text), -EPERM);
        assert_string_equal(text, "refused");
        free(text);
        /* a helper that dies: an error saying so, then every call fails */
        req.machine = "die";
        assert_int_equal(sdbus_client_call(c, &req, &text), -ECONNRESET);
        assert_string_equal(text, "the helper nspawn-sdbus exited");
        free(text);
        req.machine = "m";
        assert_int_equal(sdbus_client_call(c, &req, &text), -ECONNRESET);
        free(text);
        assert_null(sdbus_client_release(c));
        /* and the next user gets a new one */
        assert_int_equal(sdbus_client_acquire(&c, &error), 0);
        assert_int_equal(sdbus_client_call(c, &req, &text), 0);
        free(text);
        assert_null(sdbus_client_release(c));
}

struct seen {
        char names[128];
        int fail_at; /* return -EIO at this call (1-based), 0: never */
        int calls;
};

static int on_data(const void *payload, size_t size, void *userdata) {
        struct seen *s = userdata;
        s->calls++;
        if (s->fail_at == s->calls)
                return -EIO;
        snprintf(s->names + strlen(s->names), sizeof s->names - strlen(s->names), "%.*s;", (int) size,
                 (const char *) payload);
        return 0;
}

/* The queries: data messages before the reply, a callback's failure kept until the reply. */
static void test_client_query(void **state) {
        struct sdbus_client *c = NULL;
        char *error = NULL, *text = NULL;
        struct seen seen = {};

        (void) state;
        assert_int_equal(sdbus_client_acquire(&c, &error), 0);
        struct sdbus_request req = {.op = SDBUS_LIST_MACHINES};
        assert_int_equal(sdbus_client_query(c, &req, on_data, &seen, &text), 0);
        assert_null(text);
        assert_int_equal(seen.calls, 3);
        assert_string_equal(seen.names, "Name=one;bogus;Name=two;"); /* up to each first NUL */
        /* the callback fails on the second: its error, and the next request is answered in order */
        seen = (struct seen){.fail_at = 2};
        assert_int_equal(sdbus_client_query(c, &req, on_data, &seen, &text), -EIO);
        assert_int_equal(seen.calls, 2);
        free(text);
        seen = (struct seen){};
        req = (struct sdbus_request){.op = SDBUS_GET_MACHINE, .machine = "nosuch"};
        assert_int_equal(sdbus_client_query(c, &req, on_data, &seen, &text), -ENOENT);
        assert_string_equal(text, "No machine 'nosuch' known");
        assert_int_equal(seen.calls, 0);
        free(text);
        req.machine = "here";
        assert_int_equal(sdbus_client_query(c, &req, on_data, &seen, &text), 0);
        assert_string_equal(seen.names, "Name=here;");
        /* an action: its arguments reach the helper */
        req = (struct sdbus_request){
                .op = SDBUS_KILL_MACHINE, .machine = "m", .whom = "leader", .signal = 2};
        assert_int_equal(sdbus_client_call(c, &req, &text), 0);
        assert_non_null(strstr(text, "op=K machine=m "));
        assert_non_null(strstr(text, " whom=leader signal=2 src= dst= flags=0"));
        free(text);
        assert_null(sdbus_client_release(c));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pack_roundtrip),   cmocka_unit_test(test_pack_too_big),
                cmocka_unit_test(test_unpack_malformed), cmocka_unit_test(test_reply),
                cmocka_unit_test(test_helper_path),      cmocka_unit_test(test_client_spawn),
                cmocka_unit_test(test_client_calls),     cmocka_unit_test(test_pack_nspawnctl),
                cmocka_unit_test(test_client_query),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
