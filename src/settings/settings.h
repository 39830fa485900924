/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One struct settings describes one container. The command line, .nspawn files and (later) OCI
 * config.json all fill it through the option table (options.h). Each value belongs to a
 * "setting" (enum setting_id); the struct records which settings a source set, so the merge can
 * let the command line win (or the file, with --settings=override) per setting.
 * After settings_merge() and settings_finalize() the struct is read-only for the rest of the run.
 */

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "strv.h"

enum start_mode {
        START_PID1, /* the command runs as PID 1 */
        START_PID2, /* -a: a stub init is PID 1, the command PID 2 */
        START_BOOT, /* -b: init is PID 1 */
        _START_MODE_MAX,
};

enum console_mode {
        CONSOLE_AUTO, /* not chosen: interactive on a tty, read-only otherwise */
        CONSOLE_INTERACTIVE,
        CONSOLE_READ_ONLY,
        CONSOLE_PASSIVE,
        CONSOLE_PIPE,
        CONSOLE_AUTOPIPE,
        _CONSOLE_MODE_MAX,
};

enum settings_mode {
        SETTINGS_YES,
        SETTINGS_NO,
        SETTINGS_TRUSTED,
        SETTINGS_OVERRIDE,
        _SETTINGS_MODE_MAX,
};

enum volatile_mode {
        VOLATILE_NO,
        VOLATILE_YES,
        VOLATILE_STATE,
        VOLATILE_OVERLAY,
        _VOLATILE_MODE_MAX,
};

enum link_journal {
        LINK_JOURNAL_NO,
        LINK_JOURNAL_AUTO,
        LINK_JOURNAL_GUEST,
        LINK_JOURNAL_HOST,
        LINK_JOURNAL_TRY_GUEST,
        LINK_JOURNAL_TRY_HOST,
        _LINK_JOURNAL_MAX,
};

enum resolv_conf {
        RESOLV_CONF_OFF,
        RESOLV_CONF_COPY_HOST,
        RESOLV_CONF_COPY_STATIC,
        RESOLV_CONF_COPY_UPLINK,
        RESOLV_CONF_COPY_STUB,
        RESOLV_CONF_REPLACE_HOST,
        RESOLV_CONF_REPLACE_STATIC,
        RESOLV_CONF_REPLACE_UPLINK,
        RESOLV_CONF_REPLACE_STUB,
        RESOLV_CONF_BIND_HOST,
        RESOLV_CONF_BIND_STATIC,
        RESOLV_CONF_BIND_UPLINK,
        RESOLV_CONF_BIND_STUB,
        RESOLV_CONF_DELETE,
        RESOLV_CONF_AUTO,
        _RESOLV_CONF_MAX,
};

enum timezone_mode {
        TIMEZONE_OFF,
        TIMEZONE_COPY,
        TIMEZONE_BIND,
        TIMEZONE_SYMLINK,
        TIMEZONE_DELETE,
        TIMEZONE_AUTO,
        _TIMEZONE_MAX,
};

enum user_ns_mode {
        USER_NS_NO,
        USER_NS_FIXED,
        USER_NS_PICK,
        USER_NS_IDENTITY,
        USER_NS_CUSTOM, /* --private-users-map= (an nspawn extension): the maps as given */
        _USER_NS_MAX,
};

enum user_ns_ownership {
        USER_NS_OWNERSHIP_UNSET = -1, /* not given: auto with pick, else off (settings_userns_ownership()) */
        USER_NS_OWNERSHIP_OFF,
        USER_NS_OWNERSHIP_CHOWN,
        USER_NS_OWNERSHIP_MAP,
        USER_NS_OWNERSHIP_AUTO,
        _USER_NS_OWNERSHIP_MAX,
};

enum custom_mount_type {
        CUSTOM_MOUNT_BIND,
        CUSTOM_MOUNT_TMPFS,
        CUSTOM_MOUNT_OVERLAY,
        CUSTOM_MOUNT_INACCESSIBLE,
        _CUSTOM_MOUNT_TYPE_MAX,
};

/* A bind's id mapping (bind options idmap, rootidmap, owneridmap; systemd-nspawn's names), with a
 * user namespace: how the source's owners on disk appear in the container. */
enum custom_mount_idmap {
        IDMAP_NONE,           /* noidmap (default): as they are (host ids outside the range: nobody) */
        IDMAP_RANGE,          /* idmap: on-disk 0…N-1 are the container's 0…N-1 */
        IDMAP_OWNER_TO_ROOT,  /* rootidmap: the source's owner is the container's root, nobody else */
        IDMAP_OWNER_TO_OWNER, /* owneridmap: the source's owner is the destination's owner */
        _IDMAP_MAX,
};

/* One --bind/--bind-ro/--tmpfs/--overlay/--overlay-ro/--inaccessible. */
struct custom_mount {
        enum custom_mount_type type;
        bool read_only;
        bool recursive;                /* bind: rbind (default) or norbind */
        enum custom_mount_idmap idmap; /* bind */
        char *source;      /* bind: host path, "+path" (inside the root) or NULL (temporary dir) */
        char *destination; /* absolute path inside the container */
        char *options;     /* tmpfs options, bind options as given */
        char **lower;      /* overlay: lower dirs, top first; source is the upper dir (NULL:
                              temporary) */
};

