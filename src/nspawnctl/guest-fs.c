/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A running container's file system from the host, without entering it. See guest-fs.h. */

#include "guest-fs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chase.h"
#include "fdutil.h"
#include "macro.h"
#include "proc.h"

int guest_open_root(struct machine *m) {
        int leader = machine_leader(m);
        if (leader < 0)
                return leader;
        return proc_open_verified(leader, m->rec.leader, "root", O_PATH | O_DIRECTORY);
}

int guest_userns_differs(struct machine *m) {
        int leader = machine_leader(m);
        struct stat theirs, ours;
        if (leader < 0)
                return leader;
        _cleanup_close_ int fd = proc_open_verified(leader, m->rec.leader, "ns/user", O_RDONLY);
        if (fd < 0)
                return fd;
        if (fstat(fd, &theirs) < 0 || stat("/proc/self/ns/user", &ours) < 0)
                return -errno;
        return theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino;
}

/* One "INSIDE OUTSIDE COUNT" line and nothing else: -ENXIO for any other map. */
static int read_single_map(int leader, pid_t pid, const char *what, uint32_t *ret_shift,
                           uint32_t *ret_count) {
        int fd = proc_open_verified(leader, pid, what, O_RDONLY);
        if (fd < 0)
                return fd;
        _cleanup_fclose_ FILE *f = fdopen(fd, "re");
        uint32_t inside, outside, count;
        if (!f) {
                safe_close(fd);
                return -errno;
        }
        if (fscanf(f, " %" SCNu32 " %" SCNu32 " %" SCNu32, &inside, &outside, &count) != 3)
                return -EBADMSG;
        if (inside != 0 || fscanf(f, " %*u") != EOF)
                return -ENXIO;
        *ret_shift = outside;
        *ret_count = count;
        return 0;
}

int guest_uid_shift(struct machine *m, uid_t *ret) {
        uint32_t ushift, ucount, gshift, gcount;
        int leader = machine_leader(m), r;
        if (leader < 0)
                return leader;
        if ((r = read_single_map(leader, m->rec.leader, "uid_map", &ushift, &ucount)) < 0 ||
            (r = read_single_map(leader, m->rec.leader, "gid_map", &gshift, &gcount)) < 0)
                return r;
        if (gshift != ushift || gcount != ucount)
                return -ENXIO;
        *ret = ushift;
        return 0;
}

/* Create name below the directory parent_fd (a directory, or an empty file); fine if it exists. */
static int make_one(int parent_fd, const char *name, bool file) {
        int r = file ? mknodat(parent_fd, name, S_IFREG | 0600, 0) : mkdirat(parent_fd, name, 0755);
        return r < 0 && errno != EEXIST ? -errno : 0;
}

int guest_mkdir_p(int root_fd, const char *path, bool last_is_file) {
        _cleanup_free_ char *prefix = strdup(path);
        _cleanup_close_ int parent = -EBADF;
        int r;

        if (!prefix)
                return -ENOMEM;
        parent = chase_open(root_fd, "/", O_PATH | O_DIRECTORY, 0);
        if (parent < 0)
                return parent;
        /* prefix grows one component at a time: "/a", "/a/b", ... each resolved from the root */
        size_t len = strspn(path, "/");
        while (path[len]) {
                size_t start = len, n = strcspn(path + start, "/");
                len = start + n;
                bool last = path[len + strspn(path + len, "/")] == 0;
                _cleanup_free_ char *name = strndup(path + start, n);
                if (!name)
                        return -ENOMEM;
                prefix[len] = 0;
                int fd = chase_open(root_fd, prefix, O_PATH | (last && last_is_file ? 0 : O_DIRECTORY), 0);
                if (fd == -ENOENT) {
                        r = make_one(parent, name, last && last_is_file);
                        if (r < 0)
                                return r;
                        fd = chase_open(root_fd, prefix, O_PATH | (last && last_is_file ? 0 : O_DIRECTORY),
                                        0);
                }
                if (fd < 0)
                        return fd;
                safe_close(parent);
                parent = fd;
                prefix[len] = path[len];
                len += strspn(path + len, "/");
        }
        return 0;
}

const char *guest_leader_strerror(int r) {
        if (r == -ENOKEY)
                return "Cannot prove which process is the leader: its record has no LEADER_STARTTIME "
                       "(written by an older nspawn)";
        return strerror(-r);
}
