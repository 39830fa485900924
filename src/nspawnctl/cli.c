/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * nspawnctl's command line: machinectl 252's options and verbs (verbs.c), its messages and exit
 * codes (0, or 1 on any error). The verbs read the records nspawn writes (registry.h); no bus,
 * no machined. Run by nspawnctl (main.c) and by nspawn-transfer (transfer-main.c), which alone
 * links what the transfer verbs need.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "helper.h"
#include "import-util.h"
#include "name-valid.h"
#include "nspawnctl.h"
#include "pager.h"
#include "parse-util.h"
#include "proc-names.h"
#include "registry.h"
#include "strv.h"

static int not_supported(const char *what) {
        return log_error("Option --%s is not supported yet.", what);
}

static void dump_signals(bool numbered) {
        for (int i = 1; i < (numbered ? SIGRTMAX + 1 : SIGRTMIN); i++) {
                char buf[32];
                const char *s = signal_to_string(i, buf, sizeof buf);
                if (!s)
                        continue;
                if (numbered)
                        printf("%2d %s\n", i, s);
                else
                        puts(s);
        }
}

static int setenv_passthrough(struct ctl *c, const char *name) {
        _cleanup_free_ char *a = NULL;
        const char *v = getenv(name);
        if (asprintf(&a, "%s=%s", name, v ? v : "") < 0)
                return -ENOMEM;
        return strv_env_set(&c->setenv, a);
}

/* One option; 1: go on, 0: done (help printed), <0: error. */
static int parse_one(struct ctl *c, int opt, const char *arg) {
        int r;
        switch (opt) {
        case 'h':
                help_print(program_invocation_short_name);
                return 0;
        case ARG_VERSION:
                printf("nspawnctl %s\n", NSPAWN_VERSION);
                return 0;
        case 'p':
                if (strv_extend(&c->properties, arg) < 0)
                        return log_error("Out of memory.");
                c->show_empty = true; /* a property asked for is shown even when empty */
                return 1;
        case 'a':
                c->show_empty = true;
                c->all = true;
                return 1;
        case ARG_VALUE:
                c->value = true;
                return 1;
        case 'n': {
                uint32_t n;
                if (parse_uint32(arg, &n) < 0)
                        return log_error("Failed to parse lines '%s'", arg);
                return 1;
        }
        case 'o':
                if (streq(arg, "help")) {
                        for (int m = 0; m < _OUTPUT_MODE_MAX; m++)
                                puts(output_names[m]);
                        return 0;
                }
                if ((c->output = output_mode_from_string(arg)) == _OUTPUT_MODE_INVALID)
                        return log_error("Unknown output '%s'.", arg);
                if (output_mode_is_json(c->output))
                        c->legend = false;
                return 1;
        case ARG_NO_PAGER:
                c->pager = false;
                return 1;
        case ARG_NO_LEGEND:
                c->legend = false;
                return 1;
        case ARG_KILL_WHOM:
                c->kill_whom = arg;
                return 1;
        case 's':
                if (streq(arg, "help") || streq(arg, "list")) {
                        dump_signals(streq(arg, "list"));
                        return 0;
                }
                r = signal_from_string(arg);
                if (r <= 0 || r > SIGRTMAX)
                        return log_error("Failed to parse signal string \"%s\".", arg);
                c->signal = r;
                return 1;
        case 'H':
                return not_supported("host");
        case 'M':
                return not_supported("machine");
        case ARG_VERIFY:
                if (streq(arg, "help")) {
                        for (const char *const *v = verify_values; *v; v++)
                                puts(*v);
                        return 0;
                }
                if ((c->verify = import_verify_from_string(arg)) < 0)
                        return log_error("Failed to parse --verify= setting: %s", arg);
                return 1;
        case ARG_FORMAT:
                if ((c->format = import_compression_from_string(arg)) < 0)
                        return log_error("Unknown format: %s", arg);
                return 1;
        case ARG_FORCE:
                c->force = true;
                return 1;
        case ARG_MAX_ADDRESSES:
                if (streq(arg, "all"))
                        c->max_addresses = UINT_MAX;
                else if (parse_uint32(arg, &c->max_addresses) < 0)
                        return log_error("Invalid number of addresses: %s", arg);
                return 1;
        case 'q':
                c->quiet = true;
                return 1;
        case ARG_READ_ONLY:
                c->read_only = true;
                return 1;
        case ARG_MKDIR:
                c->mkdir = true;
                return 1;
        case ARG_UID:
                c->uid = arg;
                return 1;
        case 'E':
                /* NAME without a value: ours, "" if unset (machinectl's passthrough) */
                if (strchr(arg, '=') ? !env_assignment_is_valid(arg) : !env_name_is_valid(arg))
                        return log_error("Cannot assign environment variable %s: %s", arg, strerror(EINVAL));
                if (strchr(arg, '=') ? strv_env_set(&c->setenv, arg) < 0 : setenv_passthrough(c, arg) < 0)
                        return log_error("Out of memory.");
                return 1;
        case 'l':                 /* we never ellipsize */
        case ARG_NO_ASK_PASSWORD: /* no polkit: nothing to ask */
                return 1;
        default:
                return -EINVAL; /* '?': getopt said what */
        }
}

