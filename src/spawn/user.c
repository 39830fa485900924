/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "user.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>

#include "macro.h"
#include "parse-util.h"

void user_record_done(struct user_record *u) {
        free(u->name);
        free(u->home);
        free(u->shell);
        free(u->groups);
        *u = (struct user_record){};
}

static bool pw_matches(const struct passwd *pw, const char *user, bool numeric, uint32_t uid) {
        return numeric ? pw->pw_uid == uid : streq(pw->pw_name, user);
}

static int add_group(struct user_record *u, gid_t g) {
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == g)
                        return 0;
        gid_t *n = realloc(u->groups, (u->n_groups + 1) * sizeof(gid_t));
        if (!n)
                return -ENOMEM;
        n[u->n_groups++] = g;
        u->groups = n;
        return 0;
}

/* Supplementary groups: every group listing the user as a member. */
static int load_groups(const char *group_path, struct user_record *u) {
        _cleanup_fclose_ FILE *f = fopen(group_path, "re");
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        struct group *gr;
        while ((gr = fgetgrent(f)))
                for (char **m = gr->gr_mem; m && *m; m++)
                        if (streq(*m, u->name)) {
                                int r = add_group(u, gr->gr_gid);
                                if (r < 0)
                                        return r;
                        }
        return 0;
}

int user_resolve(const char *passwd_path, const char *group_path, const char *user,
                 struct user_record *ret) {
        uint32_t uid = 0;
        bool numeric = parse_uint32(user, &uid) >= 0;
        _cleanup_fclose_ FILE *f = fopen(passwd_path, "re");
        if (!f)
                return -errno;

        struct passwd *pw;
        while ((pw = fgetpwent(f)))
                if (pw_matches(pw, user, numeric, uid))
                        break;
        if (!pw)
                return -ESRCH;

        struct user_record u = {
                .uid = pw->pw_uid,
                .gid = pw->pw_gid,
                .name = strdup(pw->pw_name),
                .home = strdup(isempty(pw->pw_dir) ? "/" : pw->pw_dir),
                .shell = strdup(isempty(pw->pw_shell) ? "/bin/sh" : pw->pw_shell),
        };
        /* The primary group is a supplementary group too, as getent initgroups reports it. */
        int r = (!u.name || !u.home || !u.shell) ? -ENOMEM : add_group(&u, u.gid);
        if (r >= 0)
                r = load_groups(group_path, &u);
        if (r < 0) {
                user_record_done(&u);
                return r;
        }
        *ret = u;
        return 0;
}
