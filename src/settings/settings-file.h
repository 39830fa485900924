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
 * A settings file is configuration, not data: a regular file of at most SETTINGS_FILE_MAX bytes.
 * Real ones are a few hundred bytes; 64 KiB still holds some 1800 Bind= lines. The bound is what a
 * file next to an image (anyone's download) can make nspawn read, allocate and parse: list keys
 * cost time quadratic in their length (as in systemd), so 64 KiB of Environment= words parse in
 * about 0.1 s where 1 MiB took 17 s. It bounds every line too. settings_file_parse() enforces it
 * as well (a file may grow while it is read, and a FILE may come from elsewhere).
 */
#define SETTINGS_FILE_MAX (64U * 1024U)

/* A settings file found and opened by settings_file_open(). */
struct settings_file {
        FILE *f;
        char *path;
        bool trusted; /* found in /etc/systemd/nspawn or /run/systemd/nspawn */
};
void settings_file_done(struct settings_file *sf);

/*
 * Find and open MACHINE.nspawn: /etc/systemd/nspawn, /run/systemd/nspawn (trusted), then next to
 * the image directory (untrusted). The file is opened without blocking (a FIFO has no say in
 * when nspawn goes on) and must be a regular file of at most SETTINGS_FILE_MAX bytes; next to
 * the image a symbolic link is not followed either (in /etc and /run it is root's own). Returns
 * 1 with *ret filled, 0 if there is none, or a negative errno with a message in *ret_error (if
 * not NULL): such a file is refused, never skipped, since it may hold restrictions
 * (DropCapability=, SystemCallFilter=~…) the user counts on.
 */
int settings_file_open(const char *machine, const char *image_dir, struct settings_file *ret,
                       char **ret_error);

/* settings_file_open() with the trusted directories given (NULL-terminated, searched in order),
 * so tests can point it at a scratch tree. */
int settings_file_open_in(const char *const *trusted_dirs, const char *machine, const char *image_dir,
                          struct settings_file *ret, char **ret_error);
