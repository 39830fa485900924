/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console forwarder against a fake container: a pty pair from posix_openpt() stands in for
 * the container's console (the test plays the payload on the slave), pipes stand in for
 * nspawn's stdin/stdout, and a second pty pair for a user's terminal. One epoll loop drives the
 * forwarder and the test's own readers and writers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "pty-forward.h"
#include "macro.h"

/* ---- helpers: a pty pair, a reader and a writer as event sources ----------------------------- */

struct pty_pair {
        int master;
        int slave;
};

static void pty_pair_open(struct pty_pair *p, bool raw) {
        struct termios t;

        p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        assert_true(p->master >= 0);
        assert_int_equal(grantpt(p->master), 0);
        assert_int_equal(unlockpt(p->master), 0);
        p->slave = open(ptsname(p->master), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        assert_true(p->slave >= 0);
        if (raw) {
                /* The payload side binary-clean: no echo, no CR/LF translation, no signals. */
                assert_int_equal(tcgetattr(p->slave, &t), 0);
                cfmakeraw(&t);
                assert_int_equal(tcsetattr(p->slave, TCSANOW, &t), 0);
        }
}

static void pty_pair_close(struct pty_pair *p) {
        safe_close(p->master);
        safe_close(p->slave);
}

/* Collects everything readable from an fd. */
struct sink {
        struct event_source src;
        int epfd;
        uint8_t *data;
        size_t len, cap;
        bool eof;
};

static int sink_dispatch(struct event_source *s, uint32_t events) {
        struct sink *k = s->userdata;

        for (;;) {
                if (k->cap - k->len < 65536) {
                        k->cap = k->cap * 2 + 65536;
                        k->data = realloc(k->data, k->cap);
                        assert_non_null(k->data);
                }
                ssize_t n = read(s->fd, k->data + k->len, k->cap - k->len);
                if (n > 0) {
                        k->len += (size_t) n;
                        continue;
                }
                if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                        /* EOF or EIO: stop watching, a level-triggered hangup would spin. */
                        k->eof = true;
                        event_del(k->epfd, s);
                }
                return 0;
        }
}

static void sink_init(struct sink *k, int epfd, int fd) {
        *k = (struct sink){
                .src = {.fd = fd, .dispatch = sink_dispatch, .userdata = k},
                .epfd = epfd,
        };
        assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
        assert_int_equal(event_add(epfd, &k->src, EPOLLIN), 0);
}

static void sink_done(struct sink *k, int epfd) {
        event_del(epfd, &k->src);
        free(k->data);
}

/* Writes a fixed buffer to an fd as fast as the fd takes it, then unregisters itself. */
struct feeder {
        struct event_source src;
        int epfd;
        const uint8_t *data;
        size_t len, off;
        bool registered;
};

static int feeder_dispatch(struct event_source *s, uint32_t events) {
        struct feeder *w = s->userdata;

        while (w->off < w->len) {
                ssize_t n = write(s->fd, w->data + w->off, w->len - w->off);
                if (n < 0) {
                        assert_true(errno == EAGAIN || errno == EINTR);
                        return 0;
                }
                w->off += (size_t) n;
        }
        event_del(w->epfd, s);
        w->registered = false;
        return 0;
}

/* Works on a dup of fd, so a sink may watch the same fd in the same epoll set. */
static void feeder_init(struct feeder *w, int epfd, int fd, const void *data, size_t len) {
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        assert_true(fd >= 0);
        *w = (struct feeder){
                .src = {.fd = fd, .dispatch = feeder_dispatch, .userdata = w},
                .epfd = epfd,
                .data = data,
                .len = len,
                .registered = true,
        };
        assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
        assert_int_equal(event_add(epfd, &w->src, EPOLLOUT), 0);
}

static void feeder_done(struct feeder *w) {
        if (w->registered)
                event_del(w->epfd, &w->src);
        w->registered = false;
        w->src.fd = safe_close(w->src.fd);
}

