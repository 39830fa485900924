/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * -u USER, resolved inside the container (after pivot_root) from its own /etc/passwd and
 * /etc/group — never through the host's NSS. A numeric USER is taken as a UID.
 */

#include <sys/types.h>

struct user_record {
        uid_t uid;
        gid_t gid;
        char *name;
        char *home;
        char *shell;
        gid_t *groups;
        size_t n_groups;
};

int user_resolve(const char *passwd_path, const char *group_path, const char *user, struct user_record *ret);
void user_record_done(struct user_record *u);
