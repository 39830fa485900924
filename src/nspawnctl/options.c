/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * nspawnctl's option table (machinectl 252's options) and --help, made from it and the verb
 * table. getopt_long (main.c) and the bash completion (gen-completion.c) use the same table.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "nspawnctl.h"

const char *const output_names[_OUTPUT_MODE_MAX] = {
        [OUTPUT_SHORT] = "short",
        [OUTPUT_SHORT_FULL] = "short-full",
        [OUTPUT_SHORT_ISO] = "short-iso",
        [OUTPUT_SHORT_ISO_PRECISE] = "short-iso-precise",
        [OUTPUT_SHORT_PRECISE] = "short-precise",
        [OUTPUT_SHORT_MONOTONIC] = "short-monotonic",
        [OUTPUT_SHORT_DELTA] = "short-delta",
        [OUTPUT_SHORT_UNIX] = "short-unix",
        [OUTPUT_VERBOSE] = "verbose",
        [OUTPUT_EXPORT] = "export",
        [OUTPUT_JSON] = "json",
        [OUTPUT_JSON_PRETTY] = "json-pretty",
        [OUTPUT_JSON_SSE] = "json-sse",
        [OUTPUT_JSON_SEQ] = "json-seq",
        [OUTPUT_CAT] = "cat",
        [OUTPUT_WITH_UNIT] = "with-unit",
};

const char *output_mode_to_string(enum output_mode m) {
        return m >= 0 && m < _OUTPUT_MODE_MAX ? output_names[m] : NULL;
}

enum output_mode output_mode_from_string(const char *s) {
        for (int m = 0; m < _OUTPUT_MODE_MAX; m++)
                if (streq(s, output_names[m]))
                        return m;
        return _OUTPUT_MODE_INVALID;
}

/* ---- options ---- */

static const char *const whom_values[] = {"leader", "all", NULL};
static const char *const output_values[] = {
        "short",      "short-precise", "short-iso", "short-iso-precise", "short-full", "short-monotonic",
        "short-unix", "short-delta",   "json",      "json-pretty",       "json-sse",   "json-seq",
        "cat",        "verbose",       "export",    "with-unit",         NULL};
const char *const verify_values[] = {"no", "checksum", "signature", NULL};
const char *const format_values[] = {"uncompressed", "xz", "gzip", "bzip2", "zstd", NULL};
static const char *const signal_values[] = {"SIGTERM", "SIGKILL",    "SIGINT",     "SIGHUP", "SIGUSR1",
                                            "SIGUSR2", "SIGRTMIN+3", "SIGRTMIN+4", NULL};

/* The short option's code is the letter, else the ARG_ value in .short_name (≥ 0x100). */
const struct ctl_option ctl_options[] = {
        {"help", 'h', false, NULL, "Show this help", NULL},
        {"version", ARG_VERSION, false, NULL, "Show package version", NULL},
        {"no-pager", ARG_NO_PAGER, false, NULL, "Do not pipe output into a pager", NULL},
        {"no-legend", ARG_NO_LEGEND, false, NULL, "Do not show the headers and footers", NULL},
        {"no-ask-password", ARG_NO_ASK_PASSWORD, false, NULL, "Do not ask for system passwords", NULL},
        {"host", 'H', true, "[USER@]HOST", "Operate on remote host (not supported yet)", NULL},
        {"machine", 'M', true, "CONTAINER", "Operate on local container (not supported yet)", NULL},
        {"property", 'p', true, "NAME", "Show only properties by this name", NULL},
        {"quiet", 'q', false, NULL, "Suppress output", NULL},
        {"all", 'a', false, NULL, "Show all properties, including empty ones", NULL},
        {"value", ARG_VALUE, false, NULL, "When showing properties, only print the value", NULL},
        {"full", 'l', false, NULL, "Do not ellipsize output", NULL},
        {"kill-whom", ARG_KILL_WHOM, true, "WHOM", "Whom to send signal to", whom_values},
        {"signal", 's', true, "SIGNAL", "Which signal to send", signal_values},
        {"uid", ARG_UID, true, "USER", "Specify user ID to invoke shell as", NULL},
        {"setenv", 'E', true, "VAR[=VALUE]", "Add an environment variable for shell", NULL},
        {"read-only", ARG_READ_ONLY, false, NULL, "Create read-only bind mount", NULL},
        {"mkdir", ARG_MKDIR, false, NULL, "Create directory before bind mounting, if missing", NULL},
        {"lines", 'n', true, "INTEGER", "Number of journal entries to show", NULL},
        {"max-addresses", ARG_MAX_ADDRESSES, true, "INTEGER", "Number of internet addresses to show at most",
         NULL},
        {"output", 'o', true, "STRING", "Change journal output mode (json, json-pretty, ...)",
         output_values},
        {"verify", ARG_VERIFY, true, "MODE",
         "Verification mode for downloaded images (no, checksum, signature)", verify_values},
        {"force", ARG_FORCE, false, NULL, "Download image even if already exists", NULL},
        {"format", ARG_FORMAT, true, "FORMAT", "Compression format of exported images", format_values},
};
const size_t n_ctl_options = ELEMENTSOF(ctl_options);

#define HELP_COLUMN 30
#define HELP_WIDTH 79

/* "  left" padded to the help column, then text wrapped at HELP_WIDTH. */
static void help_line(const char *left, const char *text) {
        int n = printf("  %s", left);
        if (n >= HELP_COLUMN) {
                putchar('\n');
                n = 0;
        }
        printf("%*s", HELP_COLUMN - n, "");
        int col = HELP_COLUMN;
        _cleanup_free_ char *copy = strdup(text);
        char *save = NULL;
        bool first = true;
        for (char *w = copy ? strtok_r(copy, " ", &save) : NULL; w; w = strtok_r(NULL, " ", &save)) {
                int len = (int) strlen(w);
                if (!first && col + 1 + len > HELP_WIDTH) {
                        printf("\n%*s", HELP_COLUMN, "");
                        col = HELP_COLUMN;
                        first = true;
                }
                col += printf("%s%s", first ? "" : " ", w);
                first = false;
        }
        putchar('\n');
}

void help_print(const char *program) {
        printf("%s [OPTIONS...] COMMAND ...\n\n"
               "Send control commands to or query the virtual machine and container\n"
               "registration manager.\n",
               program);
        for (int g = 0; g < _VERB_GROUP_MAX; g++) {
                bool any = false;
                for (size_t i = 0; i < n_verbs; i++) {
                        if (verbs[i].group != (enum verb_group) g || !verbs[i].help || !verbs[i].run)
                                continue;
                        if (!any)
                                printf("\n%s:\n", verb_group_title[g]);
                        any = true;
                        help_line(verbs[i].synopsis, verbs[i].help);
                }
        }
        printf("\nOptions:\n");
        for (size_t i = 0; i < n_ctl_options; i++) {
                const struct ctl_option *o = &ctl_options[i];
                char left[64];
                snprintf(left, sizeof left, "%s%c --%s%s%s", o->short_name < 0x100 ? "-" : " ",
                         o->short_name < 0x100 ? o->short_name : ' ', o->name, o->has_arg ? "=" : "",
                         o->has_arg ? o->arg_name : "");
                help_line(left, o->help);
        }
        printf("\nNot supported yet:");
        for (size_t i = 0; i < n_verbs; i++)
                if (!verbs[i].run)
                        printf(" %s", verbs[i].name);
        printf("\n\nSee the nspawnctl(1) man page for details.\n");
}

int verb_help(struct ctl *c, int argc, char *argv[]) {
        help_print(program_invocation_short_name);
        return 0;
}
