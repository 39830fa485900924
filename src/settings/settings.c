/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "settings.h"

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "macro.h"
#include "parse-util.h"
#include "path-util.h"
#include "strv.h"

/* ---- life cycle ---- */

void settings_init(struct settings *s) {
        *s = (struct settings){
                .volatile_mode = VOLATILE_NO,
                .start_mode = START_PID1,
                .notify_ready = -1,
                .register_mode = -1,
                .userns_mode = USER_NS_NO,
                .uid_shift = UINT32_MAX,
                .uid_range = 0x10000,
                .userns_ownership = USER_NS_OWNERSHIP_UNSET,
                .no_new_privileges = -1,
                .personality = PERSONALITY_INVALID,
                .resolv_conf = RESOLV_CONF_AUTO,
                .timezone = TIMEZONE_AUTO,
                .link_journal = LINK_JOURNAL_AUTO,
                .console_mode = CONSOLE_AUTO,
                .settings_mode = SETTINGS_YES,
        };
}

static void custom_mounts_free(struct custom_mount *m, size_t n) {
        for (size_t i = 0; i < n; i++)
                custom_mount_free_contents(m + i);
        free(m);
}

void settings_done(struct settings *s) {
        char **strings[] = {
                &s->directory,
                &s->template_path,
                &s->image,
                &s->pivot_root_new,
                &s->pivot_root_old,
                &s->working_directory,
                &s->user,
                &s->machine,
                &s->hostname,
                &s->slice,
                &s->network_bridge,
                &s->network_zone,
                &s->network_namespace_path,
                &s->selinux_context,
                &s->selinux_apifs_context,
                &s->oci_bundle,
                &s->root_hash,
                &s->root_hash_sig,
                &s->verity_data,
                &s->image_policy,
        };
        char ***lists[] = {
                &s->parameters,         &s->environment,      &s->properties,     &s->network_veth_extra,
                &s->network_interfaces, &s->network_macvlan,  &s->network_ipvlan, &s->expose_ports,
                &s->syscall_allow,      &s->syscall_deny,     &s->bind_users,     &s->credentials_set,
                &s->userns_maps,        &s->credentials_load,
        };

        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                free(*strings[i]);
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                strv_free(*lists[i]);
        for (size_t i = 0; i < RLIMIT_NLIMITS; i++)
                free(s->rlimits[i]);
        CPU_FREE(s->cpu_set);
        custom_mounts_free(s->custom_mounts, s->n_custom_mounts);
        settings_init(s);
}

/* ---- custom mounts ---- */

void custom_mount_free_contents(struct custom_mount *m) {
        if (!m)
                return;
        free(m->source);
        free(m->destination);
        free(m->options);
        strv_free(m->lower);
        m->source = m->destination = m->options = NULL;
        m->lower = NULL;
}