static uint64_t now_msec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

struct wait_for {
        const struct sink *sink;
        size_t len;
};

static bool sink_has(const void *u) {
        const struct wait_for *w = u;
        return w->sink->len >= w->len;
}

static bool never(const void *u) {
        return false;
}

/*
 * Run the loop until done() holds or timeout_ms passed. Returns the first positive dispatch
 * result (the forwarder's PTY_FORWARD_ESCAPE), else 0. Counts wakeups in *ret_wakeups.
 */
static int run_loop(int epfd, bool (*done)(const void *), const void *u, unsigned timeout_ms,
                    unsigned *ret_wakeups) {
        uint64_t end = now_msec() + timeout_ms;
        unsigned wakeups = 0;

        while (!done(u)) {
                struct epoll_event ev[16];
                uint64_t t = now_msec();
                if (t >= end)
                        break;
                int n = epoll_wait(epfd, ev, ELEMENTSOF(ev), (int) (end - t));
                if (n < 0 && errno == EINTR)
                        continue;
                assert_true(n >= 0);
                for (int i = 0; i < n; i++) {
                        struct event_source *s = ev[i].data.ptr;
                        int r = s->dispatch(s, ev[i].events);
                        assert_true(r >= 0);
                        wakeups++;
                        if (r > 0) {
                                if (ret_wakeups)
                                        *ret_wakeups = wakeups;
                                return r;
                        }
                }
        }
        if (ret_wakeups)
                *ret_wakeups = wakeups;
        return 0;
}

static void fill_random(uint8_t *p, size_t n, unsigned seed) {
        srand(seed);
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t) rand();
}

/* Input must not contain the escape sequence by chance: break every run of ^] at two. */
static void break_escape_runs(uint8_t *p, size_t n) {
        for (size_t i = 2; i < n; i++)
                if (p[i] == 0x1d && p[i - 1] == 0x1d && p[i - 2] == 0x1d)
                        p[i] = 'x';
}

static size_t pending_bytes(int fd) {
        int n = 0;
        assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
        return (size_t) n;
}

/* A fake container console, nspawn's stdin (pipe), stdout (pipe) and an epoll set. */
struct rig {
        int epfd;
        struct pty_pair pty;
        int in[2], out[2];
        struct sink at_out;   /* what nspawn wrote to its stdout */
        struct sink at_slave; /* what the payload read from its console */
        struct pty_forward *f;
};

static void rig_open(struct rig *g, enum console_mode mode) {
        g->epfd = epoll_create1(EPOLL_CLOEXEC);
        assert_true(g->epfd >= 0);
        pty_pair_open(&g->pty, true);
        assert_int_equal(pipe2(g->in, O_CLOEXEC), 0);
        assert_int_equal(pipe2(g->out, O_CLOEXEC), 0);
        sink_init(&g->at_out, g->epfd, g->out[0]);
        sink_init(&g->at_slave, g->epfd, g->pty.slave);
        assert_int_equal(pty_forward_new(g->epfd, g->pty.master, g->in[0], g->out[1], mode, &g->f), 0);
}

static void rig_close(struct rig *g) {
        g->f = pty_forward_free(g->f);
        sink_done(&g->at_out, g->epfd);
        sink_done(&g->at_slave, g->epfd);
        pty_pair_close(&g->pty);
        for (int i = 0; i < 2; i++) {
                safe_close(g->in[i]);
                safe_close(g->out[i]);
        }
        safe_close(g->epfd);
}

