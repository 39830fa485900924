/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pty forwarder: struct pty_forward shovels bytes between the user's stdin/stdout and a pty
 * master on the caller's epoll set (nspawn's console, nspawnctl's login and shell).
 *
 * The forwarder registers every fd edge-triggered once and never changes the registration: a
 * readiness flag per direction is set by the event and cleared only by EAGAIN. That keeps the
 * two awkward cases quiet without timers: a master whose slave side is closed (EPOLLHUP stays
 * raised until the container reopens the console, which level-triggered epoll would report in
 * a busy loop) and stdin/stdout shared on one fd number. The master's EIO is "nobody holds the
 * slave right now", not an end: new output from a reopened slave raises a fresh edge. The
 * caller learns that the other side is gone by its own means (nspawn: PID 1's pidfd) and then
 * calls pty_forward_drain().
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "pty-forward.h"

#define ESCAPE_CHAR 0x1d /* ^] */
#define ESCAPE_PRESSES 3
#define ESCAPE_WINDOW_NSEC UINT64_C(1000000000)
#define PTY_BUFFER_SIZE (64 * 1024)

/* A linear buffer: bytes [start, end) are pending; partial writes just advance start. */
struct buffer {
        size_t start, end;
        uint8_t data[PTY_BUFFER_SIZE];
};

struct pty_forward {
        int epfd;
        enum console_mode mode;
        int master, in_fd, out_fd;

        struct event_source master_src, in_src, out_src;
        bool master_registered, in_registered, out_registered;
        /* epoll refused the fd (regular file, /dev/null): it is always ready and never EAGAINs. */
        bool in_always_ready, out_always_ready;

        /* Edge-triggered readiness: set by an event, cleared by EAGAIN (or EIO on the master). */
        bool master_readable, master_writable, in_readable, out_writable;
        bool in_done;    /* EOF or error on in_fd, or escape: never read it again */
        bool out_broken; /* out_fd failed: output is read and dropped so the payload never blocks */

        struct buffer to_master, to_out;

        char last_char; /* the last byte written to out_fd (machinectl ends its line) */

        unsigned escape_count;
        uint64_t escape_first_nsec;
        bool escaped;

        /* The user's terminal as it was, so any exit path can put it back. */
        struct termios saved_in_attr, saved_out_attr;
        bool saved_in, saved_out;
        int saved_in_flags, saved_out_flags; /* fcntl flags before O_NONBLOCK, or -1: untouched */
};

static size_t buffer_used(const struct buffer *b) {
        return b->end - b->start;
}

static size_t buffer_room(struct buffer *b) {
        if (b->start == b->end)
                b->start = b->end = 0;
        else if (b->end == sizeof(b->data) && b->start > 0) {
                memmove(b->data, b->data + b->start, b->end - b->start);
                b->end -= b->start;
                b->start = 0;
        }
        return sizeof(b->data) - b->end;
}

static void buffer_clear(struct buffer *b) {
        b->start = b->end = 0;
}

/* One read() into the free space: bytes read, 0 on EOF, or -errno. */
static ssize_t buffer_fill(struct buffer *b, int fd) {
        size_t room = buffer_room(b);
        ssize_t k;

        if (room == 0)
                return -ENOBUFS;
        k = read(fd, b->data + b->end, room);
        if (k < 0)
                return negative_errno();
        b->end += (size_t) k;
        return k;
}

/* One write() of the pending bytes: bytes written, or -errno. */
static ssize_t buffer_flush(struct buffer *b, int fd) {
        ssize_t k = write(fd, b->data + b->start, buffer_used(b));

        if (k < 0)
                return negative_errno();
        b->start += (size_t) k;
        return k;
}

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

/* ^] three times, all within one second of the first, with nothing else in between. */
static bool look_for_escape(struct pty_forward *f, const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (p[i] != ESCAPE_CHAR) {
                        f->escape_count = 0;
                        continue;
                }
                uint64_t t = now_nsec();
                if (f->escape_count == 0 || t - f->escape_first_nsec > ESCAPE_WINDOW_NSEC) {
                        f->escape_first_nsec = t;
                        f->escape_count = 1;
                } else if (++f->escape_count >= ESCAPE_PRESSES)
                        return true;
        }
        return false;
}

