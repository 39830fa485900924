/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the host's os-release text turned into container_host_* variables. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t uuid[16] = {1};
        struct settings s;
        char *text = strndup((const char *) data, size), **env = NULL;

        if (!text)
                return 0;
        settings_init(&s);
        if (env_build_base(&s, uuid, CONSOLE_PIPE, text, &env) >= 0) {
                for (char **e = env; *e; e++)
                        if (!strchr(*e, '='))
                                abort();
                strv_free(env);
        }
        settings_done(&s);
        free(text);
        return 0;
}