static void write_all(int fd, const void *p, size_t n) {
        assert_int_equal(write(fd, p, n), (ssize_t) n);
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_mode_resolve(void **state) {
        static const struct {
                enum console_mode in;
                bool stdin_tty, stdout_tty;
                enum console_mode out;
        } table[] = {
                {CONSOLE_AUTO, true, true, CONSOLE_INTERACTIVE},
                {CONSOLE_AUTO, true, false, CONSOLE_READ_ONLY},
                {CONSOLE_AUTO, false, true, CONSOLE_READ_ONLY},
                {CONSOLE_AUTO, false, false, CONSOLE_READ_ONLY},
                {CONSOLE_AUTOPIPE, true, true, CONSOLE_INTERACTIVE},
                {CONSOLE_AUTOPIPE, true, false, CONSOLE_PIPE},
                {CONSOLE_AUTOPIPE, false, true, CONSOLE_PIPE},
                {CONSOLE_AUTOPIPE, false, false, CONSOLE_PIPE},
                {CONSOLE_INTERACTIVE, false, false, CONSOLE_INTERACTIVE},
                {CONSOLE_READ_ONLY, true, true, CONSOLE_READ_ONLY},
                {CONSOLE_PASSIVE, true, true, CONSOLE_PASSIVE},
                {CONSOLE_PIPE, true, true, CONSOLE_PIPE},
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                assert_int_equal(console_mode_resolve(table[i].in, table[i].stdin_tty, table[i].stdout_tty),
                                 table[i].out);
}

static void test_new_rejects_unresolved_modes(void **state) {
        struct pty_forward *f = NULL;
        int epfd = epoll_create1(EPOLL_CLOEXEC);
        struct pty_pair p;

        pty_pair_open(&p, true);
        assert_int_equal(pty_forward_new(epfd, p.master, -1, -1, CONSOLE_AUTO, &f), -EINVAL);
        assert_int_equal(pty_forward_new(epfd, p.master, -1, -1, CONSOLE_PIPE, &f), -EINVAL);
        assert_null(f);
        pty_pair_close(&p);
        close(epfd);
}

static void test_interactive_both_directions(void **state) {
        struct rig g;
        struct wait_for w;

        rig_open(&g, CONSOLE_INTERACTIVE);

        write_all(g.in[1], "typed\n", 6);
        write_all(g.pty.slave, "printed\n", 8);

        w = (struct wait_for){&g.at_slave, 6};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);
        w = (struct wait_for){&g.at_out, 8};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);

        assert_int_equal(g.at_slave.len, 6);
        assert_memory_equal(g.at_slave.data, "typed\n", 6);
        assert_int_equal(g.at_out.len, 8);
        assert_memory_equal(g.at_out.data, "printed\n", 8);
        assert_false(pty_forward_escaped(g.f));

        rig_close(&g);
}

static void transfer_exact(size_t size) {
        _cleanup_free_ uint8_t *up = malloc(size), *down = malloc(size);
        struct feeder to_in, to_slave;
        struct wait_for w;
        struct rig g;

        assert_non_null(up);
        assert_non_null(down);
        fill_random(up, size, 1);
        break_escape_runs(up, size);
        fill_random(down, size, 2);

        rig_open(&g, CONSOLE_INTERACTIVE);
        feeder_init(&to_in, g.epfd, g.in[1], up, size);
        feeder_init(&to_slave, g.epfd, g.pty.slave, down, size);

        w = (struct wait_for){&g.at_out, size};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 60000, NULL), 0);
        w = (struct wait_for){&g.at_slave, size};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 60000, NULL), 0);

        /* Nothing more trickles in afterwards. */
        assert_int_equal(run_loop(g.epfd, never, NULL, 100, NULL), 0);
        assert_int_equal(g.at_slave.len, size);
        assert_true(memcmp(g.at_slave.data, up, size) == 0);
        assert_int_equal(g.at_out.len, size);
        assert_true(memcmp(g.at_out.data, down, size) == 0);

        feeder_done(&to_in);
        feeder_done(&to_slave);
        rig_close(&g);
}

static void test_one_megabyte_both_ways_exact(void **state) {
        transfer_exact(1024 * 1024);
}

