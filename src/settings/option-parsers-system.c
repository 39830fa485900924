/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Option value parsers (see option-parsers.c): properties, user namespacing, networking, security,
 * resources. */
#include "option-parsers.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "cgroup.h"
#include "macro.h"
#include "name-valid.h"
#include "net-config.h"
#include "parse-util.h"
#include "proc-names.h"
#include "strv.h"
#include "syscall-groups.h"
#include "userns-map.h"

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

/* UIDBASE[:NUIDS] (NUIDS 65536 when not given). */
static int userns_range_parse(const char *value, uint32_t *ret_shift, uint32_t *ret_range,
                              const char **ret_reason) {
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
        *ret_shift = shift;
        *ret_range = range;
        return 0;
}

/* no · yes (or no value: the base is the tree's root directory owner) · pick · identity ·
 * UIDBASE[:NUIDS]. The ownership stays "unset" (settings_userns_ownership() resolves it). */
int parse_private_users(const struct option_def *o, enum option_source src, const char *value,
                        struct settings *s, const char **ret_reason) {
        uint32_t shift = UINT32_MAX, range = 0x10000;
        enum user_ns_mode mode;
        int b, r;

        if (option_is_help(src, value))
                return OPTION_LIST_VALUES;
        if (s->userns_maps) {
                *ret_reason = "may not be combined with --private-users-map=";
                return -EINVAL;
        }
        b = value ? parse_boolean(value) : 1;
        if (b == 0)
                mode = USER_NS_NO;
        else if (b > 0)
                mode = USER_NS_FIXED; /* shift from the tree */
        else if (streq(value, "pick"))
                mode = USER_NS_PICK;
        else if (streq(value, "managed")) {
                *ret_reason = "systemd-nsresourced's ranges are not built";
                return -EOPNOTSUPP;
        } else if (streq(value, "identity")) {
                mode = USER_NS_IDENTITY;
                shift = 0;
        } else {
                r = userns_range_parse(value, &shift, &range, ret_reason);
                if (r < 0)
                        return r;
                mode = USER_NS_FIXED;
        }
        s->userns_mode = mode;
        s->uid_shift = shift;
        s->uid_range = range;
        return 0;
}

/* --private-users-map=u|g|b:INSIDE:OUTSIDE:COUNT (repeatable; in a file, a blank-separated list,
 * empty resets it), an nspawn extension (LXC's lxc.idmap, systemd#23983): the container's maps are
 * the lines given. Each line is checked here; the whole maps when the container starts (overlaps,
 * the container's root mapped: userns.c). */
int parse_userns_map(const struct option_def *o, enum option_source src, const char *value,
                     struct settings *s, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        int r = strv_split(value, src == SOURCE_CLI ? "" : " \t", &words);

        if (r < 0)
                return r;
        if (!words[0] && src == SOURCE_CLI) {
                *ret_reason = "expected u|g|b:INSIDE:OUTSIDE:COUNT";
                return -EINVAL;
        }
        if (words[0] && s->userns_mode != USER_NS_NO && s->userns_mode != USER_NS_CUSTOM) {
                *ret_reason = "may not be combined with --private-users= or -U";
                return -EINVAL;
        }
        STRV_FOREACH(w, words) {
                struct userns_map uid = {}, gid = {};
                if ((r = userns_map_parse_line(*w, &uid, &gid, ret_reason)) < 0)
                        return r;
        }
        STRV_FOREACH(w, words)
        if ((r = strv_extend(&s->userns_maps, *w)) < 0)
                return r;
        if (words[0])
                s->userns_mode = USER_NS_CUSTOM;
        return 0;
}

void reset_userns_maps(struct settings *s) {
        s->userns_maps = strv_free(s->userns_maps);
        if (s->userns_mode == USER_NS_CUSTOM)
                s->userns_mode = USER_NS_NO;
}

/* -U: pick, and ownership auto. */
int parse_userns_pick(const struct option_def *o, enum option_source src, const char *value,
                      struct settings *s, const char **ret_reason) {
        if (s->userns_maps) {
                *ret_reason = "may not be combined with --private-users-map=";
                return -EINVAL;
        }
        s->userns_mode = USER_NS_PICK;
        s->uid_shift = UINT32_MAX;
        s->uid_range = 0x10000;
        s->userns_ownership = USER_NS_OWNERSHIP_AUTO;
        return 0;
}

int parse_userns_ownership(const struct option_def *o, enum option_source src, const char *value,
                           struct settings *s, const char **ret_reason) {
        int m;

        if (option_is_help(src, value))
                return OPTION_LIST_VALUES;
        m = user_ns_ownership_from_string(value);
        if (m < 0 && streq(value, "foreign")) {
                *ret_reason = "the foreign UID range is not built";
                return -EOPNOTSUPP;
        }
        if (m < 0) {
                *ret_reason = enum_names_expected(&user_ns_ownership_names);
                return -EINVAL;
        }
        s->userns_ownership = m;
        return 0;
}

