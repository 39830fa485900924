/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: any datagram a guest may send to /run/host/notify. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct notify_message m = {};
        char *msg = strndup((const char *) data, size);

        if (!msg)
                return 0;
        if (notify_parse(msg, &m) >= 0)
                notify_message_done(&m);
        free(msg);
        return 0;
}
