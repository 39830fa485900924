/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * bind NAME HOST-PATH [PATH] (--read-only, --mkdir): machinectl 252's bind mount of a host path
 * into a running container, with machined's checks, messages and exit codes.
 *
 * machined 252 passes the mount through a propagation directory that nspawn shares into the
 * container. With the new mount API there is no need for one:
 *   1. on the host, a detached, non-recursive bind of the host path (open_tree(OPEN_TREE_CLONE),
 *      as machined's MS_BIND), made read-only while still detached (mount_setattr) with
 *      --read-only;
 *   2. on the host, the mount point inside the guest, resolved from the leader's root with
 *      RESOLVE_IN_ROOT (guest-fs.h: the guest's symlinks stay inside); with --mkdir created there
 *      first, through fds, 0755 directories and a 0600 file for a file source, as machined;
 *   3. in a short-lived child: setns() into the container's mount namespace only (through the
 *      leader's proven pidfd) and move_mount() of 1 onto 2. The child stays in the host's PID
 *      namespace, cgroup and user namespace (the guest cannot see, signal or ptrace it), holds
 *      nothing but the pidfd, the two mount fds and its result pipe, runs no code of the guest,
 *      looks no path up, and exits at once.
 * The mount lives in the container's mount namespace only (its / is a slave of the host's: nothing
 * propagates back) and goes away with it.
 *
 * A machine only systemd-machined knows (machined-machines.h) is machined's to bind into:
 * BindMountMachine, with its messages, as machinectl.
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chase.h"
#include "fdutil.h"
#include "guest-fs.h"
#include "log.h"
#include "machine.h"
#include "machined-machines.h"
#include "nspawnctl.h"
#include "path-util.h"

/* machined's "absolute and normalized": a trailing slash is fine ("/srv/"). */
static bool path_ok(const char *p) {
        size_t n = strlen(p);
        if (n > 1 && p[n - 1] == '/') {
                _cleanup_free_ char *s = strndup(p, n - 1);
                return s && path_is_normalized(s);
        }
        return path_is_normalized(p);
}

/* The child: in the container's mount namespace, attach tree_fd on target_fd. */
_noreturn_ static void attach_child(int leader_fd, int tree_fd, int target_fd, int result_fd) {
        int keep[] = {leader_fd, tree_fd, target_fd, result_fd}, r = 0;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (close_all_fds_but(keep, ELEMENTSOF(keep)) < 0 || syscall(SYS_close_range, 0, 2, 0) < 0)
                r = -errno;
        else if (setns(leader_fd, CLONE_NEWNS) < 0)
                r = -errno;
        else if (move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
                 0)
                r = -errno;
        (void) write(result_fd, &r, sizeof(r));
        _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static int attach_in_guest(int leader_fd, int tree_fd, int target_fd) {
        _cleanup_close_ int rd = -EBADF, wr = -EBADF;
        int pipe_fds[2], r = -EPROTO, status;
        pid_t pid;

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return -errno;
        rd = pipe_fds[0];
        wr = pipe_fds[1];
        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                attach_child(leader_fd, tree_fd, target_fd, wr);
        wr = safe_close(wr);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (read(rd, &r, sizeof(r)) != sizeof(r))
                r = -EPROTO; /* the child died before it could say */
        return r;
}

/* Steps 1-3 of the header; any error is machined's "Failed to mount ..." */
static int bind_in(struct ctl *c, struct machine *m, const char *src, const char *dest) {
        _cleanup_close_ int tree = -EBADF, root = -EBADF, target = -EBADF;
        struct stat st;
        int r;

        tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree < 0 || fstat(tree, &st) < 0)
                return -errno;
        if (c->read_only &&
            mount_setattr(tree, "", AT_EMPTY_PATH, &(struct mount_attr){.attr_set = MOUNT_ATTR_RDONLY},
                          sizeof(struct mount_attr)) < 0)
                return -errno;
        root = guest_open_root(m);
        if (root < 0)
                return root;
        if (c->mkdir) {
                r = guest_mkdir_p(root, dest, !S_ISDIR(st.st_mode));
                if (r < 0)
                        return r;
        }
        target = chase_open(root, dest, O_PATH, 0);
        if (target < 0)
                return target;
        return attach_in_guest(m->leader_fd, tree, target);
}

static int bind_machined(const struct ctl *c, const struct machine *m, const char *src, const char *dest) {
        _cleanup_free_ char *text = NULL;
        struct sdbus_request req = {.op = SDBUS_BIND_MOUNT,
                                    .machine = m->rec.name,
                                    .src = src,
                                    .dst = dest,
                                    .flags = (c->read_only ? SDBUS_READ_ONLY : 0) |
                                             (c->mkdir ? SDBUS_MKDIR : 0)};
        int r = machined_machine_call(&req, &text);
        return r < 0 ? log_error("Failed to bind mount: %s", text ?: strerror(-r)) : 0;
}

int verb_bind(struct ctl *c, int argc, char *argv[]) {
        struct machine m = {.leader_fd = -EBADF};
        const char *src = argv[2], *dest = argc > 3 ? argv[3] : argv[2];
        int r;

        /* machined's order: the machine, the paths, the class, the user namespace, the mount */
        r = machine_find(c->registry_dir, argv[1], &m);
        if (r == -ENOENT)
                r = log_error("Failed to bind mount: No machine '%s' known", argv[1]);
        else if (r < 0)
                r = log_error_errno(r, "Failed to bind mount: %m");
        else if (!path_ok(src))
                r = log_error("Failed to bind mount: Source path must be absolute and normalized.");
        else if (!path_ok(dest))
                r = log_error("Failed to bind mount: Destination path must be absolute and normalized.");
        else if (m.md)
                r = bind_machined(c, &m, src, dest);
        else if (m.host)
                r = log_error(
                        "Failed to bind mount: Bind mounting is only supported on container machines.");
        else if ((r = guest_userns_differs(&m)) != 0)
                r = r > 0 ? log_error("Failed to bind mount: Can't bind mount on container with user "
                                      "namespacing applied.")
                          : log_error("Failed to bind mount: %s", guest_leader_strerror(r));
        else if ((r = bind_in(c, &m, src, dest)) < 0)
                r = log_error_errno(
                        r, "Failed to bind mount: Failed to mount %s on %s in machine's namespace: %m", src,
                        dest);
        machine_done(&m);
        return r < 0 ? r : 0;
}
