/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "helper-path.h"

#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config.h"
#include "macro.h"

/* dir/name if it is an executable regular file, else NULL (errno ENOMEM if that failed). */
static char *try_dir(const char *dir, size_t dir_len, const char *name) {
        struct stat st;
        char *p;

        if (asprintf(&p, "%.*s/%s", (int) dir_len, dir, name) < 0) {
                errno = ENOMEM;
                return NULL;
        }
        if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
                free(p);
                errno = ENOENT;
                return NULL;
        }
        return p;
}

int helper_path(const char *name, char **ret) {
        char exe[PATH_MAX];
        char *p = NULL;

        if (!name || !*name || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return -EINVAL;
        /* a replaced binary reads "/dir/nspawn (deleted)": its directory is still right */
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
                exe[n] = 0;
                const char *slash = strrchr(exe, '/');
                if (slash)
                        p = try_dir(exe, (size_t) (slash - exe), name);
        }
        if (!p)
                p = try_dir(LIBEXECDIR, strlen(LIBEXECDIR), name);
        if (!p)
                return errno == ENOMEM ? -ENOMEM : -ENOENT;
        *ret = p;
        return 0;
}
