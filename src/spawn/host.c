/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host work in the supervisor (struct spawn_host, spawn.h): before each clone, everything the
 * container takes from the host is opened or done here, with the host's privileges and view —
 * the tree's bind, host-path mount sources and os-release, resolv.conf and localtime, the host
 * side of --link-journal, the host PID 1's limits, --network-namespace-path's namespace. The
 * child inherits the result and only mounts and writes inside its own namespaces. (With a user
 * namespace the child has no host privilege left at all: this is where what needs it happens.)
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

#include "errmsg.h"
#include "macro.h"
#include "network.h"
#include "spawn.h"
#include "strv.h"
#include "userns.h"

/* The host PID 1's limits the payload starts with (spawn.h); our own where PID 1's cannot be read. */
static void read_host_limits(struct spawn_host *ret) {
        if (prlimit(1, RLIMIT_NPROC, NULL, &ret->init_nproc) < 0)
                (void) getrlimit(RLIMIT_NPROC, &ret->init_nproc);
        if (prlimit(1, RLIMIT_SIGPENDING, NULL, &ret->init_sigpending) < 0)
                (void) getrlimit(RLIMIT_SIGPENDING, &ret->init_sigpending);
}

/* --network-namespace-path: the child joins it instead of making one (child.c). As systemd-nspawn,
 * in its words: the file must be a network namespace. */
static int open_netns(const char *path, int *ret, char **ret_error) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);

        if (fd < 0)
                return error_setf(ret_error, -errno, "Cannot open file %s: %m", path);
        int type = ioctl(fd, NS_GET_NSTYPE);
        if (type < 0 && errno != ENOTTY)
                return error_setf(ret_error, -errno, "Failed to check %s fs type: %m", path);
        if (type != CLONE_NEWNET)
                return error_setf(ret_error, -EINVAL,
                                  "Path %s doesn't refer to a network namespace, refusing.", path);
        *ret = TAKE_FD(fd);
        return 0;
}

/* With the address pool, --resolv-conf=auto (systemd-nspawn's "off" with a private network) copies
 * the pool's resolv.conf — its DNS forwarder on the gateway — into the image. The pool's warnings
 * go with the integration's: the child reports them. */
static int pool_resolv_conf(const struct spawn_params *p, struct spawn_host *host, char **ret_error) {
        _cleanup_strv_free_ char **warnings = NULL;
        const char *text;
        int r = network_resolv_conf(p->network, &text, &warnings, ret_error);

        if (r < 0)
                return r;
        STRV_FOREACH(w, warnings)
        (void) strv_extend(&host->integ.warnings, *w);
        if (!text || p->settings->resolv_conf != RESOLV_CONF_AUTO || !integration_etc_writable(p->settings))
                return 0;
        char *data = strdup(text);
        if (!data)
                return -ENOMEM;
        free(host->integ.resolv_data);
        host->integ.resolv_data = data;
        host->integ.resolv_size = strlen(data);
        host->integ.resolv = RESOLV_CONF_COPY_STATIC;
        return 0;
}

int spawn_host_prepare(const struct spawn_params *p, struct spawn_host *host, char **ret_error) {
        const struct settings *s = p->settings;
        int r;

        *host = (struct spawn_host) SPAWN_HOST_INIT;
        host->tree_mnt = open_tree(p->tree_fd, "",
                                   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
        if (host->tree_mnt < 0)
                return error_setf(ret_error, -errno, "Failed to bind the tree %s: %m", p->root);
        r = mount_sources_open(s, &host->mounts, ret_error);
        if (r >= 0 && p->userns) /* what the namespace's root may not make itself */
                r = mount_sources_open_userns(s, p->tree_fd, &host->mounts, ret_error);
        if (r >= 0 && p->userns) {
                _cleanup_free_ const char **homes = NULL;
                r = userns_bind_user_homes(p->userns, &homes);
                if (r >= 0)
                        r = mount_sources_open_homes(homes, &host->mounts, ret_error);
        }
        if (r < 0)
                return r;
        r = integration_prepare(s, &integration_host_default, &host->integ);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to prepare /etc/resolv.conf and /etc/localtime: %s",
                                  strerror(-r));
        if ((r = pool_resolv_conf(p, host, ret_error)) < 0)
                return r;
        r = journal_prepare(s, p->uuid, p->root, JOURNAL_HOST_DIR, "/etc/machine-id", &host->journal);
        if (r < 0) {
                *ret_error = TAKE_PTR(host->journal.error);
                return r;
        }
        read_host_limits(host);
        if (s->network_namespace_path)
                return open_netns(s->network_namespace_path, &host->netns_fd, ret_error);
        return 0;
}

void spawn_host_done(struct spawn_host *host) {
        host->tree_mnt = safe_close(host->tree_mnt);
        mount_sources_done(&host->mounts);
        integration_context_done(&host->integ);
        journal_context_done(&host->journal);
        host->netns_fd = safe_close(host->netns_fd);
}

size_t spawn_host_fds(const struct spawn_host *host, int **ret) {
        size_t max = 5 + 2 + MOUNT_DEV_NODES + host->mounts.n_custom + host->mounts.n_homes, n = 0;
        int *fds = malloc(max * sizeof(int));

        *ret = fds;
        if (!fds)
                return 0;
        fds[n++] = host->tree_mnt;
        fds[n++] = host->integ.resolv_mount_fd;
        fds[n++] = host->integ.tz_mount_fd;
        fds[n++] = host->journal.host_mount_fd;
        fds[n++] = host->netns_fd;
        n += mount_sources_fds(&host->mounts, fds + n, max - n);
        return n;
}
