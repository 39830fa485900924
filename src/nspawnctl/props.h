/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Properties as machinectl 252 prints them with show and show-image (bus_print_property()): one
 * NAME=VALUE a line, empty values only with -a or -p, --value prints the values alone,
 * -p NAME=VALUE shows NAME only when it has VALUE (show.c).
 */

#include <stddef.h>

#include "nspawnctl.h"

enum prop_kind {
        PROP_STRING, /* printed as it is ("[unprintable]" with a newline) */
        PROP_BOOL,   /* "yes"/"no", always shown; -p NAME=VALUE compares as booleans */
        PROP_BYTES,  /* "ay": hex digits, always shown, not filtered by value */
        PROP_OPAQUE, /* a type machinectl cannot print: "[unprintable]" with -a/-p only */
};

struct prop {
        const char *name;
        enum prop_kind kind;
        char *value;
};

void props_print(const struct ctl *c, const struct prop *props, size_t n);

/* The manager's properties: the image pool's path, usage and limit (images.c). */
void show_pool_properties(const struct ctl *c);
