/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The escaping of nspawn's KEY=VALUE record files (the machine registry, the transfer records):
 * one line per key, a backslash written as "\\" and a newline as "\n", so that any value fits on
 * its line. Anything else after a backslash is read as it is.
 */

#include <stdio.h>

/* "KEY=VALUE\n" with VALUE escaped (NULL: empty). */
void kv_put_escaped(FILE *f, const char *key, const char *value);

/* The unescaped value, malloc'ed in *ret. 0 or -ENOMEM. */
int kv_unescape(const char *v, char **ret);
