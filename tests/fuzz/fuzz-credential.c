/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: --set-credential=ID:VALUE's C-escape decoding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "credentials.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = strndup((const char *) data, size), *out = NULL;
        size_t n = 0;

        if (!s)
                return 0;
        if (credential_unescape(s, &out, &n) >= 0) {
                if (n > strlen(s)) /* decoding never grows the value */
                        abort();
                free(out);
        }
        free(s);
        return 0;
}
