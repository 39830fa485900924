/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers shared by the unit tests. */

#include <stdio.h>
#include <stdlib.h>

/* rm -rf PATH (a test's own temporary directory). 0 on success. */
static inline int test_rm_rf(const char *path) {
        char cmd[4200];
        if (snprintf(cmd, sizeof cmd, "rm -rf '%s'", path) >= (int) sizeof cmd)
                return -1;
        return system(cmd) == 0 ? 0 : -1;
}
