/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: any bytes as a /run/nspawn/machines record (nspawnctl reads these). A record
 * that parses must format and parse back to the same record. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct machine_record r = {}, again = {};
        char *text = strndup((const char *) data, size), *formatted = NULL;

        if (!text)
                return 0;
        if (machine_record_parse(text, &r) >= 0) {
                if (machine_record_format(&r, &formatted) < 0 ||
                    machine_record_parse(formatted, &again) < 0 || strcmp(r.name, again.name) != 0 ||
                    r.leader != again.leader)
                        abort();
                machine_record_done(&again);
                free(formatted);
                machine_record_done(&r);
        }
        free(text);
        return 0;
}
