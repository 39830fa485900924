/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one option table. Each row is a command-line option of systemd-nspawn (252's --help), a
 * .nspawn settings-file key, or both. It drives getopt_long, --help (grouped like systemd's),
 * the bash completion and man-page option lists (generated at build time by nspawn-gen), and
 * the settings-file parser.
 *
 * A parser validates the value and stores it in struct settings. A value whose mechanism is not
 * built yet is still validated, then the parser returns -EOPNOTSUPP; the front-end reports
 * "Option --X is not supported yet." (or "FILE:LINE: Key= is not supported yet.") and exits 1.
 */

#include <stdbool.h>
#include <stddef.h>

#include "settings.h"

enum option_group {
        GROUP_GENERAL,
        GROUP_IMAGE,
        GROUP_EXECUTION,
        GROUP_IDENTITY,
        GROUP_PROPERTIES,
        GROUP_USERNS,
        GROUP_NETWORKING,
        GROUP_SECURITY,
        GROUP_RESOURCES,
        GROUP_INTEGRATION,
        GROUP_MOUNTS,
        GROUP_IO,
        GROUP_CREDENTIALS,
        _GROUP_MAX,
};

enum option_arg {
        ARG_NONE,
        ARG_REQUIRED,
        ARG_OPTIONAL,
};

/* Where a value comes from: parsers sometimes differ (e.g. Capability= takes a space-separated
 * list, --capability= a comma-separated one; a flag's key takes a boolean). */
enum option_source {
        SOURCE_CLI,
        SOURCE_FILE,
};

struct option_def;
/* value is NULL for ARG_NONE options given on the command line (and for ARG_OPTIONAL without
 * value). Returns 0, -EINVAL (bad value), -EOPNOTSUPP (not built yet), -ENOMEM. On -EINVAL the
 * parser may leave a short reason in *ret_reason (static string). */
typedef int (*option_parser)(const struct option_def *o, enum option_source src, const char *value,
                             struct settings *s, const char **ret_reason);

struct option_def {
        const char *name; /* long option without "--", NULL for key-only rows */
        char short_name;  /* 0 if none */
        enum option_arg arg;
        enum option_group group;
        const char *metavar; /* for --help: "PATH", "NAME", ... */
        const char *help;    /* one line, NULL: hidden from --help */
        const char *section; /* .nspawn section ("Exec", "Files", "Network"), NULL if none */
        const char *key;     /* .nspawn key, NULL if none */
        enum setting_id setting;
        option_parser parse;
        const struct enum_names *values; /* the closed set of values of an enum (settings.h) */
        const char *completion;          /* otherwise, values for bash completion: space-separated words,
                                            or "@dirs", "@files", "@signals", "@caps", "@rlimits",
                                            "@users", NULL */
        int data;                        /* parser-specific (e.g. the RLIMIT_* of a Limit*= key) */
        /* A list key: "Key=" (empty) in a settings file forgets what the key's earlier lines
         * set, as systemd's list keys do. Set only on rows with a key. */
        void (*reset)(struct settings *s);
};

extern const struct option_def option_table[];
extern const size_t option_table_size;

const char *option_group_to_string(enum option_group g);

/* Look up a row by long name, short letter, or settings-file section/key (case-sensitive, as
 * systemd). NULL if none. */
const struct option_def *option_find_long(const char *name);
const struct option_def *option_find_short(char c);
const struct option_def *option_find_key(const char *section, const char *key);

/*
 * Parse argv into s (which must be settings_init()ed). Stops at the first non-option; what
 * follows goes into s->parameters. Sets bits in s->set_mask.
 * Returns 0 to run, 1 if the caller should exit 0 (--help/--version printed into ret_output),
 * or a negative errno with *ret_error (malloc'ed) naming the option and the problem.
 */
struct option_result {
        char *error;  /* "Option --foo: invalid value 'x': reason" */
        char *output; /* --help / --version text */
};
int options_parse_argv(int argc, char *argv[], struct settings *s, struct option_result *ret);
void option_result_done(struct option_result *r);

/* The --help text, grouped like systemd-nspawn's. */
char *options_help(const char *program_name);

/* ---- additions ---- */

/*
 * Positive parser results (command line only): the caller prints something and exits 0.
 * OPTION_LIST_VALUES: the value was "help" (--kill-signal=help, --capability=help, …): print
 * option_values_text(o).
 */
enum {
        OPTION_LIST_VALUES = 1,
        OPTION_SHOW_HELP = 2,
        OPTION_SHOW_VERSION = 3,
};

/*
 * The one way a value gets into struct settings; both front-ends (argv and .nspawn files) go
 * through this. Runs the row's parser and, on success, records the row's setting in s->set_mask.
 * Parsers whose setting depends on the value (--rlimit) set their bit themselves; rows that
 * belong to no setting have SETTING_NONE. An empty value in a file of a row with a reset
 * function resets instead of parsing; when the key is the only one that feeds its setting, the
 * setting counts as not set again, so an emptied list never overrides the command line under
 * --settings=override.
 */
int option_apply(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                 const char **ret_reason);

/*
 * The message for option_apply() failing with r, in the same words for both front-ends:
 *   "Option --bind=V is not supported yet."       "Bind=V is not supported yet."
 *   "Invalid value 'V' for --volatile: REASON."    "Invalid value 'V' for Volatile=: REASON."
 * A value from a file is quoted with option_quote(). Returns the errno for the caller to return
 * (-EOPNOTSUPP, -ENOMEM, else -EINVAL) and the message in *ret_error (malloc'ed; NULL if out of
 * memory).
 */
int option_error(const struct option_def *o, enum option_source src, const char *value, int r,
                 const char *reason, char **ret_error);

/*
 * Text of a settings file in a message: at most OPTION_QUOTE_MAX bytes of s, with "..." if there
 * was more, and every byte outside printable ASCII as \xNN, so a line of a file that is not
 * configuration, or of a hostile one, never floods or steers the terminal. buf must hold
 * OPTION_QUOTE_SIZE bytes; returns buf.
 */
#define OPTION_QUOTE_MAX 80
#define OPTION_QUOTE_SIZE (4 * OPTION_QUOTE_MAX + 4)
const char *option_quote(const char *s, char *buf);

/* "--directory" or "-U" (short-only rows) or "Key=" (key-only rows), for messages. */
const char *option_display_name(const struct option_def *o, char *buf, size_t size);

/* The closed set of values of a row, one per line ("help" output). NULL if none or no memory. */
char *option_values_text(const struct option_def *o);
/* Whether the row takes one of a closed set of values (an enum, "yes no", …), not a path, a
 * signal, a capability: then "not supported yet" names the value. */
bool option_has_value_list(const struct option_def *o);

/* "nspawn VERSION\n" and a features line. */
char *options_version(void);
