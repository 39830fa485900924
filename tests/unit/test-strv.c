/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "macro.h"
#include "strv.h"

/* A fresh heap copy of a literal list, so every test owns what it frees. */
static char **make(const char *const *lit) {
        char **l = strv_copy((char *const *) lit);
        assert_non_null(l);
        return l;
}

static void assert_strv_equal(char *const *l, const char *const *want) {
        size_t n = 0;
        for (; want[n]; n++) {
                assert_non_null(l[n]);
                assert_string_equal(l[n], want[n]);
        }
        assert_null(l[n]);
        assert_int_equal(strv_length(l), n);
}

static void test_strv_free(void **state) {
        (void) state;
        assert_null(strv_free(NULL));
        /* Under ASan/valgrind a leak of the elements or the array shows up here. */
        char **l = make((const char *const[]){"a", "b", "c", NULL});
        assert_null(strv_free(l));
        /* The cleanup attribute frees too. */
        _cleanup_strv_free_ char **m = make((const char *const[]){"x", NULL});
        (void) m;
}

static void test_length(void **state) {
        (void) state;
        char *empty[] = {NULL};
        char *three[] = {"a", "", "c", NULL};
        assert_int_equal(strv_length(NULL), 0);
        assert_int_equal(strv_length(empty), 0);
        assert_int_equal(strv_length(three), 3);
}

static void test_copy(void **state) {
        (void) state;
        char *src[] = {"one", "", "three", NULL};
        _cleanup_strv_free_ char **c = strv_copy(src);
        assert_non_null(c);
        assert_strv_equal(c, (const char *const[]){"one", "", "three", NULL});
        /* Deep copy: new array, new strings. */
        assert_ptr_not_equal(c, src);
        for (size_t i = 0; i < 3; i++)
                assert_ptr_not_equal(c[i], src[i]);

        _cleanup_strv_free_ char **e = strv_copy(NULL);
        assert_non_null(e);
        assert_null(e[0]);
}

static void test_contains(void **state) {
        (void) state;
        char *l[] = {"alpha", "beta", "", NULL};
        assert_true(strv_contains(l, "alpha"));
        assert_true(strv_contains(l, "beta"));
        assert_true(strv_contains(l, ""));
        assert_false(strv_contains(l, "alp"));
        assert_false(strv_contains(l, "betas"));
        assert_false(strv_contains(NULL, "alpha"));
}

static void test_extend(void **state) {
        (void) state;
        _cleanup_strv_free_ char **l = NULL;
        char word[] = "first";

        assert_int_equal(strv_extend(&l, word), 0);
        assert_non_null(l);
        /* A copy: changing the source does not change the list. */
        word[0] = 'F';
        assert_int_equal(strv_extend(&l, "second"), 0);
        assert_int_equal(strv_extend(&l, ""), 0);
        assert_strv_equal(l, (const char *const[]){"first", "second", "", NULL});
}

static void test_push(void **state) {
        (void) state;
        _cleanup_strv_free_ char **l = NULL;
        char *a = strdup("a"), *b = strdup("b");
        assert_non_null(a);
        assert_non_null(b);

        assert_int_equal(strv_push(&l, a), 0);
        assert_int_equal(strv_push(&l, b), 0);
        /* Ownership taken: the very pointers are in the list (and freed with it). */
        assert_ptr_equal(l[0], a);
        assert_ptr_equal(l[1], b);
        assert_strv_equal(l, (const char *const[]){"a", "b", NULL});
}

static void test_split(void **state) {
        (void) state;
        _cleanup_strv_free_ char **a = NULL, **b = NULL, **c = NULL, **d = NULL, **e = NULL;

        assert_int_equal(strv_split("a b  c", " ", &a), 0);
        assert_strv_equal(a, (const char *const[]){"a", "b", "c", NULL});

        /* Several separator characters, runs of mixed ones, leading and trailing ones. */
        assert_int_equal(strv_split(":,a,:b::c,,:", ":,", &b), 0);
        assert_strv_equal(b, (const char *const[]){"a", "b", "c", NULL});

        assert_int_equal(strv_split("", ":", &c), 0);
        assert_non_null(c);
        assert_null(c[0]);

        assert_int_equal(strv_split(":::", ":", &d), 0);
        assert_non_null(d);
        assert_null(d[0]);

        assert_int_equal(strv_split("line one\n\nline two\n", "\n", &e), 0);
        assert_strv_equal(e, (const char *const[]){"line one", "line two", NULL});
}

static void test_env_set(void **state) {
        (void) state;
        _cleanup_strv_free_ char **l = NULL;

        assert_int_equal(strv_env_set(&l, "A=1"), 0);
        assert_int_equal(strv_env_set(&l, "AB=2"), 0);
        assert_int_equal(strv_env_set(&l, "B="), 0);
        assert_strv_equal(l, (const char *const[]){"A=1", "AB=2", "B=", NULL});

        /* Replaces in place; a name that is a prefix of another only matches itself. */
        assert_int_equal(strv_env_set(&l, "A=x=y"), 0);
        assert_strv_equal(l, (const char *const[]){"A=x=y", "AB=2", "B=", NULL});
        assert_int_equal(strv_env_set(&l, "AB=3"), 0);
        assert_strv_equal(l, (const char *const[]){"A=x=y", "AB=3", "B=", NULL});

        /* The assignment is copied. */
        char buf[] = "C=c";
        assert_int_equal(strv_env_set(&l, buf), 0);
        buf[2] = 'Z';
        assert_string_equal(l[3], "C=c");

        assert_int_equal(strv_env_set(&l, "NOEQUALS"), -EINVAL);
        assert_int_equal(strv_length(l), 4);
}

static void test_env_get(void **state) {
        (void) state;
        char *l[] = {"PATH=/bin", "PA=short", "EMPTY=", "EQ=a=b", NULL};

        assert_string_equal(strv_env_get(l, "PATH"), "/bin");
        assert_string_equal(strv_env_get(l, "PA"), "short");
        assert_string_equal(strv_env_get(l, "EMPTY"), "");
        assert_string_equal(strv_env_get(l, "EQ"), "a=b");
        assert_null(strv_env_get(l, "P"));
        assert_null(strv_env_get(l, "PATHX"));
        assert_null(strv_env_get(l, "MISSING"));
        assert_null(strv_env_get(NULL, "PATH"));
}

static void test_foreach(void **state) {
        (void) state;
        char *l[] = {"a", "b", "c", NULL};
        size_t n = 0;
        STRV_FOREACH(i, l)
        assert_string_equal(*i, l[n++]);
        assert_int_equal(n, 3);
        STRV_FOREACH(i, (char **) NULL)
        fail();
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_strv_free), cmocka_unit_test(test_length),
                cmocka_unit_test(test_copy),      cmocka_unit_test(test_contains),
                cmocka_unit_test(test_extend),    cmocka_unit_test(test_push),
                cmocka_unit_test(test_split),     cmocka_unit_test(test_env_set),
                cmocka_unit_test(test_env_get),   cmocka_unit_test(test_foreach),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
