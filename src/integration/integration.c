/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "integration.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chase.h"
#include "errmsg.h"
#include "fdutil.h"
#include "macro.h"

/* Large enough for any resolv.conf and any zoneinfo file. */
#define HOST_FILE_MAX (1024 * 1024)

const struct integration_host integration_host_default = {
        .etc_resolv_conf = "/etc/resolv.conf",
        .static_resolv_conf = "/usr/lib/systemd/resolv.conf",
        .uplink_resolv_conf = "/run/systemd/resolve/resolv.conf",
        .stub_resolv_conf = "/run/systemd/resolve/stub-resolv.conf",
        .proc_net_udp = "/proc/net/udp",
        .localtime = "/etc/localtime",
};

#define warn(ctx, ...) strv_pushf(&(ctx)->warnings, __VA_ARGS__)

/* ---- decisions ---- */

/* As systemd: /etc is writable unless the tree is read-only (--read-only, --volatile=state); the
 * volatile yes/overlay modes put a writable layer over it. */
bool integration_etc_writable(const struct settings *s) {
        if (s->volatile_mode == VOLATILE_YES || s->volatile_mode == VOLATILE_OVERLAY)
                return true;
        return !s->read_only && s->volatile_mode != VOLATILE_STATE;
}

enum resolv_conf resolv_conf_resolve(enum resolv_conf m, bool private_network, bool stub_listening,
                                     bool host_exists, bool etc_writable) {
        if (m != RESOLV_CONF_AUTO)
                return m;
        if (private_network)
                return RESOLV_CONF_OFF;
        if (stub_listening)
                return etc_writable ? RESOLV_CONF_COPY_STUB : RESOLV_CONF_BIND_STUB;
        if (host_exists)
                return etc_writable ? RESOLV_CONF_COPY_HOST : RESOLV_CONF_BIND_HOST;
        return etc_writable ? RESOLV_CONF_DELETE : RESOLV_CONF_OFF;
}

const char *resolv_conf_source(enum resolv_conf m, const struct integration_host *host) {
        switch (m) {
        case RESOLV_CONF_COPY_HOST:
        case RESOLV_CONF_REPLACE_HOST:
        case RESOLV_CONF_BIND_HOST:
                return host->etc_resolv_conf;
        case RESOLV_CONF_COPY_STATIC:
        case RESOLV_CONF_REPLACE_STATIC:
        case RESOLV_CONF_BIND_STATIC:
                return host->static_resolv_conf;
        case RESOLV_CONF_COPY_UPLINK:
        case RESOLV_CONF_REPLACE_UPLINK:
        case RESOLV_CONF_BIND_UPLINK:
                return host->uplink_resolv_conf;
        case RESOLV_CONF_COPY_STUB:
        case RESOLV_CONF_REPLACE_STUB:
        case RESOLV_CONF_BIND_STUB:
                return host->stub_resolv_conf;
        default:
                return NULL;
        }
}

bool resolv_conf_is_bind(enum resolv_conf m) {
        return m == RESOLV_CONF_BIND_HOST || m == RESOLV_CONF_BIND_STATIC || m == RESOLV_CONF_BIND_UPLINK ||
               m == RESOLV_CONF_BIND_STUB;
}

bool resolv_conf_is_replace(enum resolv_conf m) {
        return m == RESOLV_CONF_REPLACE_HOST || m == RESOLV_CONF_REPLACE_STATIC ||
               m == RESOLV_CONF_REPLACE_UPLINK || m == RESOLV_CONF_REPLACE_STUB;
}

/* "sl local_address rem_address st ..." rows; the stub binds 127.0.0.53:53 ("3500007F:0035" in
 * the kernel's little-endian hex). This replaces systemd's D-Bus question to resolved
 * (DNSStubListener=yes|udp) with what that answer means: the stub socket exists. */
bool resolved_stub_listening(const char *proc_net_udp) {
        for (const char *l = proc_net_udp; l && *l;) {
                const char *colon = strchr(l, ':');
                const char *end = strchrnul(l, '\n');
                if (colon && colon < end) {
                        const char *addr = colon + 1;
                        while (*addr == ' ')
                                addr++;
                        if (strncmp(addr, "3500007F:0035 ", 14) == 0)
                                return true;
                }
                l = *end ? end + 1 : NULL;
        }
        return false;
}

