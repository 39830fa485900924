/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A helper program's first step (helper.h): become a clean process whatever its starter left.
 * Signal dispositions back to default (terminal and job-control signals ignored: a ^C to nspawn's
 * process group must not take the helper along) and an empty signal mask, a session of its own,
 * "/" as working directory, /dev/null as stdin and stdout (and stderr unless keep_stderr), and
 * every other fd closed but keep_fd, which becomes close-on-exec.
 *
 * "NAME FD": the socket's fd number from argv; -EINVAL if it is not one.
 */

#include <stdbool.h>

int helper_socket_arg(int argc, char *argv[]);
int helper_detach(int keep_fd, bool keep_stderr);
