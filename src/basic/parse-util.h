/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsers for the values options and settings files take: booleans, numbers, CPU sets, words.
 * All return 0 or -EINVAL/-ERANGE (-ENOMEM where they allocate). */

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/* yes/no/true/false/on/off/1/0 (case-insensitive): 1 or 0, or -EINVAL. */
int parse_boolean(const char *v);
int parse_int(const char *s, int *ret);
int parse_uint32(const char *s, uint32_t *ret);
int parse_u64(const char *s, uint64_t *ret);
/* A decimal number in [min, max]: -ERANGE outside. */
int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
/* A size as systemd's parse_size() reads it: a decimal number with an optional fraction and a
 * suffix K, M, G, T, P, E (powers of base, 1024 or 1000) or B; several such parts are added
 * ("1G 512M"). -ERANGE on overflow or a negative number. */
int parse_size(const char *s, uint64_t base, uint64_t *ret);
/* 1..65535. */
int parse_port(const char *s, uint16_t *ret);
/* The value of one hex digit, or -EINVAL. */
int unhex_char(char c);
/* "0-3,6 8": allocates a cpu_set_t of *ret_size bytes. */
int parse_cpu_set(const char *s, cpu_set_t **ret, size_t *ret_size);
/*
 * Extract the next word from *p up to one of seps. A backslash takes the next character
 * literally (so "\:" embeds a colon). Separators are not coalesced: "a::b" has an empty middle
 * word. Returns 1 and the word, setting *p to the rest (NULL after the last word), or 0 if *p was
 * NULL (no more words), or -ENOMEM / -EINVAL (trailing backslash).
 */
int extract_word(const char **p, const char *seps, char **ret);
/* Split a shell-like list: whitespace-separated words, '…' and "…" quoting, backslash escapes.
 * Unbalanced quotes are -EINVAL. */
int split_quoted(const char *s, char ***ret);