/*
 * What a source (command line, file) assigned is a bit per setting in set_mask. SETTING_NONE is 0,
 * so an option row that names no setting (-M, --keep-unit, …) belongs to none by default.
 */
enum setting_id {
        SETTING_NONE,       /* option rows that belong to no setting; has no bit */
        SETTING_START_MODE, /* boot, as_pid2 and parameters */
        SETTING_ENVIRONMENT,
        SETTING_USER,
        SETTING_CAPABILITY,
        SETTING_AMBIENT_CAPABILITY,
        SETTING_KILL_SIGNAL,
        SETTING_PERSONALITY,
        SETTING_MACHINE_ID,
        SETTING_NETWORK,
        SETTING_EXPOSE_PORTS,
        SETTING_READ_ONLY,
        SETTING_VOLATILE_MODE,
        SETTING_CUSTOM_MOUNTS,
        SETTING_WORKING_DIRECTORY,
        SETTING_USERNS,
        SETTING_NOTIFY_READY,
        SETTING_PIVOT_ROOT,
        SETTING_SYSCALL_FILTER,
        SETTING_HOSTNAME,
        SETTING_NO_NEW_PRIVILEGES,
        SETTING_OOM_SCORE_ADJUST,
        SETTING_CPU_AFFINITY,
        SETTING_RESOLV_CONF,
        SETTING_LINK_JOURNAL,
        SETTING_TIMEZONE,
        SETTING_EPHEMERAL,
        SETTING_SUPPRESS_SYNC,
        SETTING_BIND_USER,
        SETTING_DIRECTORY,
        SETTING_CONSOLE_MODE,
        SETTING_CREDENTIALS,
        SETTING_RLIMIT_FIRST,
        SETTING_RLIMIT_LAST = SETTING_RLIMIT_FIRST + RLIMIT_NLIMITS - 1,
        _SETTING_MAX,
};

/* set_mask is a uint64_t: a 64th setting must widen it (the build stops here until then). */
_Static_assert(_SETTING_MAX <= 64, "enum setting_id outgrew struct settings.set_mask");
#define SETTING_BIT(id) (UINT64_C(1) << (id))
/* A setting with a bit: not SETTING_NONE, not out of range. */
static inline bool setting_id_valid(int id) {
        return id > SETTING_NONE && id < _SETTING_MAX;
}

struct settings {
        uint64_t set_mask; /* SETTING_BIT(id) for each setting this source assigned */

        /* Image */
        char *directory;
        char *template_path;
        char *image;
        bool ephemeral;
        bool read_only;
        enum volatile_mode volatile_mode;
        char *pivot_root_new;
        char *pivot_root_old;

        /* Execution */
        enum start_mode start_mode;
        char **parameters; /* the command (or init's arguments with -b) */
        char *working_directory;
        char **environment; /* NAME=VALUE, applied last */
        char *user;
        int kill_signal;  /* 0: default (SIGRTMIN+3 for -b, none otherwise) */
        int notify_ready; /* -1 unset, 0, 1 */
        int suppress_sync;

        /* Identity */
        char *machine;
        char *hostname;
        uint8_t uuid[16];
        bool uuid_set;

        /* Properties */
        char *slice;
        char **properties;
        int register_mode; /* -1 auto, 0 no, 1 yes */
        bool keep_unit;

        /* User namespacing */
        enum user_ns_mode userns_mode;
        uint32_t uid_shift;
        uint32_t uid_range;
        enum user_ns_ownership userns_ownership;
        char **userns_maps; /* --private-users-map=: "u|g|b:INSIDE:OUTSIDE:COUNT", as given */

        /* Networking */
        bool private_network;
        bool network_veth;
        char **network_veth_extra;
        char **network_interfaces;
        char **network_macvlan;
        char **network_ipvlan;
        char *network_bridge;
        char *network_zone;
        char *network_namespace_path;
        char **expose_ports;

        /* Security */
        uint64_t caps_add;     /* --capability, on top of the default set */
        uint64_t caps_drop;    /* --drop-capability */
        uint64_t caps_ambient; /* --ambient-capability */
        bool caps_all;         /* --capability=all */
        int no_new_privileges; /* -1 unset */
        char **syscall_allow;
        char **syscall_deny;
        char *selinux_context;
        char *selinux_apifs_context;

        /* Resources */
        struct rlimit *rlimits[RLIMIT_NLIMITS];
        int oom_score_adjust;
        bool oom_score_adjust_set;
        cpu_set_t *cpu_set;
        size_t cpu_set_size;
        unsigned long personality; /* PERSONALITY_INVALID (0xffffffff) when unset */

        /* Integration */
        enum resolv_conf resolv_conf;
        enum timezone_mode timezone;
        enum link_journal link_journal;
        bool link_journal_try;

