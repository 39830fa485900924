/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The value parsers the option table (options.c) points at, one per kind of value, grouped like
 * the table: here the general ones, the image, execution, identity and console options;
 * option-parsers-system.c has properties, user namespacing, networking, security and resources,
 * option-parsers-host.c what the container gets from the host (integration, mounts,
 * credentials). Private to the table: declared in option-parsers.h, not in options.h.
 */
#include "option-parsers.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image-policy.h"
#include "macro.h"
#include "name-valid.h"
#include "parse-util.h"
#include "path-util.h"
#include "proc-names.h"
#include "uuid.h"
#include "strv.h"

/*
 * Parsers. Each validates its whole value before it changes anything, then stores it, or returns
 * -EOPNOTSUPP when the mechanism behind the value is not built yet. Values that ask for what
 * nspawn already does by default ("no", "off") are accepted, so files and scripts that spell out
 * the defaults keep working.
 */

#define FIELD_AT(s, off, type) (*(type *) ((uint8_t *) (s) + (off)))

bool option_is_help(enum option_source src, const char *value) {
        return src == SOURCE_CLI && value && streq(value, "help");
}

int option_flag_value(const char *value, const char **ret_reason) {
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
        int b = option_flag_value(value, ret_reason);
        if (b < 0)
                return b;
        FIELD_AT(s, o->data, bool) = b;
        return 0;
}

/* An int field at offset data that holds -1 (unset), 0 or 1. */
int parse_tristate(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                   const char **ret_reason) {
        int b = option_flag_value(value, ret_reason);
        if (b < 0)
                return b;
        FIELD_AT(s, o->data, int) = b;
        return 0;
}

/* -x / Ephemeral=: a btrfs snapshot or an overlay of the tree (src/image/ephemeral.c). */
int parse_ephemeral(const struct option_def *o, enum option_source src, const char *value,
                    struct settings *s, const char **ret_reason) {
        int b = option_flag_value(value, ret_reason);
        if (b < 0)
                return b;
        s->ephemeral = b;
        return 0;
}

int parse_settings_mode(const struct option_def *o, enum option_source src, const char *value,
                        struct settings *s, const char **ret_reason) {
        int m = settings_mode_from_string(value);

        if (m < 0) {
                *ret_reason = enum_names_expected(&settings_mode_names);
                return -EINVAL;
        }
        s->settings_mode = m;
        return 0;
}

/* ---- paths ---- */

static int set_string(char **field, const char *value) {
        char *c = strdup(value);
        if (!c)
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

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

/* --oci-bundle: not built yet. */
int parse_path_unsupported(const struct option_def *o, enum option_source src, const char *value,
                           struct settings *s, const char **ret_reason) {
        _cleanup_free_ char *p = NULL;
        int r = path_value(value, &p, ret_reason);
        return r < 0 ? r : -EOPNOTSUPP;
}

/* A path field at offset data (--image=, --verity-data=, --network-namespace-path=), made absolute
 * (a network namespace file is opened and checked at the start: host.c). */
int parse_path(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
               const char **ret_reason) {
        char *p;
        int r = path_value(value, &p, ret_reason);
        if (r < 0)
                return r;
        free(FIELD_AT(s, o->data, char *));
        FIELD_AT(s, o->data, char *) = p;
        return 0;
}

/* --image-policy=: checked here with systemd's parser rules (image-policy.h), kept as text. */
int parse_image_policy(const struct option_def *o, enum option_source src, const char *value,
                       struct settings *s, const char **ret_reason) {
        static const struct {
                int r;
                const char *reason;
        } reasons[] = {
                {-ENOTUNIQ, "duplicate rule in image policy"},
                {-EBADSLT, "unknown partition type in image policy"},
                {-EBADRQC, "unknown partition policy flag in image policy"},
        };
        struct image_policy p;
        int r = image_policy_parse(value, &p, NULL);

        if (r < 0) {
                *ret_reason = "failed to parse image policy";
                for (size_t i = 0; i < ELEMENTSOF(reasons); i++)
                        if (reasons[i].r == r)
                                *ret_reason = reasons[i].reason;
                return r == -ENOMEM ? r : -EINVAL;
        }
        return set_string(&s->image_policy, value);
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
        path_simplify(new_root);
        if (!isempty(old_root))
                path_simplify(old_root);
        if (!path_is_normalized(new_root) || (!isempty(old_root) && !path_is_normalized(old_root))) {
                *ret_reason = "may not contain \"..\"";
                return -EINVAL;
        }
        free(s->pivot_root_new);
        free(s->pivot_root_old);
        s->pivot_root_new = TAKE_PTR(new_root);
        s->pivot_root_old = isempty(old_root) ? NULL : TAKE_PTR(old_root);
        return 0;
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
        if (strlen(value) > 128) {
                *ret_reason = "root hash may be at most 512 bit long";
                return -EINVAL;
        }
        return set_string(&s->root_hash, value);
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
                return set_string(&s->root_hash_sig, value);
        }
        char *p;
        int r = path_value(value, &p, ret_reason);
        if (r < 0)
                return r;
        free(s->root_hash_sig);
        s->root_hash_sig = p;
        return 0;
}

/* ---- image modes ---- */

int parse_volatile(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                   const char **ret_reason) {
        int m;

        if (option_is_help(src, value))
                return OPTION_LIST_VALUES;
        m = value ? volatile_mode_from_string(value) : VOLATILE_YES;
        if (m < 0) {
                *ret_reason = enum_names_expected(&volatile_mode_names);
                return -EINVAL;
        }
        s->volatile_mode = m;
        return 0;
}

/* ---- execution ---- */

/* -a / -b / ProcessTwo= / Boot=: data is the start mode the row selects. */
int parse_start_mode(const struct option_def *o, enum option_source src, const char *value,
                     struct settings *s, const char **ret_reason) {
        int b = option_flag_value(value, ret_reason);

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

/* Parameters=: words appended (an empty value resets the list: reset_parameters()). */
int parse_parameters(const struct option_def *o, enum option_source src, const char *value,
                     struct settings *s, const char **ret_reason) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        r = split_quoted(value, &words);
        if (r < 0)
                return r == -ENOMEM ? r : (*ret_reason = "unbalanced quotes", r);
        STRV_FOREACH(w, words) {
                r = strv_extend(&s->parameters, *w);
                if (r < 0)
                        return r;
        }
        return 0;
}

void reset_parameters(struct settings *s) {
        s->parameters = strv_free(s->parameters);
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

/* Environment=: a list of NAME=VALUE words (an empty value resets the list: reset_environment()). */
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
        STRV_FOREACH(w, words) {
                r = strv_env_set(&s->environment, *w);
                if (r < 0)
                        return r;
        }
        return 0;
}

void reset_environment(struct settings *s) {
        s->environment = strv_free(s->environment);
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

        if (option_is_help(src, value))
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

/* ---- input/output ---- */

/* --console=MODE; -P (no value) is pipe. */
int parse_console(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                  const char **ret_reason) {
        int m;

        if (option_is_help(src, value))
                return OPTION_LIST_VALUES;
        m = console_mode_from_string(value ?: "pipe");
        if (m < 0) {
                *ret_reason = enum_names_expected(&console_mode_names);
                return -EINVAL;
        }
        s->console_mode = m;
        return 0;
}
