/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names of the transfer verbs: URLs, local names, compression names (see import-util.h). */

#include "import-util.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

static const char *const verify_table[_IMPORT_VERIFY_MAX] = {
        [IMPORT_VERIFY_NO] = "no",
        [IMPORT_VERIFY_CHECKSUM] = "checksum",
        [IMPORT_VERIFY_SIGNATURE] = "signature",
};

const char *import_verify_to_string(enum import_verify v) {
        return v >= 0 && v < _IMPORT_VERIFY_MAX ? verify_table[v] : NULL;
}

enum import_verify import_verify_from_string(const char *s) {
        for (int v = 0; v < _IMPORT_VERIFY_MAX; v++)
                if (streq(s, verify_table[v]))
                        return v;
        return _IMPORT_VERIFY_INVALID;
}

static const char *const compression_table[_IMPORT_COMPRESSION_MAX] = {
        [IMPORT_UNCOMPRESSED] = "uncompressed",
        [IMPORT_XZ] = "xz",
        [IMPORT_GZIP] = "gzip",
        [IMPORT_BZIP2] = "bzip2",
        [IMPORT_ZSTD] = "zstd",
};

const char *import_compression_to_string(enum import_compression c) {
        return c >= 0 && c < _IMPORT_COMPRESSION_MAX ? compression_table[c] : NULL;
}

enum import_compression import_compression_from_string(const char *s) {
        for (int c = 0; c < _IMPORT_COMPRESSION_MAX; c++)
                if (streq(s, compression_table[c]))
                        return c;
        return _IMPORT_COMPRESSION_INVALID;
}

static const struct {
        const char *suffix;
        enum import_compression compression;
} compression_suffixes[] = {
        {".xz", IMPORT_XZ},     {".gz", IMPORT_GZIP},  {".tgz", IMPORT_GZIP},
        {".bz2", IMPORT_BZIP2}, {".zst", IMPORT_ZSTD}, {".zstd", IMPORT_ZSTD},
};

enum import_compression import_compression_from_filename(const char *path) {
        for (size_t k = 0; path && k < ELEMENTSOF(compression_suffixes); k++)
                if (endswith(path, compression_suffixes[k].suffix))
                        return compression_suffixes[k].compression;
        return IMPORT_UNCOMPRESSED;
}

bool http_url_is_valid(const char *url) {
        const char *rest = startswith(url, "http://");

        if (!rest)
                rest = startswith(url, "https://");
        if (!rest || !*rest || *rest == '/')
                return false;
        for (const char *p = url; *p; p++)
                if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f)
                        return false;
        return true;
}

/* The end of the URL's path (before "?" or "#") without trailing slashes, and where its last
 * component starts. */
static void url_path_end(const char *url, const char **ret_start, const char **ret_end) {
        const char *e = url + strcspn(url, "?#"), *p;

        while (e > url && e[-1] == '/')
                e--;
        for (p = e; p > url && p[-1] != '/';)
                p--;
        *ret_start = p;
        *ret_end = e;
}

int import_url_last_component(const char *url, char **ret) {
        const char *p, *e;

        url_path_end(url, &p, &e);
        /* "http://host" has no path: its last "component" is the host */
        if (e <= p || (p >= url + 2 && p[-2] == '/' && p - url <= (ptrdiff_t) strlen("https://")))
                return -EADDRNOTAVAIL;
        return (*ret = strndup(p, e - p)) ? 0 : -ENOMEM;
}

int import_url_change_last_component(const char *url, const char *name, char **ret) {
        const char *p, *e;

        url_path_end(url, &p, &e);
        if (p <= url)
                return -EINVAL;
        return asprintf(ret, "%.*s%s", (int) (p - url), url, name) < 0 ? -ENOMEM : 0;
}

int tar_strip_suffixes(const char *name, char **ret) {
        static const char *const suffixes[] = {".tar",     ".tar.xz", ".tar.gz",  ".tar.bz2",
                                               ".tar.zst", ".tgz",    ".tar.zstd"};
        size_t n = strlen(name);

        for (size_t k = 0; k < ELEMENTSOF(suffixes); k++)
                if (endswith(name, suffixes[k])) {
                        n -= strlen(suffixes[k]);
                        break;
                }
        if (n == 0)
                return -EINVAL;
        return (*ret = strndup(name, n)) ? 0 : -ENOMEM;
}

int raw_strip_suffixes(const char *name, char **ret) {
        static const char *const suffixes[] = {".xz",  ".gz",    ".bz2", ".zst",
                                               ".raw", ".qcow2", ".img", ".bin"};
        char *s = strdup(name);

        if (!s)
                return -ENOMEM;
        for (bool changed = true; changed;) {
                changed = false;
                for (size_t k = 0; k < ELEMENTSOF(suffixes); k++) {
                        char *e = (char *) endswith(s, suffixes[k]);
                        if (e && e > s) {
                                *e = 0;
                                changed = true;
                        }
                }
        }
        *ret = s;
        return 0;
}

int import_url_settings(const char *url, bool raw, char **ret) {
        _cleanup_free_ char *last = NULL, *stem = NULL, *name = NULL;
        int r = import_url_last_component(url, &last);

        if (r >= 0)
                r = raw ? raw_strip_suffixes(last, &stem) : tar_strip_suffixes(last, &stem);
        if (r >= 0 && asprintf(&name, "%s.nspawn", stem) < 0)
                r = -ENOMEM;
        return r < 0 ? r : import_url_change_last_component(url, name, ret);
}
