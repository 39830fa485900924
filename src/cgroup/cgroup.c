/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The container's cgroups, cgroupfs backend: no systemd, the supervisor writes the cgroup file
 * systems itself. See cgroup.h for the layout and the life cycle.
 *
 * Every hierarchy is reached through a directory fd of its root, and every path below it is
 * relative: "/sys/fs/cgroup/<name>" by convention (checked with statfs), or — for a hierarchy we
 * are in but that is not mounted there — a detached mount of it (fsopen/fsmount), so no
 * hierarchy is ever skipped and mountinfo is never parsed.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup.h"
#include "errmsg.h"
#include "guard.h"
#include "devices.h"
#include "fdutil.h"
#include "macro.h"
#include "mount-util.h"
#include "strv.h"

static const char *const mode_names[] = {
        [CGROUP_NONE] = "none",
        [CGROUP_LEGACY] = "legacy",
        [CGROUP_HYBRID] = "hybrid",
        [CGROUP_UNIFIED] = "unified",
};

const char *cgroup_mode_to_string(enum cgroup_mode m) {
        return m >= 0 && m < (int) ELEMENTSOF(mode_names) ? mode_names[m] : NULL;
}

/* ---- small cgroupfs helpers ---- */

static bool is_v2(const struct hierarchy *h) {
        return h->id == 0;
}

static bool has_controller(const struct hierarchy *h, const char *ctrl) {
        size_t l = strlen(ctrl);
        for (const char *p = h->controllers; p && *p;) {
                size_t k = strcspn(p, ",");
                if (k == l && strncmp(p, ctrl, l) == 0)
                        return true;
                p += k + (p[k] == ',');
        }
        return false;
}

/* A detached mount of a cgroup hierarchy: cgroup2 (controllers NULL), a named v1 hierarchy
 * ("name=systemd") or v1 controllers ("cpu,cpuacct"). In a cgroup namespace its root is the
 * namespace's root. */
/* A detached cgroup v1 hierarchy ("cpu,cpuacct", "name=systemd": the mount options as in
 * /proc/self/cgroup), or cgroup2 (NULL). */
static int cgroupfs_new(const char *controllers, unsigned attrs) {
        return mount_fs_new(controllers ? "cgroup" : "cgroup2", "cgroup", controllers, attrs);
}

/* ---- detection ---- */

static enum cgroup_mode detect_mode(void) {
        struct statfs fs;

        if (statfs(CGROUP_ROOT, &fs) < 0)
                return CGROUP_NONE;
        if (fs.f_type == CGROUP2_SUPER_MAGIC)
                return CGROUP_UNIFIED;
        if (statfs(CGROUP_ROOT "/unified", &fs) >= 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                return CGROUP_HYBRID;
        return CGROUP_LEGACY;
}

/* The conventional mount point of a hierarchy, if it is a cgroup file system of the right
 * version; else -ENOENT. */
static int hierarchy_open_conventional(enum cgroup_mode mode, const struct hierarchy *h) {
        char path[PATH_MAX];
        struct statfs fs;
        const char *name = startswith(h->controllers, "name=");

        if (is_v2(h))
                snprintf(path, sizeof path, "%s",
                         mode == CGROUP_UNIFIED ? CGROUP_ROOT : CGROUP_ROOT "/unified");
        else
                snprintf(path, sizeof path, CGROUP_ROOT "/%s", name ? name : h->controllers);
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -ENOENT;
        /* read-only, e.g. a container's controllers (nested nspawn): a fresh mount of our own */
        if (fstatfs(fd, &fs) < 0 || fs.f_type != (is_v2(h) ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC) ||
            (fs.f_flags & ST_RDONLY)) {
                close(fd);
                return -ENOENT;
        }
        return fd;
}

static void hierarchy_done(struct hierarchy *h) {
        free(h->controllers);
        free(h->own);
        free(h->p);
        free(h->r);
        free(h->supervisor);
        free(h->saved_subtree);
        safe_close(h->root_fd);
}

/* One line of /proc/self/cgroup: "ID:CONTROLLERS:/PATH". */
static int hierarchy_parse(char *line, struct hierarchy *ret) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

        if (!c2 || c2[1] != '/')
                return -EINVAL;
        *c1 = *c2 = 0;
        *ret = (struct hierarchy){.id = atoi(line), .root_fd = -EBADF};
        ret->controllers = strdup(c1 + 1);
        ret->own = strdup(c2 + 2);
        if (!ret->controllers || !ret->own)
                return -ENOMEM;
        return 0;
}

