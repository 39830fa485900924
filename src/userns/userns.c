/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's user namespace: range, ownership, the USERNS step (see userns.h). */
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chase.h"
#include "errmsg.h"
#include "log.h"
#include "macro.h"
#include "tree-shift.h"
#include "userns-fd.h"

/* ---- before the run ---- */

/* --private-users-map=: the maps as given; the container's root must be in both, and is the base. */
int userns_custom_maps(const struct settings *s, struct userns *u, char **ret_error) {
        const char *reason = NULL;
        int r;

        u->custom = true;
        STRV_FOREACH(l, s->userns_maps)
        if ((r = userns_map_parse_line(*l, &u->uid, &u->gid, &reason)) < 0)
                return error_setf(ret_error, r, "Invalid --private-users-map=%s: %s.", *l, reason);
        if ((r = userns_map_check(&u->uid, &reason)) < 0)
                return error_setf(ret_error, r, "Invalid UID map (--private-users-map=): %s.", reason);
        if ((r = userns_map_check(&u->gid, &reason)) < 0)
                return error_setf(ret_error, r, "Invalid GID map (--private-users-map=): %s.", reason);
        u->base = userns_map_to_outside(&u->uid, 0);
        if (u->base == UINT32_MAX || userns_map_to_outside(&u->gid, 0) == UINT32_MAX)
                return error_setf(ret_error, -EINVAL,
                                  "--private-users-map= must map the container's root (UID and GID 0).");
        u->range = u->uid.r[0].count;
        for (size_t i = 0; i < u->uid.n; i++)
                if (u->uid.r[i].inside == 0)
                        u->range = u->uid.r[i].count;
        return 0;
}

static int custom_maps(const struct settings *s, struct userns *u, char **ret_error) {
        return userns_custom_maps(s, u, ret_error);
}

static int range_determine(const struct settings *s, struct userns *u, struct guard *guard,
                           char **ret_error) {
        switch (s->userns_mode) {
        case USER_NS_CUSTOM:
                return custom_maps(s, u, ret_error);
        case USER_NS_IDENTITY:
                u->base = 0;
                u->range = 0x10000;
                return 0;
        case USER_NS_FIXED:
                /* --private-users=yes: the tree's owner says where its range starts */
                u->base = s->uid_shift == UINT32_MAX ? u->tree_base : s->uid_shift;
                u->range = s->uid_shift == UINT32_MAX ? 0x10000 : s->uid_range;
                return 0;
        case USER_NS_PICK: {
                int r = uid_lease_pick(&uid_pick_files_host, u->tree_base, s->machine, guard, &u->lease);
                if (r == -EBUSY)
                        return error_setf(ret_error, r,
                                          "Failed to pick a UID range: %d candidates in use (by users, "
                                          "groups, subordinate ranges or other containers).",
                                          UID_PICK_TRIES);
                if (r < 0)
                        return error_setf(ret_error, r, "Failed to pick a UID range in %s: %s",
                                          UID_LEASE_DIR, strerror(-r));
                u->base = u->lease.base;
                u->range = 0x10000;
                return 0;
        }
        default:
                return -EINVAL;
        }
}

/* chown now (a permanent change of the tree, as systemd-nspawn's); map and auto act per run. */
static int ownership_prepare(const struct settings *s, struct userns *u, int tree_fd, char **ret_error) {
        u->ownership = settings_userns_ownership(s);
        if (u->ownership == USER_NS_OWNERSHIP_OFF || u->tree_base == u->base)
                return 0;
        if (u->ownership == USER_NS_OWNERSHIP_CHOWN) {
                if (u->tree_shared)
                        return error_setf(ret_error, -EINVAL,
                                          "--private-users-ownership=chown would change the tree below "
                                          "-x's overlay; use map.");
                log_debug("Shifting the tree's owners from %u to %u.", u->tree_base, u->base);
                int r = tree_shift(tree_fd, u->tree_base, u->base, u->range);
                if (r < 0)
                        return error_setf(ret_error, r, "Failed to shift the ownership of %s to %u: %s",
                                          s->directory, u->base, strerror(-r));
                u->tree_base = u->base;
        }
        return 0;
}

