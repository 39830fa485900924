/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Forwarding nspawnctl's stdio to and from a session's pipes (stdio-forward.h). */

#include "stdio-forward.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "macro.h"

#define CHANNEL_BUFFER (64 * 1024)
/* After POLLOUT a pipe, socket or terminal takes this much without blocking; files take all. */
#define SAFE_WRITE 4096

struct channel {
        int from, to;
        bool owns_from, owns_to; /* the session's pipe ends (ours to close); our stdio is not */
        bool from_done;          /* EOF or error: nothing more to read */
        bool to_broken;          /* a write failed: what comes is dropped */
        bool close_to_at_eof;    /* stdin: the session sees our EOF */
        bool to_unbounded;       /* a regular file or /dev/null: writes never block */
        size_t start, end;
        char buf[CHANNEL_BUFFER];
};

struct stdio_forward {
        struct channel ch[3]; /* stdin → session, session stdout → stdout, stderr → stderr */
};

/* A regular file or /dev/null: a write never waits. */
static bool unbounded(int fd) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return false;
        return S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
}

static void channel_init(struct channel *c, int from, int to, bool session_from) {
        *c = (struct channel){.from = from, .to = to, .owns_from = session_from, .owns_to = !session_from};
        c->close_to_at_eof = !session_from;
        /* the session's ends never block us: non-blocking */
        (void) fcntl(session_from ? from : to, F_SETFL, O_NONBLOCK);
        c->to_unbounded = session_from ? unbounded(to) : true;
}

int stdio_forward_new(int in_w, int out_r, int err_r, struct stdio_forward **ret) {
        struct stdio_forward *f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        channel_init(&f->ch[0], STDIN_FILENO, in_w, false);
        channel_init(&f->ch[1], out_r, STDOUT_FILENO, true);
        channel_init(&f->ch[2], err_r, STDERR_FILENO, true);
        *ret = f;
        return 0;
}

static size_t used(const struct channel *c) {
        return c->end - c->start;
}

static void channel_read(struct channel *c) {
        if (c->start == c->end)
                c->start = c->end = 0;
        if (c->end == sizeof(c->buf))
                return;
        ssize_t k = read(c->from, c->buf + c->end, sizeof(c->buf) - c->end);
        if (k > 0)
                c->end += (size_t) k;
        else if (k == 0 || (errno != EAGAIN && errno != EINTR))
                c->from_done = true;
}

static void channel_write(struct channel *c) {
        size_t n = used(c);
        if (!c->to_unbounded)
                n = MIN(n, (size_t) SAFE_WRITE);
        ssize_t k = write(c->to, c->buf + c->start, n);
        if (k > 0)
                c->start += (size_t) k;
        else if (k < 0 && errno != EAGAIN && errno != EINTR)
                c->to_broken = true;
}

/* After each step: dropped output, and our EOF passed on once everything before it is. */
static void channel_settle(struct channel *c) {
        if (c->to_broken)
                c->start = c->end = 0;
        if (c->from_done && used(c) == 0 && c->close_to_at_eof && c->to >= 0)
                c->to = safe_close(c->to);
}

int stdio_forward_wait(struct stdio_forward *f, const int *extra, size_t n) {
        if (n > 4)
                return -EINVAL;
        for (;;) {
                struct pollfd p[6 + 4];
                struct channel *who[6];
                short what[6];
                size_t k = 0;
                for (int i = 0; i < 3; i++) {
                        struct channel *c = &f->ch[i];
                        channel_settle(c);
                        if (!c->from_done && c->end - c->start < sizeof(c->buf))
                                who[k] = c, what[k] = POLLIN, p[k++] = (struct pollfd){c->from, POLLIN, 0};
                        if (used(c) > 0 && c->to >= 0 && !c->to_broken)
                                who[k] = c, what[k] = POLLOUT, p[k++] = (struct pollfd){c->to, POLLOUT, 0};
                }
                for (size_t i = 0; i < n; i++)
                        p[k + i] = (struct pollfd){extra[i], POLLIN, 0};
                if (poll(p, k + n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (size_t i = 0; i < n; i++)
                        if (p[k + i].revents)
                                return (int) i;
                for (size_t i = 0; i < k; i++) {
                        if (!p[i].revents)
                                continue;
                        if (what[i] == POLLIN)
                                channel_read(who[i]);
                        else
                                channel_write(who[i]);
                }
        }
}

/* Write out what is buffered, waiting for a slow reader; a failure drops the rest. */
static void channel_flush(struct channel *c) {
        while (used(c) > 0 && !c->to_broken) {
                struct pollfd p = {c->to, POLLOUT, 0};
                if (!c->to_unbounded && poll(&p, 1, -1) < 0 && errno != EINTR)
                        break;
                channel_write(c);
        }
        c->start = c->end = 0;
}

void stdio_forward_drain(struct stdio_forward *f) {
        for (int i = 1; i < 3; i++) {
                struct channel *c = &f->ch[i];
                /* what is in the pipe now; EAGAIN: anything later is from processes left behind */
                while (!c->from_done) {
                        size_t before = c->end;
                        channel_read(c);
                        if (c->end == before && !c->from_done && c->end < sizeof(c->buf))
                                break;
                        channel_flush(c);
                }
                channel_flush(c);
        }
}

struct stdio_forward *stdio_forward_free(struct stdio_forward *f) {
        if (!f)
                return NULL;
        for (int i = 0; i < 3; i++) {
                struct channel *c = &f->ch[i];
                if (c->owns_from)
                        safe_close(c->from);
                if (c->owns_to)
                        safe_close(c->to);
        }
        free(f);
        return NULL;
}