/* Every hierarchy we are in. cgroup2 ("0::") only counts where the host mounts it. */
static int hierarchies_load(struct cgroup_context *c, char **ret_error) {
        _cleanup_free_ char *buf = NULL;
        char *save = NULL;
        int r = cg_read(AT_FDCWD, "/proc/self/cgroup", &buf);

        if (r < 0)
                return error_setf(ret_error, r, "Failed to read /proc/self/cgroup: %s", strerror(-r));
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                struct hierarchy h = {.root_fd = -EBADF}; /* hierarchy_done() on a bad line too */

                r = hierarchy_parse(l, &h);
                if (r < 0 || (is_v2(&h) && !isempty(h.controllers))) {
                        hierarchy_done(&h);
                        if (r == -ENOMEM)
                                return r;
                        continue;
                }
                if (is_v2(&h) && c->mode != CGROUP_UNIFIED && c->mode != CGROUP_HYBRID) {
                        hierarchy_done(&h);
                        continue;
                }
                h.root_fd = hierarchy_open_conventional(c->mode, &h);
                if (h.root_fd < 0 && !is_v2(&h))
                        h.root_fd = cgroupfs_new(h.controllers, 0);
                if (h.root_fd < 0) {
                        r = error_setf(ret_error, h.root_fd, "Failed to open the cgroup hierarchy %s: %s",
                                       isempty(h.controllers) ? "cgroup2" : h.controllers,
                                       strerror(-h.root_fd));
                        hierarchy_done(&h);
                        return r;
                }
                struct hierarchy *n = realloc(c->h, (c->n + 1) * sizeof(*n));
                if (!n) {
                        hierarchy_done(&h);
                        return -ENOMEM;
                }
                c->h = n;
                c->h[c->n++] = h;
        }
        return 0;
}

/* ---- paths ---- */

static char *path_join2(const char *a, const char *b) {
        char *s;
        if (asprintf(&s, "%s%s%s", a, isempty(a) ? "" : "/", b) < 0)
                return NULL;
        return s;
}

/* Does the container need P/payload in this hierarchy, or may it live in P itself? payload/ is
 * the fence for what is set on P: the device policy, limits, cgroup2 (device program, controllers
 * delegated through P), and name=systemd, where systemd-nspawn has it too. Elsewhere (cpuacct,
 * freezer, an unlimited memory …) it would only cost a mkdir per start. */
static bool needs_payload(const struct cgroup_context *c, const struct hierarchy *h) {
        if (is_v2(h) || has_controller(h, "devices") || streq(h->controllers, "name=systemd"))
                return true;
        for (size_t i = 0; i < c->n_props; i++) {
                struct cgroup_write w[2];
                size_t n = cgroup_property_writes(&c->props[i], false, w);
                if (n > 0 && has_controller(h, w[0].controller))
                        return true;
        }
        return false;
}

/* --keep-unit: systemd-nspawn's create_subcgroup(), own/payload, and nspawn itself in
 * own/supervisor where cgroup2 forbids processes next to enabled controllers. In a hierarchy where
 * we run in the root there is no unit to stay in, and root/payload would be shared by every such
 * nspawn: there the container gets the default layout. */
static int hierarchy_paths(struct cgroup_context *c, struct hierarchy *h, const char *base,
                           bool want_supervisor) {
        h->in_unit = c->keep_unit && !isempty(h->own);
        if (h->in_unit) {
                h->p = path_join2(h->own, "payload");
                h->r = strdup(h->p ?: "");
                if (want_supervisor && is_v2(h))
                        h->supervisor = path_join2(h->own, "supervisor");
        } else {
                h->p = strdup(base);
                h->r = needs_payload(c, h) ? path_join2(base, "payload") : strdup(base);
        }
        return h->p && h->r ? 0 : -ENOMEM;
}

static int context_paths(struct cgroup_context *c, const struct settings *s, char **ret_error) {
        _cleanup_free_ char *slice = NULL, *slice_path = NULL, *scope = NULL, *base = NULL;
        int r;

        r = cgroup_slice_normalize(s->slice ?: "machine", &slice);
        if (r >= 0)
                r = cgroup_slice_path(slice, &slice_path);
        if (r < 0)
                return error_setf(ret_error, r, "Invalid slice name '%s'.", s->slice ?: "machine");
        r = cgroup_scope_name(s->machine, &scope);
        if (r < 0)
                return error_setf(ret_error, r, "Machine name '%s' is not valid for a scope unit.",
                                  s->machine);
        if (!(base = path_join2(slice_path, scope)))
                return -ENOMEM;
        if (!c->keep_unit) {
                c->slice_unit = TAKE_PTR(slice);
                c->scope_unit = TAKE_PTR(scope);
        }
        for (size_t i = 0; i < c->n; i++) {
                bool controllers = false;
                if (c->keep_unit && c->mode == CGROUP_UNIFIED && is_v2(&c->h[i])) {
                        _cleanup_free_ char *avail = NULL;
                        _cleanup_close_ int fd = cg_open(c->h[i].root_fd, c->h[i].own);
                        controllers = fd >= 0 && cg_read(fd, "cgroup.controllers", &avail) >= 0 &&
                                      strspn(avail, " \n") < strlen(avail);
                }
                if ((r = hierarchy_paths(c, &c->h[i], base, controllers)) < 0)
                        return r;
        }
        return 0;
}

