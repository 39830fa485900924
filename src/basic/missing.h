/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a C library may lack. The guard (src/guard/guard-main.c) is also built against musl,
 * whose headers have no statx(); glibc has had it since 2.28.
 */

#include <sys/stat.h>

#if !defined(__GLIBC__) && !defined(STATX_MNT_ID)
#include <linux/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int statx(int dir_fd, const char *path, int flags, unsigned mask, struct statx *ret) {
        return (int) syscall(SYS_statx, dir_fd, path, flags, mask, ret);
}
#endif

/* glibc has it since 2.34 (unistd.h); musl has not. */
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
