/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "env.h"

#include <ctype.h>
#include <stdio.h>

#include "macro.h"
#include "uuid.h"

static int env_setf(char ***env, const char *name, const char *value) {
        _cleanup_free_ char *a = NULL;
        if (asprintf(&a, "%s=%s", name, value) < 0)
                return -ENOMEM;
        return strv_env_set(env, a);
}

/* os-release values may be quoted; strip one level of "" or ''. */
static char *unquote(const char *v) {
        size_t l = strlen(v);
        if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0])
                return strndup(v + 1, l - 2);
        return strdup(v);
}

/* Each KEY=value of the host's os-release as container_host_key=value. */
static int env_add_host_os_release(char ***env, const char *os_release) {
        _cleanup_strv_free_ char **lines = NULL;
        int r = strv_split(os_release, "\n", &lines);
        if (r < 0)
                return r;
        STRV_FOREACH(l, lines) {
                const char *eq = strchr(*l, '=');
                if (**l == '#' || !eq || eq == *l)
                        continue;
                _cleanup_free_ char *key = strndup(*l, (size_t) (eq - *l));
                _cleanup_free_ char *value = unquote(eq + 1);
                _cleanup_free_ char *name = NULL;
                if (!key || !value)
                        return -ENOMEM;
                for (char *k = key; *k; k++)
                        *k = (char) tolower((unsigned char) *k);
                if (asprintf(&name, "container_host_%s", key) < 0)
                        return -ENOMEM;
                r = env_setf(env, name, value);
                if (r < 0)
                        return r;
        }
        return 0;
}

int env_build_base(const struct settings *s, const uint8_t uuid[16], enum console_mode console,
                   const char *host_os_release, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        const char *service = getenv("SYSTEMD_NSPAWN_CONTAINER_SERVICE");
        const char *term = getenv("TERM");
        char u[37];
        int r;

        uuid_format(uuid, u);
        if (console == CONSOLE_PIPE && !term)
                term = "dumb";
        if ((r = env_setf(&env, "PATH", DEFAULT_PATH)) < 0 ||
            (r = env_setf(&env, "container", isempty(service) ? "systemd-nspawn" : service)) < 0 ||
            (r = env_setf(&env, "container_uuid", u)) < 0 ||
            (r = env_setf(&env, "NOTIFY_SOCKET", "/run/host/notify")) < 0 ||
            (term && (r = env_setf(&env, "TERM", term)) < 0) ||
            (s->start_mode != START_BOOT && (r = env_setf(&env, "LANG", "C.UTF-8")) < 0))
                return r;
        if ((s->credentials_set || s->credentials_load) &&
            (r = env_setf(&env, "CREDENTIALS_DIRECTORY", "/run/host/credentials")) < 0)
                return r;
        if (host_os_release && (r = env_add_host_os_release(&env, host_os_release)) < 0)
                return r;
        if (!env && !(env = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(env);
        return 0;
}

int env_finalize(char ***env, const char *home, const char *user, char *const *assignments) {
        int r;
        if ((r = env_setf(env, "HOME", home)) < 0 || (r = env_setf(env, "USER", user)) < 0 ||
            (r = env_setf(env, "LOGNAME", user)) < 0)
                return r;
        STRV_FOREACH(a, assignments)
        if ((r = strv_env_set(env, *a)) < 0)
                return r;
        return 0;
}