static struct hierarchy *main_hierarchy(const struct cgroup_context *c) {
        for (size_t i = 0; i < c->n; i++)
                if (is_v2(&c->h[i]))
                        return &c->h[i];
        for (size_t i = 0; i < c->n; i++)
                if (streq(c->h[i].controllers, "name=systemd"))
                        return &c->h[i];
        return c->n > 0 ? &c->h[0] : NULL;
}

/* ---- the context ---- */

static int context_properties(struct cgroup_context *c, const struct settings *s, char **ret_error) {
        STRV_FOREACH(a, s->properties) {
                const char *reason = NULL;
                if (c->n_props >= MAX_PROPERTIES)
                        return error_setf(ret_error, -E2BIG, "Too many --property= settings.");
                int r = cgroup_property_parse(*a, &c->props[c->n_props], &reason);
                if (r < 0)
                        return error_setf(ret_error, r, "Invalid --property=%s: %s", *a,
                                          reason ?: strerror(-r));
                c->n_props++;
        }
        return 0;
}

int cgroup_context_new(const struct settings *s, struct guard *guard, struct cgroup_context **ret,
                       char **ret_error) {
        struct cgroup_context *c;
        enum cgroup_mode mode = detect_mode();
        int r;

        *ret = NULL;
        if (mode == CGROUP_NONE)
                return 0;
        if (s->keep_unit && s->slice)
                return error_setf(ret_error, -EINVAL, "--slice= may not be combined with --keep-unit.");
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->mode = mode;
        c->keep_unit = s->keep_unit;
        c->guard = guard;
        c->kill_signal = settings_kill_signal(s);
        if (!(c->machine = strdup(s->machine ?: ""))) {
                r = -ENOMEM;
                goto fail;
        }
        if ((r = context_properties(c, s, ret_error)) < 0 || (r = hierarchies_load(c, ret_error)) < 0)
                goto fail;
        /* With systemd as PID 1 the scope is systemd's (it would not tolerate a foreign cgroup in its
         * slices); --keep-unit stays inside the unit that runs us either way. */
        c->backend =
                cgroup_scope_available() && !c->keep_unit ? CGROUP_BACKEND_SCOPE : CGROUP_BACKEND_CGROUPFS;
        if ((r = context_paths(c, s, ret_error)) < 0 || (r = device_policy_build(s, &c->devices)) < 0)
                goto fail;
        for (size_t i = 0; i < c->n; i++)
                c->devices_v1 = c->devices_v1 || has_controller(&c->h[i], "devices");
        struct hierarchy *m = main_hierarchy(c);
        if (m && asprintf(&c->main_path, "/%s", m->r) < 0) {
                r = -ENOMEM;
                goto fail;
        }
        *ret = c;
        return 0;
fail:
        cgroup_context_free(c);
        return r;
}

struct cgroup_context *cgroup_context_free(struct cgroup_context *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n; i++)
                hierarchy_done(&c->h[i]);
        free(c->h);
        device_policy_done(&c->devices);
        free(c->main_path);
        free(c->machine);
        free(c->slice_unit);
        free(c->scope_unit);
        c->scope = cgroup_scope_stop(c->scope);
        free(c);
        return NULL;
}

enum cgroup_mode cgroup_context_mode(const struct cgroup_context *c) {
        return c ? c->mode : CGROUP_NONE;
}

const char *cgroup_context_path(const struct cgroup_context *c) {
        return c ? c->main_path : NULL;
}

/* ---- creation ---- */

/* A new v1 cpuset cgroup has no CPUs and no memory nodes, so no task could join it: copy the
 * parent's (as cgroup.clone_children would). */
static int cpuset_init(int parent_fd, int fd) {
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *mine = NULL, *theirs = NULL;
                int r = cg_read(fd, files[i], &mine);
                if (r < 0)
                        return r;
                if (strspn(mine, " \n") < strlen(mine))
                        continue;
                if ((r = cg_read(parent_fd, files[i], &theirs)) < 0 ||
                    (r = cg_write(fd, files[i], theirs)) < 0)
                        return r;
        }
        return 0;
}

/* cgroup2: enable every controller the cgroup may pass on, one at a time (one that cannot be
 * enabled, e.g. cpu next to realtime tasks, does not stop the others). */
