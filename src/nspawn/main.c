/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * nspawn's front-end: parse, prepare, run, report. The mechanisms live in the library; this file
 * decides what is fatal and logs each error once.
 */

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "caps.h"
#include "cgroup.h"
#include "console.h"
#include "control.h"
#include "credentials.h"
#include "disk-image.h"
#include "env.h"
#include "ephemeral.h"
#include "fdutil.h"
#include "guard.h"
#include "log.h"
#include "image.h"
#include "macro.h"
#include "notify.h"
#include "options.h"
#include "name-valid.h"
#include "parse-util.h"
#include "proc-names.h"
#include "uuid.h"
#include "machined.h"
#include "mount.h"
#include "network.h"
#include "registry.h"
#include "settings-file.h"
#include "settings.h"
#include "spawn.h"
#include "strv.h"
#include "syscall-filter.h"
#include "userns.h"
#include "volatile.h"

#define EXIT_FORCE_RESTART 133

static void warn_settings_file(const char *path, unsigned line, const char *message, void *userdata) {
        if (line > 0)
                log_warning("%s:%u: %s", path, line, message);
        else
                log_warning("%s: %s", path, message);
}

static void warn_untrusted(enum setting_id id, void *userdata) {
        log_warning("Ignoring %s setting, file %s is not trusted.", setting_id_to_string(id),
                    (const char *) userdata);
}

/* The machine name derived from the directory, as systemd's hostname_cleanup(): letters, digits,
 * '-' and single '.', no leading or trailing '-' or '.', at most 64 characters. NULL if nothing
 * valid is left (then the user must give -M). */
