/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * copy-to NAME HOST-PATH [PATH] and copy-from NAME PATH [HOST-PATH]: machinectl 252's copy
 * between the host and a running container, with machined's checks, messages and exit codes.
 *
 * No process enters the container. The guest's side is resolved from the leader's root
 * (guest-fs.h: /proc/LEADER/root through the proven pidfd) with openat2(RESOLVE_IN_ROOT), which
 * walks the container's own mounts and keeps every symlink and ".." of the guest inside its
 * root; the host's side is resolved on the host (a relative host path from the current
 * directory). Only the two parent directories are resolved by path: the entry itself is copied
 * by name below their fds with copy_entry_at() (src/basic/copy.c), which follows no symlink,
 * opens no FIFO or device node, and never writes onto something that exists (a symlink the
 * guest plants at the destination is "File exists"; a guest symlink is copied as a symlink).
 * The copy is whole or not at all: a failure, or SIGINT/SIGTERM/SIGHUP while it runs, removes
 * what was made.
 *
 * Owners are kept, as machined keeps them for a container without a user namespace. With one of
 * its own (a map "0 SHIFT COUNT"), as machined: what is copied in is owned by the container's root
 * (SHIFT), what is copied out by the host's root; any other map is refused.
 *
 * A machine only systemd-machined knows (machined-machines.h) is machined's to copy to and from:
 * CopyToMachine / CopyFromMachine, with its messages, as machinectl.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "chase.h"
#include "copy.h"
#include "guest-fs.h"
#include "log.h"
#include "machine.h"
#include "machined-machines.h"
#include "nspawnctl.h"
#include "path-util.h"

/* machinectl makes a relative host path absolute with the current directory, and nothing more. */
static int host_path_absolute(const char *p, char **ret) {
        _cleanup_free_ char *cwd = NULL;
        if (path_is_absolute(p))
                return (*ret = strdup(p)) ? 0 : -ENOMEM;
        cwd = getcwd(NULL, 0);
        if (!cwd)
                return -errno;
        return asprintf(ret, "%s%s%s", cwd, streq(cwd, "/") ? "" : "/", p) < 0 ? -ENOMEM : 0;
}

struct copy_side {
        const char *path; /* as given (made absolute for the host) */
        char *dir, *name; /* path_split_last() */
        int dir_fd;
};

static void copy_side_done(struct copy_side *s) {
        free(s->dir);
        free(s->name);
        safe_close(s->dir_fd);
}

/* Copy with SIGINT, SIGTERM and SIGHUP held back: copy_entry_at() stops on them and removes the
 * partial copy; they are delivered once it has. */
static int copy_signals_held(const struct copy_side *from, const struct copy_side *to, uid_t owner) {
        sigset_t block, saved;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &block, &saved) < 0)
                return -errno;
        int r = copy_entry_at_as(from->dir_fd, from->name, to->dir_fd, to->name, COPY_SIGINT, owner,
                                 (gid_t) owner);
        if (r < 0)
                log_error_errno(r, "Failed to copy: %m");
        (void) sigprocmask(SIG_SETMASK, &saved, NULL);
        return r;
}

static int copy_whole(const struct copy_side *from, const struct copy_side *to, uid_t owner) {
        /* what is made for a user namespace's root is made as it: on an id-mapped tree, or a
         * file system mounted in the container's user namespace, host root's UID is not mapped
         * (EOVERFLOW) */
        if (owner != (uid_t) -1 && owner != 0) {
                int r = caps_set_fs_ids(owner, (gid_t) owner);
                if (r < 0)
                        log_error_errno(r, "Failed to copy: %m");
                else
                        r = copy_signals_held(from, to, owner);
                int q = caps_set_fs_ids(0, 0);
                return r < 0 ? r : q < 0 ? log_error_errno(q, "Failed to copy: %m") : r;
        }
        return copy_signals_held(from, to, owner);
}

