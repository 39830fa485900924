/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: any bytes as a data message of nspawn's D-Bus helper (machined-record.h,
 * nspawnctl reads these). A record that parses must format and parse back to the same record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "machined-record.h"
#include "strv.h"

static int streq_null(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct machined_record r, again;
        char *formatted = NULL;
        size_t n;

        if (machined_record_parse(data, size, &r) < 0)
                return 0;
        if (machined_record_format(&r, &formatted, &n) < 0 ||
            machined_record_parse(formatted, n, &again) < 0 || strcmp(r.name, again.name) != 0 ||
            r.leader != again.leader || memcmp(r.id, again.id, 16) != 0 || r.timestamp != again.timestamp ||
            r.n_netif != again.n_netif || !streq_null(r.unit, again.unit) ||
            !streq_null(r.root, again.root) || strv_length(r.os) != strv_length(again.os) ||
            strv_length(r.addresses) != strv_length(again.addresses))
                abort();
        machined_record_done(&again);
        machined_record_done(&r);
        free(formatted);
        return 0;
}
