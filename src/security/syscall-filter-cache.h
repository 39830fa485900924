/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The cache of compiled syscall filters (see syscall-filter.h). An entry is named by a hash of the
 * policy's canonical description: everything the compiled programs depend on, as text. The entry
 * holds that description itself (checked by the reader), so a hash collision can never hand out
 * the wrong filter. The directory is used only while it belongs to us and nobody else can write
 * to it; readers see a whole old entry or a whole new one.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

/* Cache entries are never larger. */
#define SYSCALL_FILTER_IMAGE_SIZE_MAX (4u << 20)

#define FNV64_OFFSET UINT64_C(0xcbf29ce484222325)
/* FNV-1a, 64 bits: start with FNV64_OFFSET, feed data in pieces. */
uint64_t fnv1a64(uint64_t h, const void *data, size_t n);

/* The description of the policy for settings s and the payload's capabilities caps. */
int syscall_filter_describe(const struct settings *s, uint64_t caps, char **ret);

/* An fd for the cache directory dir (created with create), or a negative errno. */
int syscall_filter_cache_open(const char *dir, bool create);
/* The raw entry for desc: the caller checks its contents. */
int syscall_filter_cache_load(int dir_fd, const char *desc, void **ret, size_t *ret_size);
int syscall_filter_cache_store(int dir_fd, const char *desc, const void *image, size_t size);
