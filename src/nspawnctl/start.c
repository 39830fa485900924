/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * `start NAME...`: each machine as a service (service.h). Every name is checked first, as
 * machinectl checks it ("Invalid machine name X.", "Machine image 'X' does not exist."), so bad
 * input starts nothing. Then, with systemd as PID 1, `systemctl start nspawn@NAME.service ...`
 * (it waits for the jobs and says what failed, as machinectl does); otherwise nspawnctl's own
 * supervisor starts each (supervise.c). A machine that runs already is success.
 */

#include <stdlib.h>
#include <string.h>

#include "nspawnctl.h"
#include "service.h"
#include "strv.h"

static const char *const systemctl_dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin", NULL};

/* systemctl VERB [-q] nspawn@A.service …: its exit status (messages are systemctl's). */
int service_systemctl(bool quiet, const char *verb, const char *extra_unit, int argc, char *argv[]) {
        _cleanup_free_ char *systemctl = service_find_in("/", systemctl_dirs, "systemctl");
        _cleanup_strv_free_ char **cmd = NULL;

        if (!systemctl)
                return log_error("systemd is PID 1, but systemctl is missing.");
        if (strv_extend(&cmd, systemctl) < 0 || strv_extend(&cmd, verb) < 0 ||
            (quiet && strv_extend(&cmd, "-q") < 0) || (extra_unit && strv_extend(&cmd, extra_unit) < 0))
                return log_error("Out of memory.");
        for (int i = 1; i < argc; i++) {
                char *unit = service_unit_name(argv[i]);
                if (!unit || strv_push(&cmd, unit) < 0)
                        return log_error("Out of memory.");
        }
        int r = service_run(cmd, false);
        if (r < 0)
                return log_error("Failed to run %s: %s", systemctl, strerror(-r));
        return r == 0 ? 0 : -1;
}

int verb_start(struct ctl *c, int argc, char *argv[]) {
        int r = service_check_names("/", argc, argv), ret = 0;
        if (r < 0)
                return r;
        if (service_systemd_running())
                return service_systemctl(c->quiet, "start", NULL, argc, argv);
        /* each in turn; one failing does not keep the others from starting (systemctl's jobs) */
        for (int i = 1; i < argc; i++) {
                r = supervise_start(c->registry_dir, argv[i]);
                if (r != 0 && ret == 0)
                        ret = r;
        }
        if (ret > 0)
                c->exit_status = ret; /* nspawn's */
        return ret > 0 ? -1 : ret;
}