/* --bind-user: each user's container id maps to its host uid and gid (bind-user.h). */
static int bind_users_map(const struct settings *s, struct userns *u, int tree_fd, char **ret_error) {
        const char *reason = NULL;
        int r = bind_users_resolve(s->bind_users, &bind_user_files_host, tree_fd, u->base, u->range,
                                   &u->users, &u->n_users, ret_error);

        for (size_t i = 0; r >= 0 && i < u->n_users; i++)
                if ((r = userns_map_punch(&u->uid, u->users[i].uid, u->users[i].host_uid)) < 0 ||
                    (r = userns_map_punch(&u->gid, u->users[i].uid, u->users[i].host_gid)) < 0)
                        return error_setf(ret_error, r, "Failed to map user %s: %s", u->users[i].name,
                                          strerror(-r));
        if (r >= 0 &&
            ((r = userns_map_check(&u->uid, &reason)) < 0 || (r = userns_map_check(&u->gid, &reason)) < 0))
                return error_setf(ret_error, r, "Invalid UID/GID map: %s.", reason);
        return r;
}

int userns_bind_user_homes(const struct userns *u, const char ***ret) {
        const char **homes = calloc(u->n_users + 1, sizeof(char *));
        if (!homes)
                return -ENOMEM;
        for (size_t i = 0; i < u->n_users; i++)
                homes[i] = u->users[i].home;
        *ret = homes;
        return 0;
}

int userns_prepare(const struct settings *s, int tree_fd, bool tree_shared, struct guard *guard,
                   struct userns **ret, char **ret_error) {
        int r;

        *ret = NULL;
        if (s->userns_mode == USER_NS_NO)
                return 0;
        struct userns *u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->lease = (struct uid_lease) UID_LEASE_INIT;
        u->tree_shared = tree_shared;
        u->rootless = geteuid() != 0;
        if (u->rootless) {
                r = userns_rootless_prepare(s, u, ret_error);
                if (r < 0) {
                        userns_free(u);
                        return r;
                }
                log_debug("User namespace, rootless: root is %u on the host, %u ids.", u->base, u->range);
                *ret = u;
                return 0;
        }
        r = tree_base(tree_fd, &u->tree_base);
        if (r == -EBADMSG)
                r = error_setf(ret_error, -EINVAL, "UID and GID base of %s don't match.", s->directory);
        else if (r < 0)
                r = error_setf(ret_error, r, "Failed to determine UID base of %s: %s", s->directory,
                               strerror(-r));
        if (r >= 0)
                r = range_determine(s, u, guard, ret_error);
        if (r >= 0 && u->range - 1 > UINT32_MAX - u->base)
                r = error_setf(ret_error, -EINVAL, "UID base too high for UID range.");
        if (r >= 0 && !u->custom &&
            ((r = userns_map_add(&u->uid, 0, u->base, u->range)) < 0 ||
             (r = userns_map_add(&u->gid, 0, u->base, u->range)) < 0))
                r = error_setf(ret_error, r, "Failed to build the UID map.");
        if (r >= 0)
                r = bind_users_map(s, u, tree_fd, ret_error);
        if (r >= 0)
                r = ownership_prepare(s, u, tree_fd, ret_error);
        if (r < 0) {
                userns_free(u);
                return r;
        }
        log_debug("User namespace: root is %u on the host, %u ids; the tree's base is %u, ownership %s.",
                  u->base, u->range, u->tree_base, user_ns_ownership_to_string(u->ownership));
        *ret = u;
        return 0;
}

struct userns *userns_free(struct userns *u) {
        if (u) {
                uid_lease_done(&u->lease);
                bind_users_free(u->users, u->n_users);
                free(u);
        }
        return NULL;
}

uint32_t userns_uid_outside(const struct userns *u, uint32_t inside) {
        return userns_map_to_outside(&u->uid, inside);
}

