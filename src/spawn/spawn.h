/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The process model. The supervisor (nspawn) makes one clone3() with every namespace at once,
 * so its only child is directly PID 1 of the container (no intermediate process):
 *
 *   nspawn (host namespaces; supervisor: console, signals, notify, exit status)
 *     └─ clone3(NEWNS|NEWPID|NEWUTS|NEWIPC|NEWCGROUP[|NEWNET]) → child = container PID 1
 *          sets up the file system, pivots, console, identity, limits; then
 *          seccomp → user → capabilities → exec of the payload / init / stub
 *          (--as-pid2: PID 1 forks the payload as PID 2, then execs the stub from a sealed memfd)
 *
 * Parent and child talk over a SOCK_SEQPACKET socketpair (close-on-exec in the child): the child
 * sends the console master ('P'), the notify socket ('N'), the /proc/kmsg FIFO ('F': no payload,
 * one fd, opened O_RDWR; the supervisor only holds it, so that the container's readers of
 * /proc/kmsg block instead of seeing EOF, and never reads or writes it — see child_setup_kmsg()),
 * warnings ('W': text, printed by the supervisor; set-up goes on) or a fatal error ('E': errno +
 * text); EOF means the payload was executed. With cgroups, the supervisor sends 'G' (the child's cgroups are
 * ready: join them), the child answers 'C' (its cgroup namespace exists), and the supervisor mounts
 * /sys/fs/cgroup in the container's namespaces meanwhile and sends 'M' (go on to exec).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "settings.h"
#include "syscall-filter.h"

struct registry_entry;
struct cgroup_context;
struct machined;
struct guard;

struct spawn_params {
        const struct settings *settings; /* merged and validated */
        const char *root; /* absolute, canonical path of the tree (messages, the mount point) */
        int tree_fd;      /* the tree itself: what the container runs (the -x snapshot) */
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
};

/* What the child takes from the host, made by the supervisor before each clone with the host's
 * privileges and view of the file system; the child inherits the fds (protocol.h). */
struct spawn_host {
        int tree_mnt; /* the tree: a detached recursive bind (open_tree) of spawn_params.tree_fd */
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

/* Child side (child.c). Never returns. sock: the child's end of the socketpair. */
_Noreturn void child_main(const struct spawn_params *p, const struct spawn_host *host, int sock);

/* Create the sealed memfd holding the --as-pid2 stub. */
int stub_memfd(void);
