/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * Removing the container's cgroups by nspawn itself (cgroup_destroy): before a restart, after a
 * failed start, and where nspawn changed something the guard cannot put back (--keep-unit's move
 * of nspawn, a systemd scope). Leftovers are killed first. Otherwise the guard removes them once
 * nspawn is gone (undo_register() in cgroup.c, guard.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "macro.h"

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

/* Remove R and P of one hierarchy (killing what is left), then the empty slices above. */
static int hierarchy_destroy(struct hierarchy *h) {
        int r = cg_remove_tree(h->root_fd, h->r, true, 1000);
        if (r >= 0 && !streq(h->p, h->r) && !h->systemd)
                r = cg_remove_tree(h->root_fd, h->p, true, 1000);
        if (r >= 0 && !h->in_unit && !h->systemd)
                cg_remove_parents(h->root_fd, h->p);
        return r;
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
                int k = hierarchy_destroy(h);
                if (k < 0 && r == 0)
                        r = k;
                h->realized = h->entered = h->program_attached = false;
        }
        /* the guard's duties stay: the next run (a restart) makes the same cgroups again */
        c->scope = cgroup_scope_stop(c->scope);
        return r;
}

int cgroup_finish(struct cgroup_context *c) {
        if (!c)
                return 0;
        for (size_t i = 0; i < c->n; i++)
                if (c->h[i].supervisor || c->h[i].systemd)
                        return cgroup_destroy(c); /* nspawn moves itself back; systemd's scope */
        return 0;
}

void cgroup_reclaim(const struct cgroup_context *c, const char *path) {
        _cleanup_free_ char *p = strdup(path ? path + strspn(path, "/") : "");

        if (!c || isempty(p) || strstr(p, "..")) /* only what nspawn itself wrote */
                return;
        /* R = P/payload with P = .../machine-NAME.scope: the scope is ours; else (--keep-unit's
         * own/payload) only R is */
        char *slash = strrchr(p, '/');
        if (slash && streq(slash, "/payload") && (*slash = 0, !endswith(p, ".scope")))
                *slash = '/';
        for (size_t i = 0; i < c->n; i++)
                if (cg_remove_tree(c->h[i].root_fd, p, false, 0) >= 0 && endswith(p, ".scope"))
                        cg_remove_parents(c->h[i].root_fd, p);
}