uint32_t userns_gid_outside(const struct userns *u, uint32_t inside) {
        return userns_map_to_outside(&u->gid, inside);
}

/* ---- the USERNS step ---- */

/* The container's maps are "0 base range" alone (no --bind-user line in them). */
static bool userns_maps_exact(const struct userns *u) {
        return userns_map_is_single(&u->uid, u->base, u->range) &&
               userns_map_is_single(&u->gid, u->base, u->range);
}

/* A namespace of one range per map, for an id-mapped mount: on-disk uid from..from+count-1 (and
 * gid gfrom…) appear as host ids to…. */
static int idmap_fd_make(uint32_t from, uint32_t gfrom, uint32_t to, uint32_t gto, uint32_t count) {
        struct userns_map uid = {}, gid = {};
        int r = userns_map_add(&uid, from, to, count);
        if (r >= 0)
                r = userns_map_add(&gid, gfrom, gto, count);
        return r < 0 ? r : userns_make_fd(&uid, &gid);
}

/* The tree: on-disk tree_base… appears as the container's 0…. With the tree unshifted and the
 * container's map one range, the container's own namespace is that map. */
static int tree_idmap(struct userns *u, int child_ns, const struct userns_mounts *m, char **ret_error) {
        _cleanup_close_ int own = -EBADF;
        int ns = child_ns;

        if (u->custom && u->tree_base != 0)
                return error_setf(ret_error, -EINVAL,
                                  "%s is owned by the range at %u: --private-users-map= maps only an "
                                  "unshifted tree (owned by 0).",
                                  m->settings->directory, u->tree_base);
        if (!u->custom && (u->tree_base != 0 || !userns_maps_exact(u))) {
                ns = own = idmap_fd_make(u->tree_base, u->tree_base, u->base, u->base, u->range);
                if (own < 0)
                        return error_setf(ret_error, own, "Failed to make the tree's id map: %s",
                                          strerror(-own));
        }
        int r = userns_idmap_mount(m->tree_mnt, ns, true);
        if (r >= 0) {
                u->ownership = USER_NS_OWNERSHIP_MAP;
                return 0;
        }
        if (!userns_idmap_unsupported(r))
                return error_setf(ret_error, r, "Failed to map the ownership of %s: %s",
                                  m->settings->directory, strerror(-r));
        if (u->ownership != USER_NS_OWNERSHIP_AUTO)
                return error_setf(ret_error, r,
                                  "The file system of %s has no ID-mapped mounts (%s); use "
                                  "--private-users-ownership=chown.",
                                  m->settings->directory, strerror(-r));
        /* auto: chown where the file system has no id-mapped mounts (not below -x's overlay) */
        if (u->tree_shared)
                return error_setf(ret_error, r,
                                  "The file system of %s has no ID-mapped mounts (%s), and -x's overlay "
                                  "leaves no copy to chown.",
                                  m->settings->directory, strerror(-r));
        log_debug("No ID-mapped mounts on %s (%s): shifting its owners instead.", m->settings->directory,
                  strerror(-r));
        r = tree_shift(m->tree_fd, u->tree_base, u->base, u->range);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to shift the ownership of %s to %u: %s",
                                  m->settings->directory, u->base, strerror(-r));
        u->tree_base = u->base;
        u->ownership = USER_NS_OWNERSHIP_CHOWN;
        return 0;
}

/* The host uid the container sees as the owner of on-disk uid du in the tree. */
static uint32_t tree_owner_outside(const struct userns *u, uint32_t du) {
        if (u->ownership == USER_NS_OWNERSHIP_MAP && du >= u->tree_base && du - u->tree_base < u->range)
                return u->base + (du - u->tree_base);
        return du;
}

