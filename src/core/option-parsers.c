/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The value parsers the option table (options.c) points at, one per kind of value, grouped like
 * the table. Private to the table: declared in option-parsers.h, not in options.h.
 */
#include "option-parsers.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "cgroup.h"
#include "credentials.h"
#include "macro.h"
#include "parse.h"
#include "strv.h"
#include "syscall-groups.h"

/*
 * Parsers. Each validates its whole value before it changes anything, then stores it, or returns
 * -EOPNOTSUPP when the mechanism behind the value is not built yet. Values that ask for what
 * nspawn already does by default ("no", "off") are accepted, so files and scripts that spell out
 * the defaults keep working.
 */

#define FIELD_AT(s, off, type) (*(type *) ((uint8_t *) (s) + (off)))

static bool is_help(enum option_source src, const char *value) {
        return src == SOURCE_CLI && value && streq(value, "help");
}

/* A flag: no value on the command line means "yes"; a settings-file key takes a boolean. */
static int flag_value(const char *value, const char **ret_reason) {
        int b;

        if (!value)
                return 1;
        b = parse_boolean(value);
        if (b < 0)
                *ret_reason = "expected a boolean";
        return b;
}

int parse_help(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
               const char **ret_reason) {
        return OPTION_SHOW_HELP;
}

int parse_version(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                  const char **ret_reason) {
        return OPTION_SHOW_VERSION;
}

/* --no-pager: nspawn never pages, so there is nothing to turn off. */
int parse_noop(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
               const char **ret_reason) {
        return 0;
}

/* Options that take no value and whose mechanism is not built yet (-x, -U, --share-system). */
int parse_unsupported(const struct option_def *o, enum option_source src, const char *value,
                      struct settings *s, const char **ret_reason) {
        return -EOPNOTSUPP;
}

/* A bool field at offset data. */
int parse_bool(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
               const char **ret_reason) {
        int b = flag_value(value, ret_reason);
        if (b < 0)
                return b;
        FIELD_AT(s, o->data, bool) = b;
        return 0;
}

/* An int field at offset data that holds -1 (unset), 0 or 1. */
int parse_tristate(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                   const char **ret_reason) {
        int b = flag_value(value, ret_reason);
        if (b < 0)
                return b;
        FIELD_AT(s, o->data, int) = b;
        return 0;
}

/* -x / Ephemeral=: a btrfs snapshot or an overlay of the tree (src/core/ephemeral.c). */
int parse_ephemeral(const struct option_def *o, enum option_source src, const char *value,
                    struct settings *s, const char **ret_reason) {
        int b = flag_value(value, ret_reason);
        if (b < 0)
                return b;
        s->ephemeral = b;
        return 0;
}

int parse_settings_mode(const struct option_def *o, enum option_source src, const char *value,
                        struct settings *s, const char **ret_reason) {
        int b = parse_boolean(value);

        if (b >= 0)
                s->settings_mode = b ? SETTINGS_YES : SETTINGS_NO;
        else if (streq(value, "trusted"))
                s->settings_mode = SETTINGS_TRUSTED;
        else if (streq(value, "override"))
                s->settings_mode = SETTINGS_OVERRIDE;
        else {
                *ret_reason = "expected a boolean, \"trusted\" or \"override\"";
                return -EINVAL;
        }
        return 0;
}

/* ---- paths ---- */

static int path_value(const char *value, char **ret, const char **ret_reason) {
        if (isempty(value)) {
                *ret_reason = "expected a path";
                return -EINVAL;
        }
        return path_make_absolute_cwd(value, ret);
}

int parse_directory(const struct option_def *o, enum option_source src, const char *value,
                    struct settings *s, const char **ret_reason) {
        char *p;
        int r = path_value(value, &p, ret_reason);
        if (r < 0)
                return r;
        free(s->directory);
        s->directory = p;
        return 0;
}

int parse_template(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                   const char **ret_reason) {
        char *p;
        int r = path_value(value, &p, ret_reason);
        if (r < 0)
                return r;
        free(s->template_path);
        s->template_path = p;
        return 0;
}

/* --image, --oci-bundle, --verity-data, --network-namespace-path: not built yet. */
int parse_path_unsupported(const struct option_def *o, enum option_source src, const char *value,
                           struct settings *s, const char **ret_reason) {
        _cleanup_free_ char *p = NULL;
        int r = path_value(value, &p, ret_reason);
        return r < 0 ? r : -EOPNOTSUPP;
}

