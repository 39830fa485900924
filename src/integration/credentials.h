/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * --set-credential=ID:VALUE and --load-credential=ID:PATH. The supervisor reads every value once
 * (credentials_load: the host is visible there); the child writes them after pivot_root into a
 * fresh ramfs on /run/host/credentials (dir 0500, files 0400, read-only), where no symlink of the
 * image can lead anywhere. The payload finds them through $CREDENTIALS_DIRECTORY.
 */

#include <stdbool.h>
#include <stddef.h>

#include "settings.h"

#define CREDENTIALS_DIRECTORY "/run/host/credentials"

struct credential {
        char *id;
        char *data; /* may contain NULs; NUL-terminated for convenience */
        size_t size;
};

struct credentials {
        struct credential *items;
        size_t n;
};

/* A credential name as systemd accepts it: a valid file name (no "/", not "." or ".."). */
bool credential_name_is_valid(const char *id);

/* Split "ID:REST" at the first ':'. -EINVAL (with a static reason) for a missing ':' or a bad ID. */
int credential_split(const char *spec, char **ret_id, const char **ret_rest, const char **ret_reason);

/* C unescaping as systemd's cunescape(UNESCAPE_ACCEPT_NUL): \a \b \f \n \r \t \v \\ \" \' \s
 * \xHH \ooo \uNNNN \UNNNNNNNN. -EINVAL for a bad or truncated escape. */
int credential_unescape(const char *s, char **ret, size_t *ret_size);

/*
 * Read every credential of s: the literals of --set-credential, the files or AF_UNIX stream
 * sockets of --load-credential (a relative PATH is taken from nspawn's own
 * $CREDENTIALS_DIRECTORY, as systemd-nspawn does). On failure *ret_error names the credential.
 */
int credentials_load(const struct settings *s, struct credentials *ret, char **ret_error);
void credentials_done(struct credentials *c);

/* After pivot_root, before /run/host is sealed: ramfs on /run/host/credentials with the files.
 * root_fd is the container's "/". Nothing to do (0) without credentials. */
int credentials_install(const struct credentials *c, int root_fd);
