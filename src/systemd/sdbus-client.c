/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Starting and calling nspawn's D-Bus helper; see sdbus-client.h. */
#include "sdbus-client.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "config.h"
#include "errmsg.h"
#include "helper.h"
#include "macro.h"

struct sdbus_client {
        unsigned n_ref;
        struct helper *helper;
};

/* The helper of this process: its connection is one for nspawn's whole life (the machine and its
 * scope are held by it), whoever asked first. */
static struct sdbus_client *shared;

int sdbus_client_acquire(struct sdbus_client **ret, char **ret_error) {
        _cleanup_free_ char *env_addr = NULL;
        const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        char *envp[2] = {};
        int r;

        if (shared) {
                shared->n_ref++;
                *ret = shared;
                return 0;
        }
        if (addr && asprintf(&env_addr, "DBUS_SYSTEM_BUS_ADDRESS=%s", addr) < 0)
                return -ENOMEM;
        envp[0] = env_addr;
        struct sdbus_client *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        r = helper_start(SDBUS_HELPER, envp, &c->helper);
        if (r == -ENOENT)
                r = error_setf(ret_error, r, "cannot find the helper program %s (next to nspawn or in %s)",
                               SDBUS_HELPER, LIBEXECDIR);
        else if (r < 0)
                r = error_setf(ret_error, r, "cannot start %s: %s", SDBUS_HELPER, strerror(-r));
        if (r < 0) {
                free(c);
                return r;
        }
        c->n_ref = 1;
        *ret = shared = c;
        return 0;
}

struct sdbus_client *sdbus_client_release(struct sdbus_client *c) {
        if (!c || --c->n_ref > 0)
                return NULL;
        if (shared == c)
                shared = NULL;
        /* EOF: the helper releases what it still holds and exits; reaped here, so that it is done
         * with systemd before nspawn is (it takes a bus round trip at most) */
        helper_free(c->helper, true);
        free(c);
        return NULL;
}

int sdbus_client_call(struct sdbus_client *c, const struct sdbus_request *req, char **ret_text) {
        _cleanup_free_ void *msg = NULL;
        size_t size;
        int error = 0;

        *ret_text = NULL;
        int r = sdbus_request_pack(req, &msg, &size);
        if (r >= 0)
                r = sdbus_send(c->helper->fd, msg, size);
        if (r >= 0)
                r = sdbus_reply_recv(c->helper->fd, &error, ret_text);
        if (r == -EPIPE || r == -ECONNRESET)
                return error_setf(ret_text, -ECONNRESET, "the helper %s exited", SDBUS_HELPER);
        if (r < 0)
                return error_setf(ret_text, r, "no answer from the helper %s: %s", SDBUS_HELPER,
                                  strerror(-r));
        return error;
}

int sdbus_client_query(struct sdbus_client *c, const struct sdbus_request *req, sdbus_data_fn on_data,
                       void *userdata, char **ret_text) {
        _cleanup_free_ void *msg = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int error = 0, r;

        *ret_text = NULL;
        r = sdbus_request_pack(req, &msg, &size);
        if (r >= 0 && !(buf = malloc(SDBUS_MSG_MAX)))
                r = -ENOMEM;
        if (r >= 0)
                r = sdbus_send(c->helper->fd, msg, size);
        /* data messages until the reply; a callback's failure is kept, the rest still read */
        for (int cb = 0; r >= 0;) {
                ssize_t n = sdbus_recv(c->helper->fd, buf, SDBUS_MSG_MAX);
                if (n == 0)
                        r = -ECONNRESET;
                else if (n < 0)
                        r = (int) n;
                else if (buf[0] == SDBUS_DATA) {
                        if (cb >= 0)
                                cb = on_data(buf + 1, (size_t) n - 1, userdata);
                        continue;
                } else {
                        r = sdbus_reply_parse(buf, (size_t) n, &error, ret_text);
                        if (r >= 0 && error >= 0 && cb < 0)
                                error = cb;
                        break;
                }
        }
        if (r == -EPIPE || r == -ECONNRESET)
                return error_setf(ret_text, -ECONNRESET, "the helper %s exited", SDBUS_HELPER);
        if (r < 0)
                return error_setf(ret_text, r, "no answer from the helper %s: %s", SDBUS_HELPER,
                                  strerror(-r));
        return error;
}