int timezone_resolve(enum timezone_mode m, int host_link_result, bool etc_writable) {
        if (m == TIMEZONE_SYMLINK)
                return host_link_result < 0 ? -1 : TIMEZONE_SYMLINK;
        if (m != TIMEZONE_AUTO)
                return m;
        if (host_link_result == -ENOENT)
                return etc_writable ? TIMEZONE_DELETE : TIMEZONE_OFF;
        if (host_link_result == -EINVAL) /* a regular file */
                return etc_writable ? TIMEZONE_COPY : TIMEZONE_BIND;
        if (host_link_result < 0)
                return -1;
        return etc_writable ? TIMEZONE_SYMLINK : TIMEZONE_BIND;
}

const char *timezone_from_path(const char *target) {
        const char *z;

        if (!target)
                return NULL;
        z = startswith(target, "../usr/share/zoneinfo/");
        if (!z)
                z = startswith(target, "/usr/share/zoneinfo/");
        return isempty(z) ? NULL : z;
}

/* ---- before pivot_root: the host side ---- */

/* A detached, read-only copy of a host file's mount, to be attached in the container. */
static int host_file_detach(const char *path) {
        _cleanup_close_ int fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};

        if (fd < 0)
                return -errno;
        if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static int resolv_prepare(const struct settings *s, const struct integration_host *host,
                          struct integration_context *ctx) {
        _cleanup_free_ char *udp = NULL;
        bool stub = false;

        if (s->resolv_conf == RESOLV_CONF_AUTO && !s->private_network &&
            access(host->stub_resolv_conf, F_OK) >= 0 &&
            read_file_at(AT_FDCWD, host->proc_net_udp, &udp, HOST_FILE_MAX) >= 0)
                stub = resolved_stub_listening(udp);
        ctx->resolv =
                resolv_conf_resolve(s->resolv_conf, s->private_network, stub,
                                    access(host->etc_resolv_conf, F_OK) >= 0, integration_etc_writable(s));

        const char *src = resolv_conf_source(ctx->resolv, host);
        if (!src)
                return 0;
        int r = read_file_at(AT_FDCWD, src, &ctx->resolv_data, HOST_FILE_MAX);
        if (r == -ENOMEM)
                return r;
        ctx->resolv_size = r > 0 ? (size_t) r : 0;
        if (resolv_conf_is_bind(ctx->resolv)) {
                ctx->resolv_mount_fd = host_file_detach(src);
                if (ctx->resolv_mount_fd < 0)
                        warn(ctx, "Failed to mount %s on /etc/resolv.conf: %s", src,
                             strerror(-ctx->resolv_mount_fd));
        }
        if (r < 0 && ctx->resolv_mount_fd < 0) {
                warn(ctx, "Failed to copy %s to /etc/resolv.conf, ignoring: %s", src, strerror(-r));
                ctx->resolv = RESOLV_CONF_OFF;
        }
        return 0;
}

static int timezone_prepare(const struct settings *s, const struct integration_host *host,
                            struct integration_context *ctx) {
        _cleanup_free_ char *target = NULL;
        int link_r = 0;

        if (s->timezone == TIMEZONE_AUTO || s->timezone == TIMEZONE_SYMLINK) {
                char buf[PATH_MAX];
                ssize_t n = readlink(host->localtime, buf, sizeof(buf) - 1);
                if (n < 0)
                        link_r = -errno;
                else if (!(target = strndup(buf, (size_t) n)))
                        return -ENOMEM;
        }
        int m = timezone_resolve(s->timezone, link_r, integration_etc_writable(s));
        if (m < 0) {
                warn(ctx,
                     "Failed to read host's /etc/localtime symlink, not updating container timezone: %s",
                     strerror(-link_r));
                ctx->tz = TIMEZONE_OFF;
                return 0;
        }
        ctx->tz = m;
        if (ctx->tz == TIMEZONE_SYMLINK) {
                const char *z = timezone_from_path(target);
                if (!z) {
                        warn(ctx, "/etc/localtime does not point into /usr/share/zoneinfo/, not updating "
                                  "container "
                                  "timezone.");
                        ctx->tz = TIMEZONE_OFF;
                        return 0;
                }
                if (!(ctx->tz_zone = strdup(z)))
                        return -ENOMEM;
        }
        if (ctx->tz == TIMEZONE_OFF || ctx->tz == TIMEZONE_DELETE)
                return 0;
        int r = read_file_at(AT_FDCWD, host->localtime, &ctx->tz_data, HOST_FILE_MAX);
        if (r == -ENOMEM)
                return r;
        ctx->tz_size = r > 0 ? (size_t) r : 0;
        if (ctx->tz != TIMEZONE_COPY)
                ctx->tz_mount_fd = host_file_detach(host->localtime); /* failure: the copy fallback */
        return 0;
}