/*
 * machinectl's way through argv: getopt_long without permutation ("-" first) until the first
 * operand; the verb "shell" ends option parsing at its machine name (later options belong to the
 * command), any other verb switches to the permuting mode for the rest. So that an unknown option
 * after a verb is reported as machinectl does (twice), the switch re-runs getopt_long the same
 * way. Returns 1 to go on, 0 when done (--help), <0 on error.
 */
static int parse_argv(struct ctl *c, int argc, char *argv[]) {
        _cleanup_free_ struct option *long_options = calloc(n_ctl_options + 1, sizeof(struct option));
        if (!long_options)
                return log_error("Out of memory.");
        char short_options[128] = "-";
        size_t k = 1;
        for (size_t i = 0; i < n_ctl_options; i++) {
                const struct ctl_option *o = &ctl_options[i];
                long_options[i] = (struct option){o->name, o->has_arg ? required_argument : no_argument,
                                                  NULL, o->short_name};
                if (o->short_name < 0x100) {
                        short_options[k++] = (char) o->short_name;
                        if (o->has_arg)
                                short_options[k++] = ':';
                }
        }
        short_options[k] = 0;

        bool reorder = false;
        int shell = -1, opt;
        while ((opt = getopt_long(argc, argv, short_options + reorder, long_options, NULL)) >= 0) {
                if (opt == 1) {
                        if (shell >= 0) {
                                optind--; /* the machine name: the rest is the command's */
                                break;
                        }
                        if (streq(optarg, "shell")) {
                                shell = optind - 1;
                                continue;
                        }
                        reorder = true;
                        int saved = optind;
                        optind = 0;
                        (void) getopt_long(argc, argv, short_options + reorder, long_options, NULL);
                        optind = saved - 1;
                        continue;
                }
                int r = parse_one(c, opt, optarg);
                if (r <= 0)
                        return r;
        }
        if (shell >= 0) {
                /* move "shell" to where the operands start */
                optind--;
                char *t = argv[shell];
                for (int i = shell; i < optind; i++)
                        argv[i] = argv[i + 1];
                argv[optind] = t;
        }
        return 1;
}

static int dispatch(struct ctl *c, int argc, char *argv[]) {
        int left = argc - optind;
        const char *name = left > 0 ? argv[optind] : NULL;
        const struct verb *v = verb_find(name);
        if (!v)
                return log_error("Unknown command verb %s.", name);
        if (!name) {
                /* the default verb, with no arguments */
                left = 1;
                static char *def[2];
                def[0] = (char *) v->name;
                return v->run(c, 1, def);
        }
        if (v->min_args != VERB_ANY && left < v->min_args)
                return log_error("Too few arguments.");
        if (v->max_args != VERB_ANY && left > v->max_args)
                return log_error("Too many arguments.");
        if (!v->run)
                return log_error("Command verb %s is not supported yet.", v->name);
        if (c->pager &&
            (v->run == verb_list || v->run == verb_status || v->run == verb_show || v->run == verb_help))
                pager_open();
        return v->run(c, left, argv + optind);
}

/* The transfer verbs: here in nspawn-transfer; nspawnctl executes it with its own command line,
 * so that libarchive, libcurl and libcrypto (and their ~40 shared objects) are loaded by the
 * transfers alone, never by list, shell or the other verbs. */
int verb_transfer(struct ctl *c, int argc, char *argv[]) {
        if (c->transfer)
                return c->transfer(c, argc, argv);
        _cleanup_free_ char *path = NULL;
        int r = helper_path("nspawn-transfer", &path);
        if (r < 0)
                return log_error("Failed to find nspawn-transfer: %s", strerror(-r));
        fflush(stdout);
        execv(path, c->argv);
        return log_error("Failed to execute %s: %m", path);
}

int nspawnctl_main(int argc, char *argv[], int (*transfer)(struct ctl *c, int argc, char *argv[])) {
        log_setup();
        _cleanup_strv_free_ char **original = strv_copy(argv);
        if (!original) {
                log_error("Out of memory.");
                return EXIT_FAILURE;
        }
        struct ctl c = {
                .argv = original,
                .transfer = transfer,
                .registry_dir = REGISTRY_DIR,
                .legend = true,
                .pager = true,
                .signal = SIGTERM,
                .output = OUTPUT_SHORT,
                .max_addresses = 1,
                .verify = IMPORT_VERIFY_SIGNATURE,
                .format = -1,
        };
        int r = parse_argv(&c, argc, argv);
        if (r > 0)
                r = dispatch(&c, argc, argv);
        strv_free(c.properties);
        strv_free(c.setenv);
        fflush(stdout);
        pager_close();
        /* a verb's own exit status (shell: the command's; start: nspawn's) */
        return r < 0 ? (c.exit_status > 0 ? c.exit_status : EXIT_FAILURE) : r;
}
