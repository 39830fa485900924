/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * nspawnctl: machinectl's command line, output, messages and exit codes, on the records nspawn
 * writes to /run/nspawn/machines (registry.h). One file per verb family; the verb table
 * (verbs.c) drives dispatch, argument counts, --help and the bash completion.
 */

#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "macro.h"

/* -o/--output: machinectl's journal output modes; only the JSON ones change what we print. */
enum output_mode {
        OUTPUT_SHORT,
        OUTPUT_SHORT_FULL,
        OUTPUT_SHORT_ISO,
        OUTPUT_SHORT_ISO_PRECISE,
        OUTPUT_SHORT_PRECISE,
        OUTPUT_SHORT_MONOTONIC,
        OUTPUT_SHORT_DELTA,
        OUTPUT_SHORT_UNIX,
        OUTPUT_VERBOSE,
        OUTPUT_EXPORT,
        OUTPUT_JSON,
        OUTPUT_JSON_PRETTY,
        OUTPUT_JSON_SSE,
        OUTPUT_JSON_SEQ,
        OUTPUT_CAT,
        OUTPUT_WITH_UNIT,
        _OUTPUT_MODE_MAX,
        _OUTPUT_MODE_INVALID = -1,
};
const char *output_mode_to_string(enum output_mode m);
enum output_mode output_mode_from_string(const char *s);
static inline bool output_mode_is_json(enum output_mode m) {
        return m >= OUTPUT_JSON && m <= OUTPUT_JSON_SEQ;
}

/* The command line, parsed (main.c). */
struct ctl {
        char **argv; /* the command line as given (nspawn-transfer is executed with it) */
        /* set in nspawn-transfer: runs the transfer verbs (transfer-main.c) */
        int (*transfer)(struct ctl *c, int argc, char *argv[]);
        const char *registry_dir;
        bool all;        /* -a: hidden machines, and empty properties */
        bool show_empty; /* -a or -p: properties without a value too */
        bool value;      /* --value */
        bool legend;     /* not --no-legend (nor JSON) */
        bool pager;      /* not --no-pager */
        bool quiet;
        char **properties;     /* -p */
        const char *kill_whom; /* NULL: the verb's default */
        int signal;
        enum output_mode output;
        unsigned max_addresses;
        bool read_only;  /* bind --read-only; clone makes a read-only image */
        bool mkdir;      /* bind --mkdir */
        int verify;      /* pull --verify= (enum import_verify) */
        bool force;      /* import/pull --force */
        int format;      /* export --format= (enum import_compression); -1: from the file name */
        int exit_status; /* > 0: the exit status of a failed verb (start: nspawn's), else 1 */
        const char *uid; /* --uid= (shell) */
        char **setenv;   /* -E/--setenv= assignments (shell) */
};

#define VERB_ANY (-1)

enum verb_group {
        VERB_GROUP_MACHINE,
        VERB_GROUP_IMAGE,
        VERB_GROUP_TRANSFER,
        _VERB_GROUP_MAX,
};

/* What the bash completion offers for a verb's operands. */
enum verb_completion {
        COMPLETE_NONE,
        COMPLETE_MACHINES, /* running machines (nspawnctl list --no-legend) */
        COMPLETE_IMAGES,
        COMPLETE_FILES,
};

struct verb {
        const char *name;
        int min_args, max_args; /* counting the verb itself, as machinectl's table; VERB_ANY */
        bool is_default;        /* run when no verb is given */
        int (*run)(struct ctl *c, int argc, char *argv[]); /* NULL: not supported yet */
        enum verb_group group;
        const char *synopsis; /* "status NAME..." */
        const char *help;
        enum verb_completion completion;
};

extern const struct verb verbs[];
extern const size_t n_verbs;
extern const char *const verb_group_title[_VERB_GROUP_MAX];
const struct verb *verb_find(const char *name);

