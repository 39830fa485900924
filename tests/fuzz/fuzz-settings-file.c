/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: any byte string as a .nspawn file. The parser must return (0 or an error
 * with a message), never crash, leak or read out of bounds, whatever the file holds. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "settings-file.h"
#include "settings.h"

static void ignore_warning(const char *path, unsigned line, const char *message, void *userdata) {
        (void) path;
        (void) line;
        (void) message;
        (void) userdata;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct settings s;
        char *error = NULL;
        FILE *f;

        if (size == 0)
                return 0;
        f = fmemopen((void *) data, size, "r");
        if (!f)
                return 0;

        settings_init(&s);
        if (settings_file_parse(f, "fuzz.nspawn", &s, ignore_warning, NULL, &error) < 0 && !error)
                abort(); /* every failure must say why (except out of memory) */
        free(error);
        settings_done(&s);
        fclose(f);
        return 0;
}
