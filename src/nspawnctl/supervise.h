/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * nspawnctl's own supervisor (supervise.c) and what start (start.c) shares with it: the timeouts
 * and the one report the supervisor sends back to start over a pipe.
 */

#include <stdint.h>

#define RESTART_USEC (100 * 1000ULL)   /* RestartSec= */
#define TIMEOUT_USEC (90 * 1000000ULL) /* TimeoutStartSec=, TimeoutStopSec= */
#define LOG_CHECK_MS 5000
#define REMOVE_WAIT_MS 15000
#define ERROR_TAIL_MAX (64 * 1024) /* of nspawn's output shown by a failed start */

/* What the supervisor tells start, once (a pipe: one atomic write). */
struct report {
        char type;                /* 'R' running, 'E' nspawn ended before, 'F' the supervisor failed */
        int status;               /* 'E': start's exit status; 'F': an errno */
        int64_t log_from, log_to; /* 'E': what nspawn wrote to the log */
        char what[200];           /* 'F': what failed */
};

/* The supervisor's life, in the child start forked: it holds state_fd's lock (the state file at
 * state_path), runs nspawn (the program at nspawn, owned) and reports on report_fd. */
_noreturn_ void supervisor_main(const char *name, const char *state_path, char *nspawn, int state_fd,
                                int report_fd);
