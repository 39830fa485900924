/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * HTTP and HTTPS downloads through libcurl (the pull verbs): http:// and https:// only, redirects
 * followed only to http:// and https:// (never to file:// or anything else), the bytes as the
 * server sent them (no content decoding: checksums are over the file), systemd-importd's stall
 * limit (less than 30 bytes/s for 60 s fails). A transfer can be cancelled at any moment through
 * cancel_fd (a signalfd): it then ends with -ECANCELED.
 *
 * Errors carry systemd-importd's messages: "HTTP request to URL failed with code 404." (-ENOMEDIUM
 * for 404, else -EIO), "Transfer failed: Couldn't connect to server" (-EIO).
 */

#include <stddef.h>
#include <stdint.h>

/* The body of a successful response, in order; a negative return aborts the transfer with it. */
typedef int (*http_sink_fn)(const void *data, size_t size, void *userdata);
/* Called once, before the first byte of a successful response: its length (UINT64_MAX when the
 * server does not say). */
typedef void (*http_start_fn)(uint64_t length, void *userdata);

struct http_request {
        const char *url;
        http_start_fn start; /* may be NULL */
        http_sink_fn sink;
        void *userdata;
        int cancel_fd; /* readable: cancel; -1: none */
};

int http_get(const struct http_request *req, char **error);

/* A small file (SHA256SUMS, its signature, a settings file) into memory, at most max bytes
 * (-EFBIG beyond). The buffer is NUL-terminated. */
int http_get_memory(const char *url, size_t max, int cancel_fd, char **ret, size_t *ret_size, char **error);