/*
 * Each step moves bytes one hop and returns 1 if it made progress, 0 if it is blocked, or a
 * negative errno for errors that mean a bug (EBADF …). Expected failures change state instead.
 */

/* Errors that no pty or pipe produces in normal operation: a bug in our caller. */
static bool error_is_fatal(ssize_t k) {
        return k == -EBADF || k == -EFAULT || k == -EINVAL;
}

static int step_read_input(struct pty_forward *f) {
        size_t old_end;
        ssize_t k;

        if (f->mode != CONSOLE_INTERACTIVE || f->in_done || !f->in_readable ||
            buffer_room(&f->to_master) == 0)
                return 0;

        old_end = f->to_master.end;
        k = buffer_fill(&f->to_master, f->in_fd);
        if (k == -EINTR)
                return 1;
        if (k == -EAGAIN) {
                f->in_readable = f->in_always_ready;
                return 0;
        }
        if (k <= 0) {
                /* EOF or a hung-up terminal: the payload keeps its console, we stop typing. */
                f->in_done = true;
                return 1;
        }
        if (look_for_escape(f, f->to_master.data + old_end, (size_t) k)) {
                /* The chunk that completes the sequence is not forwarded. */
                f->to_master.end = old_end;
                f->escaped = f->in_done = true;
        }
        return 1;
}

static int step_write_master(struct pty_forward *f) {
        ssize_t k;

        if (!f->master_writable || buffer_used(&f->to_master) == 0)
                return 0;

        k = buffer_flush(&f->to_master, f->master);
        if (k == -EINTR || k > 0)
                return 1;
        if (error_is_fatal(k))
                return (int) k;
        /* EAGAIN, or EIO with the slave closed: keep the bytes, wait for the next edge. */
        f->master_writable = false;
        return 0;
}

static int step_read_master(struct pty_forward *f) {
        ssize_t k;

        if (!f->master_registered || !f->master_readable || buffer_room(&f->to_out) == 0)
                return 0;

        k = buffer_fill(&f->to_out, f->master);
        if (k == -EINTR || k > 0)
                return 1;
        if (error_is_fatal(k))
                return (int) k;
        /* EAGAIN, or EIO/EOF: nobody holds the slave now; the container may open it again. */
        f->master_readable = false;
        return 0;
}

/* One write() of the pending output. */
static ssize_t flush_output(struct pty_forward *f) {
        ssize_t k = buffer_flush(&f->to_out, f->out_fd);
        if (k > 0)
                f->last_char = (char) f->to_out.data[f->to_out.start - 1];
        return k;
}

static int step_write_output(struct pty_forward *f) {
        ssize_t k;

        if (buffer_used(&f->to_out) == 0)
                return 0;
        if (f->out_broken) {
                buffer_clear(&f->to_out);
                return 1;
        }
        if (!f->out_writable)
                return 0;

        k = flush_output(f);
        if (k == -EINTR || k > 0)
                return 1;
        if (k == -EAGAIN) {
                f->out_writable = f->out_always_ready;
                return 0;
        }
        /* EPIPE, EIO, ENOSPC …: nowhere to put the output any more. */
        f->out_broken = true;
        return 1;
}

static int (*const steps[])(struct pty_forward *f) = {
        step_read_input,
        step_write_master,
        step_read_master,
        step_write_output,
};

/* Move bytes until every direction is blocked. */
static int pty_forward_pump(struct pty_forward *f) {
        bool progress;

        do {
                progress = false;
                for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                        int r = steps[i](f);
                        if (r < 0)
                                return r;
                        progress = progress || r > 0;
                }
        } while (progress);

        return f->escaped ? PTY_FORWARD_ESCAPE : 0;
}