/* The brief's throughput bar: 50 MB through the pty, not lost, not corrupted. */
static void test_fifty_megabytes_output_exact(void **state) {
        const size_t size = 50 * 1024 * 1024;
        _cleanup_free_ uint8_t *down = malloc(size);
        struct feeder to_slave;
        struct wait_for w;
        struct rig g;
        uint64_t t0;

        assert_non_null(down);
        fill_random(down, size, 3);
        rig_open(&g, CONSOLE_READ_ONLY);
        feeder_init(&to_slave, g.epfd, g.pty.slave, down, size);

        t0 = now_msec();
        w = (struct wait_for){&g.at_out, size};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 60000, NULL), 0);
        print_message("# 50 MB through the pty in %llu ms\n", (unsigned long long) (now_msec() - t0));
        assert_int_equal(g.at_out.len, size);
        assert_true(memcmp(g.at_out.data, down, size) == 0);

        feeder_done(&to_slave);
        rig_close(&g);
}

static void test_read_only_ignores_input(void **state) {
        struct wait_for w;
        struct rig g;

        rig_open(&g, CONSOLE_READ_ONLY);
        write_all(g.in[1], "secret", 6);
        write_all(g.pty.slave, "out", 3);

        w = (struct wait_for){&g.at_out, 3};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);
        assert_int_equal(run_loop(g.epfd, never, NULL, 200, NULL), 0);

        assert_memory_equal(g.at_out.data, "out", 3);
        assert_int_equal(g.at_slave.len, 0);
        /* stdin was not even read: the bytes are still in the pipe, and it stayed blocking. */
        assert_int_equal(pending_bytes(g.in[0]), 6);
        assert_false(fcntl(g.in[0], F_GETFL) & O_NONBLOCK);

        rig_close(&g);
}

static void test_passive_forwards_only_on_drain(void **state) {
        struct rig g;

        rig_open(&g, CONSOLE_PASSIVE);
        write_all(g.in[1], "typed", 5);
        write_all(g.pty.slave, "early output\n", 13);

        assert_int_equal(run_loop(g.epfd, never, NULL, 200, NULL), 0);
        assert_int_equal(g.at_out.len, 0);
        assert_int_equal(g.at_slave.len, 0);
        assert_int_equal(pending_bytes(g.in[0]), 5);

        /* The container exits: its side of the console goes away, then the supervisor drains. */
        event_del(g.epfd, &g.at_slave.src);
        g.pty.slave = safe_close(g.pty.slave);
        g.at_slave.src.fd = -EBADF;
        pty_forward_drain(g.f);

        assert_int_equal(pending_bytes(g.out[0]), 13);
        assert_int_equal(run_loop(g.epfd, never, NULL, 50, NULL), 0);
        assert_int_equal(g.at_out.len, 13);
        assert_memory_equal(g.at_out.data, "early output\n", 13);

        rig_close(&g);
}

static void test_drain_flushes_read_only_backlog(void **state) {
        const size_t size = 256 * 1024;
        _cleanup_free_ uint8_t *down = malloc(size);
        struct feeder to_slave;
        struct rig g;

        /* Output still in the pty when the container dies must reach stdout, even if stdout is
         * slower than the loop (nobody reads the pipe while we drain: drain waits for it). */
        assert_non_null(down);
        fill_random(down, size, 4);
        rig_open(&g, CONSOLE_READ_ONLY);
        event_del(g.epfd, &g.at_out.src);
        feeder_init(&to_slave, g.epfd, g.pty.slave, down, size);
        assert_int_equal(run_loop(g.epfd, never, NULL, 300, NULL), 0);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* A slow reader of nspawn's stdout. */
                size_t got = 0;
                uint8_t buf[4096];
                fcntl(g.out[0], F_SETFL, fcntl(g.out[0], F_GETFL) & ~O_NONBLOCK);
                close(g.out[1]);
                usleep(100 * 1000);
                for (;;) {
                        ssize_t n = read(g.out[0], buf, sizeof(buf));
                        if (n <= 0)
                                break;
                        if (memcmp(buf, down + got, (size_t) n) != 0)
                                _exit(2);
                        got += (size_t) n;
                }
                _exit(got == size ? 0 : 1);
        }

        /* Let the payload write the rest into the pty, then "exit" (close the slave). */
        while (to_slave.off < size) {
                struct pollfd p = {.fd = g.pty.slave, .events = POLLOUT};
                poll(&p, 1, 10);
                feeder_dispatch(&to_slave.src, POLLOUT);
                pty_forward_drain(g.f); /* makes room in the pty */
        }
        feeder_done(&to_slave);
        event_del(g.epfd, &g.at_slave.src);
        g.pty.slave = safe_close(g.pty.slave);
        g.at_slave.src.fd = -EBADF;
        pty_forward_drain(g.f);

        g.f = pty_forward_free(g.f);
        g.out[1] = safe_close(g.out[1]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);

        rig_close(&g);
}