static void enable_controllers(int fd) {
        _cleanup_free_ char *avail = NULL;
        char *save = NULL, buf[64];

        if (cg_read(fd, "cgroup.controllers", &avail) < 0)
                return;
        for (char *w = strtok_r(avail, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
                snprintf(buf, sizeof buf, "+%s", w);
                (void) cg_write(fd, "cgroup.subtree_control", buf);
        }
}

/* mkdir of one level below parent_fd; returns its fd and whether it was new. */
static int mkdir_level(int parent_fd, const char *name, bool *ret_new) {
        *ret_new = mkdirat(parent_fd, name, 0755) >= 0;
        if (!*ret_new && errno != EEXIST)
                return -errno;
        return cg_open(parent_fd, name);
}

/* Create the parents of path (slices, or own) level by level, preparing each new one. A parent
 * removed by another nspawn between our mkdir and open is created again. Returns the fd of the
 * last parent. */
static int create_parents(const struct cgroup_context *c, const struct hierarchy *h, const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int fd = cg_open(h->root_fd, "");
        char *save = NULL, *next;

        if (!copy)
                return -ENOMEM;
        if (fd < 0)
                return fd;
        char *slash = strrchr(copy, '/');
        if (!slash)
                return TAKE_FD(fd);
        *slash = 0;
        for (char *w = strtok_r(copy, "/", &save); w; w = next) {
                bool created;
                int child = -ENOENT;
                next = strtok_r(NULL, "/", &save);
                for (int attempt = 0; child == -ENOENT && attempt < 10; attempt++)
                        child = mkdir_level(fd, w, &created);
                if (child < 0)
                        return child;
                /* also when another nspawn made it a moment ago and has not filled it in yet */
                int r = has_controller(h, "cpuset") ? cpuset_init(fd, child) : 0;
                if (c->mode == CGROUP_UNIFIED && is_v2(h))
                        enable_controllers(fd);
                safe_close(fd);
                fd = child;
                if (r < 0) /* ENODEV: removed since we opened it (by another container's guard) */
                        return r == -ENODEV ? -ENOENT : r;
        }
        if (c->mode == CGROUP_UNIFIED && is_v2(h))
                enable_controllers(fd);
        return TAKE_FD(fd);
}

static int apply_properties(const struct cgroup_context *c, const struct hierarchy *h, int fd,
                            char **ret_error) {
        bool unified = c->mode == CGROUP_UNIFIED;

        if (unified != is_v2(h))
                return 0;
        for (size_t i = 0; i < c->n_props; i++) {
                struct cgroup_write w[2];
                size_t n = cgroup_property_writes(&c->props[i], unified, w);
                for (size_t j = 0; j < n; j++) {
                        if (!unified && !has_controller(h, w[j].controller))
                                break;
                        int r = cg_write(fd, w[j].file, w[j].value);
                        /* cgroup v1 blkio: only BFQ has a weight, under its own name */
                        if (r == -ENOENT && c->props[i].id == CGROUP_IO_WEIGHT && !unified)
                                r = cg_write(fd, "blkio.bfq.weight", w[j].value);
                        if (r == -ENOENT)
                                return error_setf(ret_error, r,
                                                  "%s= is not supported here: the %s controller is not "
                                                  "available (no %s).",
                                                  cgroup_property_name(c->props[i].id), w[j].controller,
                                                  w[j].file);
                        if (r < 0)
                                return error_setf(ret_error, r, "Failed to set %s= (%s: %s): %s",
                                                  cgroup_property_name(c->props[i].id), w[j].file,
                                                  w[j].value, strerror(-r));
                }
        }
        return 0;
}

/* The limits and the v1 device policy on P (the cgroup2 device program: device_program_attach). */
static int policy_apply(struct cgroup_context *c, struct hierarchy *h, int fd, char **ret_error) {
        int r = apply_properties(c, h, fd, ret_error);
        if (r < 0)
                return r;
        if (has_controller(h, "devices") && (r = device_policy_apply_v1(fd, &c->devices)) < 0)
                return error_setf(ret_error, r, "Failed to apply the device policy (cgroup v1 devices): %s",
                                  strerror(-r));
        return 0;
}

/* The cgroup2 device program on P, where no v1 devices hierarchy enforces the policy. Loading
 * it (the BPF verifier) costs ~0.7 ms, so it happens in cgroup_realize(), after the clone, while
 * the child sets up: the child opens no device the policy denies and runs no guest code before
 * 'G', which follows. */
static int device_program_attach(struct cgroup_context *c, struct hierarchy *h, char **ret_error) {
        if (!is_v2(h) || c->devices_v1 || h->program_attached)
                return 0;
        _cleanup_close_ int p = cg_open(h->root_fd, h->p);
        int r = p < 0 ? p : device_policy_apply_bpf(p, &c->devices);
        if (r < 0)
                return error_setf(ret_error, r,
                                  "Failed to attach the device policy program to the cgroup: %s",
                                  strerror(-r));
        h->program_attached = true;
        return 0;
}

/* Register with the guard, before we make it, the removal of cgroup path in h (with its empty
 * parents if prune): whatever happens from now on, it does not outlive nspawn (guard.h). Once per
 * hierarchy and run of nspawn: a restart makes the same cgroups again. */
static int undo_register(struct cgroup_context *c, struct hierarchy *h, const char *path, bool prune,
                         int *id, char **ret_error) {
        if (*id > 0)
                return 0;
        struct undo u = {.kind = UNDO_CGROUP,
                         .flags = prune ? UNDO_PRUNE : 0,
                         .path = path,
                         .fds = {h->root_fd},
                         .n_fds = 1};
        int r = guard_push(c->guard, &u);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to register the removal of cgroup /%s: %s", path,
                                  strerror(-r));
        *id = r;
        return 0;
}

