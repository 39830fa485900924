/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "strv.h"

#include <stdlib.h>
#include <string.h>

char **strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        while (l && l[n])
                n++;
        return n;
}

char **strv_copy(char *const *l) {
        size_t n = strv_length(l);
        char **c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(l[i]);
                if (!c[i])
                        return strv_free(c);
        }
        return c;
}

bool strv_contains(char *const *l, const char *s) {
        STRV_FOREACH(i, l)
        if (streq(*i, s))
                return true;
        return false;
}

int strv_push(char ***l, char *s) {
        size_t n = strv_length(*l);
        char **c = realloc(*l, (n + 2) * sizeof(char *));
        if (!c) {
                free(s);
                return -ENOMEM;
        }
        c[n] = s;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *s) {
        char *c = strdup(s);
        if (!c)
                return -ENOMEM;
        return strv_push(l, c);
}

int strv_split(const char *s, const char *separators, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        while (*s) {
                size_t skip = strspn(s, separators);
                s += skip;
                size_t len = strcspn(s, separators);
                if (len == 0)
                        break;
                char *w = strndup(s, len);
                if (!w)
                        return -ENOMEM;
                int r = strv_push(&l, w);
                if (r < 0)
                        return r;
                s += len;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static char **env_find(char **l, const char *name, size_t len) {
        for (char **i = l; i && *i; i++)
                if (strncmp(*i, name, len) == 0 && (*i)[len] == '=')
                        return i;
        return NULL;
}

int strv_env_set(char ***l, const char *assignment) {
        const char *eq = strchr(assignment, '=');
        if (!eq)
                return -EINVAL;
        char *c = strdup(assignment);
        if (!c)
                return -ENOMEM;
        char **slot = env_find(*l, assignment, (size_t) (eq - assignment));
        if (slot) {
                free(*slot);
                *slot = c;
                return 0;
        }
        return strv_push(l, c);
}

const char *strv_env_get(char *const *l, const char *name) {
        char **slot = env_find((char **) l, name, strlen(name));
        return slot ? *slot + strlen(name) + 1 : NULL;
}