static void test_escape_three_presses(void **state) {
        struct rig g;

        rig_open(&g, CONSOLE_INTERACTIVE);
        write_all(g.in[1], "\x1d\x1d\x1d", 3);
        assert_int_equal(run_loop(g.epfd, never, NULL, 2000, NULL), PTY_FORWARD_ESCAPE);
        assert_true(pty_forward_escaped(g.f));

        /* The sequence is not forwarded, and stdin is not read any more. */
        write_all(g.in[1], "after", 5);
        assert_int_equal(run_loop(g.epfd, never, NULL, 200, NULL), PTY_FORWARD_ESCAPE);
        struct pollfd p = {.fd = g.pty.slave, .events = POLLIN};
        assert_int_equal(poll(&p, 1, 200), 0);
        assert_int_equal(g.at_slave.len, 0);
        assert_int_equal(pending_bytes(g.in[0]), 5);

        rig_close(&g);
}

static void test_escape_separate_presses(void **state) {
        struct wait_for w;
        struct rig g;

        rig_open(&g, CONSOLE_INTERACTIVE);
        for (int i = 0; i < 2; i++) {
                write_all(g.in[1], "\x1d", 1);
                w = (struct wait_for){&g.at_slave, (size_t) i + 1};
                assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);
        }
        write_all(g.in[1], "\x1d", 1);
        assert_int_equal(run_loop(g.epfd, never, NULL, 2000, NULL), PTY_FORWARD_ESCAPE);
        assert_true(pty_forward_escaped(g.f));

        rig_close(&g);
}

static void test_two_presses_are_forwarded(void **state) {
        struct wait_for w;
        struct rig g;

        rig_open(&g, CONSOLE_INTERACTIVE);
        write_all(g.in[1], "\x1d\x1d", 2);
        w = (struct wait_for){&g.at_slave, 2};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);
        assert_memory_equal(g.at_slave.data, "\x1d\x1d", 2);

        /* Something else in between starts the count again. */
        write_all(g.in[1], "a\x1d\x1d", 3);
        w = (struct wait_for){&g.at_slave, 5};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);

        /* A third press more than a second after the first is a new first press. */
        write_all(g.in[1], "b\x1d\x1d", 3);
        w = (struct wait_for){&g.at_slave, 8};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);
        usleep(1100 * 1000);
        write_all(g.in[1], "\x1d", 1);
        w = (struct wait_for){&g.at_slave, 9};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);

        assert_memory_equal(g.at_slave.data,
                            "\x1d\x1d"
                            "a\x1d\x1d"
                            "b\x1d\x1d"
                            "\x1d",
                            9);
        assert_false(pty_forward_escaped(g.f));
        rig_close(&g);
}

