/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The container's console: a pty allocated from the container's own devpts instance (so the
 * payload never sees a host pts); the supervisor forwards it to nspawn's terminal (pty-forward.h).
 */

#include <stdbool.h>

#include "settings.h"

/* Resolve CONSOLE_AUTO/AUTOPIPE from whether stdin/stdout are ttys. Never returns AUTO/AUTOPIPE. */
enum console_mode console_mode_resolve(enum console_mode m, bool stdin_tty, bool stdout_tty);

/*
 * Child side, after pivot_root into the container with /dev/pts mounted (newinstance): open
 * /dev/pts/ptmx, unlock, and return the master and the slave's path ("/dev/pts/0").
 */
int console_allocate(int *ret_master, char **ret_slave_path);

/* Child side: setsid(), open the slave, make it the controlling terminal, dup it to 0, 1, 2. */
int console_attach_stdio(const char *slave_path);
