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
/*
 * The last component of a path and the directory before it, as systemd's path_extract_filename()
 * and path_extract_directory() see them: trailing slashes and "." components are skipped ("/a/b/."
 * → "/a", "b"). -EADDRNOTAVAIL when nothing but "/" or "." is left, -EINVAL for "", a path
 * longer than PATH_MAX or a last component that is ".." or longer than NAME_MAX, -EDESTADDRREQ
 * (only when ret_dir is asked for) for a relative path of one component. Either may be NULL.
 */
int path_split_last(const char *p, char **ret_dir, char **ret_name);
