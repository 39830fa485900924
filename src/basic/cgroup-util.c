/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupfs helpers (see cgroup-util.h). */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "fdutil.h"
#include "macro.h"

int cg_write(int dir_fd, const char *file, const char *value) {
        _cleanup_close_ int fd = openat(dir_fd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        ssize_t n = write(fd, value, strlen(value));
        if (n < 0)
                return -errno;
        return (size_t) n == strlen(value) ? 0 : -EIO;
}

int cg_read(int dir_fd, const char *file, char **ret) {
        int r = read_file_at(dir_fd, file, ret, 64 * 1024);
        return r < 0 ? r : 0;
}

int cg_open(int root_fd, const char *path) {
        int fd = openat(root_fd, isempty(path) ? "." : path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? -errno : fd;
}

/* SIGKILL every process listed in the cgroup (cgroup v1, or cgroup2 without cgroup.kill). */
static void kill_listed(int dir_fd) {
        _cleanup_free_ char *procs = NULL;
        char *save = NULL;

        if (cg_read(dir_fd, "cgroup.procs", &procs) < 0)
                return;
        for (char *l = strtok_r(procs, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                pid_t pid = (pid_t) atoi(l);
                if (pid > 0)
                        (void) kill(pid, SIGKILL);
        }
}

static void sleep_ms(long ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

/* The sub-cgroups of fd, deepest first. */
static int remove_children(int fd, bool kill_procs, unsigned wait_ms) {
        int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3), r = 0;
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

        if (!d) {
                safe_close(dfd);
                return -errno;
        }
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_type == DT_DIR && !streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        int k = cg_remove_tree(fd, de->d_name, kill_procs, wait_ms);
                        if (k < 0 && r == 0)
                                r = k;
                }
        closedir(d);
        return r;
}

int cg_remove_tree(int parent_fd, const char *name, bool kill_procs, unsigned wait_ms) {
        /* the common case first: an empty cgroup without children (a v1 rmdir is ~40 us, the walk
         * below costs as much again) */
        if (unlinkat(parent_fd, name, AT_REMOVEDIR) >= 0 || errno == ENOENT)
                return 0;
        if (errno != EBUSY && errno != ENOTEMPTY)
                return -errno;

        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        int r = remove_children(fd, kill_procs, wait_ms);
        if (r < 0)
                return r;
        /* populated: its processes are dying (or are killed now); poll in growing steps */
        for (unsigned waited = 0, step = 1;; waited += step, step = MIN(step * 2, 50u)) {
                if (unlinkat(parent_fd, name, AT_REMOVEDIR) >= 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || waited >= wait_ms)
                        return -errno;
                /* cgroup.kill (cgroup2, Linux 5.14) takes the whole subtree at once */
                if (kill_procs && cg_write(fd, "cgroup.kill", "1") < 0)
                        kill_listed(fd);
                sleep_ms(step);
        }
}

void cg_remove_parents(int root_fd, const char *path) {
        _cleanup_free_ char *p = strdup(path);
        char *slash;

        while (p && (slash = strrchr(p, '/'))) {
                *slash = 0;
                if (unlinkat(root_fd, p, AT_REMOVEDIR) < 0)
                        return;
        }
}