static int copy_machined(const struct machine *m, bool copy_from, const char *host, const char *guest) {
        _cleanup_free_ char *text = NULL;
        struct sdbus_request req = {.op = copy_from ? SDBUS_COPY_FROM : SDBUS_COPY_TO,
                                    .machine = m->rec.name,
                                    .src = copy_from ? guest : host,
                                    .dst = copy_from ? host : guest};
        int r = machined_machine_call(&req, &text);
        return r < 0 ? log_error("Failed to copy: %s", text ?: strerror(-r)) : 0;
}

static int copy_files(struct ctl *c, bool copy_from, int argc, char *argv[]) {
        _cleanup_free_ char *host_abs = NULL;
        struct machine m = {.leader_fd = -EBADF};
        struct copy_side host = {.dir_fd = -EBADF}, guest = {.dir_fd = -EBADF};
        _cleanup_close_ int root = -EBADF;
        uid_t shift = 0;
        const char *dest = argc > 3 ? argv[3] : argv[2];
        int r;

        r = host_path_absolute(copy_from ? dest : argv[2], &host_abs);
        if (r < 0)
                return log_error_errno(r, "Failed to make path absolute: %m");
        host.path = host_abs;
        guest.path = copy_from ? argv[2] : dest;

        /* machined's order: the machine, the paths, the class, the user namespace, the names,
         * the host's directory, then (in the container) the guest's directory and the copy */
        r = machine_find(c->registry_dir, argv[1], &m);
        if (r == -ENOENT)
                r = log_error("Failed to copy: No machine '%s' known", argv[1]);
        else if (r < 0)
                r = log_error_errno(r, "Failed to copy: %m");
        else if (!path_is_absolute(copy_from ? guest.path : host.path))
                r = log_error("Failed to copy: Source path must be absolute.");
        else if (!path_is_absolute(copy_from ? host.path : guest.path))
                r = log_error("Failed to copy: Destination path must be absolute.");
        else if (m.md)
                r = copy_machined(&m, copy_from, host.path, guest.path);
        else if (m.host)
                r = log_error("Failed to copy: Copying files is only supported on container machines.");
        else if ((r = guest_uid_shift(&m, &shift)) < 0)
                r = r == -ENXIO ? log_error("Failed to copy: Machine %s uses a complex UID/GID mapping, "
                                            "cannot determine shift",
                                            argv[1])
                                : log_error("Failed to copy: %s", guest_leader_strerror(r));
        else if ((r = path_split_last(host.path, &host.dir, &host.name)) < 0)
                r = log_error_errno(r, "Failed to copy: Failed to extract file name of '%s' path: %m",
                                    host.path);
        else if ((r = path_split_last(guest.path, &guest.dir, &guest.name)) < 0)
                r = log_error_errno(r, "Failed to copy: Failed to extract file name of '%s' path: %m",
                                    guest.path);
        else if ((host.dir_fd = open(host.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                r = log_error_errno(errno, "Failed to copy: Failed to open host directory %s: %m",
                                    host.path);
        else if ((root = guest_open_root(&m)) < 0)
                r = log_error("Failed to copy: %s", guest_leader_strerror(root));
        else if ((guest.dir_fd = chase_open(root, guest.dir, O_RDONLY | O_DIRECTORY, 0)) < 0)
                r = log_error_errno(guest.dir_fd, "Failed to copy: %m");
        else
                r = copy_whole(copy_from ? &guest : &host, copy_from ? &host : &guest,
                               shift == 0  ? (uid_t) -1
                               : copy_from ? 0
                                           : shift);

        copy_side_done(&host);
        copy_side_done(&guest);
        machine_done(&m);
        return r < 0 ? r : 0;
}

int verb_copy_to(struct ctl *c, int argc, char *argv[]) {
        return copy_files(c, false, argc, argv);
}

int verb_copy_from(struct ctl *c, int argc, char *argv[]) {
        return copy_files(c, true, argc, argv);
}
