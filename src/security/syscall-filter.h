/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The container's syscall filter: systemd-nspawn's default allow list (groups and single calls,
 * some only with a capability), --system-call-filter additions and ~removals, plus what nspawn
 * adds: io_uring_* and userfaultfd denied, ioctl(TIOCSTI/TIOCLINUX) denied comparing the low 32
 * bits only, socket(AF_NETLINK, *, NETLINK_AUDIT) → EAFNOSUPPORT. Every local architecture.
 *
 * Compiling the policy with libseccomp costs tens of milliseconds, so the supervisor compiles it
 * once into a classic BPF program and keeps it in a cache keyed by a hash of the policy
 * (cache_dir, root-only). The child only calls seccomp(SECCOMP_SET_MODE_FILTER) with the ready
 * program: no libseccomp work after clone.
 *
 * The tables and name lookups (seccomp_name_valid) are in syscall-groups.h, the cache in
 * syscall-filter-cache.h.
 */

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

struct seccomp_program; /* the BPF program to load (see syscall-filter.c) */

/* Parent side. caps = the capability set the payload keeps. cache_dir NULL: no cache. */
int seccomp_program_prepare(const struct settings *s, uint64_t caps, const char *cache_dir,
                            struct seccomp_program **ret);
/* Child side: load the filter (needs CAP_SYS_ADMIN or no_new_privs). Async-signal-safe. */
int seccomp_program_load(const struct seccomp_program *p);
struct seccomp_program *seccomp_program_free(struct seccomp_program *p);
/* The program as one byte image (what the cache file holds): for tests and diagnostics. */
const void *seccomp_program_image(const struct seccomp_program *p, size_t *ret_size);
/* The program itself: for tests. */
const struct sock_fprog *seccomp_program_fprog(const struct seccomp_program *p);

/* The default cache directory: /var/cache/nspawn/seccomp. */
#define SECCOMP_CACHE_DIR "/var/cache/nspawn/seccomp"
