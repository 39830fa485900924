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

/* A scratch directory for a whole test program: TEST_SCRATCH_DIR(dir, "/tmp/test-x-XXXXXX") defines
 * char dir[] and the group fixtures dir_setup (mkdtemp) and dir_teardown (rm -rf), for
 * cmocka_run_group_tests(tests, dir_setup, dir_teardown). */
#define TEST_SCRATCH_DIR(name, template)                                                                    \
        static char name[] = template;                                                                      \
        static int name##_setup(void **state) {                                                             \
                return mkdtemp(name) ? 0 : -1;                                                              \
        }                                                                                                   \
        static int name##_teardown(void **state) {                                                          \
                return test_rm_rf(name);                                                                    \
        }
