/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An unprivileged caller's user namespace (see userns.h, "rootless"): the container's root is the
 * caller, its other users the caller's subordinate ranges (/etc/subuid, /etc/subgid), and the maps
 * are written by shadow's setuid newuidmap/newgidmap, which check those ranges. Nothing else of the
 * host is mapped, so the container can do on the host exactly what the caller can: its files are
 * the caller's, host root's stay out of reach.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "macro.h"
#include "userns.h"

#define ROOTLESS_IDS 0x10000 /* the container's root and 65535 subordinate ids, at most */

/* The caller's name from the host's passwd file (a static nspawn has no NSS): for the name lines
 * of /etc/subuid. NULL if it has none. */
static char *caller_name(uid_t uid) {
        _cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
        struct passwd *pw;

        while (f && (pw = fgetpwent(f)))
                if (pw->pw_uid == uid)
                        return strdup(pw->pw_name);
        return NULL;
}

/* "0 ID 1", then the caller's subordinate ranges from 1 on, up to ROOTLESS_IDS ids in all. */
static int subid_map(const char *file, const char *name, uint32_t id, const char *what, struct userns_map *m,
                     char **ret_error) {
        struct userns_range r[USERNS_MAP_MAX - 1];
        uint32_t inside = 1;
        size_t n;
        int k;

        k = userns_subid_ranges(file, name, id, r, ELEMENTSOF(r), &n);
        if (k < 0)
                return error_setf(ret_error, k, "Failed to read %s: %s", file, strerror(-k));
        if ((k = userns_map_add(m, 0, id, 1)) < 0)
                return k;
        for (size_t i = 0; i < n && inside < ROOTLESS_IDS; i++) {
                uint32_t take = MIN(r[i].count, ROOTLESS_IDS - inside);
                if (userns_map_add(m, inside, r[i].outside, take) < 0)
                        continue;
                inside += take;
        }
        if (inside == 1)
                return error_setf(ret_error, -ENOENT,
                                  "User %s has no subordinate %ss in %s: ask root for a range (usermod "
                                  "--add-sub%ss 100000-165535 %s), or run nspawn as root.",
                                  name ?: "(unnamed)", what, file, what, name ?: "USER");
        return (int) inside;
}

/* What only host root can do is refused with what to do instead. */
static int rootless_check(const struct settings *s, char **ret_error) {
        enum user_ns_ownership o = settings_userns_ownership(s);

        if (s->userns_mode == USER_NS_IDENTITY ||
            (s->userns_mode == USER_NS_FIXED && s->uid_shift != UINT32_MAX))
                return error_setf(
                        ret_error, -EPERM,
                        "--private-users=identity or UIDBASE needs root: unprivileged, -U maps the "
                        "container's root to you and its other users to your /etc/subuid range.");
        if (o == USER_NS_OWNERSHIP_MAP || o == USER_NS_OWNERSHIP_CHOWN)
                return error_setf(ret_error, -EPERM,
                                  "--private-users-ownership=%s needs root: unprivileged, the container's "
                                  "root is you, and your files are its files already.",
                                  user_ns_ownership_to_string(o));
        if (s->bind_users)
                return error_setf(ret_error, -EPERM, "--bind-user= needs root.");
        for (size_t i = 0; i < s->n_custom_mounts; i++)
                if (s->custom_mounts[i].idmap != IDMAP_NONE)
                        return error_setf(ret_error, -EPERM,
                                          "The bind options idmap, rootidmap and owneridmap need root.");
        return 0;
}

int userns_rootless_prepare(const struct settings *s, struct userns *u, char **ret_error) {
        _cleanup_free_ char *name = caller_name(geteuid());
        int r, n_gids;

        r = rootless_check(s, ret_error);
        if (r < 0)
                return r;
        u->ownership = USER_NS_OWNERSHIP_OFF;
        if (s->userns_mode == USER_NS_CUSTOM) /* newuidmap checks them against the caller's ranges */
                return userns_custom_maps(s, u, ret_error);
        r = subid_map("/etc/subuid", name, geteuid(), "uid", &u->uid, ret_error);
        if (r < 0)
                return r;
        n_gids = subid_map("/etc/subgid", name, getegid(), "gid", &u->gid, ret_error);
        if (n_gids < 0)
                return n_gids;
        u->base = geteuid();
        u->range = (uint32_t) r;
        u->ownership = USER_NS_OWNERSHIP_OFF;
        return 0;
}

/* $XDG_RUNTIME_DIR (else /run/user/UID) and $XDG_CACHE_HOME (else ~/.cache) joined with sub, if the
 * base exists and is the caller's; NULL otherwise. */
static char *user_dir(const char *env, const char *fallback_fmt, const char *sub) {
        const char *base = getenv(env);
        char fallback[64], *p = NULL;
        struct stat st;

        if (!base || base[0] != '/') {
                const char *home = getenv("HOME");
                if (strstr(fallback_fmt, "%u"))
                        snprintf(fallback, sizeof fallback, fallback_fmt, (unsigned) geteuid());
                else if (home && home[0] == '/' && strlen(home) < 40)
                        snprintf(fallback, sizeof fallback, fallback_fmt, home);
                else
                        return NULL;
                base = fallback;
        }
        if (stat(base, &st) < 0 || st.st_uid != geteuid() || !S_ISDIR(st.st_mode))
                return NULL;
        if (asprintf(&p, "%s/%s", base, sub) < 0)
                return NULL;
        return p;
}

char *userns_rootless_registry_dir(void) {
        return user_dir("XDG_RUNTIME_DIR", "/run/user/%u", "nspawn/machines");
}

char *userns_rootless_cache_dir(void) {
        return user_dir("XDG_CACHE_HOME", "%s/.cache", "nspawn/seccomp");
}

int userns_rootless_check_run(const struct settings *s, char **ret_error) {
        if (s->userns_mode == USER_NS_NO)
                return error_setf(
                        ret_error, -EPERM,
                        "nspawn needs root, or a user namespace of the caller's own: run it with -U (your "
                        "/etc/subuid and /etc/subgid ranges map the container's users).");
        if (s->slice || s->properties)
                return error_setf(ret_error, -EPERM,
                                  "--slice= and --property= need root: unprivileged, the container stays in "
                                  "your cgroup (in a cgroup namespace of its own).");
        return 0;
}