static void test_window_size(void **state) {
        struct winsize ws = {.ws_row = 42, .ws_col = 123}, got;
        struct pty_pair user, ctr;
        struct pty_forward *f;
        int epfd = epoll_create1(EPOLL_CLOEXEC);

        pty_pair_open(&user, false);
        pty_pair_open(&ctr, true);
        assert_int_equal(ioctl(user.slave, TIOCSWINSZ, &ws), 0);

        assert_int_equal(pty_forward_new(epfd, ctr.master, user.slave, user.slave, CONSOLE_INTERACTIVE, &f),
                         0);
        assert_int_equal(ioctl(ctr.slave, TIOCGWINSZ, &got), 0);
        assert_int_equal(got.ws_row, 42);
        assert_int_equal(got.ws_col, 123);

        ws = (struct winsize){.ws_row = 50, .ws_col = 100};
        assert_int_equal(ioctl(user.slave, TIOCSWINSZ, &ws), 0);
        pty_forward_window_changed(f);
        assert_int_equal(ioctl(ctr.slave, TIOCGWINSZ, &got), 0);
        assert_int_equal(got.ws_row, 50);
        assert_int_equal(got.ws_col, 100);

        pty_forward_free(f);
        pty_pair_close(&user);
        pty_pair_close(&ctr);
        close(epfd);
}

/* nspawn run from a shell: stdin and stdout are one terminal, here even one fd number. */
static void test_shared_stdio_fd(void **state) {
        const size_t size = 256 * 1024;
        _cleanup_free_ uint8_t *down = malloc(size);
        struct pty_pair user, ctr;
        struct feeder to_slave;
        struct sink at_user, at_slave;
        struct pty_forward *f;
        struct wait_for w;
        int epfd = epoll_create1(EPOLL_CLOEXEC);

        assert_non_null(down);
        fill_random(down, size, 5);
        pty_pair_open(&user, false);
        pty_pair_open(&ctr, true);
        assert_int_equal(fcntl(user.slave, F_SETFL, fcntl(user.slave, F_GETFL) & ~O_NONBLOCK), 0);
        assert_int_equal(pty_forward_new(epfd, ctr.master, user.slave, user.slave, CONSOLE_INTERACTIVE, &f),
                         0);
        sink_init(&at_user, epfd, user.master);
        sink_init(&at_slave, epfd, ctr.slave);
        feeder_init(&to_slave, epfd, ctr.slave, down, size);

        /* Keys typed on the user's terminal (raw now: no line buffering, no ^C as a signal). */
        write_all(user.master, "ls\x03\r", 4);
        w = (struct wait_for){&at_slave, 4};
        assert_int_equal(run_loop(epfd, sink_has, &w, 2000, NULL), 0);
        assert_memory_equal(at_slave.data, "ls\x03\r", 4);

        w = (struct wait_for){&at_user, size};
        assert_int_equal(run_loop(epfd, sink_has, &w, 10000, NULL), 0);
        assert_int_equal(at_user.len, size);
        assert_true(memcmp(at_user.data, down, size) == 0);

        feeder_done(&to_slave);
        sink_done(&at_user, epfd);
        sink_done(&at_slave, epfd);
        pty_forward_free(f);
        assert_false(fcntl(user.slave, F_GETFL) & O_NONBLOCK);
        pty_pair_close(&user);
        pty_pair_close(&ctr);
        close(epfd);
}