/* The usual layout (no --keep-unit, no systemd scope): P is the same path in every hierarchy, so
 * one duty removes it in all of them (one message to the guard instead of one per hierarchy). */
static int undo_register_all(struct cgroup_context *c, char **ret_error) {
        struct undo u = {.kind = UNDO_CGROUP, .flags = UNDO_PRUNE};

        if (c->backend != CGROUP_BACKEND_CGROUPFS || c->keep_unit || c->n == 0 || c->n > UNDO_MAX_FDS ||
            c->h[0].undo_id > 0)
                return 0; /* each hierarchy registers its own, in hierarchy_realize() */
        u.path = c->h[0].p;
        for (size_t i = 0; i < c->n; i++) {
                if (!streq(c->h[i].p, u.path))
                        return 0;
                u.fds[u.n_fds++] = c->h[i].root_fd;
        }
        int r = guard_push(c->guard, &u);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to register the removal of cgroup /%s: %s", u.path,
                                  strerror(-r));
        for (size_t i = 0; i < c->n; i++)
                c->h[i].undo_id = r;
        return 0;
}

/* --keep-unit on cgroup2: nspawn moves to own/supervisor so own may enable controllers for
 * payload (no processes next to enabled controllers). */
static int supervisor_move(struct hierarchy *h) {
        _cleanup_close_ int own = cg_open(h->root_fd, h->own), sup = -EBADF;
        bool created;
        int r;

        if (own < 0)
                return own;
        sup = mkdir_level(h->root_fd, h->supervisor, &created);
        if (sup < 0)
                return sup;
        if ((r = cg_write(sup, "cgroup.procs", "0")) < 0)
                return r;
        if ((r = cg_read(own, "cgroup.subtree_control", &h->saved_subtree)) < 0)
                return r;
        enable_controllers(own);
        return 0;
}

/* P, made afresh below its parents (a stale P of this machine is removed first); returns its fd,
 * its parent's in *ret_parent. Another container's guard removes an empty slice when it is done:
 * should that happen between our making the slice and our mkdir in it, we start over. */
static int p_create(const struct cgroup_context *c, const struct hierarchy *h, const char *what,
                    int *ret_parent, char **ret_error) {
        const char *base = strrchr(h->p, '/') ? strrchr(h->p, '/') + 1 : h->p;
        int p = -ENOENT;
        bool created;

        for (int attempt = 0; p == -ENOENT && attempt < 16; attempt++) {
                _cleanup_close_ int parent = create_parents(c, h, h->p);
                if (parent == -ENOENT)
                        continue;
                if (parent < 0)
                        return error_setf(ret_error, parent,
                                          "Failed to create the parents of cgroup /%s (%s): %s", h->p, what,
                                          strerror(-parent));
                /* A leftover of this machine (its nspawn was killed): empty, so it can go; a
                 * populated one is a running container of the same name. */
                int r = cg_remove_tree(parent, base, false, 0);
                if (r == -EBUSY)
                        return error_setf(
                                ret_error, r,
                                "A container of this name is already running (its cgroup /%s is in use).",
                                h->p);
                if (r < 0)
                        return error_setf(ret_error, r, "Failed to remove the stale cgroup /%s (%s): %s",
                                          h->p, what, strerror(-r));
                p = mkdir_level(parent, base, &created);
                if (p >= 0)
                        *ret_parent = TAKE_FD(parent);
        }
        if (p < 0)
                return error_setf(ret_error, p, "Failed to create cgroup /%s (%s): %s", h->p, what,
                                  strerror(-p));
        return p;
}

static int hierarchy_realize(struct cgroup_context *c, struct hierarchy *h, char **ret_error) {
        _cleanup_close_ int parent = -EBADF, p = -EBADF, r_fd = -EBADF;
        const char *what = isempty(h->controllers) ? "cgroup2" : h->controllers;
        bool created;
        int r;

        if (h->supervisor &&
            (r = undo_register(c, h, h->supervisor, false, &h->undo_supervisor, ret_error)) < 0)
                return r;
        if (h->supervisor && (r = supervisor_move(h)) < 0)
                return error_setf(ret_error, r, "Failed to move nspawn to %s: %s", h->supervisor,
                                  strerror(-r));
        /* P and everything below it; the slices above it too when they are left empty */
        if ((r = undo_register(c, h, h->p, !h->in_unit, &h->undo_id, ret_error)) < 0)
                return r;
        p = p_create(c, h, what, &parent, ret_error);
        if (p < 0)
                return p;
        h->realized = true;
        if (has_controller(h, "cpuset") && (r = cpuset_init(parent, p)) < 0)
                return error_setf(ret_error, r, "Failed to initialize cpuset of /%s: %s", h->p,
                                  strerror(-r));
        if ((r = policy_apply(c, h, p, ret_error)) < 0)
                return r;
        if (streq(h->p, h->r))
                return 0;
        if (c->mode == CGROUP_UNIFIED && is_v2(h))
                enable_controllers(p);
        r_fd = mkdir_level(p, "payload", &created);
        if (r_fd < 0)
                return error_setf(ret_error, r_fd, "Failed to create cgroup /%s (%s): %s", h->r, what,
                                  strerror(-r_fd));
        if (has_controller(h, "cpuset") && (r = cpuset_init(p, r_fd)) < 0)
                return error_setf(ret_error, r, "Failed to initialize cpuset of /%s: %s", h->r,
                                  strerror(-r));
        return 0;
}

