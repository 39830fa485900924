/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The cgroup of a supervised machine's unit (unit-cgroup.h). */

#include "unit-cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "macro.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define SLICE "machine.slice"
#define MAX_HIERARCHIES 32

struct hierarchy {
        int root_fd; /* the hierarchy's root (machine.slice comes and goes with its last unit) */
        bool cpuset; /* v1 cpuset: a new cgroup has no CPUs until it is given its parent's */
};

struct unit_cgroup {
        char *unit;
        struct hierarchy h[MAX_HIERARCHIES];
        size_t n;
};

/* Where a line of /proc/self/cgroup ("ID:CONTROLLERS:PATH") is mounted by convention, if it is a
 * writable cgroup file system of its version there: its root, else -ENOENT. */
static int hierarchy_open(const char *controllers) {
        char path[256];
        struct statfs fs;
        bool v2 = isempty(controllers);
        const char *name = startswith(controllers, "name=");

        if (v2)
                snprintf(path, sizeof path, "%s",
                         statfs(CGROUP_ROOT, &fs) >= 0 && fs.f_type == CGROUP2_SUPER_MAGIC ? CGROUP_ROOT
                                                                                           : CGROUP_ROOT
                                 "/unified");
        else
                snprintf(path, sizeof path, CGROUP_ROOT "/%s", name ?: controllers);
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -ENOENT;
        if (fstatfs(fd, &fs) < 0 || fs.f_type != (v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC) ||
            (fs.f_flags & ST_RDONLY)) {
                close(fd);
                return -ENOENT;
        }
        return fd;
}

static bool has_controller(const char *controllers, const char *c) {
        size_t l = strlen(c);
        for (const char *p = controllers; *p;) {
                size_t k = strcspn(p, ",");
                if (k == l && strncmp(p, c, l) == 0)
                        return true;
                p += k + (p[k] == ',');
        }
        return false;
}

/* A new v1 cpuset cgroup gets its parent's CPUs and memory nodes (as cgroup.clone_children would),
 * else no task could join it. */
static int cpuset_inherit(int parent_fd, int fd) {
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *mine = NULL, *parent = NULL;
                int r = cg_read(fd, files[i], &mine);
                if (r < 0)
                        return r;
                if (strspn(mine, " \n") < strlen(mine))
                        continue;
                if ((r = cg_read(parent_fd, files[i], &parent)) < 0 ||
                    (r = cg_write(fd, files[i], parent)) < 0)
                        return r;
        }
        return 0;
}

/* mkdir of a cgroup below parent_fd (an existing one is fine); its O_PATH fd. */
static int cgroup_make(int parent_fd, const char *name, bool cpuset) {
        if (mkdirat(parent_fd, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        int fd = cg_open(parent_fd, name);
        if (fd < 0)
                return fd;
        int r = cpuset ? cpuset_inherit(parent_fd, fd) : 0;
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

int unit_cgroup_new(const char *unit, struct unit_cgroup **ret) {
        _cleanup_free_ char *buf = NULL;
        char *save = NULL;
        struct unit_cgroup *c = calloc(1, sizeof(*c));
        int r = 0;

        if (!c || !(c->unit = strdup(unit))) {
                free(c);
                return -ENOMEM;
        }
        r = cg_read(AT_FDCWD, "/proc/self/cgroup", &buf);
        for (char *l = r < 0 ? NULL : strtok_r(buf, "\n", &save); l && r >= 0;
             l = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2 || c->n >= MAX_HIERARCHIES)
                        continue;
                *c2 = 0;
                int root = hierarchy_open(c1 + 1);
                if (root < 0)
                        continue; /* not where nspawn finds it either: it makes its own layout there */
                c->h[c->n++] =
                        (struct hierarchy){.root_fd = root, .cpuset = has_controller(c1 + 1, "cpuset")};
        }
        if (r < 0) {
                unit_cgroup_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

struct unit_cgroup *unit_cgroup_free(struct unit_cgroup *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n; i++)
                safe_close(c->h[i].root_fd);
        free(c->unit);
        free(c);
        return NULL;
}

int unit_cgroup_create(struct unit_cgroup *c) {
        for (size_t i = 0; i < c->n; i++) {
                _cleanup_close_ int slice = cgroup_make(c->h[i].root_fd, SLICE, c->h[i].cpuset);
                if (slice < 0)
                        return slice;
                _cleanup_close_ int fd = cgroup_make(slice, c->unit, c->h[i].cpuset);
                if (fd < 0)
                        return fd;
                /* TasksMax=: the v1 pids hierarchy, or cgroup2 where pids is enabled for it */
                int r = cg_write(fd, "pids.max", UNIT_TASKS_MAX);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int unit_cgroup_join(const struct unit_cgroup *c) {
        for (size_t i = 0; i < c->n; i++) {
                char path[512];
                snprintf(path, sizeof path, SLICE "/%s", c->unit);
                _cleanup_close_ int fd = cg_open(c->h[i].root_fd, path);
                int r = fd < 0 ? fd : cg_write(fd, "cgroup.procs", "0");
                if (r < 0)
                        return r;
        }
        return 0;
}

int unit_cgroup_remove(struct unit_cgroup *c, unsigned wait_ms) {
        int ret = 0;
        for (size_t i = 0; i < c->n; i++) {
                _cleanup_close_ int slice = cg_open(c->h[i].root_fd, SLICE);
                if (slice < 0)
                        continue; /* gone, and the unit with it */
                int r = cg_remove_tree(slice, c->unit, false, wait_ms);
                if (r == -EBUSY)
                        r = cg_remove_tree(slice, c->unit, true, 5000);
                if (r < 0 && ret == 0)
                        ret = r;
                /* machine.slice too, unless another machine's cgroup is in it */
                (void) unlinkat(c->h[i].root_fd, SLICE, AT_REMOVEDIR);
        }
        return ret;
}
