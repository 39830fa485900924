/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "path-util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/random.h>
#include <unistd.h>

#include "macro.h"
#include "strv.h"

/* ---- paths ---- */

bool path_is_absolute(const char *p) {
        return p && p[0] == '/';
}

bool path_is_normalized(const char *p) {
        if (!path_is_absolute(p))
                return false;
        if (streq(p, "/"))
                return true;
        if (strstr(p, "//") || p[strlen(p) - 1] == '/')
                return false;
        for (const char *c = p; c; c = strchr(c + 1, '/')) {
                const char *comp = c + 1;
                size_t len = strcspn(comp, "/");
                if ((len == 1 && comp[0] == '.') || (len == 2 && comp[0] == '.' && comp[1] == '.'))
                        return false;
        }
        return true;
}

char *path_simplify(char *p) {
        char *out = p;
        const char *in = p;
        bool absolute;

        if (!p || !*p)
                return p;
        absolute = *p == '/';
        if (absolute)
                *out++ = *in++;
        while (*in) {
                size_t len;
                while (*in == '/')
                        in++;
                len = strcspn(in, "/");
                if (len == 0)
                        break;
                if (len == 1 && in[0] == '.') {
                        in += len;
                        continue;
                }
                if (out > p && out[-1] != '/')
                        *out++ = '/';
                memmove(out, in, len);
                out += len;
                in += len;
        }
        if (out == p) /* "." or "./" */
                *out++ = '.';
        *out = 0;
        return p;
}

int path_make_absolute_cwd(const char *p, char **ret) {
        _cleanup_free_ char *cwd = NULL;
        char *r;

        if (isempty(p))
                return -EINVAL;
        if (path_is_absolute(p))
                r = strdup(p);
        else {
                cwd = getcwd(NULL, 0);
                if (!cwd)
                        return negative_errno();
                if (asprintf(&r, "%s/%s", cwd, p) < 0)
                        r = NULL;
        }
        if (!r)
                return -ENOMEM;
        *ret = path_simplify(r);
        return 0;
}

int path_split_last(const char *p, char **ret_dir, char **ret_name) {
        size_t end, start, d;

        if (isempty(p) || strlen(p) > PATH_MAX)
                return -EINVAL;
        for (end = strlen(p);; end = start) {
                while (end > 0 && p[end - 1] == '/')
                        end--;
                for (start = end; start > 0 && p[start - 1] != '/'; start--)
                        ;
                if (start == end)
                        return -EADDRNOTAVAIL; /* only slashes (and "." components) */
                if (end - start != 1 || p[start] != '.')
                        break;
        }
        if (end - start > NAME_MAX || (end - start == 2 && p[start] == '.' && p[start + 1] == '.'))
                return -EINVAL;
        for (d = start; d > 0 && p[d - 1] == '/'; d--)
                ;
        if (ret_dir && d == 0 && start == 0)
                return -EDESTADDRREQ;

        _cleanup_free_ char *dir = NULL, *name = strndup(p + start, end - start);
        if (!name)
                return -ENOMEM;
        if (ret_dir) {
                dir = d == 0 ? strdup("/") : strndup(p, d);
                if (!dir)
                        return -ENOMEM;
                *ret_dir = TAKE_PTR(dir);
        }
        if (ret_name)
                *ret_name = TAKE_PTR(name);
        return 0;
}