int cgroup_realize(struct cgroup_context *c, char **ret_error) {
        if (!c)
                return 0;
        if (c->backend == CGROUP_BACKEND_SCOPE)
                return 0; /* the scope needs PID 1: see cgroup_attach() */
        int r = undo_register_all(c, ret_error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n; i++) {
                struct hierarchy *h = &c->h[i];
                /* realized already: by cgroup_clone_fd() */
                r = h->realized ? 0 : hierarchy_realize(c, h, ret_error);
                if (r >= 0)
                        r = device_program_attach(c, h, ret_error);
                if (r < 0) {
                        (void) cgroup_destroy(c);
                        return r;
                }
        }
        return 0;
}

int cgroup_clone_fd(struct cgroup_context *c, char **ret_error) {
        if (!c || c->backend != CGROUP_BACKEND_CGROUPFS)
                return -EOPNOTSUPP;
        int r = undo_register_all(c, ret_error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n; i++) {
                struct hierarchy *h = &c->h[i];
                if (!is_v2(h))
                        continue;
                r = hierarchy_realize(c, h, ret_error);
                if (r < 0)
                        return r;
                int fd = cg_open(h->root_fd, h->r);
                if (fd < 0)
                        return error_setf(ret_error, fd, "Failed to open cgroup /%s: %s", h->r,
                                          strerror(-fd));
                h->entered = true;
                return fd;
        }
        return -EOPNOTSUPP;
}

/* ---- the systemd scope backend (see cgroup.h) ---- */

bool cgroup_context_uses_scope(const struct cgroup_context *c) {
        return c && c->backend == CGROUP_BACKEND_SCOPE;
}

int cgroup_context_scope_spec(const struct cgroup_context *c, pid_t pid, struct scope_spec *ret) {
        if (!cgroup_context_uses_scope(c) || !c->scope_unit)
                return -EINVAL;
        *ret = (struct scope_spec){
                .machine = c->machine,
                .scope = c->scope_unit,
                .slice = c->slice_unit,
                .pid = pid,
                .kill_signal = c->kill_signal,
                .props = c->props,
                .n_props = c->n_props,
                .devices = c->devices.rules,
                .n_devices = c->devices.n,
        };
        return 0;
}

/* The line of hierarchy h in a /proc/PID/cgroup text: its path without the leading "/". */
static const char *proc_cgroup_path(char *text, const struct hierarchy *h) {
        char *save = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (c2 && atoi(l) == h->id && c2[1] == '/')
                        return c2 + 2;
        }
        return NULL;
}

/* Is pid in the scope unit in the main hierarchy (systemd's view)? */
static bool pid_in_scope(const struct cgroup_context *c, pid_t pid) {
        _cleanup_free_ char *text = NULL;
        char file[64];
        struct hierarchy *m = main_hierarchy(c);
        const char *path, *base;

        snprintf(file, sizeof file, "/proc/%i/cgroup", (int) pid);
        if (!m || cg_read(AT_FDCWD, file, &text) < 0 || !(path = proc_cgroup_path(text, m)))
                return false;
        base = strrchr(path, '/');
        return streq(base ? base + 1 : path, c->scope_unit);
}

/* A hierarchy systemd put pid into its scope: P is that cgroup (systemd's path, whatever our
 * slice path computation says), R = P/payload. */
static int adopt_scope(struct hierarchy *h, const char *path) {
        free(h->p);
        free(h->r);
        h->r = NULL;
        if (!(h->p = strdup(path)) || !(h->r = path_join2(path, "payload")))
                return -ENOMEM;
        h->systemd = true;
        return 0;
}

/* Delegated scope: payload/ below it, PID 1 into it, then P may pass its controllers on (a
 * cgroup2 cgroup with processes cannot). */
static int scope_payload(struct cgroup_context *c, struct hierarchy *h, pid_t pid, char **ret_error) {
        _cleanup_close_ int p = cg_open(h->root_fd, h->p), r_fd = -EBADF;
        const char *what = isempty(h->controllers) ? "cgroup2" : h->controllers;
        char buf[16];
        bool created;
        int r;

        if (p < 0)
                return error_setf(ret_error, p, "Failed to open the scope's cgroup /%s (%s): %s", h->p, what,
                                  strerror(-p));
        /* only payload/ is ours: systemd removes its scope once it is empty */
        if ((r = undo_register(c, h, h->r, false, &h->undo_id, ret_error)) < 0)
                return r;
        r_fd = mkdir_level(p, "payload", &created);
        if (r_fd < 0)
                return error_setf(ret_error, r_fd, "Failed to create cgroup /%s (%s): %s", h->r, what,
                                  strerror(-r_fd));
        h->realized = true;
        if (has_controller(h, "cpuset") && (r = cpuset_init(p, r_fd)) < 0)
                return error_setf(ret_error, r, "Failed to initialize cpuset of /%s: %s", h->r,
                                  strerror(-r));
        snprintf(buf, sizeof buf, "%i", (int) pid);
        if ((r = cg_write(r_fd, "cgroup.procs", buf)) < 0)
                return error_setf(ret_error, r, "Failed to move the container into cgroup /%s (%s): %s",
                                  h->r, what, strerror(-r));
        if (c->mode == CGROUP_UNIFIED && is_v2(h))
                enable_controllers(p);
        return 0;
}

