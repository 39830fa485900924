/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The session process: control.c clones it per request, session.c is its life (control.h has
 * the picture). Not part of any other interface. */

#include <stddef.h>
#include <sys/types.h>

struct spawn_params;
struct spawn_host;

struct session_context {
        const struct spawn_params *p;
        const struct spawn_host *host;
        pid_t supervisor;      /* our parent */
        int conn;              /* the client's connection (the request is still unread) */
        int leader_fd;         /* PID 1's pidfd: its namespaces */
        const int *cgroup_fds; /* the v1 tasks files of the container's cgroup */
        size_t n_cgroup_fds;
};

/* The session process's life: it never returns. Errors go to the client ('E'). */
_Noreturn void session_main(const struct session_context *ctx);

/* The nspawn-enter program (src/stub/enter.c) in a sealed memfd. */
int enter_memfd(void);
