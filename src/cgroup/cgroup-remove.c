/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Removing the container's cgroups once PID 1 is gone: by the guard (cgroup_guard, see guard.h)
 * when nspawn ends (cgroup_hand_over) or was SIGKILLed, by nspawn itself (cgroup_destroy) before a
 * restart, after a failure and where no guard can do it. Leftovers are killed first.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "macro.h"

/* ---- removal ---- */

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
        struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
        nanosleep(&ts, NULL);
}

/*
 * Remove the cgroup parent_fd/name and everything below it, deepest first (the guest may have
 * made sub-cgroups). With kill, processes still in it are killed (they can only be leftovers:
 * PID 1 is gone, and with it its PID namespace) and the removal retried for up to a second;
 * without, a populated cgroup is -EBUSY.
 */
int cg_remove_tree(int parent_fd, const char *name, bool kill_procs) {
        /* the common case first: an empty cgroup without children (a v1 rmdir is ~40 us, the walk
         * below costs as much again) */
        if (unlinkat(parent_fd, name, AT_REMOVEDIR) >= 0 || errno == ENOENT)
                return 0;
        if (errno != EBUSY && errno != ENOTEMPTY)
                return -errno;

        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        int r = 0;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        int dfd = dup(fd);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d) {
                safe_close(dfd);
                return -errno;
        }
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_type == DT_DIR && !streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        int k = cg_remove_tree(fd, de->d_name, kill_procs);
                        if (k < 0 && r == 0)
                                r = k;
                }
        closedir(d);
        if (r < 0)
                return r;
        for (int attempt = 0;; attempt++) {
                if (unlinkat(parent_fd, name, AT_REMOVEDIR) >= 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || !kill_procs || attempt >= 1000)
                        return -errno;
                /* cgroup.kill (cgroup2, Linux 5.14) takes the whole subtree at once */
                if (cg_write(fd, "cgroup.kill", "1") < 0)
                        kill_listed(fd);
                sleep_ms(1);
        }
}

/* Remove the empty parents of path (relative to the hierarchy's root), e.g. machine.slice. A
 * busy one (another container's) ends the walk. */
static void remove_parents(int root_fd, const char *path) {
        _cleanup_free_ char *p = strdup(path);
        char *slash;

        while (p && (slash = strrchr(p, '/'))) {
                *slash = 0;
                if (unlinkat(root_fd, p, AT_REMOVEDIR) < 0)
                        return;
        }
}

/* Is w one of the whitespace-separated words of list? */
static bool word_in(const char *list, const char *w) {
        size_t l = strlen(w);
        for (const char *p = list; (p = strstr(p, w)); p += l)
                if ((p == list || strchr(" \n", p[-1])) && strchr(" \n", p[l]))
                        return true;
        return false;
}

/* Undo what --keep-unit changed on cgroup2: controllers we enabled for payload, nspawn's move
 * to own/supervisor. */
