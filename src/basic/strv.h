/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* NULL-terminated string vectors. */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
char **strv_copy(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* Append a copy of s; returns 0 or -ENOMEM. */
int strv_extend(char ***l, const char *s);
/* Append s, taking ownership (freed on failure). */
int strv_push(char ***l, char *s);
/* Split on any of the separator characters, skipping empty words. */
int strv_split(const char *s, const char *separators, char ***ret);
/* Set NAME=VALUE in an environment list, replacing an existing NAME. assignment is copied. */
int strv_env_set(char ***l, const char *assignment);
/* The value of NAME in an environment list, or NULL. */
const char *strv_env_get(char *const *l, const char *name);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)
