/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The container's file system, built by the child in its new mount namespace.
 *
 * The order avoids ever resolving a guest path on the host:
 *   1. mount_prepare(), before pivot_root: make / a slave, bind the image tree to itself, and open
 *      everything that comes from the host (bind sources, overlay layers, os-release) as detached
 *      mounts (open_tree/fsmount) — host paths only, nothing inside the image is looked at.
 *   2. pivot_root into the tree and detach the old root: from here on the host is unreachable.
 *   3. mount_finish(), in the container's root: API file systems from the table, /dev, /run/host,
 *      /proc masks, custom mounts (sorted by destination), read-only remounts. Every mount point is
 *      opened with RESOLVE_NO_SYMLINKS: an image whose /dev or /proc is a symlink is refused.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "settings.h"

struct cgroup_context;
struct guard;

/*
 * What the container's file system takes from the host, opened by the supervisor before each
 * clone, with the host's privileges and view (mount-sources.c); the child inherits the fds. The
 * tree itself is spawn_host.tree_mnt. Sources inside the tree ("+path") and throw-away
 * directories are the child's.
 */
#define MOUNT_DEV_NODES 7 /* null zero full random urandom tty net/tun (mount-dev.c) */

struct mount_sources {
        int os_release; /* detached read-only bind of the host's os-release, or -EBADF */
        int *custom;    /* per custom mount: a detached bind of its host-path source, or -EBADF */
        size_t n_custom;
        /* With a user namespace (mount_sources_open_userns()), what its root may not make itself: */
        int sysfs;                /* a read-only sysfs of the host's network namespace, or -EBADF */
        int dev[MOUNT_DEV_NODES]; /* detached binds of the host's device nodes, or -EBADF */
        int *homes;               /* --bind-user: detached binds of the users' homes */
        size_t n_homes;
};

#define MOUNT_SOURCES_INIT                                                                                  \
        {                                                                                                   \
                .os_release = -EBADF, .sysfs = -EBADF,                                                      \
                .dev = { -EBADF,                                                                            \
                         -EBADF,                                                                            \
                         -EBADF,                                                                            \
                         -EBADF,                                                                            \
                         -EBADF,                                                                            \
                         -EBADF,                                                                            \
                         -EBADF }                                                                           \
        }

/* Supervisor, before the clone: the detached binds of host-path bind sources and os-release; the
 * work dirs of --overlay with a host upper dir are made (their removal is the guard's:
 * mount_custom_register_undo()). On failure a malloc'ed message in *ret_error. */
int mount_sources_open(const struct settings *s, struct mount_sources *ret, char **ret_error);
void mount_sources_done(struct mount_sources *m);
/* Supervisor, with a user namespace, after mount_sources_open(): the device nodes (mknod is
 * refused there) as detached binds of the host's, never changed (systemd#34243 chowned one),
 * without --private-network the sysfs of the host's network namespace, read-only (a namespace's
 * root may mount sysfs only for a network namespace of its own), and "+path" binds with an id map
 * (from tree_fd: only the supervisor can give the map). */
int mount_sources_open_userns(const struct settings *s, int tree_fd, struct mount_sources *m,
                              char **ret_error);
/* The same, for --bind-user: detached recursive binds of the host directories homes (NULL-terminated). */
int mount_sources_open_homes(const char *const *homes, struct mount_sources *m, char **ret_error);
/* Every fd of m, for the child's list of fds to keep. */
size_t mount_sources_fds(const struct mount_sources *m, int *fds, size_t max);