static void test_raw_mode_and_restore(void **state) {
        struct pty_pair user, ctr;
        struct termios before, during, after;
        struct pty_forward *f;
        int epfd = epoll_create1(EPOLL_CLOEXEC);
        int fd;

        pty_pair_open(&user, false);
        pty_pair_open(&ctr, true);
        /* A blocking descriptor of the user's terminal, as a shell would hand it to nspawn. */
        fd = open(ptsname(user.master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(tcgetattr(fd, &before), 0);
        assert_true(before.c_lflag & ICANON);
        assert_true(before.c_lflag & ECHO);

        /* read-only leaves the terminal alone */
        assert_int_equal(pty_forward_new(epfd, ctr.master, fd, fd, CONSOLE_READ_ONLY, &f), 0);
        assert_int_equal(tcgetattr(fd, &during), 0);
        assert_true(during.c_lflag & ICANON);
        pty_forward_free(f);
        assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);

        assert_int_equal(pty_forward_new(epfd, ctr.master, fd, fd, CONSOLE_INTERACTIVE, &f), 0);
        assert_int_equal(tcgetattr(fd, &during), 0);
        assert_false(during.c_lflag & (ICANON | ECHO | ISIG));
        assert_false(during.c_iflag & (ICRNL | IXON));
        assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);

        /* A fatal path can put it back without freeing. */
        pty_forward_restore_terminal(f);
        assert_int_equal(tcgetattr(fd, &after), 0);
        assert_true(after.c_lflag & ICANON);
        assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);

        pty_forward_free(f);
        assert_int_equal(tcgetattr(fd, &after), 0);
        assert_int_equal(after.c_lflag, before.c_lflag);
        assert_int_equal(after.c_iflag, before.c_iflag);
        assert_int_equal(after.c_oflag, before.c_oflag);
        assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);

        close(fd);
        pty_pair_close(&user);
        pty_pair_close(&ctr);
        close(epfd);
}

static void test_console_hangup_and_reopen(void **state) {
        struct wait_for w;
        unsigned wakeups;
        struct rig g;
        char *path;

        rig_open(&g, CONSOLE_INTERACTIVE);
        path = strdup(ptsname(g.pty.master));
        assert_non_null(path);

        /* Last slave holder goes away (payload closed its console): EIO/EPOLLHUP on the master. */
        write_all(g.pty.slave, "bye\n", 4);
        event_del(g.epfd, &g.at_slave.src);
        g.pty.slave = safe_close(g.pty.slave);
        w = (struct wait_for){&g.at_out, 4};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);

        /* No busy loop while nobody holds the slave; typed input waits. */
        write_all(g.in[1], "hi", 2);
        assert_int_equal(run_loop(g.epfd, never, NULL, 300, &wakeups), 0);
        assert_true(wakeups < 20);

        /* The container opens its console again: both directions work. */
        g.pty.slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        assert_true(g.pty.slave >= 0);
        g.at_slave.src.fd = g.pty.slave;
        assert_int_equal(event_add(g.epfd, &g.at_slave.src, EPOLLIN), 0);
        write_all(g.pty.slave, "again\n", 6);
        write_all(g.in[1], "more", 4);
        w = (struct wait_for){&g.at_out, 10};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);
        assert_memory_equal(g.at_out.data, "bye\nagain\n", 10);
        w = (struct wait_for){&g.at_slave, 4};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);
        /* "hi" typed while the console was closed may or may not survive; "more" must arrive. */
        assert_non_null(memmem(g.at_slave.data, g.at_slave.len, "more", 4));

        free(path);
        rig_close(&g);
}

static void test_stdin_eof_keeps_forwarding_output(void **state) {
        struct wait_for w;
        struct rig g;

        rig_open(&g, CONSOLE_INTERACTIVE);
        write_all(g.in[1], "last", 4);
        g.in[1] = safe_close(g.in[1]);
        w = (struct wait_for){&g.at_slave, 4};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);

        write_all(g.pty.slave, "still here", 10);
        w = (struct wait_for){&g.at_out, 10};
        assert_int_equal(run_loop(g.epfd, sink_has, &w, 2000, NULL), 0);
        assert_memory_equal(g.at_out.data, "still here", 10);

        rig_close(&g);
}

static void test_regular_file_stdio(void **state) {
        char tmpl[] = "/tmp/test-console-XXXXXX";
        char buf[64];
        struct pty_forward *f;
        struct pty_pair p;
        int epfd = epoll_create1(EPOLL_CLOEXEC);
        int out, in;

        /* epoll refuses regular files and /dev/null: they must still work. */
        out = mkostemp(tmpl, O_CLOEXEC);
        assert_true(out >= 0);
        unlink(tmpl);
        in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(in >= 0);
        pty_pair_open(&p, true);

        assert_int_equal(pty_forward_new(epfd, p.master, in, out, CONSOLE_INTERACTIVE, &f), 0);
        write_all(p.slave, "to a file", 9);
        assert_int_equal(run_loop(epfd, never, NULL, 200, NULL), 0);
        pty_forward_free(f);

        assert_int_equal(pread(out, buf, sizeof(buf), 0), 9);
        assert_memory_equal(buf, "to a file", 9);

        pty_pair_close(&p);
        close(in);
        close(out);
        close(epfd);
}