static int on_master(struct event_source *s, uint32_t events) {
        struct pty_forward *f = s->userdata;

        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                f->master_readable = true;
        if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                f->master_writable = true;
        return pty_forward_pump(f);
}

/* Serves in_fd, out_fd, or both when they are the same fd number. */
static int on_stdio(struct event_source *s, uint32_t events) {
        struct pty_forward *f = s->userdata;

        if (s->fd == f->in_fd && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                f->in_readable = true;
        if (s->fd == f->out_fd && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
                f->out_writable = true;
        return pty_forward_pump(f);
}

static bool same_inode(int a, int b) {
        struct stat sa, sb;

        if (a < 0 || b < 0 || fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
                return false;
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Raw mode as systemd's ptyfwd does it: the pty inside does all line discipline work, so the
 * outer terminal must pass keys through untouched. When stdin and stdout are different
 * terminals, stdin keeps its output processing and stdout keeps its input processing.
 */
static void terminal_make_raw(struct pty_forward *f) {
        bool same = same_inode(f->in_fd, f->out_fd);
        struct termios raw;

        if (tcgetattr(f->in_fd, &f->saved_in_attr) >= 0) {
                raw = f->saved_in_attr;
                cfmakeraw(&raw);
                if (!same)
                        raw.c_oflag = f->saved_in_attr.c_oflag;
                f->saved_in = tcsetattr(f->in_fd, TCSANOW, &raw) >= 0;
        }

        if (!same && f->out_fd >= 0 && tcgetattr(f->out_fd, &f->saved_out_attr) >= 0) {
                raw = f->saved_out_attr;
                cfmakeraw(&raw);
                raw.c_iflag = f->saved_out_attr.c_iflag;
                raw.c_lflag = f->saved_out_attr.c_lflag;
                f->saved_out = tcsetattr(f->out_fd, TCSANOW, &raw) >= 0;
        }
}

/* Returns the flags to restore later, or -1 if nothing was changed. */
static int fd_make_nonblock(int fd) {
        int flags = fcntl(fd, F_GETFL);

        if (flags < 0 || (flags & O_NONBLOCK))
                return -1;
        if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -1;
        return flags;
}

/* Register edge-triggered once. EPERM means a regular file or the like: always ready. */
static int forward_register(struct pty_forward *f, struct event_source *s, int fd, uint32_t events,
                            int (*dispatch)(struct event_source *, uint32_t), bool *registered,
                            bool *always_ready) {
        int r;

        *s = (struct event_source){.fd = fd, .dispatch = dispatch, .userdata = f};
        r = event_add(f->epfd, s, events | EPOLLET);
        if (r == -EPERM && always_ready) {
                *always_ready = true;
                return 0;
        }
        if (r < 0)
                return r;
        *registered = true;
        return 0;
}

static int forward_setup(struct pty_forward *f) {
        bool interactive = f->mode == CONSOLE_INTERACTIVE;
        bool output = f->mode != CONSOLE_PASSIVE && f->out_fd >= 0;
        bool shared = interactive && output && f->in_fd == f->out_fd;
        int r;

        if (interactive && f->in_fd >= 0) {
                terminal_make_raw(f);
                f->saved_in_flags = fd_make_nonblock(f->in_fd);
                r = forward_register(f, &f->in_src, f->in_fd, EPOLLIN | (shared ? EPOLLOUT : 0), on_stdio,
                                     &f->in_registered, &f->in_always_ready);
                if (r < 0)
                        return r;
                f->in_readable = f->in_always_ready;
                if (shared)
                        f->out_writable = f->out_always_ready = f->in_always_ready;
        } else
                f->in_done = true;

        if (output && !shared) {
                f->saved_out_flags = fd_make_nonblock(f->out_fd);
                r = forward_register(f, &f->out_src, f->out_fd, EPOLLOUT, on_stdio, &f->out_registered,
                                     &f->out_always_ready);
                if (r < 0)
                        return r;
                f->out_writable = f->out_always_ready;
        }

        /* Passive: the master is only read by pty_forward_drain(). */
        if (f->mode == CONSOLE_PASSIVE)
                return 0;
        return forward_register(f, &f->master_src, f->master, EPOLLIN | (interactive ? EPOLLOUT : 0),
                                on_master, &f->master_registered, NULL);
}

int pty_forward_new(int epfd, int master, int in_fd, int out_fd, enum console_mode mode,
                    struct pty_forward **ret) {
        struct pty_forward *f;
        int flags, r;

        if (epfd < 0 || master < 0 ||
            !(mode == CONSOLE_INTERACTIVE || mode == CONSOLE_READ_ONLY || mode == CONSOLE_PASSIVE))
                return -EINVAL;

        flags = fcntl(master, F_GETFL);
        if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0)
                return negative_errno();

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        *f = (struct pty_forward){
                .epfd = epfd,
                .mode = mode,
                .master = master,
                .in_fd = in_fd,
                .out_fd = out_fd,
                .saved_in_flags = -1,
                .saved_out_flags = -1,
        };

        r = forward_setup(f);
        if (r < 0) {
                pty_forward_free(f);
                return r;
        }

        pty_forward_window_changed(f);
        *ret = f;
        return 0;
}

void pty_forward_window_changed(struct pty_forward *f) {
        struct winsize ws;

        if (!f)
                return;
        if ((f->out_fd < 0 || ioctl(f->out_fd, TIOCGWINSZ, &ws) < 0) &&
            (f->in_fd < 0 || ioctl(f->in_fd, TIOCGWINSZ, &ws) < 0))
                return;
        (void) ioctl(f->master, TIOCSWINSZ, &ws);
}

/* Write out everything buffered, waiting for a slow reader; false if out_fd is gone. */
static bool flush_output_blocking(struct pty_forward *f) {
        while (buffer_used(&f->to_out) > 0 && !f->out_broken) {
                ssize_t k = flush_output(f);

                if (k == -EAGAIN) {
                        struct pollfd p = {.fd = f->out_fd, .events = POLLOUT};
                        if (poll(&p, 1, -1) < 0 && errno != EINTR)
                                f->out_broken = true;
                } else if (k < 0 && k != -EINTR)
                        f->out_broken = true;
        }
        buffer_clear(&f->to_out);
        return !f->out_broken;
}

void pty_forward_drain(struct pty_forward *f) {
        if (!f || f->out_fd < 0)
                return;

        /* Read until the pty is empty (EAGAIN) or nobody holds the slave any more (EIO). */
        while (flush_output_blocking(f)) {
                ssize_t k = buffer_fill(&f->to_out, f->master);

                if (k == -EINTR)
                        continue;
                if (k <= 0)
                        break;
        }
}

bool pty_forward_escaped(const struct pty_forward *f) {
        return f && f->escaped;
}

char pty_forward_last_char(const struct pty_forward *f) {
        return f ? f->last_char : 0;
}

void pty_forward_restore_terminal(const struct pty_forward *f) {
        if (!f)
                return;
        /* Output first: when both are the same terminal, stdin's saved state is the original. */
        if (f->saved_out)
                (void) tcsetattr(f->out_fd, TCSANOW, &f->saved_out_attr);
        if (f->saved_in)
                (void) tcsetattr(f->in_fd, TCSANOW, &f->saved_in_attr);
        if (f->saved_out_flags >= 0)
                (void) fcntl(f->out_fd, F_SETFL, f->saved_out_flags);
        if (f->saved_in_flags >= 0)
                (void) fcntl(f->in_fd, F_SETFL, f->saved_in_flags);
}

struct pty_forward *pty_forward_free(struct pty_forward *f) {
        if (!f)
                return NULL;

        if (f->master_registered)
                event_del(f->epfd, &f->master_src);
        if (f->in_registered)
                event_del(f->epfd, &f->in_src);
        if (f->out_registered)
                event_del(f->epfd, &f->out_src);
        pty_forward_restore_terminal(f);
        free(f);
        return NULL;
}