/* Options without a short letter. */
enum {
        ARG_VERSION = 0x100,
        ARG_NO_PAGER,
        ARG_NO_LEGEND,
        ARG_VALUE,
        ARG_KILL_WHOM,
        ARG_READ_ONLY,
        ARG_MKDIR,
        ARG_NO_ASK_PASSWORD,
        ARG_VERIFY,
        ARG_FORCE,
        ARG_FORMAT,
        ARG_UID,
        ARG_MAX_ADDRESSES,
};

/* Options: one table for getopt_long, --help and the completion (main.c). */
struct ctl_option {
        const char *name;
        int short_name; /* 0: none */
        bool has_arg;
        const char *arg_name; /* "NAME" in "--property=NAME" */
        const char *help;
        const char *const *values; /* completion for the argument (NULL-terminated), may be NULL */
};
extern const struct ctl_option ctl_options[];
extern const size_t n_ctl_options;
extern const char *const verify_values[];
extern const char *const format_values[];
extern const char *const output_names[_OUTPUT_MODE_MAX];

/* The verbs: 0, or an exit status of their own (shell: the command's), or negative once logged. */
int verb_list(struct ctl *c, int argc, char *argv[]);
int verb_status(struct ctl *c, int argc, char *argv[]);
int verb_show(struct ctl *c, int argc, char *argv[]);
int verb_kill(struct ctl *c, int argc, char *argv[]);
int verb_poweroff(struct ctl *c, int argc, char *argv[]);
int verb_reboot(struct ctl *c, int argc, char *argv[]);
int verb_terminate(struct ctl *c, int argc, char *argv[]);
int verb_start(struct ctl *c, int argc, char *argv[]);
int verb_enable(struct ctl *c, int argc, char *argv[]); /* enable and disable */
int verb_help(struct ctl *c, int argc, char *argv[]);
int verb_copy_to(struct ctl *c, int argc, char *argv[]);
int verb_copy_from(struct ctl *c, int argc, char *argv[]);
int verb_bind(struct ctl *c, int argc, char *argv[]);
/* image verbs (images.c, images-ops.c) */
int verb_list_images(struct ctl *c, int argc, char *argv[]);
int verb_image_status(struct ctl *c, int argc, char *argv[]);
int verb_show_image(struct ctl *c, int argc, char *argv[]);
int verb_clone(struct ctl *c, int argc, char *argv[]);
int verb_rename(struct ctl *c, int argc, char *argv[]);
int verb_remove(struct ctl *c, int argc, char *argv[]);
int verb_read_only(struct ctl *c, int argc, char *argv[]);
int verb_set_limit(struct ctl *c, int argc, char *argv[]);
int verb_clean(struct ctl *c, int argc, char *argv[]);
int verb_shell(struct ctl *c, int argc, char *argv[]);
int verb_login(struct ctl *c, int argc, char *argv[]);
/* The session's environment: --setenv= and our TERM (shell.c). */
int session_environment(struct ctl *c, char ***ret);
/* The transfer verbs (import-*, export-*, pull-*, list-transfers, cancel-transfer): nspawnctl
 * executes nspawn-transfer for them (cli.c), which runs them (transfer-main.c: transfer-import.c,
 * transfer-pull.c, transfer-export.c, transfers.c). */
int verb_transfer(struct ctl *c, int argc, char *argv[]);
int verb_import_tar(struct ctl *c, int argc, char *argv[]);
int verb_import_raw(struct ctl *c, int argc, char *argv[]);
int verb_import_fs(struct ctl *c, int argc, char *argv[]);
int verb_export_tar(struct ctl *c, int argc, char *argv[]);
int verb_export_raw(struct ctl *c, int argc, char *argv[]);
int verb_pull_tar(struct ctl *c, int argc, char *argv[]);
int verb_pull_raw(struct ctl *c, int argc, char *argv[]);
int verb_list_transfers(struct ctl *c, int argc, char *argv[]);
int verb_cancel_transfer(struct ctl *c, int argc, char *argv[]);

/* main() of nspawnctl (transfer NULL) and of nspawn-transfer */
int nspawnctl_main(int argc, char *argv[], int (*transfer)(struct ctl *c, int argc, char *argv[]));

/* --help (main.c) */
void help_print(const char *program);