int integration_prepare(const struct settings *s, const struct integration_host *host,
                        struct integration_context *ctx) {
        int r = resolv_prepare(s, host, ctx);
        return r < 0 ? r : timezone_prepare(s, host, ctx);
}

/* ---- after pivot_root: the container side ---- */

static bool errno_is_read_only(int r) {
        return r == -EROFS || r == -EACCES || r == -EPERM;
}

/* Open dir_fd/name for writing without following a symlink and only if it is (or becomes) a
 * regular file: a device node or FIFO in the image is never opened for writing. */
static int open_regular_for_write(int dir_fd, const char *name, int extra_flags) {
        struct stat st;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) >= 0) {
                if (S_ISLNK(st.st_mode))
                        return -ELOOP;
                if (!S_ISREG(st.st_mode))
                        return -EBADFD;
        } else if (errno != ENOENT)
                return -errno;
        _cleanup_close_ int fd = openat(
                dir_fd, name,
                O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | extra_flags, 0644);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        return TAKE_FD(fd);
}

/* Is name (not followed if a symlink) a regular file with exactly this content (and, if mode is
 * not 0, this mode)? Then there is nothing to write: rewriting costs the image's file system a
 * journal commit on every start (0.5 ms on ext4) for no change. */
static bool has_content(int dir_fd, const char *name, const char *data, size_t size, mode_t mode) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *now = NULL;
        struct stat st;

        /* never open a device node or FIFO of the image, not even for reading */
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                return false;
        fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t) st.st_size != size ||
            (mode != 0 && (st.st_mode & 07777) != mode))
                return false;
        int n = read_fd(fd, &now, size + 1);
        return n >= 0 && (size_t) n == size && memcmp(now, data, size) == 0;
}

/* Copy into an existing name: truncate and write, an existing symlink is left alone. */
static int write_in_place(int dir_fd, const char *name, const char *data, size_t size) {
        if (has_content(dir_fd, name, data, size, 0))
                return 0;
        _cleanup_close_ int fd = open_regular_for_write(dir_fd, name, 0);
        if (fd < 0)
                return fd;
        if (ftruncate(fd, 0) < 0)
                return -errno;
        return write_all(fd, data, size);
}

/* Replace name atomically (a symlink too): a temporary file next to it, renamed over it. */
static int write_atomic(int dir_fd, const char *name, const char *data, size_t size) {
        char tmp[64];
        uint32_t rnd = 0;
        int r;

        if (has_content(dir_fd, name, data, size, 0644))
                return 0;
        (void) getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK);
        snprintf(tmp, sizeof tmp, ".#%s%08x", name, rnd);
        _cleanup_close_ int fd = open_regular_for_write(dir_fd, tmp, O_EXCL);
        if (fd < 0)
                return fd;
        r = write_all(fd, data, size);
        if (r >= 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r >= 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(dir_fd, tmp, 0);
        return r;
}

/* Bind mount_fd onto /etc/NAME, following symlinks inside the container; a missing file is
 * created first (not through a symlink). Consumes mount_fd. */
