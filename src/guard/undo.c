/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The undo duties (see undo.h). Built into nspawn and into the guard program. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "btrfs-util.h"
#include "lock-file.h"
#include "cgroup-util.h"
#include "macro.h"
#include "missing.h"
#include "rm-rf.h"
#include "undo.h"

static const char *const kind_names[_UNDO_KIND_MAX] = {
        [UNDO_CGROUP] = "cgroup", [UNDO_FILE] = "file", [UNDO_TREE] = "tree",
        [UNDO_KEEP] = "keep",     [UNDO_DM] = "dm",     [UNDO_EXEC] = "exec",
};

const char *undo_kind_to_string(enum undo_kind k) {
        return k >= 0 && k < _UNDO_KIND_MAX ? kind_names[k] : NULL;
}

static int undo_cgroup(const struct undo *u, unsigned wait_ms) {
        int r = 0;
        for (size_t i = 0; i < u->n_fds; i++) {
                int k = cg_remove_tree(u->fds[i], u->path, false, wait_ms);
                if (k >= 0 && (u->flags & UNDO_PRUNE))
                        cg_remove_parents(u->fds[i], u->path);
                if (k < 0 && r >= 0)
                        r = k;
        }
        return r;
}

/* Unlink dir/name if it is one of the inodes we hold. */
static int unlink_if_ours(const struct undo *u, const char *name) {
        struct stat now;

        if (fstatat(u->fds[0], name, &now, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        for (size_t i = 1; i < u->n_fds; i++) {
                struct stat ours;
                if (fstat(u->fds[i], &ours) < 0 || ours.st_dev != now.st_dev || ours.st_ino != now.st_ino)
                        continue;
                return unlinkat(u->fds[0], name, 0) < 0 && errno != ENOENT ? -errno : 0;
        }
        return 0; /* someone else's by now */
}

static int undo_file(const struct undo *u) {
        if ((u->flags & UNDO_LOCK_FILE) && (u->n_fds < 2 || !lock_file_try_exclusive(u->fds[1])))
                return 0; /* someone shares it: the last holder removes it */
        int r = unlink_if_ours(u, u->path);
        if (!isempty(u->path2)) {
                int k = unlink_if_ours(u, u->path2);
                if (r >= 0)
                        r = k;
        }
        return r;
}

static int undo_tree(const struct undo *u, unsigned wait_ms) {
        _cleanup_close_ int fd = openat(u->fds[0], u->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0 && errno == ENOENT)
                return 0;
        if (fd >= 0 && btrfs_is_subvolume(fd))
                return btrfs_destroy_wait(u->fds[0], u->path, wait_ms);
        /* overlayfs leaves work/work mode 000; root may remove it anyway */
        return rm_rf_at(u->fds[0], u->path);
}

/* DM_DEV_REMOVE with DM_DEFERRED_REMOVE; a device that is not there (ENXIO) is success. */
static int undo_dm(const struct undo *u) {
        struct dm_ioctl io = {
                .version = {DM_VERSION_MAJOR, 0, 0},
                .data_size = sizeof io,
                .data_start = sizeof io,
                .flags = DM_DEFERRED_REMOVE,
        };
        if (strlen(u->path) >= sizeof io.name)
                return -EINVAL;
        strcpy(io.name, u->path);
        if (ioctl(u->fds[0], DM_DEV_REMOVE, &io) < 0)
                return errno == ENXIO ? 0 : -errno;
        return 0;
}

#define UNDO_EXEC_MAX_ARGS 256

/* The forked child: fds[1..] become 3, 4, … (moved above them first, so that none is overwritten
 * before it is copied; dup2() clears close-on-exec), every other fd closes on exec. */
_Noreturn static void exec_child(const struct undo *u, char **argv) {
        int high[UNDO_MAX_FDS];

        for (size_t i = 0; i < u->n_fds; i++)
                if ((high[i] = fcntl(u->fds[i], F_DUPFD_CLOEXEC, 3 + UNDO_MAX_FDS)) < 0)
                        _exit(127);
        for (size_t i = 1; i < u->n_fds; i++)
                if (dup2(high[i], (int) (2 + i)) < 0)
                        _exit(127);
        (void) syscall(SYS_close_range, (unsigned) (2 + u->n_fds), ~0U, CLOSE_RANGE_CLOEXEC);
        (void) syscall(SYS_execveat, high[0], "", argv, (char *[]){NULL}, AT_EMPTY_PATH);
        _exit(127);
}

static int undo_exec(const struct undo *u, unsigned wait_ms) {
        char args[4096], *argv[UNDO_EXEC_MAX_ARGS + 2], *save = NULL;
        size_t n = 0;
        int status;

        if (strlen(u->path) >= sizeof(args))
                return -E2BIG;
        strcpy(args, u->path);
        argv[n++] = (char *) (u->path2 ?: "undo");
        for (char *w = strtok_r(args, " ", &save); w; w = strtok_r(NULL, " ", &save))
                if (n <= UNDO_EXEC_MAX_ARGS)
                        argv[n++] = w;
        argv[n] = NULL;
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                exec_child(u, argv);
        int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd >= 0) {
                struct pollfd p = {.fd = pidfd, .events = POLLIN};
                int k;
                while ((k = poll(&p, 1, (int) (wait_ms ?: UNDO_WAIT_MS))) < 0 && errno == EINTR)
                        ;
                if (k == 0)
                        (void) kill(pid, SIGKILL);
                close(pidfd);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
                return -ETIMEDOUT;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int undo_run(const struct undo *u, unsigned wait_ms) {
        if (u->kind != UNDO_KEEP && (u->n_fds < 1 || isempty(u->path)))
                return -EINVAL;
        switch (u->kind) {
        case UNDO_CGROUP:
                return undo_cgroup(u, wait_ms);
        case UNDO_FILE:
                return undo_file(u);
        case UNDO_TREE:
                return undo_tree(u, wait_ms);
        case UNDO_KEEP:
                return 0;
        case UNDO_DM:
                return undo_dm(u);
        case UNDO_EXEC:
                return undo_exec(u, wait_ms);
        default:
                return -EINVAL;
        }
}

int undo_wire_encode(const struct undo *u, uint32_t id, char *buf, size_t size) {
        size_t l1 = u->path ? strlen(u->path) : 0, l2 = u->path2 ? strlen(u->path2) : 0;
        struct undo_wire w = {.id = id, .kind = (uint16_t) u->kind, .flags = (uint16_t) u->flags};

        if (sizeof(w) + l1 + l2 + 2 > size || l1 >= 4096 || l2 >= 4096)
                return -ENAMETOOLONG;
        memcpy(buf, &w, sizeof(w));
        memcpy(buf + sizeof(w), u->path ?: "", l1 + 1);
        memcpy(buf + sizeof(w) + l1 + 1, u->path2 ?: "", l2 + 1);
        return (int) (sizeof(w) + l1 + l2 + 2);
}

int undo_wire_decode(const char *buf, size_t size, uint32_t *ret_id, struct undo *ret) {
        struct undo_wire w;

        if (size < sizeof(w) + 2 || buf[size - 1] != 0)
                return -EBADMSG;
        memcpy(&w, buf, sizeof(w));
        const char *p1 = buf + sizeof(w);
        size_t l1 = strnlen(p1, size - sizeof(w));
        if (sizeof(w) + l1 + 1 >= size || w.kind >= _UNDO_KIND_MAX)
                return -EBADMSG;
        const char *p2 = p1 + l1 + 1;
        if (strlen(p2) + l1 + 2 + sizeof(w) != size)
                return -EBADMSG;
        *ret_id = w.id;
        *ret = (struct undo){
                .kind = w.kind, .flags = w.flags, .path = *p1 ? p1 : NULL, .path2 = *p2 ? p2 : NULL};
        return 0;
}
