/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "errmsg.h"
#include "strv.h"

/* The first message stays: later failures are usually consequences of the first. */
static void test_error_setf(void **state) {
        (void) state;
        char *error = NULL;

        assert_int_equal(error_setf(&error, -ENOENT, "Failed to open %s: %s", "/x", "gone"), -ENOENT);
        assert_string_equal(error, "Failed to open /x: gone");
        assert_int_equal(error_setf(&error, -EIO, "second %d", 2), -EIO);
        assert_string_equal(error, "Failed to open /x: gone");
        free(error);

        /* no place for a message: only the code comes back */
        assert_int_equal(error_setf(NULL, -EINVAL, "ignored"), -EINVAL);

        /* errno is the caller's, for %m */
        error = NULL;
        errno = EACCES;
        assert_int_equal(error_setf(&error, -EACCES, "denied: %m"), -EACCES);
        assert_string_equal(error, "denied: Permission denied");
        free(error);
}

static void test_strv_pushf(void **state) {
        (void) state;
        char **l = NULL;

        strv_pushf(&l, "warning %d", 1);
        strv_pushf(&l, "%s", "two");
        assert_int_equal(strv_length(l), 2);
        assert_string_equal(l[0], "warning 1");
        assert_string_equal(l[1], "two");
        assert_null(l[2]);
        strv_free(l);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_error_setf),
                cmocka_unit_test(test_strv_pushf),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