int parse_chdir(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                const char **ret_reason) {
        _cleanup_free_ char *p = NULL;

        if (!path_is_absolute(value)) {
                *ret_reason = "not an absolute path";
                return -EINVAL;
        }
        p = strdup(value);
        if (!p)
                return -ENOMEM;
        path_simplify(p);
        if (!path_is_normalized(p)) {
                *ret_reason = "may not contain \"..\"";
                return -EINVAL;
        }
        free(s->working_directory);
        s->working_directory = TAKE_PTR(p);
        return 0;
}

int parse_pivot_root(const struct option_def *o, enum option_source src, const char *value,
                     struct settings *s, const char **ret_reason) {
        _cleanup_free_ char *new_root = NULL, *old_root = NULL;
        const char *p = value;
        int r;

        r = extract_word(&p, ":", &new_root);
        if (r > 0 && p)
                r = extract_word(&p, ":", &old_root);
        if (r < 0)
                return r == -ENOMEM ? r : (*ret_reason = "bad escape", -EINVAL);
        if (p || !path_is_absolute(new_root) || (!isempty(old_root) && !path_is_absolute(old_root))) {
                *ret_reason = "expected NEW[:OLD], absolute paths";
                return -EINVAL;
        }
        return -EOPNOTSUPP;
}

static bool hex_string_is_valid(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n % 2)
                return false;
        for (; *s; s++)
                if (!isxdigit((unsigned char) *s))
                        return false;
        return true;
}

int parse_root_hash(const struct option_def *o, enum option_source src, const char *value,
                    struct settings *s, const char **ret_reason) {
        if (!hex_string_is_valid(value)) {
                *ret_reason = "expected a hexadecimal hash";
                return -EINVAL;
        }
        if (strlen(value) < 32) {
                *ret_reason = "root hash must be at least 128 bit long";
                return -EINVAL;
        }
        return -EOPNOTSUPP;
}

int parse_root_hash_sig(const struct option_def *o, enum option_source src, const char *value,
                        struct settings *s, const char **ret_reason) {
        const char *b64 = startswith(value, "base64:");

        if (b64) {
                size_t n = strlen(b64);
                if (n == 0 || n % 4 ||
                    strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                "0123456789+/=") != n) {
                        *ret_reason = "invalid base64";
                        return -EINVAL;
                }
                return -EOPNOTSUPP;
        }
        return parse_path_unsupported(o, src, value, s, ret_reason);
}

/* ---- image modes ---- */

int parse_volatile(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                   const char **ret_reason) {
        int m;

        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        m = value ? volatile_mode_from_string(value) : VOLATILE_YES;
        if (m < 0) {
                *ret_reason = "expected no, yes, state or overlay";
                return -EINVAL;
        }
        s->volatile_mode = m;
        return 0;
}

/* ---- execution ---- */

/* -a / -b / ProcessTwo= / Boot=: data is the start mode the row selects. */
int parse_start_mode(const struct option_def *o, enum option_source src, const char *value,
                     struct settings *s, const char **ret_reason) {
        int b = flag_value(value, ret_reason);

        if (b < 0)
                return b;
        if (!b) {
                if (s->start_mode == (enum start_mode) o->data)
                        s->start_mode = START_PID1;
                return 0;
        }
        if (s->start_mode != START_PID1 && s->start_mode != (enum start_mode) o->data) {
                static const char *const conflict[2][2] = {
                        /* [CLI/file][this row boots] */
                        {"may not be combined with --boot", "may not be combined with --as-pid2"},
                        {"may not be combined with Boot=", "may not be combined with ProcessTwo="},
                };
                *ret_reason = conflict[src == SOURCE_FILE][o->data == START_BOOT];
                return -EINVAL;
        }
        s->start_mode = (enum start_mode) o->data;
        return 0;
}

