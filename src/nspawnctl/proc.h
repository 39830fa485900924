/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Processes through pidfds. A PID names a process only while that process lives: everything read
 * from /proc/PID after pidfd_open(PID) belongs to the pidfd's process if the pidfd's process is
 * still alive afterwards (pidfd_alive()), since a PID is not reused before its process is reaped.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

int pidfd_open_pid(pid_t pid);
/* true while the process has not exited (its pidfd is not readable yet) */
bool pidfd_alive(int pidfd);
int pidfd_signal(int pidfd, int sig);

/* /proc/PID/comm without the newline. */
int proc_comm(pid_t pid, char **ret);
/* The command line, arguments joined by spaces (control characters escaped), or "[comm]" when it
 * is empty (kernel threads, zombies). */
int proc_cmdline(pid_t pid, char **ret);
/* Field 4 of /proc/PID/stat. */
int proc_ppid(pid_t pid, pid_t *ret);
/* Open /proc/PID/WHAT (flags as openat) and prove it is pidfd's: -ESRCH if the process went. */
int proc_open_verified(int pidfd, pid_t pid, const char *what, int flags);

/* Current time in µs. */
uint64_t now_usec(int clock);
