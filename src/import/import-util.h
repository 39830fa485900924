/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the transfer verbs (import-*, export-*, pull-*) need to know about names: which URLs are
 * taken, the local name a URL or file name gives (systemd 252's import-util: the last component
 * without its tar/raw suffixes), the files that sit next to an image on a server (SHA256SUMS, its
 * signature, NAME.nspawn), compression names and the --verify= modes.
 */

#include <stdbool.h>

enum import_verify {
        IMPORT_VERIFY_NO,
        IMPORT_VERIFY_CHECKSUM,
        IMPORT_VERIFY_SIGNATURE,
        _IMPORT_VERIFY_MAX,
        _IMPORT_VERIFY_INVALID = -1,
};
const char *import_verify_to_string(enum import_verify v);
enum import_verify import_verify_from_string(const char *s);

enum import_compression {
        IMPORT_UNCOMPRESSED,
        IMPORT_XZ,
        IMPORT_GZIP,
        IMPORT_BZIP2,
        IMPORT_ZSTD,
        _IMPORT_COMPRESSION_MAX,
        _IMPORT_COMPRESSION_INVALID = -1,
};
/* --format= names: "uncompressed", "xz", "gzip", "bzip2", "zstd". */
const char *import_compression_to_string(enum import_compression c);
enum import_compression import_compression_from_string(const char *s);
/* The compression a file name asks for (".xz", ".gz", ".bz2", ".zst"/".zstd"), else none. */
enum import_compression import_compression_from_filename(const char *path);

/* http:// or https:// followed by a host, printable ASCII only. */
bool http_url_is_valid(const char *url);

/* The URL's last path component (query and fragment dropped): -EADDRNOTAVAIL if it has none. */
int import_url_last_component(const char *url, char **ret);
/* The URL with its last path component replaced by name (query and fragment dropped). */
int import_url_change_last_component(const char *url, const char *name, char **ret);

/* NAME.tar[.xz|.gz|.bz2|.zst], NAME.tgz → NAME (the name as it is without such a suffix);
 * -EINVAL when nothing would be left. */
int tar_strip_suffixes(const char *name, char **ret);
/* Every trailing .xz, .gz, .bz2, .zst, .raw, .qcow2, .img, .bin dropped, repeatedly. */
int raw_strip_suffixes(const char *name, char **ret);

/* The settings file next to an image on the server: the URL's last component with the image
 * suffixes dropped (raw: raw_strip_suffixes, else tar_strip_suffixes) + ".nspawn". */
int import_url_settings(const char *url, bool raw, char **ret);