/* Parameters=: words appended; an empty value resets the list. */
int parse_parameters(const struct option_def *o, enum option_source src, const char *value,
                     struct settings *s, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        r = split_quoted(value, &words);
        if (r < 0)
                return r == -ENOMEM ? r : (*ret_reason = "unbalanced quotes", r);
        if (!words[0]) {
                s->parameters = strv_free(s->parameters);
                return 0;
        }
        STRV_FOREACH(w, words) {
                r = strv_extend(&s->parameters, *w);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* -E NAME=VALUE, or -E NAME: nspawn's own value of NAME, if it has one. */
static int setenv_cli(const char *value, struct settings *s, const char **ret_reason) {
        _cleanup_free_ char *assignment = NULL;
        const char *own;

        if (strchr(value, '=')) {
                if (!env_assignment_is_valid(value)) {
                        *ret_reason = "expected NAME=VALUE with a valid variable name";
                        return -EINVAL;
                }
                return strv_env_set(&s->environment, value);
        }
        if (!env_name_is_valid(value)) {
                *ret_reason = "not a valid variable name";
                return -EINVAL;
        }
        /* NAME alone passes nspawn's own value through; an unset NAME is passed empty, as
         * systemd-nspawn 252 does. */
        own = getenv(value);
        if (asprintf(&assignment, "%s=%s", value, own ? own : "") < 0)
                return -ENOMEM;
        return strv_env_set(&s->environment, assignment);
}

/* Environment=: a list of NAME=VALUE words; an empty value resets the list. */
static int setenv_file(const char *value, struct settings *s, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        r = split_quoted(value, &words);
        if (r < 0)
                return r == -ENOMEM ? r : (*ret_reason = "unbalanced quotes", r);
        STRV_FOREACH(w, words)
        if (!env_assignment_is_valid(*w)) {
                *ret_reason = "expected NAME=VALUE words with valid variable names";
                return -EINVAL;
        }
        if (!words[0]) {
                s->environment = strv_free(s->environment);
                return 0;
        }
        STRV_FOREACH(w, words) {
                r = strv_env_set(&s->environment, *w);
                if (r < 0)
                        return r;
        }
        return 0;
}

int parse_setenv(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                 const char **ret_reason) {
        return src == SOURCE_CLI ? setenv_cli(value, s, ret_reason) : setenv_file(value, s, ret_reason);
}

/* A string field at offset data, checked by a validity function; empty unsets. */
static int string_set(struct settings *s, int offset, const char *value, bool (*valid)(const char *),
                      const char *reason, const char **ret_reason) {
        char *copy = NULL;

        if (!isempty(value)) {
                if (!valid(value)) {
                        *ret_reason = reason;
                        return -EINVAL;
                }
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
        }
        free(FIELD_AT(s, offset, char *));
        FIELD_AT(s, offset, char *) = copy;
        return 0;
}

int parse_user(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
               const char **ret_reason) {
        return string_set(s, OFF(user), value, user_name_is_valid, "not a valid user name", ret_reason);
}

int parse_machine(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                  const char **ret_reason) {
        return string_set(s, OFF(machine), value, machine_name_is_valid, "not a valid machine name",
                          ret_reason);
}

int parse_hostname(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                   const char **ret_reason) {
        return string_set(s, OFF(hostname), value, hostname_is_valid, "not a valid hostname", ret_reason);
}

int parse_kill_signal(const struct option_def *o, enum option_source src, const char *value,
                      struct settings *s, const char **ret_reason) {
        int sig;

        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        sig = signal_from_string(value);
        if (sig < 0) {
                *ret_reason = "not a signal name or number";
                return -EINVAL;
        }
        s->kill_signal = sig;
        return 0;
}

/* ---- identity ---- */

int parse_uuid(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
               const char **ret_reason) {
        uint8_t u[16];

        if (uuid_parse(value, u) < 0) {
                *ret_reason = value && *value && strspn(value, "0-") == strlen(value)
                                      ? "the machine UUID may not be all zeroes"
                                      : "not a valid UUID";
                return -EINVAL;
        }
        memcpy(s->uuid, u, sizeof(u));
        s->uuid_set = true;
        return 0;
}

/* ---- properties ---- */

/* --slice=NAME: stored as a unit name ("foo" → "foo.slice"); cgroup.c turns it into a path. */
int parse_slice(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                const char **ret_reason) {
        char *slice;
        int r = cgroup_slice_normalize(value, &slice);

        if (r == -EINVAL)
                *ret_reason = "not a valid slice name";
        if (r < 0)
                return r;
        free(s->slice);
        s->slice = slice;
        return 0;
}

/* --property=NAME=VALUE: validated now (the name must be one nspawn writes itself, see
 * cgroup-property.c), stored as given and parsed again by cgroup.c. */
int parse_property(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                   const char **ret_reason) {
        struct cgroup_property p;
        int r = cgroup_property_parse(value, &p, ret_reason);

        if (r < 0)
                return r == -EOPNOTSUPP ? -EINVAL : r;
        return strv_extend(&s->properties, value);
}

/* ---- user namespacing ---- */

static int userns_range_check(const char *value, const char **ret_reason) {
        _cleanup_free_ char *base = NULL;
        const char *colon = strchr(value, ':');
        uint32_t shift, range = 0x10000;

        base = colon ? strndup(value, (size_t) (colon - value)) : strdup(value);
        if (!base)
                return -ENOMEM;
        if (parse_uint32(base, &shift) < 0 || (colon && parse_uint32(colon + 1, &range) < 0)) {
                *ret_reason = "expected no, yes, pick, identity or UIDBASE[:NUIDS]";
                return -EINVAL;
        }
        if (range == 0 || range > UINT32_MAX - shift) {
                *ret_reason = "UID range cannot be empty or go beyond 4294967295";
                return -EINVAL;
        }
        return 0;
}

int parse_private_users(const struct option_def *o, enum option_source src, const char *value,
                        struct settings *s, const char **ret_reason) {
        int b, r;

        if (!value)
                return -EOPNOTSUPP; /* bare --private-users = yes */
        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        b = parse_boolean(value);
        if (b == 0) {
                s->userns_mode = USER_NS_NO;
                return 0;
        }
        if (b > 0 || streq(value, "pick") || streq(value, "identity"))
                return -EOPNOTSUPP;
        r = userns_range_check(value, ret_reason);
        return r < 0 ? r : -EOPNOTSUPP;
}

int parse_userns_ownership(const struct option_def *o, enum option_source src, const char *value,
                           struct settings *s, const char **ret_reason) {
        int m;

        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        m = user_ns_ownership_from_string(value);
        if (m < 0) {
                *ret_reason = "expected off, chown, map or auto";
                return -EINVAL;
        }
        if (m != USER_NS_OWNERSHIP_OFF)
                return -EOPNOTSUPP;
        s->userns_ownership = USER_NS_OWNERSHIP_OFF;
        return 0;
}

/* --private-users-chown (obsolete) / PrivateUsersChown=: yes = ownership chown. */
int parse_userns_chown(const struct option_def *o, enum option_source src, const char *value,
                       struct settings *s, const char **ret_reason) {
        int b = flag_value(value, ret_reason);
        if (b < 0)
                return b;
        if (b)
                return -EOPNOTSUPP;
        s->userns_ownership = USER_NS_OWNERSHIP_OFF;
        return 0;
}

/* ---- networking ---- */

/* IF, or HOSTIF[:CONTAINERIF] for NET_PAIR, or a zone name that fits "vz-NAME". */
static bool net_word_is_valid(const char *w, int kind) {
        _cleanup_free_ char *first = NULL, *vz = NULL;
        const char *colon = strchr(w, ':');

        if (kind == NET_ZONE)
                return asprintf(&vz, "vz-%s", w) >= 0 && ifname_is_valid(vz);
        if (kind == NET_PLAIN || !colon)
                return ifname_is_valid(w);
        first = strndup(w, (size_t) (colon - w));
        return first && ifname_is_valid(first) && ifname_is_valid(colon + 1);
}

/* The network options: one interface on the command line, a space-separated list in a file.
 * data is the NET_* kind. None of them is built yet. */
int parse_network_list(const struct option_def *o, enum option_source src, const char *value,
                       struct settings *s, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        int kind = o->data & NET_KIND_MASK;

        /* No separators: the whole value is one word. */
        r = strv_split(value, src == SOURCE_FILE && (o->data & NET_LIST) ? " \t" : "", &words);
        if (r < 0)
                return r;
        if (!words[0] && src == SOURCE_CLI) {
                *ret_reason = "expected an interface name";
                return -EINVAL;
        }
        STRV_FOREACH(w, words)
        if (!net_word_is_valid(*w, kind)) {
                *ret_reason =
                        kind == NET_ZONE ? "not a valid zone name" : "not a valid network interface name";
                return -EINVAL;
        }
        return words[0] ? -EOPNOTSUPP : 0;
}

/* -n / VirtualEthernet=: only "no" (in a file) is built. */
int parse_veth(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
               const char **ret_reason) {
        int b = flag_value(value, ret_reason);
        if (b < 0)
                return b;
        if (b)
                return -EOPNOTSUPP;
        s->network_veth = false;
        return 0;
}

/* [tcp|udp:]HOSTPORT[:CONTAINERPORT] */
int parse_expose_port(const struct option_def *o, enum option_source src, const char *value,
                      struct settings *s, const char **ret_reason) {
        _cleanup_free_ char *host = NULL;
        const char *p, *colon;
        uint16_t port;

        p = startswith(value, "tcp:") ?: startswith(value, "udp:") ?: value;
        colon = strchr(p, ':');
        host = colon ? strndup(p, (size_t) (colon - p)) : strdup(p);
        if (!host)
                return -ENOMEM;
        if (parse_port(host, &port) < 0 || (colon && parse_port(colon + 1, &port) < 0)) {
                *ret_reason = "expected [tcp|udp:]HOSTPORT[:CONTAINERPORT], ports 1-65535";
                return -EINVAL;
        }
        return -EOPNOTSUPP;
}

/* ---- security ---- */

/* A parsed capability list into the set the row (data: CAPS_*) names. */
static int caps_store(int which, uint64_t mask, bool all, struct settings *s, const char **ret_reason) {
        switch (which) {
        case CAPS_ADD:
                s->caps_add |= mask;
                s->caps_all = s->caps_all || all;
                break;
        case CAPS_DROP:
                s->caps_drop = all ? UINT64_MAX : s->caps_drop | mask;
                break;
        case CAPS_AMBIENT:
                if (all) {
                        *ret_reason = "does not support the value all";
                        return -EINVAL;
                }
                s->caps_ambient |= mask;
                break;
        }
        return 0;
}

/* --capability takes a comma-separated list, Capability= a space-separated one. */
int parse_capability(const struct option_def *o, enum option_source src, const char *value,
                     struct settings *s, const char **ret_reason) {
        uint64_t mask = 0;
        bool all = false;
        int r;

        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        r = capability_list_parse(value, src == SOURCE_CLI ? "," : " \t", &mask, &all);
        if (r < 0) {
                *ret_reason = "unknown capability";
                return r;
        }
        return caps_store(o->data, mask, all, s, ret_reason);
}

/* LIST or ~LIST (the "~" negates the whole list): names and @groups, space-separated. */
int parse_syscall_filter(const struct option_def *o, enum option_source src, const char *value,
                         struct settings *s, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        bool deny = value[0] == '~';
        int r;

        r = strv_split(value + deny, " \t", &words);
        if (r < 0)
                return r;
        if (!words[0] && src == SOURCE_FILE && !deny) { /* SystemCallFilter= resets */
                s->syscall_allow = strv_free(s->syscall_allow);
                s->syscall_deny = strv_free(s->syscall_deny);
                return 0;
        }
        STRV_FOREACH(w, words)
        if (!seccomp_name_valid(*w)) {
                *ret_reason = "unknown system call or group";
                return -EINVAL;
        }
        STRV_FOREACH(w, words) {
                r = strv_extend(deny ? &s->syscall_deny : &s->syscall_allow, *w);
                if (r < 0)
                        return r;
        }
        return 0;
}

int parse_selinux(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                  const char **ret_reason) {
        if (isempty(value)) {
                *ret_reason = "expected a security label";
                return -EINVAL;
        }
        return -EOPNOTSUPP;
}

/* ---- resources ---- */

static int rlimit_store(struct settings *s, int resource, const char *value, const char **ret_reason) {
        struct rlimit rl, *p;
        int r;

        r = parse_rlimit_value(value, &rl);
        if (r < 0) {
                *ret_reason = "expected SOFT[:HARD], numbers or \"infinity\", SOFT not above HARD";
                return r == -ENOMEM ? r : -EINVAL;
        }
        p = malloc(sizeof(*p));
        if (!p)
                return -ENOMEM;
        *p = rl;
        free(s->rlimits[resource]);
        s->rlimits[resource] = p;
        s->set_mask |= SETTING_BIT(SETTING_RLIMIT_FIRST + resource);
        return 0;
}

/* --rlimit=NAME=SOFT[:HARD] */
int parse_rlimit(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                 const char **ret_reason) {
        _cleanup_free_ char *name = NULL;
        const char *eq;
        int resource;

        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        eq = strchr(value, '=');
        if (!eq) {
                *ret_reason = "expected NAME=SOFT[:HARD]";
                return -EINVAL;
        }
        name = strndup(value, (size_t) (eq - value));
        if (!name)
                return -ENOMEM;
        resource = rlimit_from_string(name);
        if (resource < 0) {
                *ret_reason = "unknown resource limit";
                return -EINVAL;
        }
        return rlimit_store(s, resource, eq + 1, ret_reason);
}

/* LimitNOFILE= etc.: data is the RLIMIT_*. */
int parse_limit_key(const struct option_def *o, enum option_source src, const char *value,
                    struct settings *s, const char **ret_reason) {
        return rlimit_store(s, o->data, value, ret_reason);
}

int parse_oom_score_adjust(const struct option_def *o, enum option_source src, const char *value,
                           struct settings *s, const char **ret_reason) {
        int v;

        if (parse_int(value, &v) < 0 || v < -1000 || v > 1000) {
                *ret_reason = "expected an integer from -1000 to 1000";
                return -EINVAL;
        }
        s->oom_score_adjust = v;
        s->oom_score_adjust_set = true;
        return 0;
}

int parse_cpu_affinity(const struct option_def *o, enum option_source src, const char *value,
                       struct settings *s, const char **ret_reason) {
        cpu_set_t *set;
        size_t size;
        int r;

        r = parse_cpu_set(value, &set, &size);
        if (r < 0) {
                *ret_reason = r == -ERANGE ? "CPU index out of range (0-8191)"
                                           : "expected a list of CPU indexes and ranges";
                return r == -ENOMEM ? r : -EINVAL;
        }
        CPU_FREE(s->cpu_set);
        s->cpu_set = set;
        s->cpu_set_size = size;
        return 0;
}

int parse_personality(const struct option_def *o, enum option_source src, const char *value,
                      struct settings *s, const char **ret_reason) {
        unsigned long p;

        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        if (isempty(value) && src == SOURCE_FILE) {
                s->personality = PERSONALITY_INVALID;
                return 0;
        }
        if (personality_from_string(value, &p) < 0) {
                *ret_reason = "unknown or unsupported personality";
                return -EINVAL;
        }
        s->personality = p;
        return 0;
}

/* ---- integration ---- */

int parse_resolv_conf(const struct option_def *o, enum option_source src, const char *value,
                      struct settings *s, const char **ret_reason) {
        int m;

        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        m = resolv_conf_from_string(value);
        if (m < 0) {
                *ret_reason = "unknown mode (see --resolv-conf=help)";
                return -EINVAL;
        }
        s->resolv_conf = m;
        return 0;
}

int parse_timezone(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                   const char **ret_reason) {
        int m;

        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        m = timezone_mode_from_string(value);
        if (m < 0) {
                *ret_reason = "expected off, copy, bind, symlink, delete or auto";
                return -EINVAL;
        }
        s->timezone = m;
        return 0;
}

/* --link-journal=MODE; -j (no value) is try-guest. */
int parse_link_journal(const struct option_def *o, enum option_source src, const char *value,
                       struct settings *s, const char **ret_reason) {
        int m;

        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        m = link_journal_from_string(value ?: "try-guest");
        if (m < 0) {
                *ret_reason = "expected no, auto, guest, host, try-guest or try-host";
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

/* --bind-user=NAME, BindUser= (a space-separated list): not built yet. */
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
        return words[0] ? -EOPNOTSUPP : 0;
}

/* ---- input/output ---- */

/* --console=MODE; -P (no value) is pipe. */
int parse_console(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                  const char **ret_reason) {
        int m;

        if (is_help(src, value))
                return OPTION_LIST_VALUES;
        m = console_mode_from_string(value ?: "pipe");
        if (m < 0) {
                *ret_reason = "expected interactive, read-only, passive, pipe or autopipe";
                return -EINVAL;
        }
        s->console_mode = m;
        return 0;
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
