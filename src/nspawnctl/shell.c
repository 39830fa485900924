/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * shell [[USER@]NAME [PATH [ARGS...]]]: machinectl's command line (USER@ over --uid=, root by
 * default; PATH absolute; --setenv=; $TERM passed on unless set). Without PATH the user's login
 * shell from the guest's database; with it the command itself, never through the user's shell
 * (nobody's is nologin). On a pty when stdin and stdout are terminals, else on pipes,
 * binary-clean. Unlike machinectl 252 (always 0), nspawnctl exits with the command's exit status
 * (128 + the signal that killed it).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control-protocol.h"
#include "nspawnctl.h"
#include "session-client.h"
#include "strv.h"

/* machinectl's parse_machine_uid(): "USER@NAME" wins over --uid=; "@NAME" is refused as ssh
 * does; no name is the local host. */
static int parse_machine_uid(const char *spec, const char *uid, const char **ret_machine, char **ret_user) {
        const char *at = spec ? strchr(spec, '@') : NULL, *machine = spec;
        char *user = NULL;

        if (at == spec && at)
                return -EINVAL;
        if (at) {
                machine = at + 1;
                user = strndup(spec, (size_t) (at - spec));
        } else if (uid)
                user = strdup(uid);
        if ((at || uid) && !user)
                return -ENOMEM;
        *ret_user = user;
        *ret_machine = machine && *machine ? machine : ".host";
        return 0;
}

/* --setenv= assignments, and TERM from our environment unless given. */
int session_environment(struct ctl *c, char ***ret) {
        char **env = strv_copy(c->setenv);
        const char *term = getenv("TERM");
        if (!env && c->setenv)
                return -ENOMEM;
        if (term && !strv_env_get(env, "TERM")) {
                char *a = NULL;
                if (asprintf(&a, "TERM=%s", term) < 0 || strv_push(&env, a) < 0) {
                        strv_free(env);
                        return -ENOMEM;
                }
        }
        *ret = env;
        return 0;
}

int verb_shell(struct ctl *c, int argc, char *argv[]) {
        struct control_request req = {.kind = CONTROL_SHELL,
                                      .pty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)};
        const char *machine;
        int r;

        r = parse_machine_uid(argc >= 2 ? argv[1] : NULL, c->uid, &machine, &req.user);
        if (r < 0)
                return log_error("Failed to parse machine specification: %s", strerror(-r));
        if (argc >= 3 && argv[2][0]) {
                req.argv = argc == 3 ? strv_copy((char *[]){argv[2], NULL}) : strv_copy(argv + 2);
                if (!req.argv)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = session_environment(c, &req.env);
        if (r < 0) {
                control_request_done(&req);
                return log_error("Out of memory.");
        }
        r = session_client_run(c, machine, &req);
        control_request_done(&req);
        return r;
}
