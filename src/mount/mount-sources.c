/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's part of the container's file system (see struct mount_sources in mount.h). Runs in
 * the supervisor, before each clone, with the host's privileges and view: what comes from host
 * paths is opened here, never in the child.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "macro.h"
#include "mount-util.h"

void mount_sources_done(struct mount_sources *m) {
        safe_close(m->os_release);
        safe_close(m->sysfs);
        close_many(m->dev, MOUNT_DEV_NODES);
        if (m->homes)
                close_many(m->homes, m->n_homes);
        free(m->homes);
        if (m->custom)
                close_many(m->custom, m->n_custom);
        free(m->custom);
        *m = (struct mount_sources) MOUNT_SOURCES_INIT;
}

size_t mount_sources_fds(const struct mount_sources *m, int *fds, size_t max) {
        size_t n = 0;
        if (m->os_release >= 0 && n < max)
                fds[n++] = m->os_release;
        for (size_t i = 0; i < m->n_custom && n < max; i++)
                if (m->custom[i] >= 0)
                        fds[n++] = m->custom[i];
        if (m->sysfs >= 0 && n < max)
                fds[n++] = m->sysfs;
        for (size_t i = 0; i < MOUNT_DEV_NODES && n < max; i++)
                if (m->dev[i] >= 0)
                        fds[n++] = m->dev[i];
        for (size_t i = 0; i < m->n_homes && n < max; i++)
                if (m->homes[i] >= 0)
                        fds[n++] = m->homes[i];
        return n;
}

int mount_sources_open_homes(const char *const *homes, struct mount_sources *m, char **ret_error) {
        size_t n = 0;

        while (homes && homes[n])
                n++;
        if (n == 0)
                return 0;
        if (!(m->homes = malloc(n * sizeof(int))))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                m->homes[i] = -EBADF;
        m->n_homes = n;
        for (size_t i = 0; i < n; i++) {
                m->homes[i] = mount_clone_tree(AT_FDCWD, homes[i], true, 0);
                if (m->homes[i] < 0)
                        return error_setf(ret_error, m->homes[i], "Failed to bind the home directory %s: %s",
                                          homes[i], strerror(-m->homes[i]));
        }
        return 0;
}

/* "+path" binds that want an id map: made here, from the tree, since the map can only be given by
 * the supervisor (userns.h) and only to a mount the child has not attached yet. */
static int idmapped_tree_binds(const struct settings *s, int tree_fd, struct mount_sources *m,
                               char **ret_error) {
        struct mount_context ctx = MOUNT_CONTEXT_INIT;
        int r = 0;

        ctx.settings = s;
        for (size_t i = 0; r >= 0 && i < m->n_custom; i++) {
                const struct custom_mount *cm = &s->custom_mounts[i];
                if (cm->type != CUSTOM_MOUNT_BIND || cm->idmap == IDMAP_NONE || isempty(cm->source) ||
                    cm->source[0] != '+')
                        continue;
                m->custom[i] = mount_custom_make_source(&ctx, tree_fd, i);
                if (m->custom[i] < 0) {
                        r = m->custom[i];
                        *ret_error = TAKE_PTR(ctx.error);
                }
        }
        mount_context_done(&ctx);
        return r;
}

int mount_sources_open_userns(const struct settings *s, int tree_fd, struct mount_sources *m,
                              char **ret_error) {
        int r = idmapped_tree_binds(s, tree_fd, m, ret_error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < MOUNT_DEV_NODES; i++) {
                char path[32];
                snprintf(path, sizeof path, "/dev/%s", mount_dev_node_names[i]);
                m->dev[i] = mount_clone_tree(AT_FDCWD, path, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
                if (m->dev[i] == -ENOENT)
                        continue; /* /dev/net/tun: only where the host has it */
                if (m->dev[i] < 0)
                        return error_setf(ret_error, m->dev[i], "Failed to bind %s for the container: %s",
                                          path, strerror(-m->dev[i]));
        }
        if (s->private_network)
                return 0;
        m->sysfs = mount_fs_new("sysfs", "sysfs", NULL, ATTR_RO_NSDE);
        /* an unprivileged caller's child (rootless) may not make one of the host's network
         * namespace either: the host's /sys, read-only, with what is mounted below it */
        if (m->sysfs == -EPERM || m->sysfs == -EINVAL)
                m->sysfs = mount_clone_tree(AT_FDCWD, "/sys", true, ATTR_RO_NSDE);
        if (m->sysfs < 0)
                return error_setf(ret_error, m->sysfs, "Failed to mount sysfs for the container: %s",
                                  strerror(-m->sysfs));
        return 0;
}

int mount_sources_open(const struct settings *s, struct mount_sources *ret, char **ret_error) {
        struct mount_sources m = MOUNT_SOURCES_INIT;
        struct mount_context ctx = MOUNT_CONTEXT_INIT; /* for the custom mounts' code, on the host */
        int r = 0;

        ctx.settings = s;
        m.os_release = mount_os_release_open();
        if (m.os_release < 0 && m.os_release != -ENOENT)
                r = error_setf(ret_error, m.os_release, "Failed to open the host's os-release: %s",
                               strerror(-m.os_release));
        m.n_custom = s->n_custom_mounts;
        if (r >= 0 && m.n_custom > 0 && !(m.custom = malloc(m.n_custom * sizeof(int))))
                r = -ENOMEM;
        for (size_t i = 0; i < m.n_custom && m.custom; i++)
                m.custom[i] = -EBADF;
        for (size_t i = 0; r >= 0 && i < m.n_custom; i++) {
                if (!custom_mount_from_host(&s->custom_mounts[i]))
                        continue; /* "+path" and throw-away sources: the child's */
                m.custom[i] = mount_custom_make_source(&ctx, -EBADF, i);
                if (m.custom[i] < 0) {
                        r = m.custom[i];
                        *ret_error = TAKE_PTR(ctx.error);
                }
        }
        mount_context_done(&ctx);
        if (r < 0) {
                mount_sources_done(&m);
                return r;
        }
        *ret = m;
        return 0;
}