static void restore_supervisor(struct hierarchy *h) {
        if (!h->supervisor)
                return;
        _cleanup_close_ int own = cg_open(h->root_fd, h->own);
        char buf[32];

        if (own < 0)
                return;
        if (h->saved_subtree) {
                _cleanup_free_ char *now = NULL;
                char *save = NULL;
                if (cg_read(own, "cgroup.subtree_control", &now) >= 0)
                        for (char *w = strtok_r(now, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
                                if (word_in(h->saved_subtree, w))
                                        continue;
                                snprintf(buf, sizeof buf, "-%s", w);
                                (void) cg_write(own, "cgroup.subtree_control", buf);
                        }
                free(h->saved_subtree);
                h->saved_subtree = NULL;
        }
        (void) cg_write(own, "cgroup.procs", "0");
        (void) unlinkat(h->root_fd, h->supervisor, AT_REMOVEDIR);
}

/* ---- the guard: removal after a SIGKILLed supervisor ---- */

static ino_t dir_ino(int root_fd, const char *path) {
        struct stat st;
        return fstatat(root_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 ? 0 : st.st_ino;
}

/* Remove R and P of one hierarchy if they are still the ones we made (same inode: a new run of
 * the same machine may have made new ones meanwhile). -EBUSY while the container still dies. */
static int guard_remove(struct cgroup_context *c, struct hierarchy *h) {
        bool ours = dir_ino(h->root_fd, h->p) == h->p_ino;
        int r = 0;

        if (ours && dir_ino(h->root_fd, h->r) == h->r_ino)
                r = cg_remove_tree(h->root_fd, h->r, true);
        if (h->systemd) /* systemd removes its scope once it is empty */
                return r;
        if (ours && r >= 0 && !streq(h->p, h->r))
                r = cg_remove_tree(h->root_fd, h->p, true);
        if (ours && r >= 0 && !h->in_unit)
                remove_parents(h->root_fd, h->p);
        return r;
}

/* In the guard, once we are done or dead: PID 1 dies by PR_SET_PDEATHSIG with us, so give the
 * cgroups up to 10 s to empty. After a normal exit R and P are gone or belong to a new run, and
 * the guard finds nothing of its own. */
static void guard_cleanup(void *userdata) {
        struct cgroup_context *c = userdata;

        for (int attempt = 0; attempt < 100; attempt++) {
                bool busy = false;
                for (size_t i = 0; i < c->n; i++)
                        if (c->h[i].realized && guard_remove(c, &c->h[i]) == -EBUSY)
                                busy = true;
                if (!busy)
                        break;
                sleep_ms(100);
        }
        if (c->also.fn)
                c->also.fn(c->also.userdata);
}

int cgroup_guard(struct cgroup_context *c, const struct guard_duty *also) {
        int keep[c ? c->n + ELEMENTSOF(c->also.fds) : 1];
        size_t n = 0;

        if (!c)
                return 0;
        guard_release(&c->guard); /* the previous run's */
        for (size_t i = 0; i < c->n; i++) {
                c->h[i].r_ino = dir_ino(c->h[i].root_fd, c->h[i].r);
                c->h[i].p_ino = dir_ino(c->h[i].root_fd, c->h[i].p);
                keep[n++] = c->h[i].root_fd;
        }
        c->also = also ? *also : (struct guard_duty){};
        for (size_t i = 0; i < c->also.n_fds && i < ELEMENTSOF(c->also.fds); i++)
                keep[n++] = c->also.fds[i];
        return guard_start(&c->guard, "nspawn-cgguard", keep, n, guard_cleanup, c);
}

int cgroup_guard_adopt_fds(struct cgroup_context *c, const int *fds, size_t n) {
        return c ? guard_adopt_fds(&c->guard, fds, n) : -ESRCH;
}

int cgroup_hand_over(struct cgroup_context *c) {
        if (!c || c->backend != CGROUP_BACKEND_CGROUPFS)
                return -EOPNOTSUPP;
        for (size_t i = 0; i < c->n; i++)
                if (c->h[i].supervisor || c->h[i].systemd)
                        return -EOPNOTSUPP; /* nspawn itself moves back (restore_supervisor); systemd's */
        int r = guard_hand_over(&c->guard);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n; i++)
                c->h[i].realized = c->h[i].entered = c->h[i].program_attached = false;
        return 0;
}

int cgroup_destroy(struct cgroup_context *c) {
        int r = 0;

        if (!c)
                return 0;
        for (size_t i = 0; i < c->n; i++) {
                struct hierarchy *h = &c->h[i];
                /* also when realizing failed half-way, after nspawn moved to own/supervisor */
                restore_supervisor(h);
                if (!h->realized)
                        continue;
                int k = cg_remove_tree(h->root_fd, h->r, true);
                if (k >= 0 && !streq(h->p, h->r) && !h->systemd)
                        k = cg_remove_tree(h->root_fd, h->p, true);
                if (k >= 0 && !h->in_unit && !h->systemd)
                        remove_parents(h->root_fd, h->p);
                if (k < 0 && r == 0)
                        r = k;
                h->realized = h->entered = h->program_attached = false;
        }
        /* the guard stays until the next run's guard or cgroup_context_free(): its cgroups are
         * gone, but it still holds the registry record (see cgroup_guard()) */
        c->scope = cgroup_scope_stop(c->scope);
        return r;
}
