/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsers for the values options and settings files take. All return 0 or -EINVAL/-ERANGE. */

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

/* yes/no/true/false/on/off/1/0 (case-insensitive): 1 or 0, or -EINVAL. */
int parse_boolean(const char *v);
int parse_int(const char *s, int *ret);
int parse_uint32(const char *s, uint32_t *ret);

/* "SIGTERM", "TERM", "15", "SIGRTMIN+3", "RTMIN+3": signal number, or -EINVAL. */
int signal_from_string(const char *s);
/* "SIGTERM", "SIGRTMIN+3" (static buffer for RT signals is not used: returns a pointer into a
 * table; RT signals are formatted into buf of at least 16 bytes). */
const char *signal_to_string(int sig, char *buf, size_t size);

/* "NOFILE" or "RLIMIT_NOFILE" → RLIMIT_NOFILE, or -EINVAL. */
int rlimit_from_string(const char *s);
const char *rlimit_to_string(int r); /* "NOFILE" */
/* "SOFT[:HARD]", each a number or "infinity"; one value sets both. */
int parse_rlimit_value(const char *s, struct rlimit *ret);

/* The value of one hex digit, or -EINVAL. */
int unhex_char(char c);

/* 32 hex digits, with or without dashes. All-zero is -EINVAL. */
int uuid_parse(const char *s, uint8_t ret[16]);
void uuid_format(const uint8_t u[16], char buf[37]);       /* dashed */
void uuid_format_plain(const uint8_t u[16], char buf[33]); /* 32 hex digits */
int uuid_random(uint8_t ret[16]);                          /* v4 */

/* "0-3,6 8": allocates a cpu_set_t of *ret_size bytes. */
int parse_cpu_set(const char *s, cpu_set_t **ret, size_t *ret_size);

/* Personality names as systemd: "x86", "x86-64", ... → PER_LINUX / PER_LINUX32. */
int personality_from_string(const char *s, unsigned long *ret);

bool hostname_is_valid(const char *s);
/* Machine names are hostnames that may also be used as file names. */
bool machine_name_is_valid(const char *s);
bool path_is_absolute(const char *p);
/* Absolute, no "." or ".." components, no "//", no trailing slash (except "/"). */
bool path_is_normalized(const char *p);

/* Additions used by the option parsers. */

/* 1..65535. */
int parse_port(const char *s, uint16_t *ret);
/* Simplify in place: collapse "//", drop "." components and a trailing slash. Keeps "..". */
char *path_simplify(char *p);
/* Absolute (relative paths are taken from the current directory) and simplified. */
int path_make_absolute_cwd(const char *p, char **ret);
/* A single path component: not empty, not "." or "..", no "/", at most NAME_MAX. */
bool filename_is_valid(const char *s);
/* A network interface name: 1..15 printable chars, no "/", ":" or spaces, not all digits. */
bool ifname_is_valid(const char *s);
/* Environment variable names: [A-Za-z_][A-Za-z0-9_]*. Assignments: NAME=VALUE. */
bool env_name_is_valid(const char *s);
bool env_assignment_is_valid(const char *s);
/* A user or group name (or numeric ID) that may be looked up: no "/", ":", whitespace or control
 * characters, does not start with "-", not "." or "..", at most 256 chars. */
bool user_name_is_valid(const char *s);

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
