/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* UUIDs (container and machine IDs). */

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/* 32 hex digits, with or without dashes. All-zero is -EINVAL. */
int uuid_parse(const char *s, uint8_t ret[16]);
void uuid_format(const uint8_t u[16], char buf[37]);       /* dashed */
void uuid_format_plain(const uint8_t u[16], char buf[33]); /* 32 hex digits */
int uuid_random(uint8_t ret[16]);                          /* v4 */
