/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * User namespaces (--private-users, -U, --private-users-ownership, the idmap bind options): the
 * container's root is an unprivileged host UID, the start of a range of 65536 (or what the user
 * gave). Without one, the container's root is the host's root in all but capabilities; with one,
 * what a container could do to the host through CAP_SYS_ADMIN (remounting /proc/sys or /sys,
 * mounting a fresh procfs and writing core_pattern, binfmt_misc, a cgroup v1 release_agent) is
 * refused by the kernel, which checks against the initial user namespace.
 *
 * The life of one:
 *   main, before the run (userns_prepare()): the range — from the mode, the tree's owner, or a
 *     pick lease (uid-lease.h); ownership chown shifts the tree on disk here, once (tree-shift.h).
 *   supervisor, after the clone (userns_setup_child(), the start-up protocol's USERNS step): it
 *     writes the child's uid_map and gid_map; for ownership map (auto: where the file system
 *     allows, else chown) it gives the detached tree the id map, and id-maps the detached binds
 *     that ask for it (idmap, rootidmap, owneridmap) and the host's journal directory. All of it
 *     before the child attaches anything: an attached mount cannot get an id map.
 *   child, when USERNS came (userns_become_root()): it becomes uid 0 / gid 0 of its namespace.
 * Everything the container takes from the host has been opened by the supervisor before the
 * clone (host.c), with the host's privileges; the child's maps hold only the container's range.
 *
 * Rootless (an unprivileged caller, rootless.c): the container's root is the caller and its other
 * users the caller's /etc/subuid and /etc/subgid ranges, mapped by shadow's newuidmap/newgidmap; no
 * lease (the ranges are the caller's own), no chown or id map (the caller's files are the
 * container's root's already), no --bind-user. The supervisor has no host privilege to do the host
 * work with, so the child does it (spawn_host_prepare()) right after USERNS, in its user namespace:
 * with exactly the caller's rights on the host.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bind-user.h"
#include "settings.h"
#include "uid-lease.h"
#include "userns-map.h"

struct guard;

struct userns {
        uint32_t base;      /* the host UID (and GID) of the container's root */
        uint32_t range;     /* how many ids from there */
        uint32_t tree_base; /* the tree's on-disk base: its root directory's owner & 0xFFFF0000 */
        /* off, chown (done by userns_prepare()), map, or auto (decided at the first run) */
        enum user_ns_ownership ownership;
        bool tree_shared;           /* -x on a plain directory: the tree is the original, never chowned */
        struct userns_map uid, gid; /* the container's maps */
        struct uid_lease lease;     /* --private-users=pick */
        struct bind_user *users;    /* --bind-user (bind-user.h), mapped in uid and gid */
        size_t n_users;
        bool rootless; /* an unprivileged caller (rootless.c) */
        bool custom;   /* --private-users-map=: the maps as given */
};

/* What the USERNS step changes: the supervisor's host work for this run (host.c). */
struct userns_mounts {
        int tree_mnt; /* the tree: a detached recursive bind */
        int tree_fd;  /* the tree on disk: the chown fallback, owneridmap's destinations */
        const struct settings *settings;
        const int *custom; /* per custom mount: its detached host source, or -EBADF */
        size_t n_custom;
        int journal; /* --link-journal's detached bind of the host's journal directory, or -EBADF */
};

/* Main, before the run: *ret NULL without --private-users. tree_fd: what the container runs
 * (the -x snapshot); tree_shared: it is the original tree under an overlay. On failure a
 * malloc'ed message in *ret_error. */
int userns_prepare(const struct settings *s, int tree_fd, bool tree_shared, struct guard *guard,
                   struct userns **ret, char **ret_error);
struct userns *userns_free(struct userns *u);

/* --private-users-map=: u's maps as given, checked (overlaps, the container's root in both). */
int userns_custom_maps(const struct settings *s, struct userns *u, char **ret_error);
/* Rootless: the maps from the caller's subordinate ranges, and the refusals (rootless.c). */
int userns_rootless_prepare(const struct settings *s, struct userns *u, char **ret_error);
/* An unprivileged caller's start: what needs root (without -U, --slice=, --property=) refused with
 * what to do (before the cgroups, which it skips). */
int userns_rootless_check_run(const struct settings *s, char **ret_error);
/* The caller's own places for the machine record and the system call filter cache (below
 * $XDG_RUNTIME_DIR and $XDG_CACHE_HOME), NULL where there is none. */
char *userns_rootless_registry_dir(void);
char *userns_rootless_cache_dir(void);
/* Is u (NULL: none) an unprivileged caller's? */
static inline bool userns_rootless(const struct userns *u) {
        return u && u->rootless;
}

/* Supervisor, the USERNS step (see above), pid: the container's PID 1, waiting for it. */
int userns_setup_child(struct userns *u, pid_t pid, const struct userns_mounts *m, char **ret_error);

/* Child, once USERNS came: become root of the new namespace (it was cloned as host root, which
 * the namespace does not map). A credential change clears the parent-death signal: the caller
 * sets it again. */
int userns_become_root(void);

/* The host paths of the --bind-user homes, for the supervisor's detached binds (in u->users'
 * order); a NULL-terminated array of pointers into u. */
int userns_bind_user_homes(const struct userns *u, const char ***ret);

/* How the container's id inside appears on the host (UINT32_MAX: not mapped). */
uint32_t userns_uid_outside(const struct userns *u, uint32_t inside);
uint32_t userns_gid_outside(const struct userns *u, uint32_t inside);