/* --private-users-chown (obsolete) / PrivateUsersChown=: yes = ownership chown. */
int parse_userns_chown(const struct option_def *o, enum option_source src, const char *value,
                       struct settings *s, const char **ret_reason) {
        int b = option_flag_value(value, ret_reason);
        if (b < 0)
                return b;
        s->userns_ownership = b ? USER_NS_OWNERSHIP_CHOWN : USER_NS_OWNERSHIP_OFF;
        return 0;
}

/* ---- networking ---- */

/* IF, or IF[:NAME] for NET_PAIR (an empty NAME is none, as in systemd-nspawn), or a zone name
 * that fits "vz-NAME". */
static bool net_word_is_valid(const char *w, int kind) {
        _cleanup_free_ char *first = NULL, *vz = NULL;
        const char *colon = strchr(w, ':');

        if (kind == NET_ZONE)
                return asprintf(&vz, "vz-%s", w) >= 0 && ifname_is_valid(vz);
        if (kind == NET_PLAIN || !colon)
                return ifname_is_valid(w);
        first = strndup(w, (size_t) (colon - w));
        return first && ifname_is_valid(first) && (!colon[1] || ifname_is_valid(colon + 1));
}

/* The network options: one interface on the command line, a space-separated list in a file (list
 * rows, NET_LIST: the words are appended to the row's list; the others replace its string). data
 * holds the NET_* kind and the field (NET_FIELD). In a file, an empty Interface=, MACVLAN=, IPVLAN=
 * or VirtualEthernetExtra= resets its list (the reset_network_*() below). What the options imply
 * (a private network, a veth) is settings_network_imply()'s. */
int parse_network_list(const struct option_def *o, enum option_source src, const char *value,
                       struct settings *s, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        void *field = (uint8_t *) s + (o->data >> 8);
        bool list = o->data & NET_LIST;
        int kind = o->data & NET_KIND_MASK;
        int r;

        /* No separators: the whole value is one word. */
        r = strv_split(value, src == SOURCE_FILE && list ? " \t" : "", &words);
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
        if (!words[0])
                return 0;
        if (!list) {
                char **str = field;
                free(*str);
                *str = strdup(words[0]);
                return *str ? 0 : -ENOMEM;
        }
        STRV_FOREACH(w, words)
        if (strv_extend(field, *w) < 0)
                return -ENOMEM;
        return 0;
}

void reset_network_interfaces(struct settings *s) {
        s->network_interfaces = strv_free(s->network_interfaces);
}
void reset_network_macvlan(struct settings *s) {
        s->network_macvlan = strv_free(s->network_macvlan);
}
void reset_network_ipvlan(struct settings *s) {
        s->network_ipvlan = strv_free(s->network_ipvlan);
}
void reset_network_veth_extra(struct settings *s) {
        s->network_veth_extra = strv_free(s->network_veth_extra);
}

/* -n / VirtualEthernet=. */
int parse_veth(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
               const char **ret_reason) {
        int b = option_flag_value(value, ret_reason);
        if (b < 0)
                return b;
        s->network_veth = b;
        return 0;
}

/* [tcp|udp:]HOSTPORT[:CONTAINERPORT] (net-config.h), kept as given: the network plan reads it. */
int parse_expose_port(const struct option_def *o, enum option_source src, const char *value,
                      struct settings *s, const char **ret_reason) {
        struct net_port port;

        if (net_port_parse(value, &port) < 0) {
                *ret_reason = "expected [tcp|udp:]HOSTPORT[:CONTAINERPORT], ports 1-65535";
                return -EINVAL;
        }
        return strv_extend(&s->expose_ports, value);
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

        if (option_is_help(src, value))
                return OPTION_LIST_VALUES;
        r = capability_list_parse(value, src == SOURCE_CLI ? "," : " \t", &mask, &all);
        if (r < 0) {
                *ret_reason = "unknown capability";
                return r;
        }
        return caps_store(o->data, mask, all, s, ret_reason);
}

/* LIST or ~LIST (the "~" negates the whole list): names and @groups, space-separated. In a file,
 * an empty value resets both lists (reset_syscall_filter()). */
int parse_syscall_filter(const struct option_def *o, enum option_source src, const char *value,
                         struct settings *s, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        bool deny = value[0] == '~';
        int r;

        r = strv_split(value + deny, " \t", &words);
        if (r < 0)
                return r;
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

void reset_syscall_filter(struct settings *s) {
        s->syscall_allow = strv_free(s->syscall_allow);
        s->syscall_deny = strv_free(s->syscall_deny);
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

        if (option_is_help(src, value))
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

void reset_oom_score_adjust(struct settings *s) {
        s->oom_score_adjust = 0;
        s->oom_score_adjust_set = false;
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

void reset_cpu_affinity(struct settings *s) {
        CPU_FREE(s->cpu_set);
        s->cpu_set = NULL;
        s->cpu_set_size = 0;
}

int parse_personality(const struct option_def *o, enum option_source src, const char *value,
                      struct settings *s, const char **ret_reason) {
        unsigned long p;

        if (option_is_help(src, value))
                return OPTION_LIST_VALUES;
        if (personality_from_string(value, &p) < 0) {
                *ret_reason = "unknown or unsupported personality";
                return -EINVAL;
        }
        s->personality = p;
        return 0;
}

void reset_personality(struct settings *s) {
        s->personality = PERSONALITY_INVALID;
}