/* Start the scope with pid in it (unless machined's CreateMachine did), then payload/ in every
 * hierarchy systemd placed pid in, and our own P and R in the v1 hierarchies it does not manage
 * (no process of the container may stay in a v1 root). */
static int scope_attach(struct cgroup_context *c, pid_t pid, char **ret_error) {
        _cleanup_free_ char *text = NULL, *main_path = NULL;
        struct scope_spec spec;
        char file[64];
        int r;

        if (!pid_in_scope(c, pid)) {
                if ((r = cgroup_context_scope_spec(c, pid, &spec)) < 0)
                        return r;
                if ((r = cgroup_scope_start(&spec, &c->scope, ret_error)) < 0)
                        return r == -EOPNOTSUPP
                                       ? error_setf(ret_error, r, "The systemd scope backend is not built.")
                                       : r;
        }
        snprintf(file, sizeof file, "/proc/%i/cgroup", (int) pid);
        if ((r = cg_read(AT_FDCWD, file, &text)) < 0)
                return error_setf(ret_error, r, "Failed to read %s: %s", file, strerror(-r));
        for (size_t i = 0; i < c->n; i++) {
                struct hierarchy *h = &c->h[i];
                _cleanup_free_ char *copy = strdup(text);
                const char *path = copy ? proc_cgroup_path(copy, h) : NULL;
                const char *base = path ? strrchr(path, '/') : NULL;

                if (!copy)
                        return -ENOMEM;
                if (path && streq(base ? base + 1 : path, c->scope_unit)) {
                        if ((r = adopt_scope(h, path)) < 0 || (r = scope_payload(c, h, pid, ret_error)) < 0)
                                return r;
                } else if ((r = hierarchy_realize(c, h, ret_error)) < 0)
                        return r;
        }
        struct hierarchy *m = main_hierarchy(c);
        if (m && asprintf(&main_path, "/%s", m->r) < 0)
                return -ENOMEM;
        free(c->main_path);
        c->main_path = TAKE_PTR(main_path);
        return 0;
}

static const char *hierarchy_what(const struct hierarchy *h) {
        return isempty(h->controllers) ? "cgroup2" : h->controllers;
}

