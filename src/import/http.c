/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Downloads through libcurl's multi interface, cancellable through an fd (see http.h). */

#include "http.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "errmsg.h"
#include "macro.h"

struct http_state {
        const struct http_request *req;
        CURL *curl;
        long status;
        bool started, http_failed;
        int sink_error;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct http_state *s = userdata;
        size_t n = size * nmemb;
        int r;

        if (!s->started) {
                curl_off_t length = -1;

                (void) curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
                if (s->status < 200 || s->status > 299) {
                        s->http_failed = true; /* an error page: not for the sink */
                        return 0;
                }
                s->started = true;
                (void) curl_easy_getinfo(s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
                if (s->req->start)
                        s->req->start(length >= 0 ? (uint64_t) length : UINT64_MAX, s->req->userdata);
        }
        r = s->req->sink(ptr, n, s->req->userdata);
        if (r < 0) {
                s->sink_error = r;
                return 0;
        }
        return n;
}

static int curl_setup(CURL *c, struct http_state *s) {
        bool ok = curl_easy_setopt(c, CURLOPT_URL, s->req->url) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 16L) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 30L) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_USERAGENT, "nspawnctl/" NSPAWN_VERSION) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_WRITEDATA, s) == CURLE_OK &&
                  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024) == CURLE_OK;
        return ok ? 0 : -EIO;
}

/* Run the transfer to its end (or the cancel fd). Returns curl's result; *ret_cancelled. */
static CURLcode multi_run(CURLM *m, CURL *c, int cancel_fd, bool *ret_cancelled) {
        CURLcode result = CURLE_OK;
        int running = 1;

        *ret_cancelled = false;
        while (running) {
                struct curl_waitfd extra = {.fd = cancel_fd, .events = CURL_WAIT_POLLIN};
                int numfds;

                if (curl_multi_perform(m, &running) != CURLM_OK)
                        return CURLE_FAILED_INIT;
                if (!running)
                        break;
                if (curl_multi_poll(m, cancel_fd >= 0 ? &extra : NULL, cancel_fd >= 0, 1000, &numfds) !=
                    CURLM_OK)
                        return CURLE_FAILED_INIT;
                if (cancel_fd >= 0 && (extra.revents & CURL_WAIT_POLLIN)) {
                        *ret_cancelled = true;
                        return CURLE_ABORTED_BY_CALLBACK;
                }
        }
        for (CURLMsg *msg; (msg = curl_multi_info_read(m, &running));)
                if (msg->msg == CURLMSG_DONE && msg->easy_handle == c)
                        result = msg->data.result;
        return result;
}

int http_get(const struct http_request *req, char **error) {
        static bool initialized = false;
        struct http_state s = {.req = req};
        CURLM *m = NULL;
        CURLcode result = CURLE_FAILED_INIT;
        bool cancelled = false;
        int r = 0;

        if (!initialized && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return error_setf(error, -EIO, "Failed to initialize libcurl.");
        initialized = true;
        if (!(s.curl = curl_easy_init()) || !(m = curl_multi_init()) || curl_setup(s.curl, &s) < 0 ||
            curl_multi_add_handle(m, s.curl) != CURLM_OK)
                r = error_setf(error, -EIO, "Failed to set up libcurl.");
        else
                result = multi_run(m, s.curl, req->cancel_fd, &cancelled);
        if (r >= 0 && !s.started && result == CURLE_OK)
                (void) curl_easy_getinfo(s.curl, CURLINFO_RESPONSE_CODE, &s.status);
        if (m && s.curl)
                (void) curl_multi_remove_handle(m, s.curl);
        if (r >= 0 && cancelled)
                r = -ECANCELED;
        else if (r >= 0 && s.sink_error < 0)
                r = s.sink_error;
        else if (r >= 0 && (s.http_failed || (result == CURLE_OK && (s.status < 200 || s.status > 299))))
                r = error_setf(error, s.status == 404 ? -ENOMEDIUM : -EIO,
                               "HTTP request to %s failed with code %li.", req->url, s.status);
        else if (r >= 0 && result != CURLE_OK)
                r = error_setf(error, -EIO, "Transfer failed: %s", curl_easy_strerror(result));
        curl_multi_cleanup(m);
        curl_easy_cleanup(s.curl);
        return r;
}

struct memory {
        char *buf;
        size_t size, max;
};

static int memory_sink(const void *data, size_t size, void *userdata) {
        struct memory *mem = userdata;
        char *n;

        if (size > mem->max - mem->size)
                return -EFBIG;
        if (!(n = realloc(mem->buf, mem->size + size + 1)))
                return -ENOMEM;
        memcpy(n + mem->size, data, size);
        mem->buf = n;
        mem->size += size;
        mem->buf[mem->size] = 0;
        return 0;
}

int http_get_memory(const char *url, size_t max, int cancel_fd, char **ret, size_t *ret_size, char **error) {
        struct memory mem = {.max = max};
        struct http_request req = {
                .url = url, .sink = memory_sink, .userdata = &mem, .cancel_fd = cancel_fd};
        int r = http_get(&req, error);

        if (r >= 0 && !mem.buf && !(mem.buf = calloc(1, 1)))
                r = -ENOMEM;
        if (r == -EFBIG)
                r = error_setf(error, r, "%s is larger than %zu bytes.", url, max);
        if (r < 0) {
                free(mem.buf);
                return r;
        }
        *ret = mem.buf;
        *ret_size = mem.size;
        return 0;
}
