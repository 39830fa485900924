/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* KEY=VALUE record lines (see kv-escape.h). */

#include "kv-escape.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void kv_put_escaped(FILE *f, const char *key, const char *value) {
        fprintf(f, "%s=", key);
        for (const char *c = value ? value : ""; *c; c++) {
                if (*c == '\\')
                        fputs("\\\\", f);
                else if (*c == '\n')
                        fputs("\\n", f);
                else
                        fputc(*c, f);
        }
        fputc('\n', f);
}

int kv_unescape(const char *v, char **ret) {
        char *s = malloc(strlen(v) + 1), *o = s;

        if (!s)
                return -ENOMEM;
        for (; *v; v++) {
                if (*v == '\\' && (v[1] == 'n' || v[1] == '\\'))
                        *o++ = *++v == 'n' ? '\n' : '\\';
                else
                        *o++ = *v;
        }
        *o = 0;
        *ret = s;
        return 0;
}
