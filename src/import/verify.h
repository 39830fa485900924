/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Verifying a pulled image as systemd-importd does (--verify=checksum|signature): the SHA-256 of
 * the file as downloaded must be listed for its name in SHA256SUMS next to it on the server
 * ("HEX *NAME" or "HEX  NAME", sha256sum's two forms); for signature, SHA256SUMS must carry a valid
 * detached signature SHA256SUMS.gpg by a key of the admin's keyring: /etc/systemd/import-pubring.gpg
 * if it exists, else /usr/lib/systemd/import-pubring.gpg (importd's two; NSPAWN_IMPORT_PUBRING=
 * PATH replaces them, for tests). The signature is checked by gpgv (Debian's gpgv package), run
 * with an empty environment, /dev/null as its home directory, the two files as its fds 3 and 4
 * (sealed memfds) and nothing else of ours.
 */

#include <stddef.h>
#include <stdint.h>

#define VERIFY_KEYRING_ENV "NSPAWN_IMPORT_PUBRING"
#define SHA256_HEX_LEN 64

/* Is the line for filename in sums (size bytes) the checksum hex (lower-case)? 0 yes, -ENOENT no
 * line for it, -EBADMSG another checksum. */
int verify_checksum(const char *sums, size_t size, const char *filename, const char *hex);

/* The keyring in force: -ENOENT when none of them exists. */
int verify_keyring(const char **ret);

/* Run gpgv on data and its detached signature. 0 good; -EBADMSG bad (gpgv's lines in *error);
 * -ENOENT gpgv is not installed. */
int verify_signature(const char *keyring, const void *data, size_t data_size, const void *sig,
                     size_t sig_size, char **error);

/* Lower-case hex of a digest. */
void verify_hex(const uint8_t *digest, size_t n, char *ret);