static int bind_onto(int root_fd, int etc_fd, const char *name, int *mount_fd) {
        char path[64];
        snprintf(path, sizeof path, "/etc/%s", name);
        _cleanup_close_ int target = chase_open(root_fd, path, O_PATH, 0);

        if (target == -ENOENT) {
                int fd = openat(etc_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0)
                        return -errno;
                safe_close(fd);
                target = chase_open(root_fd, path, O_PATH, 0);
        }
        if (target < 0)
                return target;
        if (move_mount(*mount_fd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        *mount_fd = safe_close(*mount_fd);
        return 0;
}

static void resolv_apply(struct integration_context *ctx, int root_fd, int etc_fd) {
        int r;

        if (ctx->resolv == RESOLV_CONF_DELETE) {
                if (unlinkat(etc_fd, "resolv.conf", 0) < 0 && errno != ENOENT)
                        warn(ctx, "Failed to remove '/etc/resolv.conf', ignoring: %m");
                return;
        }
        if (resolv_conf_is_bind(ctx->resolv) && ctx->resolv_mount_fd >= 0) {
                r = bind_onto(root_fd, etc_fd, "resolv.conf", &ctx->resolv_mount_fd);
                if (r >= 0)
                        return;
                warn(ctx, "Failed to mount the host's resolv.conf on /etc/resolv.conf: %s", strerror(-r));
        }
        if (!ctx->resolv_data)
                return;
        /* If that didn't work (or was not asked for), copy the file. */
        r = resolv_conf_is_replace(ctx->resolv)
                    ? write_atomic(etc_fd, "resolv.conf", ctx->resolv_data, ctx->resolv_size)
                    : write_in_place(etc_fd, "resolv.conf", ctx->resolv_data, ctx->resolv_size);
        if (r < 0 && !(resolv_conf_is_bind(ctx->resolv) && (r == -ELOOP || errno_is_read_only(r))))
                warn(ctx, "Failed to copy /etc/resolv.conf to /etc/resolv.conf, ignoring: %s", strerror(-r));
}

/* --timezone=symlink: 1 when done (or nothing to do), 0 to fall back to a bind mount. */
static int timezone_symlink(struct integration_context *ctx, int root_fd, int etc_fd) {
        _cleanup_free_ char *zone_path = NULL, *link = NULL;
        char buf[PATH_MAX];
        ssize_t n = readlinkat(etc_fd, "localtime", buf, sizeof(buf) - 1);

        if (n >= 0) {
                buf[n] = 0;
                if (streq_ptr(timezone_from_path(buf), ctx->tz_zone))
                        return 1; /* already right */
        }
        if (asprintf(&zone_path, "/usr/share/zoneinfo/%s", ctx->tz_zone) < 0 ||
            asprintf(&link, "../usr/share/zoneinfo/%s", ctx->tz_zone) < 0)
                return 1;
        int fd = chase_open(root_fd, zone_path, O_PATH, 0);
        if (fd < 0)
                return 0; /* the zone is not in the image */
        safe_close(fd);
        if (unlinkat(etc_fd, "localtime", 0) < 0 && errno != ENOENT) {
                if (!errno_is_read_only(-errno))
                        warn(ctx, "Failed to remove existing timezone info /etc/localtime in container, "
                                  "ignoring: %m");
                return 1;
        }
        if (symlinkat(link, etc_fd, "localtime") < 0 && !errno_is_read_only(-errno))
                warn(ctx, "Failed to correct timezone of container, ignoring: %m");
        return 1;
}

static void timezone_apply(struct integration_context *ctx, int root_fd, int etc_fd) {
        int r;

        switch (ctx->tz) {
        case TIMEZONE_DELETE:
                if (unlinkat(etc_fd, "localtime", 0) < 0 && errno != ENOENT)
                        warn(ctx, "Failed to remove '/etc/localtime', ignoring: %m");
                return;
        case TIMEZONE_SYMLINK:
                if (timezone_symlink(ctx, root_fd, etc_fd) > 0)
                        return;
                _fallthrough_;
        case TIMEZONE_BIND:
                if (ctx->tz_mount_fd >= 0) {
                        r = bind_onto(root_fd, etc_fd, "localtime", &ctx->tz_mount_fd);
                        if (r >= 0)
                                return;
                        warn(ctx, "Failed to mount /etc/localtime on /etc/localtime: %s", strerror(-r));
                }
                _fallthrough_;
        case TIMEZONE_COPY:
                r = ctx->tz_data ? write_atomic(etc_fd, "localtime", ctx->tz_data, ctx->tz_size) : -ENOENT;
                if (r < 0 && !errno_is_read_only(r))
                        warn(ctx, "Failed to copy /etc/localtime to /etc/localtime, ignoring: %s",
                             strerror(-r));
                return;
        default:
                return;
        }
}

int integration_apply(struct integration_context *ctx, int root_fd) {
        _cleanup_close_ int etc_fd = -EBADF;

        if (ctx->resolv == RESOLV_CONF_OFF && ctx->tz == TIMEZONE_OFF)
                return 0;
        /* /etc may be a symlink inside the image: followed, but never out of the container. */
        etc_fd = chase_open(root_fd, "/etc", O_PATH | O_DIRECTORY, 0);
        if (etc_fd < 0) {
                warn(ctx, "Failed to resolve /etc path in container, ignoring: %s", strerror(-etc_fd));
                return 0;
        }
        if (ctx->resolv != RESOLV_CONF_OFF)
                resolv_apply(ctx, root_fd, etc_fd);
        if (ctx->tz != TIMEZONE_OFF)
                timezone_apply(ctx, root_fd, etc_fd);
        return 0;
}

void integration_context_done(struct integration_context *ctx) {
        free(ctx->resolv_data);
        free(ctx->tz_data);
        free(ctx->tz_zone);
        safe_close(ctx->resolv_mount_fd);
        safe_close(ctx->tz_mount_fd);
        strv_free(ctx->warnings);
        *ctx = (struct integration_context) INTEGRATION_CONTEXT_INIT;
}
