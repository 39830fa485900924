/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The tree of a machine's cgroup, and signals to all of it. See cgroup-tree.h. */

#include "cgroup-tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"
#include "proc.h"
#include "registry.h"
#include "strv.h"

#define TREE_BRANCH "├─"
#define TREE_RIGHT "└─"
#define TREE_VERTICAL "│ "
#define TREE_SPACE "  "
#define KILL_PASSES 32
#define PF_KTHREAD 0x00200000

static bool is_cgroup2(const char *path) {
        struct statfs fs;
        return statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

int cgroup2_mount(const char **ret) {
        static const char *const where[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
        for (size_t i = 0; i < ELEMENTSOF(where); i++)
                if (is_cgroup2(where[i])) {
                        *ret = where[i];
                        return 0;
                }
        return -ENOMEDIUM;
}

bool cgroup_path_valid(const char *path) {
        if (!path || path[0] != '/')
                return false;
        for (const char *p = path; (p = strchr(p, '/')); p++)
                if (startswith(p, "/./") || streq(p, "/.") || startswith(p, "/../") || streq(p, "/.."))
                        return false;
        return true;
}

static int cgroup_open(const char *path) {
        const char *mount;
        int r = cgroup2_mount(&mount);
        if (r < 0)
                return r;
        if (!cgroup_path_valid(path))
                return -EINVAL;
        _cleanup_close_ int mfd = open(mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (mfd < 0)
                return -errno;
        if (streq(path, "/"))
                return openat(mfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = openat(mfd, path + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int cmp_pid(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return x < y ? -1 : x > y;
}

/* cgroup.procs of dfd, sorted. */
static int read_pids(int dfd, pid_t **ret, size_t *ret_n) {
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(dfd, "cgroup.procs", &text, 4 * 1024 * 1024);
        if (r < 0)
                return r;
        pid_t *a = NULL;
        size_t n = 0;
        for (char *p = text, *end; *p; p = end) {
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                pid_t *na = realloc(a, (n + 1) * sizeof(pid_t));
                if (!na) {
                        free(a);
                        return -ENOMEM;
                }
                a = na;
                a[n++] = (pid_t) v;
                end += strspn(end, "\n");
        }
        if (n > 1)
                qsort(a, n, sizeof(pid_t), cmp_pid);
        *ret = a;
        *ret_n = n;
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Child cgroups of dfd, sorted by name. */
static int read_children(int dfd, char ***ret) {
        int dup_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dup_fd < 0)
                return -errno;
        DIR *d = fdopendir(dup_fd);
        if (!d) {
                safe_close(dup_fd);
                return -errno;
        }
        char **l = NULL;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_type == DT_DIR && !streq(de->d_name, ".") && !streq(de->d_name, "..") &&
                    strv_extend(&l, de->d_name) < 0) {
                        closedir(d);
                        strv_free(l);
                        return -ENOMEM;
                }
        closedir(d);
        size_t n = strv_length(l);
        if (n > 1)
                qsort(l, n, sizeof(char *), cmp_str);
        *ret = l;
        return 0;
}

/* ---- the tree ---- */

static bool populated(int dfd) {
        _cleanup_free_ char *events = NULL;
        if (read_file_at(dfd, "cgroup.events", &events, 4096) < 0)
                return true;
        return strstr(events, "populated 1") != NULL;
}

static bool is_kernel_thread(pid_t pid) {
        char path[64];
        _cleanup_free_ char *s = NULL;
        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        if (pid == 2 || read_file_at(AT_FDCWD, path, &s, 4096) < 0)
                return pid == 2;
        char *p = strrchr(s, ')');
        unsigned flags;
        return p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) == 1 && (flags & PF_KTHREAD);
}

static void show_pids(const pid_t *pids, size_t n, const char *prefix, bool more, FILE *f) {
        pid_t max = 1;
        int width = 1;
        size_t shown = 0, last = 0;
        for (size_t i = 0; i < n; i++)
                if (!is_kernel_thread(pids[i])) {
                        max = MAX(max, pids[i]);
                        last = i;
                        shown++;
                }
        for (pid_t m = max; m >= 10; m /= 10)
                width++;
        for (size_t i = 0; shown > 0 && i < n; i++) {
                _cleanup_free_ char *cmd = NULL;
                if (is_kernel_thread(pids[i]))
                        continue;
                if (proc_cmdline(pids[i], &cmd) < 0)
                        continue; /* gone meanwhile */
                fprintf(f, "%s%s%*d %s\n", prefix, more || i < last ? TREE_BRANCH : TREE_RIGHT, width,
                        (int) pids[i], cmd);
        }
}

static int show_dfd(int dfd, const char *prefix, bool show_empty, FILE *f) {
        _cleanup_strv_free_ char **children = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n_pids = 0;
        int r = read_children(dfd, &children);
        if (r < 0)
                return r;
        if (!children && !(children = calloc(1, sizeof(char *))))
                return -ENOMEM;
        /* the children worth showing: not empty ones, unless -a */
        char **keep = children;
        STRV_FOREACH(c, children) {
                _cleanup_close_ int cfd = openat(dfd, *c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd >= 0 && (show_empty || populated(cfd)))
                        *keep++ = *c;
                else
                        free(*c);
        }
        *keep = NULL;
        if (read_pids(dfd, &pids, &n_pids) >= 0)
                show_pids(pids, n_pids, prefix, children[0] != NULL, f);
        STRV_FOREACH(c, children) {
                bool last = !c[1];
                _cleanup_free_ char *sub = NULL;
                fprintf(f, "%s%s%s\n", prefix, last ? TREE_RIGHT : TREE_BRANCH, **c == '_' ? *c + 1 : *c);
                if (asprintf(&sub, "%s%s", prefix, last ? TREE_SPACE : TREE_VERTICAL) < 0)
                        return -ENOMEM;
                _cleanup_close_ int cfd = openat(dfd, *c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd >= 0)
                        (void) show_dfd(cfd, sub, show_empty, f);
        }
        return 0;
}

int cgroup_show_tree(const char *path, const char *prefix, bool show_empty, FILE *f) {
        _cleanup_close_ int dfd = cgroup_open(path);
        if (dfd < 0)
                return dfd;
        return show_dfd(dfd, prefix, show_empty, f);
}

/* ---- signals ---- */

struct kill_state {
        const char *path;
        int sig;
        pid_t *done;
        size_t n_done;
        int error;
};

/* Is pid (whose pidfd we hold) inside the subtree? Read after pidfd_open, checked alive after. */
static bool in_subtree(const char *path, pid_t pid, int pidfd) {
        _cleanup_free_ char *cg = NULL;
        uint64_t start;
        if (registry_process_identity(pid, &start, &cg) < 0 || !cg || !pidfd_alive(pidfd))
                return false;
        const char *rest = startswith(cg, path);
        return rest && (*rest == 0 || *rest == '/' || streq(path, "/"));
}

static int kill_dfd(struct kill_state *k, int dfd) {
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_strv_free_ char **children = NULL;
        size_t n = 0;
        int signalled = 0;
        if (read_pids(dfd, &pids, &n) < 0)
                return 0; /* removed meanwhile */
        for (size_t i = 0; i < n; i++) {
                bool seen = false;
                for (size_t j = 0; j < k->n_done && !seen; j++)
                        seen = k->done[j] == pids[i];
                if (seen)
                        continue;
                _cleanup_close_ int pidfd = pidfd_open_pid(pids[i]);
                if (pidfd < 0 || !in_subtree(k->path, pids[i], pidfd))
                        continue;
                int r = pidfd_signal(pidfd, k->sig);
                if (r < 0 && r != -ESRCH && k->error == 0)
                        k->error = r;
                pid_t *nd = realloc(k->done, (k->n_done + 1) * sizeof(pid_t));
                if (!nd)
                        return -ENOMEM;
                k->done = nd;
                k->done[k->n_done++] = pids[i];
                signalled++;
        }
        if (read_children(dfd, &children) < 0)
                return signalled;
        STRV_FOREACH(c, children) {
                _cleanup_close_ int cfd = openat(dfd, *c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0)
                        continue;
                int r = kill_dfd(k, cfd);
                if (r < 0)
                        return r;
                signalled += r;
        }
        return signalled;
}

int cgroup_kill_recursive(const char *path, int sig) {
        struct kill_state k = {.path = path, .sig = sig};
        _cleanup_close_ int dfd = cgroup_open(path);
        int r = 0, total = 0;
        if (dfd < 0)
                return dfd;
        /* Processes may fork while we go: again until a pass meets nobody new. */
        for (int pass = 0; pass < KILL_PASSES; pass++) {
                r = kill_dfd(&k, dfd);
                if (r <= 0)
                        break;
                total += r;
        }
        free(k.done);
        if (r < 0)
                return r;
        return k.error < 0 ? k.error : total;
}
