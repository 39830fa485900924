/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * .nspawn files: an INI format with [Exec], [Files] and [Network] sections, keys from the option
 * table. Unknown sections and keys are warnings (as in systemd-nspawn); bad values are errors
 * naming file and line; keys whose mechanism is not built yet are errors ("not supported yet").
 */

#include <stdio.h>

#include "settings.h"

/* A warning or error, with its line number (0 if none). The callback gets every warning. */
typedef void (*settings_file_warn_cb)(const char *path, unsigned line, const char *message, void *userdata);

/* Parse from an open stream. On error returns a negative errno and, if ret_error is not NULL,
 * a malloc'ed message "PATH:LINE: ..." in *ret_error. */
int settings_file_parse(FILE *f, const char *path, struct settings *s, settings_file_warn_cb warn,
                        void *userdata, char **ret_error);

/*
 * Find MACHINE.nspawn: /etc/systemd/nspawn, /run/systemd/nspawn (trusted), then next to the
 * image directory (untrusted). Returns 1 and the path (malloc'ed) and whether it is trusted,
 * 0 if there is none, negative errno on error.
 */
int settings_file_find(const char *machine, const char *image_dir, char **ret_path, bool *ret_trusted);

/* settings_file_find() with the trusted directories given (NULL-terminated, searched in order),
 * so tests can point it at a scratch tree. */
int settings_file_find_in(const char *const *trusted_dirs, const char *machine, const char *image_dir,
                          char **ret_path, bool *ret_trusted);
