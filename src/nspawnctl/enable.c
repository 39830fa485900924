/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * `enable NAME...`, `disable NAME...`: the machines start at boot, or no longer (service.h).
 * Every name is checked first, as machinectl checks it, so bad input changes nothing.
 *
 *   systemd is PID 1: systemctl enable machines.target nspawn@NAME.service … (systemd reloads),
 *   or systemctl disable nspawn@NAME.service ….
 *   Otherwise, for each init that is installed (below NSPAWNCTL_ROOT, if set):
 *   systemd (its binary): the links `systemctl enable` would make, made offline, with its messages
 *     /etc/systemd/system/multi-user.target.wants/machines.target → …/machines.target
 *     /etc/systemd/system/machines.target.wants/nspawn@NAME.service → …/nspawn@.service
 *     (the units where systemd's unit directories, or ours, have them); disable removes
 *     nspawn@NAME.service from every *.wants/ and *.requires/ of /etc/systemd/system.
 *   OpenRC (openrc-run): /etc/init.d/nspawn.NAME → nspawn (the script runs the machine its link
 *     names) and nspawn.NAME in the default runlevel (rc-update add/del; below NSPAWNCTL_ROOT the
 *     runlevel's link is made directly, as rc-update does). disable keeps the link of a service
 *     OpenRC runs, so that it can still be stopped.
 *   Neither: an error that says what to do instead.
 * A link that is there already is success without a word; one that points elsewhere, or a file
 * in its place, is an error (and is left alone).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chase.h"
#include "config.h"
#include "macro.h"
#include "nspawnctl.h"
#include "service.h"

#define UNIT_CONF_DIR "/etc/systemd/system"
#define RUNLEVEL_DIR "/etc/runlevels/default"

struct install {
        const char *root;
        int root_fd;
        bool enable, quiet;
        int argc;
        char **argv;
};

static const char *const systemd_paths[] = {"/usr/lib/systemd/systemd", "/lib/systemd/systemd", NULL};
static const char *const openrc_paths[] = {"/sbin/openrc-run", "/usr/sbin/openrc-run", "/usr/bin/openrc-run",
                                           "/bin/openrc-run", NULL};
static const char *const rc_update_dirs[] = {"/sbin", "/usr/sbin", "/usr/bin", "/bin", NULL};
/* systemd's unit directories, where a link may point to (not /run: gone at the next boot) */
static const char *const unit_dirs[] = {UNIT_CONF_DIR,         "/usr/local/lib/systemd/system",
                                        "/lib/systemd/system", "/usr/lib/systemd/system",
                                        SYSTEMD_UNIT_DIR,      NULL};
static const char *const init_dirs[] = {"/etc/init.d", OPENRC_INITDIR, NULL};
static const char *const openrc_states[] = {"started",  "starting",    "stopping",
                                            "inactive", "wasinactive", NULL};

/* A regular file at path below the root (executable if exec). */
static bool file_exists(const struct install *in, const char *path, bool exec) {
        _cleanup_close_ int fd = chase_open(in->root_fd, path, O_PATH | O_CLOEXEC, 0);
        struct stat st;
        return fd >= 0 && fstat(fd, &st) >= 0 && S_ISREG(st.st_mode) && (!exec || (st.st_mode & 0111));
}

static bool any_exists(const struct install *in, const char *const *paths) {
        for (const char *const *p = paths; *p; p++)
                if (file_exists(in, *p, true))
                        return true;
        return false;
}

/* The first directory of dirs below the root that has the file name: "DIR/name", malloc'ed. */
static char *find_file(const struct install *in, const char *const *dirs, const char *name) {
        for (const char *const *d = dirs; *d; d++) {
                char *p;
                if (isempty(*d) || asprintf(&p, "%s/%s", *d, name) < 0)
                        continue;
                if (file_exists(in, p, false))
                        return p;
                free(p);
        }
        return NULL;
}

/* A directory below the root, following symlinks inside it; made (without following any) if
 * missing and create. */
static int dir_open(const struct install *in, const char *dir, bool create) {
        int fd = chase_open(in->root_fd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd == -ENOENT && create)
                fd = chase_mkdir_p(in->root_fd, dir, 0755);
        return fd;
}

/* dir/name → target, as systemctl enable makes it: 1 made, 0 it was there, -1 after logging. */
static int link_make(const struct install *in, const char *dir, const char *name, const char *target,
                     bool create) {
        _cleanup_free_ char *shown = NULL;
        char old[4096];

        if (asprintf(&shown, "%s%s/%s", streq(in->root, "/") ? "" : in->root, dir, name) < 0)
                return log_error("Out of memory.");
        _cleanup_close_ int dfd = dir_open(in, dir, create);
        if (dfd < 0)
                return log_error("Failed to enable or disable unit: Failed to open %s: %s", shown,
                                 strerror(-dfd));
        if (symlinkat(target, dfd, name) >= 0) {
                if (!in->quiet)
                        fprintf(stderr, "Created symlink %s → %s.\n", shown, target);
                return 1;
        }
        if (errno != EEXIST)
                return log_error("Failed to enable or disable unit: Failed to create symlink %s: %m", shown);
        ssize_t n = readlinkat(dfd, name, old, sizeof old - 1);
        if (n < 0)
                return log_error("Failed to enable or disable unit: File %s already exists.", shown);
        old[n] = 0;
        if (streq(old, target))
                return 0;
        return log_error("Failed to enable or disable unit: File %s already exists and is a symlink to %s.",
                         shown, old);
}

/* Remove the symlink dir/name if it is one (pointing to a file named like want, if given): 1
 * removed, 0 none, -1 after logging. */
static int link_remove(const struct install *in, const char *dir, const char *name, const char *want) {
        _cleanup_free_ char *shown = NULL;
        char old[4096];
        struct stat st;

        _cleanup_close_ int dfd = dir_open(in, dir, false);
        if (dfd < 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
                return 0;
        ssize_t n = readlinkat(dfd, name, old, sizeof old - 1);
        const char *base = n > 0 ? (old[n] = 0, strrchr(old, '/')) : NULL;
        if (want && (n <= 0 || !streq(base ? base + 1 : old, want)))
                return 0;
        if (asprintf(&shown, "%s%s/%s", streq(in->root, "/") ? "" : in->root, dir, name) < 0)
                return log_error("Out of memory.");
        if (unlinkat(dfd, name, 0) < 0)
                return log_error("Failed to enable or disable unit: Failed to remove %s: %m", shown);
        if (!in->quiet)
                fprintf(stderr, "Removed \"%s\".\n", shown);
        return 1;
}

/* ---- systemd, offline ---- */

/* Unlink the unit from every *.wants/ and *.requires/ of /etc/systemd/system. */
static int unit_unlink_everywhere(const struct install *in, const char *unit) {
        int dfd = dir_open(in, UNIT_CONF_DIR, false), r = 0;
        DIR *d = dfd >= 0 ? fdopendir(openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) : NULL;

        safe_close(dfd);
        for (struct dirent *de; d && r >= 0 && (de = readdir(d));) {
                _cleanup_free_ char *dir = NULL;
                if ((!endswith(de->d_name, ".wants") && !endswith(de->d_name, ".requires")) ||
                    asprintf(&dir, UNIT_CONF_DIR "/%s", de->d_name) < 0)
                        continue;
                r = link_remove(in, dir, unit, NULL);
        }
        if (d)
                closedir(d);
        return r;
}

static int systemd_links(const struct install *in) {
        _cleanup_free_ char *template = find_file(in, unit_dirs, SERVICE_TEMPLATE);
        _cleanup_free_ char *target = find_file(in, unit_dirs, SERVICE_TARGET);
        int r = 0;

        if (in->enable && (!template || !target))
                return log_error("Failed to enable or disable unit: Unit file %s does not exist.",
                                 template ? SERVICE_TARGET : SERVICE_TEMPLATE);
        if (in->enable)
                r = link_make(in, UNIT_CONF_DIR "/multi-user.target.wants", SERVICE_TARGET, target, true);
        for (int i = 1; i < in->argc && r >= 0; i++) {
                _cleanup_free_ char *unit = service_unit_name(in->argv[i]);
                if (!unit)
                        return log_error("Out of memory.");
                r = in->enable
                            ? link_make(in, UNIT_CONF_DIR "/" SERVICE_TARGET ".wants", unit, template, true)
                            : unit_unlink_everywhere(in, unit);
        }
        return r < 0 ? r : 0;
}

/* ---- OpenRC ---- */

/* Does OpenRC run the service (its state directories name it)? */
static bool openrc_active(const struct install *in, const char *svc) {
        for (const char *const *s = openrc_states; *s; s++) {
                _cleanup_free_ char *p = NULL;
                struct stat st;
                _cleanup_close_ int fd = -EBADF;
                if (asprintf(&p, "/run/openrc/%s/%s", *s, svc) >= 0 &&
                    (fd = chase_open_nofollow(in->root_fd, p, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0)) >= 0 &&
                    fstat(fd, &st) >= 0)
                        return true;
        }
        return false;
}

/* nspawn.NAME in or out of the default runlevel: rc-update on the host, else its link directly. */
static int runlevel_set(const struct install *in, const char *init_dir, const char *svc) {
        _cleanup_free_ char *link = NULL, *script = NULL, *rc_update = NULL;
        struct stat st;

        if (asprintf(&link, RUNLEVEL_DIR "/%s", svc) < 0 || asprintf(&script, "%s/%s", init_dir, svc) < 0)
                return log_error("Out of memory.");
        _cleanup_close_ int fd = chase_open_nofollow(in->root_fd, link, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        bool present = fd >= 0 && fstat(fd, &st) >= 0;
        if (present == in->enable)
                return 0;
        if (streq(in->root, "/") && (rc_update = service_find_in("/", rc_update_dirs, "rc-update"))) {
                char *argv[] = {rc_update, (char *) (in->enable ? "add" : "del"), (char *) svc,
                                (char *) "default", NULL};
                int r = service_run(argv, in->quiet);
                if (r != 0)
                        return log_error("Failed to %s: rc-update %s %s default failed%s%s.",
                                         in->enable ? "enable" : "disable", argv[1], svc, r < 0 ? ": " : "",
                                         r < 0 ? strerror(-r) : "");
                return 0;
        }
        if (!in->enable)
                return link_remove(in, RUNLEVEL_DIR, svc, NULL);
        return link_make(in, RUNLEVEL_DIR, svc, script, false);
}

static int openrc_links(const struct install *in) {
        _cleanup_free_ char *script = find_file(in, init_dirs, SERVICE_OPENRC_SCRIPT);
        int r = 0;

        if (!script && in->enable)
                return log_error(
                        "Failed to enable: OpenRC is installed, but nspawn's script /etc/init.d/%s is "
                        "not (meson -Dopenrc=enabled installs it).",
                        SERVICE_OPENRC_SCRIPT);
        const char *init_dir = script ? script : "/etc/init.d";
        if (script)
                *strrchr(script, '/') = 0;
        for (int i = 1; i < in->argc && r >= 0; i++) {
                _cleanup_free_ char *svc = NULL;
                if (asprintf(&svc, SERVICE_OPENRC_SCRIPT ".%s", in->argv[i]) < 0)
                        return log_error("Out of memory.");
                if (in->enable) {
                        r = link_make(in, init_dir, svc, SERVICE_OPENRC_SCRIPT, false);
                        if (r >= 0)
                                r = runlevel_set(in, init_dir, svc);
                        continue;
                }
                r = runlevel_set(in, init_dir, svc);
                if (r >= 0 && openrc_active(in, svc)) {
                        if (!in->quiet)
                                fprintf(stderr,
                                        "OpenRC runs %s: %s/%s is kept, so that it can be stopped.\n", svc,
                                        init_dir, svc);
                } else if (r >= 0)
                        r = link_remove(in, init_dir, svc, SERVICE_OPENRC_SCRIPT);
        }
        return r < 0 ? r : 0;
}

int verb_enable(struct ctl *c, int argc, char *argv[]) {
        bool enable = streq(argv[0], "enable");
        const char *root = service_root();
        int r;

        if (!root)
                return -1;
        if ((r = service_check_names(root, argc, argv)) < 0)
                return r;
        if (streq(root, "/") && service_systemd_running())
                return service_systemctl(c->quiet, argv[0], enable ? SERVICE_TARGET : NULL, argc, argv);

        struct install in = {.root = root, .enable = enable, .quiet = c->quiet, .argc = argc, .argv = argv};
        in.root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (in.root_fd < 0)
                return log_error("Failed to open %s: %m", root);
        bool systemd = any_exists(&in, systemd_paths), openrc = any_exists(&in, openrc_paths);
        if (!systemd && !openrc)
                r = log_error("Neither systemd nor OpenRC is installed here: nothing would start machines "
                              "at boot. "
                              "Run 'nspawnctl start NAME' from the host's start-up scripts instead.");
        if (systemd)
                r = systemd_links(&in);
        if (r >= 0 && openrc)
                r = openrc_links(&in);
        safe_close(in.root_fd);
        return r;
}
