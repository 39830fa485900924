/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What start, enable and disable share (service.h): the checks of names, the host's init, the
 * root they work on, running programs, and the supervisor's policy for nspawn's end. */

#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "macro.h"
#include "name-valid.h"
#include "nspawnctl.h"
#include "path-util.h"

extern char **environ;

char *service_root_path(const char *root, const char *path) {
        char *s;
        if (asprintf(&s, "%s%s", streq(root, "/") ? "" : root, path) < 0)
                return NULL;
        return s;
}

/* An image directory NAME in the search path below root. */
static bool image_exists(const char *root, const char *name) {
        char *dirs[16] = {};
        _cleanup_free_ char *path = NULL;
        size_t n = 0;
        bool ok = true;

        for (const char *const *d = image_search_path; ok && *d && n < ELEMENTSOF(dirs) - 1; d++)
                ok = (dirs[n++] = service_root_path(root, *d));
        bool found = ok && image_find(name, (const char *const *) dirs, &path) >= 0;
        for (size_t i = 0; i < n; i++)
                free(dirs[i]);
        return found;
}

int service_check_names(const char *root, int argc, char *argv[]) {
        for (int i = 1; i < argc; i++) {
                if (!machine_name_is_valid(argv[i]))
                        return log_error("Invalid machine name %s.", argv[i]);
                if (!image_exists(root, argv[i]))
                        return log_error("Machine image '%s' does not exist.", argv[i]);
        }
        return 0;
}

char *service_unit_name(const char *machine) {
        char *s;
        /* a machine name is a valid instance as it is (letters, digits, "-", "_", ".") */
        if (asprintf(&s, "nspawn@%s.service", machine) < 0)
                return NULL;
        return s;
}

bool service_systemd_running(void) {
        struct stat st;
        return lstat("/run/systemd/system/", &st) >= 0 && S_ISDIR(st.st_mode);
}

const char *service_root(void) {
        const char *root = getenv("NSPAWNCTL_ROOT");
        struct stat st;

        if (isempty(root))
                return "/";
        if (!path_is_normalized(root) || stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
                log_error("NSPAWNCTL_ROOT=%s is not the absolute, normalized path of a directory.", root);
                return NULL;
        }
        return root;
}

char *service_find_in(const char *root, const char *const *dirs, const char *name) {
        for (const char *const *d = dirs; *d; d++) {
                _cleanup_free_ char *rel = NULL, *abs = NULL;
                if (asprintf(&rel, "%s/%s", *d, name) < 0 || !(abs = service_root_path(root, rel)))
                        return NULL;
                if (access(abs, X_OK) >= 0)
                        return TAKE_PTR(rel);
        }
        return NULL;
}

int service_run(char *const argv[], bool quiet) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                /* (<spawn.h> is not reachable here: src/spawn/spawn.h is on the include path) */
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || (quiet && dup2(null, STDOUT_FILENO) < 0))
                        _exit(127);
                execve(argv[0], argv, environ);
                dprintf(STDERR_FILENO, "Failed to execute %s: %m\n", argv[0]);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- the supervisor's policy ---- */

enum service_exit service_exit_action(int code, int status, bool stopping) {
        if (code == CLD_EXITED && status == SERVICE_EXIT_REBOOT && !stopping)
                return SERVICE_EXIT_RESTART; /* RestartForceExitStatus=133 */
        if (code == CLD_EXITED)
                /* SuccessExitStatus=133 */
                return status == 0 || status == SERVICE_EXIT_REBOOT ? SERVICE_EXIT_SUCCESS
                                                                    : SERVICE_EXIT_FAILURE;
        /* systemd's clean signals: what a stop sends, and a closed pipe */
        if (code == CLD_KILLED &&
            (status == SIGTERM || status == SIGINT || status == SIGHUP || status == SIGPIPE))
                return SERVICE_EXIT_SUCCESS;
        return SERVICE_EXIT_FAILURE;
}

bool start_limit_allow(struct start_limit *l, uint64_t now) {
        /* with a full ring, slot n % BURST holds the fifth-last start */
        unsigned i = l->n % START_LIMIT_BURST;
        if (l->n >= START_LIMIT_BURST && now - l->t[i] < START_LIMIT_INTERVAL_USEC)
                return false;
        l->t[i] = now;
        l->n++;
        return true;
}
