/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* libsystemd, loaded on first use (see bus-scope.h). */

#include "config.h"

#if HAVE_SD_BUS

#include <dlfcn.h>
#include <errno.h>

#include "bus-scope.h"

/* The pointers are named sym_sd_bus_*; the #defines in bus-scope.h map the sd_bus_* names. */
#define BUS_SYMBOL_DEFINE(name) __typeof__(sym_##name) sym_##name;
BUS_SYMBOLS(BUS_SYMBOL_DEFINE)

static int bus_dlsym(void *dl) {
#define BUS_SYMBOL_LOAD(name)                                                                               \
        if (!(sym_##name = (__typeof__(sym_##name)) dlsym(dl, #name)))                                      \
                return -EOPNOTSUPP;
        BUS_SYMBOLS(BUS_SYMBOL_LOAD)
        return 0;
}

int bus_dlopen(void) {
        static int loaded; /* 0 not yet, 1 done, negative: failed */
        void *dl;

        if (loaded != 0)
                return loaded < 0 ? loaded : 0;
        dl = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        loaded = dl && bus_dlsym(dl) >= 0 ? 1 : -EOPNOTSUPP;
        return loaded < 0 ? loaded : 0;
}

#endif