int custom_mount_add(struct settings *s, struct custom_mount *m) {
        struct custom_mount *n;

        n = realloc(s->custom_mounts, (s->n_custom_mounts + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        s->custom_mounts = n;
        s->custom_mounts[s->n_custom_mounts++] = *m;
        /* The strings now belong to s. */
        *m = (struct custom_mount){};
        return 0;
}

static void custom_mount_donep(struct custom_mount *m) {
        custom_mount_free_contents(m);
}

/* A mount source: an absolute host path, or "+PATH" relative to the container's root. */
static bool source_path_is_valid(const char *p) {
        return path_is_absolute(p[0] == '+' ? p + 1 : p);
}

static void source_path_simplify(char *p) {
        path_simplify(p[0] == '+' ? p + 1 : p);
}

/* Destinations are resolved inside the container tree; ".." has no business there. */
static int destination_check(char *dst, const char **ret_reason) {
        if (!path_is_absolute(dst)) {
                *ret_reason = "destination must be an absolute path";
                return -EINVAL;
        }
        path_simplify(dst);
        if (!path_is_normalized(dst)) {
                *ret_reason = "destination may not contain \"..\"";
                return -EINVAL;
        }
        return 0;
}

static const char *const idmap_option_names[_IDMAP_MAX] = {
        [IDMAP_NONE] = "noidmap",
        [IDMAP_RANGE] = "idmap",
        [IDMAP_OWNER_TO_ROOT] = "rootidmap",
        [IDMAP_OWNER_TO_OWNER] = "owneridmap",
};

static int bind_options_parse(const char *opts, struct custom_mount *m, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        r = strv_split(opts ?: "", ",", &words);
        if (r < 0)
                return r;
        m->recursive = true;
        m->idmap = IDMAP_NONE;
        STRV_FOREACH(w, words) {
                int k = -1;
                for (size_t i = 0; i < _IDMAP_MAX; i++)
                        if (streq(*w, idmap_option_names[i]))
                                k = (int) i;
                if (k >= 0)
                        m->idmap = (enum custom_mount_idmap) k;
                else if (streq(*w, "rbind") || streq(*w, "norbind"))
                        m->recursive = streq(*w, "rbind");
                else {
                        *ret_reason = "unknown bind option (rbind, norbind, idmap, noidmap, rootidmap, "
                                      "owneridmap)";
                        return -EINVAL;
                }
        }
        return 0;
}

/* SRC[:DST[:OPTS]]: SRC empty = a throw-away directory; DST defaults to SRC. */
static int bind_parse(const char *spec, struct custom_mount *m, const char **ret_reason) {
        const char *p = spec;
        int r;

        r = extract_word(&p, ":", &m->source);
        if (r < 0)
                return r;
        if (p) {
                r = extract_word(&p, ":", &m->destination);
                if (r < 0)
                        return r;
        }
        if (p && !(m->options = strdup(p)))
                return -ENOMEM;
        if (!m->destination && !(m->destination = strdup(m->source[0] == '+' ? m->source + 1 : m->source)))
                return -ENOMEM;
        if (isempty(m->source))
                m->source = (free(m->source), NULL);
        else if (!source_path_is_valid(m->source)) {
                *ret_reason = "source must be an absolute path or start with '+'";
                return -EINVAL;
        } else
                source_path_simplify(m->source);
        r = destination_check(m->destination, ret_reason);
        if (r < 0)
                return r;
        return bind_options_parse(m->options, m, ret_reason);
}

/* PATH[:OPTS], default options mode=0755. */
static int tmpfs_parse(const char *spec, struct custom_mount *m, const char **ret_reason) {
        const char *p = spec;
        int r;

        r = extract_word(&p, ":", &m->destination);
        if (r < 0)
                return r;
        m->options = strdup(p ?: "mode=0755");
        if (!m->options)
                return -ENOMEM;
        return destination_check(m->destination, ret_reason);
}

static int inaccessible_parse(const char *spec, struct custom_mount *m, const char **ret_reason) {
        m->destination = strdup(spec);
        if (!m->destination)
                return -ENOMEM;
        return destination_check(m->destination, ret_reason);
}

static int words_reverse_check(char **words, size_t n, char ***ret, const char **ret_reason) {
        char **l;

        for (size_t i = 0; i < n; i++)
                if (!source_path_is_valid(words[i])) {
                        *ret_reason = "lower directories must be absolute paths or start with '+'";
                        return -EINVAL;
                }
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                source_path_simplify(words[i]);
                l[n - 1 - i] = TAKE_PTR(words[i]);
        }
        *ret = l;
        return 0;
}

/*
 * LOWER:UPPER (destination = UPPER) or LOWER1[:LOWER2…]:UPPER:DST (UPPER empty = throw-away).
 * Lower directories are given bottom first; stored top first (overlayfs' lowerdir= order).
 */
static int overlay_parse(const char *spec, struct custom_mount *m, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        const char *p = spec;
        size_t n;
        int r;

        for (;;) {
                char *w;
                r = extract_word(&p, ":", &w);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = strv_push(&words, w);
                if (r < 0)
                        return r;
        }
        n = strv_length(words);
        if (n < 2) {
                *ret_reason = "needs at least two colon-separated paths";
                return -EINVAL;
        }
        if (n == 2) {
                if (!source_path_is_valid(words[1])) {
                        *ret_reason = "upper directory must be an absolute path or start with '+'";
                        return -EINVAL;
                }
                m->destination = strdup(words[1][0] == '+' ? words[1] + 1 : words[1]);
                if (!m->destination)
                        return -ENOMEM;
                m->source = TAKE_PTR(words[1]);
        } else {
                m->destination = TAKE_PTR(words[n - 1]);
                m->source = TAKE_PTR(words[n - 2]);
                if (isempty(m->source))
                        m->source = (free(m->source), NULL);
                else if (!source_path_is_valid(m->source)) {
                        *ret_reason = "upper directory must be an absolute path or start with '+'";
                        return -EINVAL;
                }
        }
        if (m->source)
                source_path_simplify(m->source);
        r = words_reverse_check(words, n - (n == 2 ? 1 : 2), &m->lower, ret_reason);
        if (r < 0)
                return r;
        return destination_check(m->destination, ret_reason);
}

int custom_mount_parse(enum custom_mount_type type, bool read_only, const char *spec,
                       struct custom_mount *ret, const char **ret_reason) {
        static int (*const parsers[_CUSTOM_MOUNT_TYPE_MAX])(const char *, struct custom_mount *,
                                                            const char **) = {
                [CUSTOM_MOUNT_BIND] = bind_parse,
                [CUSTOM_MOUNT_TMPFS] = tmpfs_parse,
                [CUSTOM_MOUNT_OVERLAY] = overlay_parse,
                [CUSTOM_MOUNT_INACCESSIBLE] = inaccessible_parse,
        };
        _cleanup_(custom_mount_donep) struct custom_mount m = {
                .type = type,
                .read_only = read_only,
                .recursive = type == CUSTOM_MOUNT_BIND,
        };
        const char *reason = NULL;
        int r;

        if (type < 0 || type >= _CUSTOM_MOUNT_TYPE_MAX || !spec)
                return -EINVAL;
        r = parsers[type](spec, &m, &reason);
        if (r < 0) {
                if (ret_reason && reason)
                        *ret_reason = reason;
                return r;
        }
        *ret = m;
        m = (struct custom_mount){};
        return 0;
}

/* ---- which fields make up a setting, for the merge ---- */

enum field_kind {
        FIELD_VALUE,   /* plain bytes */
        FIELD_STRING,  /* char *, free() */
        FIELD_STRV,    /* char **, strv_free() */
        FIELD_POINTER, /* malloc'ed or CPU_ALLOC'ed memory, free() */
        FIELD_MOUNTS,  /* custom_mounts together with n_custom_mounts */
};

struct field {
        size_t offset;
        size_t size;
        enum field_kind kind;
        bool privileged; /* not taken from an untrusted file */
};

#define FIELD(f, k, priv)                                                                                   \
        { offsetof(struct settings, f), sizeof(((struct settings *) 0)->f), k, priv }
#define VALUE(f) FIELD(f, FIELD_VALUE, false)
#define STRING(f) FIELD(f, FIELD_STRING, false)
#define STRV(f) FIELD(f, FIELD_STRV, false)
#define P_VALUE(f) FIELD(f, FIELD_VALUE, true)
#define P_STRING(f) FIELD(f, FIELD_STRING, true)
#define P_STRV(f) FIELD(f, FIELD_STRV, true)
#define P_POINTER(f) FIELD(f, FIELD_POINTER, true)

#define MAX_FIELDS 10

/* A row's fields end at the first zero size or after MAX_FIELDS. */
#define FOREACH_FIELD(f, d)                                                                                 \
        for (const struct field *f = (d)->fields; f < (d)->fields + MAX_FIELDS && f->size; f++)

struct setting_desc {
        const char *name;
        struct field fields[MAX_FIELDS];
};

#define RLIMIT_DESC(r, n) [SETTING_RLIMIT_FIRST + r] = {n, {P_POINTER(rlimits[r])}}

/*
 * Privileged parts follow systemd-nspawn 252 (nspawn-behaviour.md §2.1), plus PivotRoot= and
 * BindUser=, which the fix for CVE-2026-40226 (systemd 260) stopped taking from untrusted files.
 */
static const struct setting_desc setting_table[_SETTING_MAX] = {
        [SETTING_START_MODE] = {"start-mode", {VALUE(start_mode), STRV(parameters)}},
        [SETTING_ENVIRONMENT] = {"environment", {STRV(environment)}},
        [SETTING_USER] = {"user", {STRING(user)}},
        /* Capability= additions are privileged, DropCapability= is not. */
        [SETTING_CAPABILITY] = {"capability", {P_VALUE(caps_add), P_VALUE(caps_all), VALUE(caps_drop)}},
        [SETTING_AMBIENT_CAPABILITY] = {"ambient-capability", {P_VALUE(caps_ambient)}},
        [SETTING_KILL_SIGNAL] = {"kill-signal", {VALUE(kill_signal)}},
        [SETTING_PERSONALITY] = {"personality", {VALUE(personality)}},
        [SETTING_MACHINE_ID] = {"machine-id", {P_VALUE(uuid), P_VALUE(uuid_set)}},
        [SETTING_NETWORK] = {"network",
                             {P_VALUE(private_network), P_VALUE(network_veth), P_STRV(network_veth_extra),
                              P_STRV(network_interfaces), P_STRV(network_macvlan), P_STRV(network_ipvlan),
                              P_STRING(network_bridge), P_STRING(network_zone),
                              P_STRING(network_namespace_path)}},
        [SETTING_EXPOSE_PORTS] = {"expose-ports", {P_STRV(expose_ports)}},
        [SETTING_READ_ONLY] = {"read-only", {VALUE(read_only)}},
        [SETTING_VOLATILE_MODE] = {"volatile", {VALUE(volatile_mode)}},
        [SETTING_CUSTOM_MOUNTS] = {"custom-mounts", {FIELD(custom_mounts, FIELD_MOUNTS, true)}},
        [SETTING_WORKING_DIRECTORY] = {"working-directory", {STRING(working_directory)}},
        [SETTING_USERNS] = {"private-users",
                            {P_VALUE(userns_mode), P_VALUE(uid_shift), P_VALUE(uid_range),
                             P_VALUE(userns_ownership), P_STRV(userns_maps)}},
        [SETTING_NOTIFY_READY] = {"notify-ready", {VALUE(notify_ready)}},
        [SETTING_PIVOT_ROOT] = {"pivot-root", {P_STRING(pivot_root_new), P_STRING(pivot_root_old)}},
        /* Deny-list entries are honoured from anywhere, allow-list entries only from trusted files. */
        [SETTING_SYSCALL_FILTER] = {"system-call-filter", {P_STRV(syscall_allow), STRV(syscall_deny)}},
        [SETTING_HOSTNAME] = {"hostname", {STRING(hostname)}},
        [SETTING_NO_NEW_PRIVILEGES] = {"no-new-privileges", {VALUE(no_new_privileges)}},
        [SETTING_OOM_SCORE_ADJUST] = {"oom-score-adjust",
                                      {P_VALUE(oom_score_adjust), P_VALUE(oom_score_adjust_set)}},
        [SETTING_CPU_AFFINITY] = {"cpu-affinity", {P_POINTER(cpu_set), P_VALUE(cpu_set_size)}},
        [SETTING_RESOLV_CONF] = {"resolv-conf", {VALUE(resolv_conf)}},
        [SETTING_LINK_JOURNAL] = {"link-journal", {P_VALUE(link_journal), P_VALUE(link_journal_try)}},
        [SETTING_TIMEZONE] = {"timezone", {VALUE(timezone)}},
        [SETTING_EPHEMERAL] = {"ephemeral", {P_VALUE(ephemeral)}},
        [SETTING_SUPPRESS_SYNC] = {"suppress-sync", {VALUE(suppress_sync)}},
        [SETTING_BIND_USER] = {"bind-user", {P_STRV(bind_users)}},
        [SETTING_DIRECTORY] = {"directory",
                               {P_STRING(directory), P_STRING(template_path), P_STRING(image),
                                P_STRING(oci_bundle)}},
        [SETTING_CONSOLE_MODE] = {"console", {P_VALUE(console_mode)}},
        [SETTING_CREDENTIALS] = {"credentials", {P_STRV(credentials_set), P_STRV(credentials_load)}},
        RLIMIT_DESC(RLIMIT_CPU, "limit-cpu"),
        RLIMIT_DESC(RLIMIT_FSIZE, "limit-fsize"),
        RLIMIT_DESC(RLIMIT_DATA, "limit-data"),
        RLIMIT_DESC(RLIMIT_STACK, "limit-stack"),
        RLIMIT_DESC(RLIMIT_CORE, "limit-core"),
        RLIMIT_DESC(RLIMIT_RSS, "limit-rss"),
        RLIMIT_DESC(RLIMIT_NPROC, "limit-nproc"),
        RLIMIT_DESC(RLIMIT_NOFILE, "limit-nofile"),
        RLIMIT_DESC(RLIMIT_MEMLOCK, "limit-memlock"),
        RLIMIT_DESC(RLIMIT_AS, "limit-as"),
        RLIMIT_DESC(RLIMIT_LOCKS, "limit-locks"),
        RLIMIT_DESC(RLIMIT_SIGPENDING, "limit-sigpending"),
        RLIMIT_DESC(RLIMIT_MSGQUEUE, "limit-msgqueue"),
        RLIMIT_DESC(RLIMIT_NICE, "limit-nice"),
        RLIMIT_DESC(RLIMIT_RTPRIO, "limit-rtprio"),
        RLIMIT_DESC(RLIMIT_RTTIME, "limit-rttime"),
};

static const struct setting_desc *setting_desc(enum setting_id id) {
        if (!setting_id_valid(id) || !setting_table[id].name)
                return NULL;
        return &setting_table[id];
}

bool setting_is_privileged(enum setting_id id) {
        const struct setting_desc *d = setting_desc(id);

        if (!d)
                return false;
        FOREACH_FIELD(f, d)
        if (f->privileged)
                return true;
        return false;
}

const char *setting_id_to_string(enum setting_id id) {
        const struct setting_desc *d = setting_desc(id);
        return d ? d->name : NULL;
}

static void field_free(struct settings *s, const struct field *f) {
        void *p = (uint8_t *) s + f->offset;

        switch (f->kind) {
        case FIELD_VALUE:
                break;
        case FIELD_STRING:
        case FIELD_POINTER:
                free(*(void **) p);
                break;
        case FIELD_STRV:
                strv_free(*(char ***) p);
                break;
        case FIELD_MOUNTS:
                custom_mounts_free(s->custom_mounts, s->n_custom_mounts);
                break;
        }
}

static bool field_is_default(const struct settings *s, const struct settings *defaults,
                             const struct field *f) {
        if (f->kind == FIELD_MOUNTS)
                return s->n_custom_mounts == 0;
        return memcmp((const uint8_t *) s + f->offset, (const uint8_t *) defaults + f->offset, f->size) == 0;
}

/* Move one field: dst's old value is freed, src is reset to its default (pointers: NULL). */
static void field_move(struct settings *dst, struct settings *src, const struct settings *defaults,
                       const struct field *f) {
        field_free(dst, f);
        memcpy((uint8_t *) dst + f->offset, (uint8_t *) src + f->offset, f->size);
        memcpy((uint8_t *) src + f->offset, (const uint8_t *) defaults + f->offset, f->size);
        if (f->kind == FIELD_MOUNTS) {
                dst->n_custom_mounts = src->n_custom_mounts;
                src->n_custom_mounts = 0;
        }
}

/* Returns true if a privileged part the file set was left behind. */
static bool setting_move(struct settings *dst, struct settings *file, const struct settings *defaults,
                         const struct setting_desc *d, bool trusted, bool *ret_moved) {
        bool skipped = false, moved = false;

        FOREACH_FIELD(f, d) {
                if (f->privileged && !trusted) {
                        skipped = skipped || !field_is_default(file, defaults, f);
                        continue;
                }
                field_move(dst, file, defaults, f);
                moved = true;
        }
        *ret_moved = moved;
        return skipped;
}

void settings_merge(struct settings *dst, struct settings *file, bool trusted, bool override,
                    settings_skip_cb on_skip, void *userdata) {
        struct settings defaults;

        settings_init(&defaults);
        for (int id = SETTING_NONE + 1; id < _SETTING_MAX; id++) {
                const struct setting_desc *d = setting_desc(id);
                uint64_t bit = SETTING_BIT(id);
                bool moved;

                if (!d || !(file->set_mask & bit))
                        continue;
                if ((dst->set_mask & bit) && !override)
                        continue;
                if (setting_move(dst, file, &defaults, d, trusted, &moved) && on_skip)
                        on_skip(id, userdata);
                if (moved)
                        dst->set_mask |= bit;
        }
}

/* ---- derived values and checks ---- */

int settings_kill_signal(const struct settings *s) {
        if (s->kill_signal > 0)
                return s->kill_signal;
        return s->start_mode == START_BOOT ? SIGRTMIN + 3 : 0;
}

void settings_network_imply(struct settings *s) {
        if (s->network_bridge || s->network_zone)
                s->network_veth = true;
        if (s->network_veth || s->network_veth_extra || s->network_interfaces || s->network_macvlan ||
            s->network_ipvlan)
                s->private_network = true;
}

struct settings_check {
        bool (*violated)(const struct settings *s);
        const char *message;
};

static bool check_dir_image(const struct settings *s) {
        return s->directory && s->image;
}
static bool check_template_image(const struct settings *s) {
        return s->template_path && s->image;
}
static bool check_verity_image(const struct settings *s) {
        return (s->root_hash || s->root_hash_sig || s->verity_data) && !s->image;
}
static bool check_verity_root_hash(const struct settings *s) {
        return (s->root_hash_sig || s->verity_data) && !s->root_hash;
}
static bool check_template_dir(const struct settings *s) {
        return s->template_path && !s->directory && !s->machine;
}
static bool check_ephemeral_template(const struct settings *s) {
        return s->ephemeral && s->template_path;
}
static bool check_ephemeral_journal(const struct settings *s) {
        return s->ephemeral && s->link_journal != LINK_JOURNAL_NO && s->link_journal != LINK_JOURNAL_AUTO;
}
static bool check_chown_read_only(const struct settings *s) {
        return s->userns_ownership == USER_NS_OWNERSHIP_CHOWN && s->read_only;
}
static bool check_chown_volatile(const struct settings *s) {
        return s->userns_ownership == USER_NS_OWNERSHIP_CHOWN && s->volatile_mode != VOLATILE_NO;
}
static bool check_netns_path(const struct settings *s) {
        return s->network_namespace_path &&
               (s->network_interfaces || s->network_macvlan || s->network_ipvlan || s->network_veth_extra ||
                s->network_bridge || s->network_zone || s->network_veth);
}
static bool check_bridge_zone(const struct settings *s) {
        return s->network_bridge && s->network_zone;
}
static bool check_ports(const struct settings *s) {
        return s->expose_ports && !s->private_network;
}
static bool check_ambient_covered(const struct settings *s) {
        return (s->caps_ambient & caps_wanted(s)) != s->caps_ambient;
}
static bool check_ambient_boot(const struct settings *s) {
        return s->caps_ambient && s->start_mode == START_BOOT;
}
static bool check_bind_user(const struct settings *s) {
        return s->bind_users && s->userns_mode == USER_NS_NO;
}
static bool check_userns_map_mode(const struct settings *s) {
        return s->userns_maps && s->userns_mode != USER_NS_CUSTOM;
}
static bool check_userns_map_chown(const struct settings *s) {
        return s->userns_mode == USER_NS_CUSTOM && s->userns_ownership == USER_NS_OWNERSHIP_CHOWN;
}
static bool check_netns_userns(const struct settings *s) {
        return s->network_namespace_path && s->userns_mode != USER_NS_NO;
}
static bool check_bind_idmap(const struct settings *s) {
        for (size_t i = 0; i < s->n_custom_mounts && s->userns_mode == USER_NS_NO; i++)
                if (s->custom_mounts[i].idmap != IDMAP_NONE)
                        return true;
        return false;
}

/* In systemd-nspawn's order, so the first message is the one it would print. */
static const struct settings_check settings_checks[] = {
        {check_dir_image, "--directory= and --image= may not be combined."},
        {check_template_image, "--template= and --image= may not be combined."},
        {check_verity_image, "--root-hash=, --root-hash-sig= and --verity-data= only work with --image=."},
        {check_verity_root_hash, "--root-hash-sig= and --verity-data= need --root-hash=."},
        {check_template_dir, "--template= needs --directory= or --machine=."},
        {check_ephemeral_template, "--ephemeral and --template= may not be combined."},
        {check_ephemeral_journal, "--ephemeral and --link-journal= may not be combined."},
        {check_chown_read_only, "--read-only and --private-users-ownership=chown may not be combined."},
        {check_chown_volatile, "--volatile= and --private-users-ownership=chown may not be combined."},
        {check_netns_path, "--network-namespace-path= cannot be combined with other network options."},
        {check_bridge_zone, "--network-bridge= and --network-zone= may not be combined."},
        {check_ports, "Cannot use --port= without private networking."},
        {check_ambient_covered,
         "--ambient-capability= is not fully covered by the retained capabilities (--capability=)."},
        {check_ambient_boot, "--ambient-capability= may not be combined with --boot."},
        {check_bind_user, "--bind-user= requires --private-users."},
        {check_bind_idmap, "Bind options idmap, rootidmap and owneridmap require --private-users."},
        {check_netns_userns, "--network-namespace-path= with --private-users is not supported yet."},
        {check_userns_map_mode, "--private-users-map= may not be combined with --private-users=."},
        {check_userns_map_chown,
         "--private-users-map= and --private-users-ownership=chown may not be combined."},
};

enum user_ns_ownership settings_userns_ownership(const struct settings *s) {
        if (s->userns_ownership != USER_NS_OWNERSHIP_UNSET)
                return s->userns_ownership;
        return s->userns_mode == USER_NS_PICK ? USER_NS_OWNERSHIP_AUTO : USER_NS_OWNERSHIP_OFF;
}

int settings_validate(const struct settings *s, char **ret_error) {
        for (size_t i = 0; i < ELEMENTSOF(settings_checks); i++)
                if (settings_checks[i].violated(s)) {
                        if (ret_error && !(*ret_error = strdup(settings_checks[i].message)))
                                return -ENOMEM;
                        return -EINVAL;
                }
        return 0;
}

/* ---- enum <-> string ---- */

const char *enum_names_get(const struct enum_names *t, int i) {
        return i >= 0 && (size_t) i < t->n ? t->names[i] : NULL;
}

int enum_names_find(const struct enum_names *t, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < t->n; i++)
                if (t->names[i] && streq(t->names[i], s))
                        return (int) i;
        return -EINVAL;
}