static void test_stdout_closed_does_not_block_payload(void **state) {
        const size_t size = 512 * 1024;
        _cleanup_free_ uint8_t *down = calloc(1, size);
        struct feeder to_slave;
        struct rig g;

        assert_non_null(down);
        signal(SIGPIPE, SIG_IGN);
        rig_open(&g, CONSOLE_READ_ONLY);
        event_del(g.epfd, &g.at_out.src);
        g.out[0] = safe_close(g.out[0]);
        g.at_out.src.fd = -EBADF;

        feeder_init(&to_slave, g.epfd, g.pty.slave, down, size);
        assert_int_equal(run_loop(g.epfd, never, NULL, 500, NULL), 0);
        assert_int_equal(to_slave.off, size);

        feeder_done(&to_slave);
        rig_close(&g);
}

static void test_console_allocate_and_attach(void **state) {
        _cleanup_free_ char *path = NULL;
        char buf[64] = {};
        int master, r, status;
        size_t got = 0;
        pid_t pid;

        /* On the host's devpts; the container does the same on its own instance. */
        r = console_allocate(&master, &path);
        if (r == -ENOENT || r == -EACCES) {
                skip();
                return;
        }
        assert_int_equal(r, 0);
        assert_non_null(startswith(path, "/dev/pts/"));
        assert_true(fcntl(master, F_GETFD) & FD_CLOEXEC);

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (console_attach_stdio(path) < 0)
                        _exit(10);
                if (!isatty(0) || !isatty(1) || !isatty(2))
                        _exit(11);
                /* It is our controlling terminal and we lead its session. */
                pid_t sid;
                if (ioctl(0, TIOCGSID, &sid) < 0 || sid != getpid())
                        _exit(12);
                if (tcgetpgrp(0) != getpgrp())
                        _exit(13);
                if (write(1, "ok", 2) != 2)
                        _exit(14);
                _exit(0);
        }

        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);

        while (got < 2) {
                struct pollfd p = {.fd = master, .events = POLLIN};
                assert_int_equal(poll(&p, 1, 2000), 1);
                ssize_t n = read(master, buf + got, sizeof(buf) - 1 - got);
                assert_true(n > 0);
                got += (size_t) n;
        }
        assert_memory_equal(buf, "ok", 2);
        close(master);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mode_resolve),
                cmocka_unit_test(test_new_rejects_unresolved_modes),
                cmocka_unit_test(test_interactive_both_directions),
                cmocka_unit_test(test_one_megabyte_both_ways_exact),
                cmocka_unit_test(test_fifty_megabytes_output_exact),
                cmocka_unit_test(test_read_only_ignores_input),
                cmocka_unit_test(test_passive_forwards_only_on_drain),
                cmocka_unit_test(test_drain_flushes_read_only_backlog),
                cmocka_unit_test(test_escape_three_presses),
                cmocka_unit_test(test_escape_separate_presses),
                cmocka_unit_test(test_two_presses_are_forwarded),
                cmocka_unit_test(test_window_size),
                cmocka_unit_test(test_shared_stdio_fd),
                cmocka_unit_test(test_raw_mode_and_restore),
                cmocka_unit_test(test_console_hangup_and_reopen),
                cmocka_unit_test(test_stdin_eof_keeps_forwarding_output),
                cmocka_unit_test(test_regular_file_stdio),
                cmocka_unit_test(test_stdout_closed_does_not_block_payload),
                cmocka_unit_test(test_console_allocate_and_attach),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
