/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * --resolv-conf and --timezone: the guest's /etc/resolv.conf and /etc/localtime from the host's.
 *
 * Two steps, so that nothing is ever written through a path of the image while the host is
 * visible: integration_prepare() runs in the child before pivot_root and takes what it needs
 * from the HOST only (file contents into memory, detached read-only mounts for the bind modes,
 * the zone name of the host's /etc/localtime link); integration_apply() runs after pivot_root,
 * where a symlink in the image can only lead into the container, and writes into the image.
 * As in systemd-nspawn, failures are warnings: they are collected in ctx->warnings.
 */

#include <stdbool.h>

#include "settings.h"

struct integration_context {
        enum resolv_conf resolv; /* resolved mode, never RESOLV_CONF_AUTO */
        enum timezone_mode tz;   /* resolved mode, never TIMEZONE_AUTO */
        char *resolv_data;       /* the host file's contents (copy, replace, bind fallback) */
        size_t resolv_size;
        int resolv_mount_fd; /* bind-*: detached read-only mount of the host file */
        char *tz_data;       /* contents of the host's /etc/localtime (binary) */
        size_t tz_size;
        char *tz_zone;   /* symlink: "Europe/Berlin" */
        int tz_mount_fd; /* bind (and symlink's fallback) */
        char **warnings;
};

#define INTEGRATION_CONTEXT_INIT                                                                            \
        { .resolv_mount_fd = -EBADF, .tz_mount_fd = -EBADF }

/* Host paths (overridable for tests). */
struct integration_host {
        const char *etc_resolv_conf;    /* /etc/resolv.conf */
        const char *static_resolv_conf; /* /usr/lib/systemd/resolv.conf */
        const char *uplink_resolv_conf; /* /run/systemd/resolve/resolv.conf */
        const char *stub_resolv_conf;   /* /run/systemd/resolve/stub-resolv.conf */
        const char *proc_net_udp;       /* /proc/net/udp: is resolved's stub listening? */
        const char *localtime;          /* /etc/localtime */
};
extern const struct integration_host integration_host_default;

/* Before pivot_root, with the host's file system visible. Returns 0 or -ENOMEM; everything else
 * is a warning. */
int integration_prepare(const struct settings *s, const struct integration_host *host,
                        struct integration_context *ctx);
/* After pivot_root; root_fd is the container's "/". Returns 0 or -ENOMEM. */
int integration_apply(struct integration_context *ctx, int root_fd);
void integration_context_done(struct integration_context *ctx);

/* ---- the decisions, pure (unit-tested) ---- */

/* /etc is writable: not --read-only, or a volatile mode that puts a tmpfs under /etc. */
bool integration_etc_writable(const struct settings *s);

/* systemd-nspawn's auto logic for --resolv-conf. */
enum resolv_conf resolv_conf_resolve(enum resolv_conf m, bool private_network, bool stub_listening,
                                     bool host_exists, bool etc_writable);
/* The host file a mode copies or binds; NULL for off/delete/auto. */
const char *resolv_conf_source(enum resolv_conf m, const struct integration_host *host);
bool resolv_conf_is_bind(enum resolv_conf m);
bool resolv_conf_is_replace(enum resolv_conf m);
/* resolved's stub (127.0.0.53:53) in the text of /proc/net/udp. */
bool resolved_stub_listening(const char *proc_net_udp);

/* --timezone=auto: host_link_result is the result of readlink() on the host's /etc/localtime
 * (0: a symlink, -ENOENT: missing, -EINVAL: a regular file, other: error). Returns the mode, or
 * -1 when nothing can be done (a warning). */
int timezone_resolve(enum timezone_mode m, int host_link_result, bool etc_writable);
/* The zone of a link target below /usr/share/zoneinfo/ ("../usr/share/zoneinfo/Europe/Berlin"
 * → "Europe/Berlin"), or NULL. */
const char *timezone_from_path(const char *target);
