/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "event.h"
#include "settings.h"

/*
 * Forwards in_fd → master (interactive only) and master → out_fd; watches for
 * ^] pressed three times within one second (interactive) and reports it as PTY_FORWARD_ESCAPE
 * from the dispatch. Puts in_fd's terminal into raw mode while alive (restored on free).
 */
#define PTY_FORWARD_ESCAPE 1

struct pty_forward;
/*
 * mode must be resolved: CONSOLE_INTERACTIVE, CONSOLE_READ_ONLY or CONSOLE_PASSIVE. The fds stay
 * owned by the caller (close them after pty_forward_free()); master is made non-blocking, in_fd
 * (interactive) and out_fd get O_NONBLOCK until free. in_fd/out_fd may be the same fd, may be
 * -1, and may be regular files or /dev/null (epoll refuses those; they are read/written directly).
 * The registered sources dispatch 0, PTY_FORWARD_ESCAPE (from then on) or a negative errno.
 * Since out_fd may be a pipe, the caller should ignore SIGPIPE.
 */
int pty_forward_new(int epfd, int master, int in_fd, int out_fd, enum console_mode mode,
                    struct pty_forward **ret);
/* Copy nspawn's terminal window size to the pty (on start and on SIGWINCH). */
void pty_forward_window_changed(struct pty_forward *f);
/* After the container died: write whatever is still buffered in the pty to out_fd. */
void pty_forward_drain(struct pty_forward *f);
/* Returns true once the user pressed the escape sequence. */
bool pty_forward_escaped(const struct pty_forward *f);
/* The last byte written to out_fd (0 if none). */
char pty_forward_last_char(const struct pty_forward *f);
/*
 * Put the user's terminal back (termios, blocking mode) as it was before pty_forward_new().
 * Called by pty_forward_free(); async-signal-safe and repeatable, for fatal paths.
 */
void pty_forward_restore_terminal(const struct pty_forward *f);
struct pty_forward *pty_forward_free(struct pty_forward *f);
