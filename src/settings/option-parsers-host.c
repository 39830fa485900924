/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Option value parsers (see option-parsers.c): what the container gets from the host — integration
 * (resolv.conf, timezone, journal), mounts, credentials. */
#include "option-parsers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credentials.h"
#include "macro.h"
#include "name-valid.h"
#include "strv.h"

/* ---- integration ---- */

int parse_resolv_conf(const struct option_def *o, enum option_source src, const char *value,
                      struct settings *s, const char **ret_reason) {
        int m;

        if (option_is_help(src, value))
                return OPTION_LIST_VALUES;
        m = resolv_conf_from_string(value);
        if (m < 0) {
                *ret_reason = enum_names_expected(&resolv_conf_names);
                return -EINVAL;
        }
        s->resolv_conf = m;
        return 0;
}

int parse_timezone(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                   const char **ret_reason) {
        int m;

        if (option_is_help(src, value))
                return OPTION_LIST_VALUES;
        m = timezone_mode_from_string(value);
        if (m < 0) {
                *ret_reason = enum_names_expected(&timezone_mode_names);
                return -EINVAL;
        }
        s->timezone = m;
        return 0;
}

/* --link-journal=MODE; -j (no value) is try-guest. */
int parse_link_journal(const struct option_def *o, enum option_source src, const char *value,
                       struct settings *s, const char **ret_reason) {
        int m;

        if (option_is_help(src, value))
                return OPTION_LIST_VALUES;
        m = link_journal_from_string(value ?: "try-guest");
        if (m < 0) {
                *ret_reason = enum_names_expected(&link_journal_names);
                return -EINVAL;
        }
        s->link_journal = m;
        s->link_journal_try = m == LINK_JOURNAL_TRY_GUEST || m == LINK_JOURNAL_TRY_HOST;
        return 0;
}

/* ---- mounts ---- */

int parse_mount(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                const char **ret_reason) {
        struct custom_mount m;
        int r;

        r = custom_mount_parse(o->data & 0xff, o->data >> 8, value, &m, ret_reason);
        if (r < 0)
                return r;
        r = custom_mount_add(s, &m);
        custom_mount_free_contents(&m);
        return r;
}

/* --bind-user=NAME, BindUser= (a space-separated list; empty resets it). A name given twice is
 * bound once. */
int parse_bind_user(const struct option_def *o, enum option_source src, const char *value,
                    struct settings *s, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        r = strv_split(value, src == SOURCE_CLI ? "" : " \t", &words);
        if (r < 0)
                return r;
        if (!words[0] && src == SOURCE_CLI) {
                *ret_reason = "expected a user name";
                return -EINVAL;
        }
        STRV_FOREACH(w, words)
        if (!user_name_is_valid(*w)) {
                *ret_reason = "not a valid user name";
                return -EINVAL;
        }
        STRV_FOREACH(w, words)
        if (!strv_contains(s->bind_users, *w) && (r = strv_extend(&s->bind_users, *w)) < 0)
                return r;
        return 0;
}

void reset_bind_users(struct settings *s) {
        s->bind_users = strv_free(s->bind_users);
}

/* ---- credentials ---- */

/* True if an ID:… entry of l names id. */
static bool credential_listed(char *const *l, const char *id) {
        size_t n = strlen(id);
        STRV_FOREACH(i, l)
        if (strncmp(*i, id, n) == 0 && (*i)[n] == ':')
                return true;
        return false;
}

/* ID:VALUE (data 0) / ID:PATH (data 1), kept as given; the values are read by credentials_load()
 * when the container starts. The escapes of a VALUE are checked here already. */
int parse_credential(const struct option_def *o, enum option_source src, const char *value,
                     struct settings *s, const char **ret_reason) {
        _cleanup_free_ char *id = NULL, *data = NULL;
        const char *rest;
        size_t size;
        int r;

        r = credential_split(value, &id, &rest, ret_reason);
        if (r < 0)
                return r;
        if (o->data == 1 && !*rest) {
                *ret_reason = "expected ID:PATH";
                return -EINVAL;
        }
        if (o->data == 0 && credential_unescape(rest, &data, &size) < 0) {
                *ret_reason = "invalid escape sequence";
                return -EINVAL;
        }
        if (data)
                explicit_bzero(data, size);
        if (credential_listed(s->credentials_set, id) || credential_listed(s->credentials_load, id)) {
                *ret_reason = "duplicate credential";
                return -EINVAL;
        }
        return strv_extend(o->data == 1 ? &s->credentials_load : &s->credentials_set, value);
}
