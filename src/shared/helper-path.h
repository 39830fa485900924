/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where nspawn's helper programs are (nspawn-sdbus, …): next to the running binary first (the
 * directory of /proc/self/exe: the build directory when run from there, so tests use the helpers
 * they were built with), then the installed LIBEXECDIR (PREFIX/libexec/nspawn). Costs a readlink
 * and one or two access() calls; nothing is cached.
 */

/* The path of the executable helper name in *ret (malloc'ed). -ENOENT if neither place has it (or
 * it is not executable there), -EINVAL for a name that is not a plain file name. */
int helper_path(const char *name, char **ret);
