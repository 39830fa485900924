/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The process model. The supervisor (nspawn) makes one clone3() with every namespace at once,
 * so its only child is directly PID 1 of the container (no intermediate process):
 *
 *   nspawn (host namespaces; supervisor: console, signals, notify, exit status)
 *     ├─ nspawn-guard (started first; undoes nspawn's host effects when it is gone: guard.h)
 *     ├─ nspawn-net (only with links: makes them in the container's namespace, network.h)
 *     └─ clone3([NEWUSER|]NEWNS|NEWPID|NEWUTS|NEWIPC[|NEWNET][|NEWCGROUP without cgroups]) → PID 1
 *          sets up the file system, pivots, console, identity, limits; joins its cgroups and
 *          unshares its cgroup namespace; then seccomp → user → capabilities → exec of the
 *          payload / init / stub
 *          (--as-pid2: PID 1 forks the payload as PID 2, then execs the stub from a sealed memfd)
 *     └─ per nspawnctl shell/login: a session process (control.h), into the running container
 *
 * Parent and child talk over a SOCK_SEQPACKET socket pair: the start-up protocol (protocol.h).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "integration.h"
#include "journal.h"
#include "mount.h"
#include "settings.h"
#include "syscall-filter.h"

struct registry_entry;
struct cgroup_context;
struct machined;
struct guard;
struct network;
struct control;
struct userns;

struct spawn_params {
        const struct settings *settings; /* merged and validated */
        const char *root; /* absolute, canonical path of the tree (messages, the mount point) or image */
        const char *mount_point; /* where the child attaches the tree, if not at root (a disk image) */
        int tree_fd;             /* the tree itself: what the container runs (the -x snapshot) */
        uint8_t uuid[16];
        uint64_t caps; /* the bounding/retained set */
        const struct seccomp_program *seccomp;
        enum console_mode console;             /* resolved: interactive, read-only, passive or pipe */
        char **environment;                    /* base environment of the payload (see env.h) */
        bool tmpfs_tmp;                        /* SYSTEMD_NSPAWN_TMPFS_TMP */
        int stub_fd;                           /* sealed memfd of the --as-pid2 stub, or -EBADF */
        struct registry_entry *registry;       /* the machine's record: gets the leader PID (registry.h) */
        const struct credentials *credentials; /* read by the supervisor (credentials.h), or NULL */
        bool root_overlay;                     /* -x on a plain directory: overlay root (ephemeral.h) */
        struct cgroup_context *cgroup;         /* the container's cgroups (cgroup.h), NULL: none */
        struct machined *machined;             /* systemd-machined registration (machined.h), NULL: none */
        struct guard *guard;                   /* undoes what we leave behind (guard.h) */
        struct network *network;               /* the container's links (network.h), NULL: none */
        struct control *control;               /* the control socket (control.h), NULL: none */
        struct userns *userns;                 /* --private-users (userns.h), NULL: none */
};

/* What the child takes from the host, made by the supervisor before each clone with the host's
 * privileges and view of the file system (host.c); the child inherits it, fds and all (it is its
 * own copy then: it may take and close them). */
struct spawn_host {
        int tree_mnt; /* the tree: a detached recursive bind (open_tree) of spawn_params.tree_fd */
        struct mount_sources mounts;      /* host-path mount sources, os-release (mount.h) */
        struct integration_context integ; /* resolv.conf and localtime from the host */
        struct journal_context journal;   /* --link-journal's host side, done */
        int netns_fd;                     /* --network-namespace-path's namespace, or -EBADF */
        /* The host PID 1's RLIMIT_NPROC and RLIMIT_SIGPENDING (in the child, PID 1 is itself).
         * The payload starts with them, as in systemd-nspawn: the kernel scales both with the
         * memory (child_apply_rlimits()). */
        struct rlimit init_nproc;
        struct rlimit init_sigpending;
};

enum spawn_end {
        SPAWN_EXITED,     /* status = exit code of PID 1 */
        SPAWN_SIGNALED,   /* status = the signal that killed PID 1 */
        SPAWN_ESCAPED,    /* ^]^]^]: nspawn killed the container */
        SPAWN_TERMINATED, /* SIGTERM/SIGINT to nspawn without (or after) the kill signal */
};

struct spawn_result {
        enum spawn_end end;
        int status;
};

/* Run the container until PID 1 is gone. On setup failure returns a negative errno and a
 * malloc'ed message (from the child or the supervisor) in *ret_error. -ENOTRECOVERABLE: nspawn
 * could not leave the container's namespaces (nsenter.h) and must exit at once. */
int container_run(const struct spawn_params *p, struct spawn_result *ret, char **ret_error);

#define SPAWN_HOST_INIT                                                                                     \
        {                                                                                                   \
                .tree_mnt = -EBADF, .mounts = MOUNT_SOURCES_INIT, .integ = INTEGRATION_CONTEXT_INIT,        \
                .journal = JOURNAL_CONTEXT_INIT, .netns_fd = -EBADF                                         \
        }

/* Supervisor, before each clone (host.c): make host; on failure a malloc'ed message. */
int spawn_host_prepare(const struct spawn_params *p, struct spawn_host *host, char **ret_error);
void spawn_host_done(struct spawn_host *host);
/* Every fd of host (for the child's list of fds to keep); returns how many. */
size_t spawn_host_fds(const struct spawn_host *host, int **ret);

/* Child side (child.c). Never returns. sock: the child's end of the socketpair. */
_Noreturn void child_main(const struct spawn_params *p, struct spawn_host *host, int sock);

/* A disk image's tree has no host path: the child attaches it here, in its own mount namespace
 * (over the host's directory there, which only the child's namespace then hides). */
#define SPAWN_IMAGE_MOUNT_POINT "/tmp"

/* Create the sealed memfd holding the --as-pid2 stub. */
int stub_memfd(void);
