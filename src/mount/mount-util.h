/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Private to the mount-*.c files (not part of mount.h's API): the attribute sets they share, the
 * error recorder and the small primitives of the new mount API (mount-util.c), and the entry
 * points one part of the file system setup calls in another.
 *
 *   mount.c           the table of API file systems; prepare / pivot / finish
 *   mount-util.c      errors and mount primitives on file descriptors
 *   mount-dev.c       the contents of /dev
 *   mount-run-host.c  /run/host: inaccessible nodes, identity files, os-release; sealing it
 *   mount-custom.c    custom mounts (bind, tmpfs, overlay, inaccessible), their order, scratch dirs
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/types.h>

#include "errmsg.h"
#include "macro.h"
#include "mount.h"

#define ATTR_NSDE (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
#define ATTR_RO_NSDE (MOUNT_ATTR_RDONLY | ATTR_NSDE)
#define ATTR_TMPFS (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_STRICTATIME)

/* ---- errors ----------------------------------------------------------------------------------- */

/* Record the first failure as a message for the parent to log; returns r. */
#define mount_fail(ctx, r, ...) error_setf(&(ctx)->error, (r), __VA_ARGS__)

/* r if it is an error already, else -errno. */
static inline int mount_err(int r) {
        return r < 0 ? r : negative_errno();
}

/* ---- mount-util.c: small mount primitives ------------------------------------------------------ */

/* Attach the detached mount mnt_fd on the mount point target_fd. */
int mount_attach(int mnt_fd, int target_fd);
/* mount_setattr on fd itself (flags: 0 or AT_RECURSIVE). */
int mount_set_attrs(int fd, unsigned flags, uint64_t attrs);
/* A detached copy of the mount at fd (or of the subtree there), with attrs applied. */
int mount_clone_tree(int fd, const char *path, bool recursive, uint64_t attrs);
/* A new, detached instance of a file system: fsopen → options → create → fsmount. */
/* A detached overlayfs: lowerdir (":"-separated, top first), upperdir and workdir (both NULL for
 * a read-only overlay), as paths (e.g. /proc/self/fd/N). */
int mount_overlay_new(const char *lower, const char *upper, const char *work, bool read_only);
int mount_fs_new(const char *type, const char *source, const char *options, uint64_t attrs);
/* A new file system on the mount point target_fd with mount(2) (needs /proc: not for /proc). */
int mount_fs_at(int target_fd, const char *type, const char *source, const char *options, uint64_t attrs);

/* ---- setup hooks of the API file system table --------------------------------------------------- */

/* mount-dev.c: device nodes, links and mount points in the fresh /dev tmpfs (fd: its root). */
int mount_dev_setup(struct mount_context *ctx, int fd);
/* The device nodes a container gets, below /dev (MOUNT_DEV_NODES, mount_sources.dev's order). */
extern const char *const mount_dev_node_names[MOUNT_DEV_NODES];
/* mount-run-host.c: /run/host's mount point in the fresh /run; the contents of /run/host. */
int mount_run_setup(struct mount_context *ctx, int fd);
int mount_run_host_setup(struct mount_context *ctx, int fd);

/* ---- mount-run-host.c ------------------------------------------------------------------------------ */

/* Before pivot: the host's os-release as a detached read-only mount, for /run/host/os-release. */
int mount_os_release_open(void);
/* The inaccessible node of a file type (S_IFREG ...) below /run/host/inaccessible, O_PATH. */
int mount_inaccessible_open(int root_fd, mode_t type);

/* ---- mount-custom.c ------------------------------------------------------------------------------ */

/* Before pivot: detached mounts of the host-side sources of --bind and --overlay. */
int mount_custom_prepare(struct mount_context *ctx, int tree_fd);
/* A custom mount whose sources are all on the host (not "+path", no throw-away directory): the
 * supervisor makes it (mount_sources_open()). */
bool custom_mount_from_host(const struct custom_mount *m);
/* Custom mount i's detached mount (a bind or an overlay), to attach after pivot; tree_fd for
 * "+path" sources. */
int mount_custom_make_source(struct mount_context *ctx, int tree_fd, size_t i);
/* After pivot, after the API file systems: every custom mount, in mount_custom_order(). */
int mount_custom_apply_all(struct mount_context *ctx, int root_fd);