int cgroup_attach(struct cgroup_context *c, pid_t pid, int *ret_fds, size_t *ret_n, char **ret_error) {
        char buf[16];
        int r;

        *ret_n = 0;
        if (!c)
                return 0;
        if (c->backend == CGROUP_BACKEND_SCOPE && (r = scope_attach(c, pid, ret_error)) < 0) {
                (void) cgroup_destroy(c);
                return r;
        }
        snprintf(buf, sizeof buf, "%i", (int) pid);
        for (size_t i = 0; i < c->n; i++) {
                struct hierarchy *h = &c->h[i];
                if (h->entered)
                        continue;
                _cleanup_close_ int fd = cg_open(h->root_fd, h->r);
                if (fd >= 0 && !is_v2(h) && *ret_n < CGROUP_MAX_JOIN_FDS) {
                        int t = openat(fd, "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                        r = t < 0 ? -errno : 0;
                        if (t >= 0)
                                ret_fds[(*ret_n)++] = t;
                } else
                        r = fd < 0 ? fd : cg_write(fd, "cgroup.procs", buf);
                if (r < 0) {
                        close_many(ret_fds, *ret_n);
                        *ret_n = 0;
                        return error_setf(ret_error, r,
                                          "Failed to move the container into cgroup /%s (%s): %s", h->r,
                                          hierarchy_what(h), strerror(-r));
                }
        }
        return 0;
}

/* cgroup2's R, or — where the guest made R an inner node by enabling controllers for its subtree,
 * so that it can hold no process (cgroup2's no-internal-process rule) — PID 1's own cgroup below
 * it, as runc's exec does. */
static int enter_v2_fd(const struct cgroup_context *c, const struct hierarchy *h, pid_t leader) {
        _cleanup_free_ char *subtree = NULL, *text = NULL;
        _cleanup_close_ int fd = cg_open(h->root_fd, h->r);
        char file[64];

        if (fd < 0 || cg_read(fd, "cgroup.subtree_control", &subtree) < 0 ||
            subtree[strspn(subtree, " \n")] == 0)
                return TAKE_FD(fd);
        snprintf(file, sizeof file, "/proc/%i/cgroup", (int) leader);
        if (cg_read(AT_FDCWD, file, &text) < 0)
                return TAKE_FD(fd);
        const char *path = proc_cgroup_path(text, h);
        size_t l = strlen(h->r);
        if (!path || strncmp(path, h->r, l) != 0 || path[l] != '/' || strstr(path, "/.."))
                return TAKE_FD(fd); /* not below R: R it is (the join fails as it must) */
        int leaf = cg_open(h->root_fd, path);
        return leaf >= 0 ? leaf : TAKE_FD(fd);
}

int cgroup_enter_fds(const struct cgroup_context *c, pid_t leader, int *ret_v2_fd, int *ret_fds,
                     size_t *ret_n) {
        *ret_v2_fd = -EBADF;
        *ret_n = 0;
        if (!c)
                return 0;
        for (size_t i = 0; i < c->n; i++) {
                const struct hierarchy *h = &c->h[i];
                int r;
                if (!h->r)
                        continue;
                if (is_v2(h)) {
                        r = *ret_v2_fd = enter_v2_fd(c, h, leader);
                } else if (*ret_n < CGROUP_MAX_JOIN_FDS) {
                        _cleanup_close_ int fd = cg_open(h->root_fd, h->r);
                        r = fd < 0 ? fd : openat(fd, "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                        if (fd >= 0 && r < 0)
                                r = -errno;
                        if (r >= 0)
                                ret_fds[(*ret_n)++] = r;
                } else
                        r = -E2BIG;
                if (r < 0) {
                        *ret_v2_fd = safe_close(*ret_v2_fd);
                        close_many(ret_fds, *ret_n);
                        *ret_n = 0;
                        return r;
                }
        }
        return 0;
}

int cgroup_join_self(const int *fds, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (write(fds[i], "0", 1) < 0)
                        return -errno;
        return 0;
}

/* ---- delegation to a user namespace's root ---- */

/* The files of a delegated cgroup its manager writes, as systemd-nspawn 252 chowns them (never
 * release_agent, which only a v1 root has anyway). */
static const char *const delegated_files[] = {
        ".",           "cgroup.clone_children", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads",
        "cgroup.stat", "notify_on_release",     "tasks",
};

int cgroup_delegate(struct cgroup_context *c, uid_t uid, gid_t gid, char **ret_error) {
        if (!c)
                return 0;
        for (size_t i = 0; i < c->n; i++) {
                struct hierarchy *h = &c->h[i];
                /* the hierarchies the container may write: cgroup2 and name=systemd (cgroup_mount_v1()) */
                if (!is_v2(h) && !has_controller(h, "name=systemd"))
                        continue;
                _cleanup_close_ int fd = cg_open(h->root_fd, h->r);
                if (fd < 0)
                        return error_setf(ret_error, fd, "Failed to open cgroup /%s: %s", h->r,
                                          strerror(-fd));
                for (size_t j = 0; j < ELEMENTSOF(delegated_files); j++)
                        if (fchownat(fd, delegated_files[j], uid, gid, AT_SYMLINK_NOFOLLOW) < 0 &&
                            errno != ENOENT)
                                return error_setf(ret_error, -errno, "Failed to delegate cgroup /%s/%s: %m",
                                                  h->r, delegated_files[j]);
        }
        return 0;
}

/* ---- inside the container ---- */

static int mount_hierarchy(int dir_fd, const char *name, const char *controllers, bool read_only) {
        unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
                         (read_only ? MOUNT_ATTR_RDONLY : 0);
        _cleanup_close_ int mnt = -EBADF;

        if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        mnt = cgroupfs_new(controllers, attrs);
        if (mnt < 0)
                return mnt;
        if (move_mount(mnt, "", dir_fd, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

int cgroup_mount_v1(const struct cgroup_context *c, int dir_fd) {
        int r;

        if (!c || (c->mode != CGROUP_LEGACY && c->mode != CGROUP_HYBRID))
                return 0;
        for (size_t i = 0; i < c->n; i++) {
                const struct hierarchy *h = &c->h[i];
                const char *name = startswith(h->controllers, "name=");

                if (is_v2(h) || (name && !streq(name, "systemd")))
                        continue;
                /* controllers read-only, as systemd-nspawn 252; name=systemd is the guest's */
                r = mount_hierarchy(dir_fd, name ?: h->controllers, h->controllers, !name);
                if (r < 0)
                        return r;
                if (!name && strchr(h->controllers, ',')) {
                        _cleanup_strv_free_ char **parts = NULL;
                        if ((r = strv_split(h->controllers, ",", &parts)) < 0)
                                return r;
                        STRV_FOREACH(p, parts)
                        if (symlinkat(h->controllers, dir_fd, *p) < 0 && errno != EEXIST)
                                return -errno;
                }
        }
        if (c->mode == CGROUP_HYBRID)
                return mount_hierarchy(dir_fd, "unified", NULL, false);
        return 0;
}