/* A bind's id map (custom_mount.idmap): a namespace fd, or -ENOENT for none. */
static int bind_idmap_fd(struct userns *u, int child_ns, const struct userns_mounts *m, size_t i, int src) {
        const struct custom_mount *cm = &m->settings->custom_mounts[i];
        struct stat st, dst;

        if (cm->idmap == IDMAP_RANGE) {
                if (u->custom || userns_maps_exact(u))
                        return fcntl(child_ns, F_DUPFD_CLOEXEC, 3);
                return idmap_fd_make(0, 0, u->base, u->base, u->range);
        }
        if (fstat(src, &st) < 0)
                return -errno;
        if (cm->idmap == IDMAP_OWNER_TO_ROOT)
                return idmap_fd_make(st.st_uid, st.st_gid, u->base, u->base, 1);
        /* owneridmap: the destination's owner as the container sees it (root if it is new) */
        uint32_t uid = u->base, gid = u->base;
        _cleanup_close_ int d = chase_open(m->tree_fd, cm->destination, O_PATH, 0);
        if (d >= 0 && fstat(d, &dst) >= 0) {
                uid = tree_owner_outside(u, dst.st_uid);
                gid = tree_owner_outside(u, dst.st_gid);
        }
        return idmap_fd_make(st.st_uid, st.st_gid, uid, gid, 1);
}

static int binds_idmap(struct userns *u, int child_ns, const struct userns_mounts *m, char **ret_error) {
        for (size_t i = 0; i < m->n_custom; i++) {
                const struct custom_mount *cm = &m->settings->custom_mounts[i];
                if (cm->type != CUSTOM_MOUNT_BIND || cm->idmap == IDMAP_NONE || m->custom[i] < 0)
                        continue;
                _cleanup_close_ int ns = bind_idmap_fd(u, child_ns, m, i, m->custom[i]);
                int r = ns < 0 ? ns : userns_idmap_mount(m->custom[i], ns, cm->recursive);
                if (r < 0)
                        return error_setf(ret_error, r, "Failed to map the ownership of bind mount %s: %s",
                                          cm->source, strerror(-r));
        }
        return 0;
}

/* --link-journal's host directory, as systemd-nspawn: its owner is the container's root. */
static int journal_idmap(struct userns *u, const struct userns_mounts *m, char **ret_error) {
        struct stat st;

        if (m->journal < 0)
                return 0;
        if (fstat(m->journal, &st) < 0)
                return -errno;
        _cleanup_close_ int ns = idmap_fd_make(st.st_uid, st.st_gid, u->base, u->base, 1);
        int r = ns < 0 ? ns : userns_idmap_mount(m->journal, ns, false);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to map the ownership of the host's journal: %s",
                                  strerror(-r));
        return 0;
}

int userns_setup_child(struct userns *u, pid_t pid, const struct userns_mounts *m, char **ret_error) {
        _cleanup_close_ int child_ns = -EBADF;
        char path[64];
        int r;

        if (u->rootless) /* the caller's own ranges; the child does the host work itself */
                return userns_write_maps_helper(pid, &u->uid, &u->gid, ret_error);
        r = userns_write_maps(pid, &u->uid, &u->gid);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to write the container's UID/GID map: %s",
                                  strerror(-r));
        snprintf(path, sizeof path, "/proc/%i/ns/user", (int) pid);
        child_ns = open(path, O_RDONLY | O_CLOEXEC);
        if (child_ns < 0)
                return error_setf(ret_error, -errno, "Failed to open the container's user namespace: %m");
        bool map = u->ownership == USER_NS_OWNERSHIP_MAP || u->ownership == USER_NS_OWNERSHIP_AUTO;
        if (map && u->tree_base != u->base && (r = tree_idmap(u, child_ns, m, ret_error)) < 0)
                return r;
        if ((r = binds_idmap(u, child_ns, m, ret_error)) < 0)
                return r;
        return journal_idmap(u, m, ret_error);
}

/* ---- in the child ---- */

int userns_become_root(void) {
        /* host root's groups are not mapped: none; then gid and uid 0 of the namespace (capabilities
         * are kept: the namespace gave us all of them, and uid 0 is its root) */
        if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return -errno;
        return 0;
}