        /* Mounts */
        struct custom_mount *custom_mounts;
        size_t n_custom_mounts;
        char **bind_users;

        /* Input/Output */
        enum console_mode console_mode;

        /* Credentials: "ID:VALUE" literals and "ID:PATH" loads, as given */
        char **credentials_set;
        char **credentials_load;

        /* General */
        bool quiet;
        enum settings_mode settings_mode;
        char *oci_bundle;
        char *root_hash;
        char *root_hash_sig;
        char *verity_data;
        char *image_policy;
};

#define PERSONALITY_INVALID 0xffffffffUL

/* Fill s with the defaults (everything "unset"). */
void settings_init(struct settings *s);
void settings_done(struct settings *s);
static inline void settings_donep(struct settings **s) {
        if (*s)
                settings_done(*s);
}

int custom_mount_add(struct settings *s, struct custom_mount *m); /* takes the strings of m */
void custom_mount_free_contents(struct custom_mount *m);

/*
 * Move every setting the file assigned into dst unless dst (the command line) already assigned
 * it, or the other way round with --settings=override. Settings the file may not set because it
 * is not trusted are skipped; each skipped one is reported through the callback so the front-end
 * can warn. The file struct is left with the moved fields cleared.
 */
typedef void (*settings_skip_cb)(enum setting_id id, void *userdata);
void settings_merge(struct settings *dst, struct settings *file, bool trusted, bool override,
                    settings_skip_cb on_skip, void *userdata);

/* Which settings a file outside /etc and /run may not set (CVE-2026-40226 class). */
bool setting_is_privileged(enum setting_id id);
const char *setting_id_to_string(enum setting_id id);

/* The kill signal in force: --kill-signal, or SIGRTMIN+3 with -b, or 0 for none. */
int settings_kill_signal(const struct settings *s);

/* What the network options imply, as in systemd-nspawn: --network-bridge and --network-zone mean a
 * veth; a veth and every other link option mean a private network. Done at the end of each
 * source's parsing (the command line, a settings file), so that a file's "Private=no" after its
 * "Interface=" does not undo it. */
void settings_network_imply(struct settings *s);

/* The ownership mode in force: as given, else auto with --private-users=pick (and -U), else off. */
enum user_ns_ownership settings_userns_ownership(const struct settings *s);

/* Additions for the option parsers and the front-end. */

/* Cross-option checks after the merge (systemd-nspawn's verify_arguments()): 0, or -EINVAL with a
 * malloc'ed message naming the options in *ret_error (if not NULL), e.g.
 * "--ambient-capability= may not be combined with --boot.". */
int settings_validate(const struct settings *s, char **ret_error);

/*
 * Parse a --bind/--bind-ro/--tmpfs/--overlay/--overlay-ro/--inaccessible value (or the matching
 * .nspawn key) into *ret. -EINVAL with a static reason, -ENOMEM.
 */
int custom_mount_parse(enum custom_mount_type type, bool read_only, const char *spec,
                       struct custom_mount *ret, const char **ret_reason);

/*
 * Enum <-> string, with systemd's spellings: one table per enum, indexed by the enum's values
 * (NULL: a value without a spelling, e.g. CONSOLE_AUTO). Everything else takes the spellings from
 * it: the X_to_string()/X_from_string() functions, the option rows' value lists (--X=help, the
 * bash completion, the man page) and the parsers' "expected ..." reasons.
 */
struct enum_names {
        const char *const *names;
        size_t n;
        char *expected; /* ENUM_EXPECTED_MAX bytes for enum_names_expected(), filled on first use */
};
#define ENUM_EXPECTED_MAX 256

extern const struct enum_names console_mode_names, volatile_mode_names, link_journal_names,
        resolv_conf_names, timezone_mode_names, user_ns_ownership_names, settings_mode_names;

/* The spelling of value i, NULL if it has none. */
const char *enum_names_get(const struct enum_names *t, int i);
/* The value spelled s (exactly, as systemd), -EINVAL if none. */
int enum_names_find(const struct enum_names *t, const char *s);
/* "expected no, yes, state or overlay": a static string, for a parser's *ret_reason. */
const char *enum_names_expected(const struct enum_names *t);

/* from_string returns -EINVAL if unknown. */
const char *console_mode_to_string(enum console_mode m);
int console_mode_from_string(const char *s);
const char *volatile_mode_to_string(enum volatile_mode m);
int volatile_mode_from_string(const char *s); /* also accepts booleans */
const char *link_journal_to_string(enum link_journal m);
int link_journal_from_string(const char *s);
const char *resolv_conf_to_string(enum resolv_conf m);
int resolv_conf_from_string(const char *s);
const char *timezone_mode_to_string(enum timezone_mode m);
int timezone_mode_from_string(const char *s);
const char *user_ns_ownership_to_string(enum user_ns_ownership m);
int user_ns_ownership_from_string(const char *s);
const char *settings_mode_to_string(enum settings_mode m);
int settings_mode_from_string(const char *s); /* also accepts booleans */
