/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: a control socket request (what a client of the supervisor sends). What is
 * accepted must be what the checks promise, and encode back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control-protocol.h"
#include "name-valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct control_request r;
        char *again = NULL;
        size_t n = 0;

        if (control_request_decode(data, size, &r) < 0)
                return 0;
        if (r.user && !user_name_is_valid(r.user))
                abort();
        if (r.argv && r.argv[0][0] != '/')
                abort();
        for (char **e = r.env; e && *e; e++)
                if (!env_assignment_is_valid(*e))
                        abort();
        if (control_request_encode(&r, &again, &n) < 0 || n != size || memcmp(again, data, size) != 0)
                abort();
        free(again);
        control_request_done(&r);
        return 0;
}