struct mount_context {
        const struct settings *settings;
        const char *root;              /* host path of the tree: where the tree is mounted before pivot */
        int tree_mnt;                  /* the tree: a detached recursive bind made by the supervisor */
        struct mount_sources *sources; /* the rest of the host's part (the child takes the fds) */
        const char *uuid_string;       /* dashed container UUID, for /run/host/container-uuid */
        bool private_network;
        /* Set by the parent: a tmpfs on /tmp unless SYSTEMD_NSPAWN_TMPFS_TMP is false. */
        bool tmpfs_tmp;
        /* Mount cgroup2 on /sys/fs/cgroup: only when the child has its own cgroup namespace and
         * sits in a cgroup of its own (else the host's hierarchy would be writable inside). */
        bool cgroup2;
        /* Legacy or hybrid host (cgroup.h): a tmpfs on /sys/fs/cgroup with the container's view of
         * each hierarchy, as systemd-nspawn 252; NULL or another mode: nothing. */
        const struct cgroup_context *cgroup;
        /* -x on a tree that is not a btrfs subvolume: an overlay with a tmpfs upper layer as root
         * (volatile.h). */
        bool root_overlay;
        /* In a user namespace: procfs and sysfs are made before pivot_root, while the host's are
         * still visible (the kernel lets a namespace's root mount them only then: "too revealing"
         * otherwise), and device nodes are binds of mount_sources.dev. */
        bool userns;
        /* An unprivileged caller's (userns.h): no cgroups of ours; /sys/fs/cgroup is a cgroup2 of the
         * container's own cgroup namespace (rooted in the caller's cgroup). */
        bool rootless;
        /* filled by mount_prepare */
        int *detached_fds; /* one per custom mount (-EBADF if made later), then os-release */
        int os_release_fd;
        char *error;           /* malloc'ed message on failure: "Failed to mount tmpfs on /tmp: ..." */
        bool have_net_tun;     /* the host has /dev/net/tun (stat before pivot) */
        int scratch_fd;        /* detached tmpfs for throw-away bind/overlay dirs, or -EBADF */
        int proc_fd, sysfs_fd; /* userns: detached procfs and sysfs made before pivot, or -EBADF */
        int root_fd;           /* the root-to-be (the tree, or what --volatile/-x stack on it) */
};

/* Initializer: mount_context_done() may be called on it even if mount_prepare() never ran. */
#define MOUNT_CONTEXT_INIT                                                                                  \
        {                                                                                                   \
                .tree_mnt = -EBADF, .os_release_fd = -EBADF, .scratch_fd = -EBADF, .proc_fd = -EBADF,       \
                .sysfs_fd = -EBADF, .root_fd = -EBADF                                                       \
        }

/* Before pivot (host side): propagation, the tree attached on top of / (no path resolved), detached
 * mounts of host sources,
 * read-only tree, top-level mount points created (a symlinked /dev, /proc, /sys, /run or /tmp is
 * refused here already). */
int mount_prepare(struct mount_context *ctx);
/* pivot_root into the tree and detach the old root. */
int mount_pivot(struct mount_context *ctx);
/* After pivot: API file systems, /dev, /run/host, /proc masks, custom mounts. Leaves /run/host
 * writable so the caller can place the notify socket there. */
int mount_finish(struct mount_context *ctx);
/* /sys/fs/cgroup for a container on a host with cgroups (cgroup2, or a tmpfs with each v1
 * hierarchy and cgroup2 on a hybrid host, as systemd-nspawn 252), mounted in the calling
 * process's mount namespace below its root, as seen from its cgroup namespace. The supervisor
 * calls it in the container's mount and cgroup namespaces (nsenter.h) once PID 1 has made its
 * cgroup namespace, after mount_finish(). On failure a malloc'ed message in *ret_error. */
int mount_cgroup(const struct cgroup_context *cgroup, char **ret_error);
/* Make /run/host (and everything below it) read-only. The child calls it after creating
 * /run/host/notify (and anything else it puts there), before dropping privileges. */
int mount_seal_run_host(void);
/* Supervisor side, before the container starts: the removal of the work dirs that --overlay makes
 * next to given upper dirs is registered with the guard (guard.h), for a nspawn that is killed.
 * tree_fd: the image's root (for "+path" uppers). */
int mount_custom_register_undo(const struct settings *s, int tree_fd, struct guard *guard);
/* Supervisor side, after the container is gone: remove those work dirs. */
void mount_custom_cleanup(const struct settings *s, int tree_fd);
void mount_context_done(struct mount_context *ctx);

/* Custom mounts are applied in this order: by destination, component-wise (so a parent always
 * precedes what is mounted below it), stable for equal destinations. Fills order[0..n). */
void mount_custom_order(const struct custom_mount *m, size_t n, size_t *order);
/* Component-wise path comparison ("/a/b" vs "/a-b" compares "a" with "a-b" first); repeated and
 * trailing slashes are ignored. <0, 0, >0 like strcmp. */
int mount_path_compare(const char *a, const char *b);
