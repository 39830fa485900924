/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "macro.h"
#include "undo.h"

/* Every undo step appends its number here, so the order can be checked. */
static int log_[16];
static size_t n_log;

static void record(void *data) {
        assert_true(n_log < ELEMENTSOF(log_));
        log_[n_log++] = *(int *) data;
}

static int reset(void **state) {
        (void) state;
        n_log = 0;
        return 0;
}

static void test_reverse_order(void **state) {
        (void) state;
        static int ids[] = { 1, 2, 3, 4 };
        struct undo u = {};

        for (size_t i = 0; i < ELEMENTSOF(ids); i++)
                assert_int_equal(undo_push(&u, record, &ids[i]), 0);
        assert_int_equal(u.n, 4);
        assert_int_equal(n_log, 0); /* nothing runs at push time */

        undo_run(&u);
        assert_int_equal(n_log, 4);
        for (size_t i = 0; i < 4; i++)
                assert_int_equal(log_[i], ids[3 - i]);
        assert_int_equal(u.n, 0);
        assert_null(u.entries);
}

static void test_run_twice(void **state) {
        (void) state;
        static int a = 10, b = 20;
        struct undo u = {};

        assert_int_equal(undo_push(&u, record, &a), 0);
        assert_int_equal(undo_push(&u, record, &b), 0);
        undo_run(&u);
        assert_int_equal(n_log, 2);
        undo_run(&u);
        undo_run(&u);
        assert_int_equal(n_log, 2);

        /* The emptied list can be used again, and runs only what was pushed since. */
        assert_int_equal(undo_push(&u, record, &a), 0);
        undo_run(&u);
        assert_int_equal(n_log, 3);
        assert_int_equal(log_[2], 10);
}

static void test_empty(void **state) {
        (void) state;
        struct undo u = {};
        undo_run(&u);
        assert_int_equal(n_log, 0);
        assert_int_equal(u.n, 0);
        assert_null(u.entries);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_reverse_order, reset),
                cmocka_unit_test_setup(test_run_twice, reset),
                cmocka_unit_test_setup(test_empty, reset),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