const char *enum_names_expected(const struct enum_names *t) {
        size_t len, left = 0;

        if (t->expected[0])
                return t->expected;
        for (size_t i = 0; i < t->n; i++)
                left += t->names[i] != NULL;
        len = (size_t) snprintf(t->expected, ENUM_EXPECTED_MAX, "expected");
        for (size_t i = 0; i < t->n && len < ENUM_EXPECTED_MAX; i++) {
                if (!t->names[i])
                        continue;
                left--;
                len += (size_t) snprintf(t->expected + len, ENUM_EXPECTED_MAX - len, "%s%s",
                                         len == strlen("expected") ? " "
                                         : left == 0               ? " or "
                                                                   : ", ",
                                         t->names[i]);
        }
        return t->expected;
}

/* The table of enum TYPE (values 0 … max-1), and its to_string(); every value has a slot. */
#define ENUM_NAMES(name, type, max, ...)                                                                    \
        static const char *const name##_strings[] = {__VA_ARGS__};                                          \
        _Static_assert(ELEMENTSOF(name##_strings) == (max), "a value of enum " #type " has no slot");       \
        static char name##_expected[ENUM_EXPECTED_MAX];                                                     \
        const struct enum_names name##_names = {name##_strings, ELEMENTSOF(name##_strings),                 \
                                                name##_expected};                                           \
        const char *name##_to_string(enum type m) {                                                         \
                return enum_names_get(&name##_names, (int) m);                                              \
        }

ENUM_NAMES(console_mode, console_mode,
           _CONSOLE_MODE_MAX, [CONSOLE_INTERACTIVE] = "interactive", [CONSOLE_READ_ONLY] = "read-only",
           [CONSOLE_PASSIVE] = "passive", [CONSOLE_PIPE] = "pipe", [CONSOLE_AUTOPIPE] = "autopipe")
ENUM_NAMES(volatile_mode, volatile_mode, _VOLATILE_MODE_MAX, [VOLATILE_NO] = "no", [VOLATILE_YES] = "yes",
           [VOLATILE_STATE] = "state", [VOLATILE_OVERLAY] = "overlay")
ENUM_NAMES(link_journal, link_journal, _LINK_JOURNAL_MAX, [LINK_JOURNAL_NO] = "no",
           [LINK_JOURNAL_AUTO] = "auto", [LINK_JOURNAL_GUEST] = "guest", [LINK_JOURNAL_HOST] = "host",
           [LINK_JOURNAL_TRY_GUEST] = "try-guest", [LINK_JOURNAL_TRY_HOST] = "try-host")
ENUM_NAMES(
        resolv_conf, resolv_conf,
        _RESOLV_CONF_MAX, [RESOLV_CONF_OFF] = "off", [RESOLV_CONF_COPY_HOST] = "copy-host",
        [RESOLV_CONF_COPY_STATIC] = "copy-static", [RESOLV_CONF_COPY_UPLINK] = "copy-uplink",
        [RESOLV_CONF_COPY_STUB] = "copy-stub", [RESOLV_CONF_REPLACE_HOST] = "replace-host",
        [RESOLV_CONF_REPLACE_STATIC] = "replace-static", [RESOLV_CONF_REPLACE_UPLINK] = "replace-uplink",
        [RESOLV_CONF_REPLACE_STUB] = "replace-stub", [RESOLV_CONF_BIND_HOST] = "bind-host",
        [RESOLV_CONF_BIND_STATIC] = "bind-static", [RESOLV_CONF_BIND_UPLINK] = "bind-uplink",
        [RESOLV_CONF_BIND_STUB] = "bind-stub", [RESOLV_CONF_DELETE] = "delete", [RESOLV_CONF_AUTO] = "auto")
ENUM_NAMES(timezone_mode, timezone_mode,
           _TIMEZONE_MAX, [TIMEZONE_OFF] = "off", [TIMEZONE_COPY] = "copy", [TIMEZONE_BIND] = "bind",
           [TIMEZONE_SYMLINK] = "symlink", [TIMEZONE_DELETE] = "delete", [TIMEZONE_AUTO] = "auto")
ENUM_NAMES(user_ns_ownership, user_ns_ownership,
           _USER_NS_OWNERSHIP_MAX, [USER_NS_OWNERSHIP_OFF] = "off", [USER_NS_OWNERSHIP_CHOWN] = "chown",
           [USER_NS_OWNERSHIP_MAP] = "map", [USER_NS_OWNERSHIP_AUTO] = "auto")
ENUM_NAMES(settings_mode, settings_mode, _SETTINGS_MODE_MAX, [SETTINGS_YES] = "yes", [SETTINGS_NO] = "no",
           [SETTINGS_TRUSTED] = "trusted", [SETTINGS_OVERRIDE] = "override")

int console_mode_from_string(const char *s) {
        return enum_names_find(&console_mode_names, s);
}

int volatile_mode_from_string(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? VOLATILE_YES : VOLATILE_NO;
        return enum_names_find(&volatile_mode_names, s);
}

int link_journal_from_string(const char *s) {
        return enum_names_find(&link_journal_names, s);
}

int resolv_conf_from_string(const char *s) {
        return enum_names_find(&resolv_conf_names, s);
}

int timezone_mode_from_string(const char *s) {
        return enum_names_find(&timezone_mode_names, s);
}

int user_ns_ownership_from_string(const char *s) {
        return enum_names_find(&user_ns_ownership_names, s);
}

int settings_mode_from_string(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? SETTINGS_YES : SETTINGS_NO;
        return enum_names_find(&settings_mode_names, s);
}