static char *machine_name_from_path(const char *path) {
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        const char *end = endswith(base, ".raw") ?: base + strlen(base); /* an image's name is without */
        char *name = calloc(1, 65);
        size_t n = 0;

        if (!name)
                return NULL;
        for (const char *c = base; c < end && n < 64; c++) {
                bool alnum =
                        (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
                if (alnum || (n > 0 && (*c == '-' || (*c == '.' && name[n - 1] != '.'))))
                        name[n++] = *c;
        }
        while (n > 0 && (name[n - 1] == '-' || name[n - 1] == '.'))
                name[--n] = 0;
        if (!machine_name_is_valid(name)) {
                free(name);
                return NULL;
        }
        return name;
}

/* What the container runs, for messages and records: the tree's path, or the disk image's. */
static const char *tree_path(const struct settings *s) {
        return s->image ?: s->directory;
}

/* -i: the disk image's canonical path and the machine name from it; it is opened (and mounted) once
 * the settings are final (prepare_disk_image()). */
static int determine_image(struct settings *s) {
        char *canonical = realpath(s->image, NULL);
        if (!canonical)
                return log_error("Failed to open %s: %m", s->image);
        free(s->image);
        s->image = canonical;
        if (!s->machine && !(s->machine = machine_name_from_path(canonical)))
                return log_error("Failed to determine machine name automatically, please use -M.");
        return 0;
}

/* The tree, resolved once and opened: *ret_fd is what every later step uses. */
static int determine_directory(struct settings *s, int *ret_fd) {
        bool found = false;
        if (!s->directory && s->machine && !s->image) {
                char *path;
                int r = image_find(s->machine, NULL, &path);
                if (r == -ENOENT)
                        return log_error("No image for machine '%s'.", s->machine);
                if (r == -EINVAL && getenv(IMAGE_PATH_ENV))
                        return log_error("Invalid $%s: %s (absolute directories, colon-separated)",
                                         IMAGE_PATH_ENV, getenv(IMAGE_PATH_ENV));
                if (r < 0)
                        return log_error("Failed to find image for machine '%s': %s", s->machine,
                                         strerror(-r));
                if (disk_image_path_is_image(path))
                        s->image = path; /* NAME.raw */
                else
                        s->directory = path;
                found = true;
        }
        if (s->image)
                return determine_image(s);
        if (!s->directory && !(s->directory = getcwd(NULL, 0)))
                return log_error("Failed to determine the current directory: %m");

        char *canonical = NULL;
        *ret_fd = image_open(s->directory, &canonical);
        if (*ret_fd < 0)
                return log_error_errno(*ret_fd, "Failed to open %s: %m", s->directory);
        free(s->directory);
        s->directory = canonical;
        /* As systemd's image discovery: images below /usr, immutable or on read-only storage run
         * read-only. */
        if (found && !s->ephemeral && image_is_read_only(*ret_fd, canonical))
                s->read_only = true;
        if (streq(canonical, "/")) {
                /* The host's own tree only as a throw-away snapshot or a volatile root. */
                if (!s->ephemeral && s->volatile_mode != VOLATILE_YES && s->volatile_mode != VOLATILE_STATE)
                        return log_error("Spawning container on root directory is not supported. Refusing.");
                char host[65] = {};
                if (!s->machine && gethostname(host, sizeof host - 1) >= 0 && machine_name_is_valid(host) &&
                    !(s->machine = strdup(host)))
                        return log_error("Out of memory.");
        }
        if (!s->machine && !(s->machine = machine_name_from_path(canonical)))
                return log_error("Failed to determine machine name automatically, please use -M.");
        return 0;
}

/* --template: -x --template=T without -D means -x -D T; otherwise a missing -D directory (or
 * /var/lib/machines/NAME with -M) is made from the template before anything looks at it. */
static int populate_from_template(struct settings *s, struct guard *guard) {
        if (!s->template_path)
                return 0;
        if (s->ephemeral && !s->directory) {
                s->directory = TAKE_PTR(s->template_path);
                return 0;
        }
        if (s->ephemeral || s->image)
                return 0; /* settings_validate() refuses the combination */
        if (!s->directory && s->machine) {
                char *found = NULL;
                int r = image_find(s->machine, NULL, &found);
                if (r >= 0 && disk_image_path_is_image(found)) {
                        free(found); /* NAME.raw: there is nothing to populate */
                        return 0;
                }
                s->directory = found;
                _cleanup_free_ char *pool = NULL; /* the pool: /var/lib/machines */
                if (r == -ENOENT &&
                    (image_pool_path(&pool) < 0 || asprintf(&s->directory, "%s/%s", pool, s->machine) < 0))
                        return log_error("Out of memory.");
        }
        if (!s->directory)
                return 0;

        int r = template_populate(s->template_path, s->directory, guard);
        if (r == -EEXIST) {
                if (!s->quiet)
                        log_info("Directory %s already exists, not populating from template %s.",
                                 s->directory, s->template_path);
                return 0;
        }
        if (r < 0)
                return log_error("Couldn't create snapshot %s from %s: %s", s->directory, s->template_path,
                                 strerror(-r));
        if (!s->quiet)
                log_info("Populated %s from template %s.", s->directory, s->template_path);
        return 0;
}

/* -x: a snapshot (or, on a plain directory, an overlay made by the child) instead of the tree.
 * The name gets a random suffix if it was derived from the directory (after the .nspawn file was
 * looked up under the plain name). */
static int prepare_ephemeral(struct settings *s, int tree_fd, bool name_derived, struct guard *guard,
                             struct ephemeral *e, struct spawn_params *p) {
        if (name_derived) {
                char *name;
                int r = ephemeral_machine_name(s->machine, &name);
                if (r < 0)
                        return log_error("Failed to generate a machine name: %s", strerror(-r));
                free(s->machine);
                s->machine = name;
        }
        int r = ephemeral_setup(tree_fd, s->directory, guard, e);
        if (r == -EBUSY)
                return log_error("Directory tree %s is currently busy.", s->directory);
        if (r < 0)
                return log_error("Failed to create a snapshot of %s: %s", s->directory, strerror(-r));
        p->root = e->path;
        p->tree_fd = e->overlay ? tree_fd : e->lock_fd; /* the snapshot */
        p->root_overlay = e->overlay;
        return 0;
}

static int check_volatile(const struct settings *s, int root_fd) {
        int r = volatile_check_tree(root_fd, s->volatile_mode);
        if (r < 0)
                return log_error("Failed to check %s: %s", s->directory, strerror(-r));
        if (r == 0)
                return log_error("Sorry, --volatile=yes mode is not supported with OS images that have not "
                                 "merged /bin/, /sbin/, /lib/, /lib64/ into /usr/.");
        return 0;
}

static int load_settings_file(struct settings *s) {
        _cleanup_(settings_file_done) struct settings_file sf = {};
        _cleanup_free_ char *error = NULL;
        struct settings file;

        if (s->settings_mode == SETTINGS_NO)
                return 0;
        int r = settings_file_open(s->machine, tree_path(s), &sf, &error);
        if (r < 0)
                return log_error("%s", error ? error : strerror(-r));
        if (r == 0)
                return 0;

        settings_init(&file);
        r = settings_file_parse(sf.f, sf.path, &file, warn_settings_file, NULL, &error);
        if (r < 0) {
                settings_done(&file);
                return log_error("%s", error ? error : "Failed to parse settings file.");
        }
        settings_merge(s, &file, sf.trusted || s->settings_mode == SETTINGS_TRUSTED,
                       s->settings_mode == SETTINGS_OVERRIDE, warn_untrusted, sf.path);
        settings_done(&file);
        return 0;
}

static int check_tree(const struct settings *s, int root_fd) {
        enum image_check check;
        int r = image_check_os_tree(root_fd, s->start_mode == START_BOOT, &check);
        if (r < 0)
                return log_error("Failed to check %s: %s", tree_path(s), strerror(-r));
        if (check == IMAGE_NO_USR)
                return log_error(
                        "Directory %s doesn't look like it has an OS tree (/usr/ directory is missing). "
                        "Refusing.",
                        tree_path(s));
        if (check == IMAGE_NO_OS_RELEASE)
                return log_error("Directory %s doesn't look like an OS root directory (os-release file is "
                                 "missing). Refusing.",
                                 tree_path(s));
        return 0;
}

/* The container UUID: an initialized /etc/machine-id in the image wins, then --uuid, then random. */
static int determine_uuid(const struct settings *s, int root_fd, uint8_t uuid[16]) {
        int r = image_read_machine_id(root_fd, uuid);
        if (r > 0)
                return 0;
        if (s->uuid_set) {
                memcpy(uuid, s->uuid, 16);
                return 0;
        }
        r = uuid_random(uuid);
        return r < 0 ? log_error("Failed to generate a container UUID: %s", strerror(-r)) : 0;
}

/* Claim the machine's name in the registry before anything of the container exists, so that a
 * name in use fails the start with nothing to undo (a closing machine of the name is waited for,
 * so its cgroups are gone before ours are made); the record gets the leader's PID after the clone
 * (spawn.c) and is removed by the guard after nspawn exits (its last duty). A record left by a
 * SIGKILLed nspawn whose guard was killed too is removed here. The registry is written whatever --register=
 * says: nspawnctl needs it. */
static void reclaim_stale(const struct machine_record *rec, void *userdata) {
        cgroup_reclaim(userdata, rec->cgroup);
        control_reclaim(rec->name);
}

static int claim_machine(const char *dir, const struct settings *s, const struct spawn_params *p,
                         struct guard *guard, struct cgroup_context *cgroup, struct registry_entry **ret) {
        struct machine_record rec = {
                .name = s->machine,
                .class = (char *) "container",
                .service = (char *) "nspawn",
                .root = (char *) tree_path(s),
                .supervisor = getpid(),
                .start_mode = s->start_mode,
                .cgroup = (char *) cgroup_context_path(cgroup),
        };
        memcpy(rec.uuid, p->uuid, sizeof rec.uuid);
        /* Also reclaim what other machines left whose supervisor and guard were both killed
         * (ephemeral machines have random names, so their name is never started again): their
         * stale records say what; a readdir and a flock per record. */
        if (!dir) {
                log_debug("No directory of the caller's for the machine's record: none is written.");
                return 0;
        }
        (void) registry_gc(dir, reclaim_stale, cgroup);
        int r = registry_claim(dir, &rec, guard, ret);
        if (r == -EEXIST)
                return log_error("Machine '%s' already exists.", s->machine);
        if (r < 0)
                return log_error("Failed to register machine %s in %s: %s", s->machine, dir, strerror(-r));
        return 0;
}

static enum console_mode determine_console(struct settings *s) {
        enum console_mode m =
                console_mode_resolve(s->console_mode, isatty(STDIN_FILENO), isatty(STDOUT_FILENO));
        if (m == CONSOLE_PIPE) {
                if (s->console_mode == CONSOLE_PIPE && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
                        log_notice(
                                "Console mode 'pipe' selected, but standard input/output are connected to "
                                "an interactive TTY. Most likely you want to use 'interactive' console "
                                "mode for proper interactivity and shell job control. Proceeding "
                                "anyway.");
                s->quiet = true;
        }
        return m;
}

static int prepare_security(const struct settings *s, struct spawn_params *p, const char *cache_dir,
                            struct seccomp_program **ret_seccomp) {
        uint64_t missing = 0;
        p->caps = caps_compute(s, caps_current_bounding(), &missing);
        if (missing && !s->quiet)
                log_notice("Some capabilities will not be set because they are not in the current bounding "
                           "set.");
        if ((s->caps_ambient & ~p->caps) != 0)
                return log_error("Ambient capabilities must be a subset of the retained capabilities.");
        int r = seccomp_program_prepare(s, p->caps, cache_dir, ret_seccomp);
        if (r < 0)
                return log_error("Failed to prepare the system call filter: %s", strerror(-r));
        p->seccomp = *ret_seccomp;
        return 0;
}

static int report_result(const struct settings *s, const struct spawn_result *res, bool *ret_reboot) {
        const char *name = s->machine;
        char buf[32];

        *ret_reboot = false;
        switch (res->end) {
        case SPAWN_EXITED:
                if (!s->quiet) {
                        if (res->status == 0)
                                log_info("Container %s exited successfully.", name);
                        else
                                log_info("Container %s failed with error code %i.", name, res->status);
                }
                return res->status == EXIT_FORCE_RESTART ? EXIT_FAILURE : res->status;
        case SPAWN_SIGNALED:
                if (res->status == SIGINT) {
                        if (!s->quiet)
                                log_info("Container %s has been shut down.", name);
                        return EXIT_SUCCESS;
                }
                if (res->status == SIGHUP) {
                        if (!s->quiet)
                                log_info("Container %s is being rebooted.", name);
                        *ret_reboot = !s->keep_unit;
                        return EXIT_FORCE_RESTART;
                }
                _fallthrough_;
        default:
                if (!s->quiet)
                        log_info("Container %s terminated by signal %s.", name,
                                 signal_to_string(res->status, buf, sizeof buf) + 3);
                return EXIT_FAILURE;
        }
}

static int run(struct settings *s, struct spawn_params *p) {
        for (;;) {
                struct spawn_result res = {};
                _cleanup_free_ char *error = NULL;
                bool reboot;

                if (!s->quiet) {
                        log_info("Spawning container %s on %s.", s->machine, tree_path(s));
                        log_info("Press ^] three times within 1s to kill container.");
                }
                int r = container_run(p, &res, &error);
                if (r == -ENOTRECOVERABLE) {
                        /* in the container's namespaces: no host path may be touched any more; the
                         * guard removes the cgroups, the record and any snapshot */
                        log_error("%s", error ? error : strerror(-r));
                        _exit(EXIT_FAILURE);
                }
                if (r < 0) {
                        log_error("%s", error ? error : strerror(-r));
                        return EXIT_FAILURE;
                }
                int code = report_result(s, &res, &reboot);
                (void) notify_send(getenv("NOTIFY_SOCKET"), reboot ? "STOPPING=1\nSTATUS=Restarting..."
                                                                   : "STOPPING=1\nSTATUS=Terminating...");
                if (!reboot)
                        return code; /* the cgroups go with the guard (nspawn_done()) */
                (void) cgroup_destroy(p->cgroup);
                network_stop(p->network); /* interfaces back, the old namespace released */
        }
}

/* Everything one nspawn owns, released by nspawn_done() on every path (the order matters: the
 * machine's registrations and cgroups go before the tree's snapshot and lock; the guard, which
 * removes the cgroups and the record, is handed over last). */
struct nspawn {
        struct settings settings;
        struct spawn_params params;
        struct ephemeral ephemeral;
        struct disk_image image;
        struct registry_entry *registry;
        struct cgroup_context *cgroup;
        struct machined *machined;
        struct network *network;
        struct seccomp_program *seccomp;
        struct control *control;
        struct credentials creds;
        char **env;
        int root_fd, stub_fd;
        struct tree_lock tree_lock;
        struct guard *guard;
        struct userns *userns;
        char *registry_dir, *seccomp_cache; /* the system's, or an unprivileged caller's own */
};

static void nspawn_done(struct nspawn *n) {
        credentials_done(&n->creds);
        control_free(n->control); /* its directory goes with the guard */
        seccomp_program_free(n->seccomp);
        machined_free(n->machined);
        /* moved interfaces back and the zone bridge gone before we exit, as systemd-nspawn */
        n->network = network_free(n->network);
        n->userns = userns_free(n->userns);
        free(n->registry_dir);
        free(n->seccomp_cache);
        /* The container's cgroups and then its registry record are removed by the guard, off our
         * exit path, once it is handed over below; here only what the guard cannot do (cgroup.h). */
        (void) cgroup_finish(n->cgroup);
        n->registry = registry_hand_over(n->registry);
        cgroup_context_free(n->cgroup);
        if (n->settings.n_custom_mounts > 0 && n->root_fd >= 0)
                mount_custom_cleanup(&n->settings, n->root_fd);
        safe_close(n->stub_fd);
        image_tree_unlock(&n->tree_lock);
        safe_close(n->root_fd);
        disk_image_done(&n->image); /* the kernel detaches the loop device once the container is gone */
        ephemeral_done(&n->ephemeral);
        guard_hand_over(n->guard);
        strv_free(n->env);
        settings_done(&n->settings);
}

/* Log a library error once: its own message if it left one, else the errno's. */
static int log_failure(int r, char *message) {
        log_error("%s", message ? message : strerror(-r));
        free(message);
        return r;
}

/* The guard first: from the first host effect on, nothing of ours may outlive nspawn (guard.h). */
static int start_guard(struct nspawn *n) {
        int r = guard_start(&n->guard);
        if (r < 0)
                return log_error("Failed to start the guard (nspawn-guard): %s", strerror(-r));
        log_debug("Guard started.");
        return 0;
}

/* Returns 0 to go on, 1 when --help/--version were printed, negative on error. */
static int parse_command_line(int argc, char *argv[], struct settings *s) {
        struct option_result opt = {};
        int r = options_parse_argv(argc, argv, s, &opt);

        if (opt.output)
                fputs(opt.output, stdout);
        if (r < 0)
                log_error("%s", opt.error ? opt.error : strerror(-r));
        option_result_done(&opt);
        return r;
}

/* -i: the disk image as one detached tree (disk-image.h), opened once the settings are final; the
 * tree's root is what every later step uses, as a directory's fd is. Its lock is the image file's. */
static int prepare_disk_image(struct nspawn *n) {
        struct settings *s = &n->settings;
        struct image_policy policy;
        char *error = NULL;
        int r;

        if (s->ephemeral)
                return log_error("--ephemeral with --image= is not supported yet.");
        /* The host's journal link would lead to a path that only the container sees. */
        if (s->link_journal == LINK_JOURNAL_GUEST || s->link_journal == LINK_JOURNAL_TRY_GUEST)
                return log_error("--link-journal=guest with --image= is not supported yet.");
        if (s->link_journal == LINK_JOURNAL_AUTO)
                s->link_journal = LINK_JOURNAL_NO;
        if (s->image_policy && (r = image_policy_parse(s->image_policy, &policy, &error)) < 0)
                return log_failure(r, error);
        struct disk_image_options o = {
                .read_only = s->read_only,
                .policy = s->image_policy ? &policy : NULL,
                .root_hash = s->root_hash,
                .root_hash_sig = s->root_hash_sig,
                .verity_data = s->verity_data,
                .guard = n->guard,
        };
        if ((r = disk_image_open(s->image, &o, &n->image, &error)) < 0)
                return log_failure(r, error);
        n->root_fd = fcntl(n->image.tree_mnt, F_DUPFD_CLOEXEC, 3);
        if (n->root_fd < 0)
                return log_error("Failed to duplicate the image's tree: %m");
        n->params.mount_point = SPAWN_IMAGE_MOUNT_POINT;
        return 0;
}

/* The tree: template, location, settings file, checks, -x snapshot, lock, UUID. */
static int prepare_image(struct nspawn *n) {
        struct settings *s = &n->settings;
        struct spawn_params *p = &n->params;
        bool name_derived = !s->machine;
        char *error = NULL;

        if (populate_from_template(s, n->guard) < 0 || determine_directory(s, &n->root_fd) < 0 ||
            load_settings_file(s) < 0)
                return -EINVAL;
        if (settings_validate(s, &error) < 0)
                return log_failure(-EINVAL, error);
        if (s->image && prepare_disk_image(n) < 0)
                return -EINVAL;

        p->tree_fd = n->root_fd;
        if (check_tree(s, n->root_fd) < 0 || check_volatile(s, n->root_fd) < 0)
                return -EINVAL;
        if (s->ephemeral && prepare_ephemeral(s, n->root_fd, name_derived, n->guard, &n->ephemeral, p) < 0)
                return -EINVAL;
        /* -x: the snapshot's lock is held by the ephemeral state; an overlay's lower layer, and a
         * tree that volatile modes never write, are shared like --read-only. -i: the disk image
         * holds its file's flock; systemd's lock file is taken for the file. */
        if (!s->ephemeral || n->ephemeral.overlay) {
                bool shared = s->read_only || s->volatile_mode != VOLATILE_NO || s->ephemeral ||
                              (s->image && n->image.read_only);
                int r = s->image ? image_tree_lock(n->image.image_fd, s->image, shared, false, n->guard,
                                                   &n->tree_lock)
                                 : image_tree_lock(n->root_fd, s->directory, shared, true, n->guard,
                                                   &n->tree_lock);
                if (r == -EBUSY)
                        return log_error(s->image ? "Disk image %s is currently busy."
                                                  : "Directory tree %s is currently busy.",
                                         tree_path(s));
                if (r < 0)
                        return log_error("Failed to lock %s: %s", tree_path(s), strerror(-r));
        }
        return determine_uuid(s, n->root_fd, p->uuid);
}

/* The links' helper first (network.h): its start overlaps with the rest of the preparation. */
static int prepare_network(struct nspawn *n) {
        _cleanup_strv_free_ char **warnings = NULL;
        char *error = NULL;
        int r = network_new(&n->settings, n->guard, &n->network, &warnings, &error);

        STRV_FOREACH(w, warnings)
        log_warning("%s", *w);
        if (r < 0)
                return log_failure(r, error);
        n->params.network = n->network;
        return 0;
}

/* What the run needs from the host, gathered before anything of the container exists. */
static int prepare_run(struct nspawn *n) {
        struct settings *s = &n->settings;
        struct spawn_params *p = &n->params;
        const char *tmp_env = getenv("SYSTEMD_NSPAWN_TMPFS_TMP");
        _cleanup_free_ char *host_os_release = NULL;
        char *error = NULL;
        int r;

        if ((r = prepare_network(n)) < 0)
                return r;
        /* Unprivileged: no cgroups of ours, the caller's own places for the record and the filter
         * cache, and what needs root refused (userns.h, rootless) */
        if (geteuid() != 0) {
                if ((r = userns_rootless_check_run(s, &error)) < 0)
                        return log_failure(r, error);
                n->registry_dir = userns_rootless_registry_dir();
                n->seccomp_cache = userns_rootless_cache_dir();
        } else if (!(n->registry_dir = strdup(REGISTRY_DIR)) ||
                   !(n->seccomp_cache = strdup(SECCOMP_CACHE_DIR)))
                return log_error("Out of memory.");
        else if ((r = cgroup_context_new(s, n->guard, &n->cgroup, &error)) < 0)
                return log_failure(r, error);
        log_debug("cgroups: %s host, container in %s.",
                  cgroup_mode_to_string(cgroup_context_mode(n->cgroup)),
                  cgroup_context_path(n->cgroup) ?: "no cgroup");
        p->cgroup = n->cgroup;
        if (claim_machine(n->registry_dir, s, p, n->guard, n->cgroup, &n->registry) < 0)
                return -EEXIST;
        p->registry = n->registry;
        p->guard = n->guard;
        /* the UID range (a pick lease is the guard's to release) and a chown of the tree, once */
        if ((r = userns_prepare(s, p->tree_fd, p->root_overlay, n->guard, &n->userns, &error)) < 0)
                return log_failure(r, error);
        p->userns = n->userns;
        p->settings = s;
        if (!p->root)
                p->root = tree_path(s);
        p->console = determine_console(s);
        p->tmpfs_tmp = !(tmp_env && parse_boolean(tmp_env) == 0);
        if (prepare_security(s, p, n->seccomp_cache, &n->seccomp) < 0)
                return -EINVAL;
        if (read_file_at(AT_FDCWD, "/etc/os-release", &host_os_release, 64 * 1024) < 0)
                (void) read_file_at(AT_FDCWD, "/usr/lib/os-release", &host_os_release, 64 * 1024);
        r = env_build_base(s, p->uuid, p->console, host_os_release, &n->env);
        if (r < 0)
                return log_error("Failed to build the environment: %s", strerror(-r));
        p->environment = n->env;
        /* Credentials are read once, here, where the host is visible (the restart loop reuses them). */
        if ((r = credentials_load(s, &n->creds, &error)) < 0)
                return log_failure(r, error);
        p->credentials = &n->creds;
        if ((r = mount_custom_register_undo(s, n->root_fd, n->guard)) < 0)
                return log_error("Failed to register the removal of the overlay work directories: %s",
                                 strerror(-r));
        if ((r = machined_new(s, &n->machined, &error)) < 0)
                return log_failure(r, error);
        p->machined = n->machined;
        if ((r = control_new(s->machine, n->guard, &n->control)) < 0)
                return log_error("Failed to prepare the control socket: %s", strerror(-r));
        p->control = n->control;
        if (s->start_mode == START_PID2) {
                n->stub_fd = stub_memfd();
                if (n->stub_fd < 0)
                        return log_error("Failed to prepare the stub init: %s", strerror(-n->stub_fd));
                p->stub_fd = n->stub_fd;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        struct nspawn n = {
                .image = DISK_IMAGE_INIT,
                .params.stub_fd = -EBADF,
                .params.tree_fd = -EBADF,
                .ephemeral = EPHEMERAL_INIT,
                .root_fd = -EBADF,
                .tree_lock = TREE_LOCK_INIT,
                .stub_fd = -EBADF,
        };
        int r;

        log_setup();
        settings_init(&n.settings);
        r = parse_command_line(argc, argv, &n.settings);
        if (r == 0 && start_guard(&n) >= 0 && prepare_image(&n) >= 0 && prepare_run(&n) >= 0)
                r = run(&n.settings, &n.params);
        else
                r = r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        nspawn_done(&n);
        return r;
}
