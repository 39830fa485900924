/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Path strings: absolute, normalized, simplified. */

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

bool path_is_absolute(const char *p);
/* Absolute, no "." or ".." components, no "//", no trailing slash (except "/"). */
bool path_is_normalized(const char *p);
/* Simplify in place: collapse "//", drop "." components and a trailing slash. Keeps "..". */
char *path_simplify(char *p);
/* Absolute (relative paths are taken from the current directory) and simplified. */
int path_make_absolute_cwd(const char *p, char **ret);
