/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the option table: the input is split at NUL bytes into an argv for
 * options_parse_argv(); the first word also goes, as a settings-file value, to the row chosen by
 * the first input byte, so the SOURCE_FILE branches of the parsers are covered too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "options.h"
#include "settings.h"

#define MAX_ARGS 64

static void fuzz_file_value(uint8_t selector, const char *value) {
        const struct option_def *o = &option_table[selector % option_table_size];
        const char *reason = NULL;
        struct settings s;

        if (!o->key)
                return;
        settings_init(&s);
        (void) option_apply(o, SOURCE_FILE, value, &s, &reason);
        settings_done(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *buf = NULL;
        char *argv[MAX_ARGS + 2] = {(char *) "nspawn"};
        struct option_result res;
        struct settings s;
        int argc = 1;

        if (size == 0 || size > 4096)
                return 0;
        buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data + 1, size - 1);
        buf[size - 1] = 0;
        buf[size] = 0;

        fuzz_file_value(data[0], buf);

        for (char *p = buf; p < buf + size - 1 && argc <= MAX_ARGS; p += strlen(p) + 1)
                argv[argc++] = p;
        argv[argc] = NULL;

        settings_init(&s);
        (void) options_parse_argv(argc, argv, &s, &res);
        option_result_done(&res);
        settings_done(&s);
        return 0;
}
