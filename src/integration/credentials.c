/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "chase.h"
#include "fdutil.h"
#include "macro.h"
#include "name-valid.h"
#include "parse-util.h"

/* systemd's CREDENTIAL_SIZE_MAX. */
#define CREDENTIAL_SIZE_MAX (1024U * 1024U)

bool credential_name_is_valid(const char *id) {
        return filename_is_valid(id);
}

int credential_split(const char *spec, char **ret_id, const char **ret_rest, const char **ret_reason) {
        const char *colon = strchr(spec, ':');

        if (!colon) {
                *ret_reason = "expected ID:VALUE";
                return -EINVAL;
        }
        _cleanup_free_ char *id = strndup(spec, (size_t) (colon - spec));
        if (!id)
                return -ENOMEM;
        if (!credential_name_is_valid(id)) {
                *ret_reason = "not a valid credential name";
                return -EINVAL;
        }
        *ret_id = TAKE_PTR(id);
        *ret_rest = colon + 1;
        return 0;
}

/* n hex digits at s, or -EINVAL. */
static long hex_value(const char *s, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
                int d = unhex_char(s[i]);
                if (d < 0)
                        return -EINVAL;
                v = v * 16 + d;
        }
        return v;
}

static size_t utf8_encode(unsigned long c, char *out) {
        if (c < 0x80) {
                out[0] = (char) c;
                return 1;
        }
        if (c < 0x800) {
                out[0] = (char) (0xc0 | (c >> 6));
                out[1] = (char) (0x80 | (c & 0x3f));
                return 2;
        }
        if (c < 0x10000) {
                out[0] = (char) (0xe0 | (c >> 12));
                out[1] = (char) (0x80 | ((c >> 6) & 0x3f));
                out[2] = (char) (0x80 | (c & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | (c >> 18));
        out[1] = (char) (0x80 | ((c >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((c >> 6) & 0x3f));
        out[3] = (char) (0x80 | (c & 0x3f));
        return 4;
}

/* One escape after the backslash at *p; writes the bytes to out, advances *p. */
static int unescape_one(const char **p, char *out, size_t *ret_n) {
        static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''s ";
        const char *s = *p;
        long v;

        if (!*s)
                return -EINVAL;
        for (size_t i = 0; simple[i]; i += 2)
                if (*s == simple[i]) {
                        out[0] = simple[i + 1];
                        *ret_n = 1;
                        *p = s + 1;
                        return 0;
                }
        if (*s == 'x' || *s == 'u' || *s == 'U') {
                int digits = *s == 'x' ? 2 : *s == 'u' ? 4 : 8;
                if (strnlen(s + 1, (size_t) digits) < (size_t) digits || (v = hex_value(s + 1, digits)) < 0)
                        return -EINVAL;
                if (*s != 'x' && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)))
                        return -EINVAL;
                *ret_n = *s == 'x' ? (out[0] = (char) v, 1) : utf8_encode((unsigned long) v, out);
                *p = s + 1 + digits;
                return 0;
        }
        if (s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
                out[0] = (char) ((s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'));
                *ret_n = 1;
                *p = s + 3;
                return 0;
        }
        return -EINVAL;
}

int credential_unescape(const char *s, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = malloc(strlen(s) + 1);
        size_t n = 0;

        if (!buf)
                return -ENOMEM;
        while (*s) {
                if (*s != '\\') {
                        buf[n++] = *s++;
                        continue;
                }
                s++;
                size_t k;
                char tmp[4];
                int r = unescape_one(&s, tmp, &k);
                if (r < 0)
                        return r;
                /* An escape never yields more bytes than it spans (\U: 10 chars → ≤4 bytes). */
                memcpy(buf + n, tmp, k);
                n += k;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

/* Read everything up to CREDENTIAL_SIZE_MAX; -E2BIG beyond. */
static int read_all(int fd, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        int n = read_fd(fd, &buf, CREDENTIAL_SIZE_MAX + 1);

        if (n < 0)
                return n;
        if ((size_t) n > CREDENTIAL_SIZE_MAX)
                return -E2BIG;
        *ret = TAKE_PTR(buf);
        *ret_size = (size_t) n;
        return 0;
}

/* A file, or an AF_UNIX stream socket to connect to and read until EOF. */
static int credential_read_path(const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0 && errno == ENXIO) {
                struct sockaddr_un sa = {.sun_family = AF_UNIX};
                if (strlen(path) >= sizeof(sa.sun_path))
                        return -ENAMETOOLONG;
                strcpy(sa.sun_path, path);
                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                        return -errno;
                (void) shutdown(fd, SHUT_WR);
        }
        if (fd < 0)
                return -errno;
        return read_all(fd, ret, ret_size);
}

static int credentials_add(struct credentials *c, char *id, char *data, size_t size) {
        for (size_t i = 0; i < c->n; i++)
                if (streq(c->items[i].id, id))
                        return -EEXIST;
        struct credential *items = realloc(c->items, (c->n + 1) * sizeof(*items));
        if (!items)
                return -ENOMEM;
        c->items = items;
        c->items[c->n++] = (struct credential){.id = id, .data = data, .size = size};
        return 0;
}

static int credential_load_one(const char *spec, bool from_path, struct credentials *c, char **ret_error) {
        _cleanup_free_ char *id = NULL, *data = NULL, *path = NULL;
        const char *rest, *reason = NULL;
        size_t size;
        int r;

        r = credential_split(spec, &id, &rest, &reason);
        if (r < 0)
                return asprintf(ret_error, "Invalid credential '%s': %s", spec, reason ?: strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        if (!from_path)
                r = credential_unescape(rest, &data, &size);
        else {
                const char *dir = getenv("CREDENTIALS_DIRECTORY");
                if (rest[0] != '/' && isempty(dir))
                        r = -ENXIO; /* a relative path needs our own credentials directory */
                else if (rest[0] != '/' && asprintf(&path, "%s/%s", dir, rest) < 0)
                        r = -ENOMEM;
                else
                        r = credential_read_path(path ?: rest, &data, &size);
        }
        if (r >= 0)
                r = credentials_add(c, id, data, size);
        if (r == -EEXIST)
                return asprintf(ret_error, "Duplicate credential '%s', refusing.", id) < 0 ? -ENOMEM : r;
        if (r < 0)
                return asprintf(ret_error, "Failed to %s credential '%s': %s", from_path ? "load" : "parse",
                                id, strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        TAKE_PTR(id);
        TAKE_PTR(data);
        return 0;
}

int credentials_load(const struct settings *s, struct credentials *ret, char **ret_error) {
        struct credentials c = {};
        int r = 0;

        STRV_FOREACH(i, s->credentials_set)
        if ((r = credential_load_one(*i, false, &c, ret_error)) < 0)
                break;
        if (r >= 0)
                STRV_FOREACH(i, s->credentials_load)
        if ((r = credential_load_one(*i, true, &c, ret_error)) < 0)
                break;
        if (r < 0) {
                credentials_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

void credentials_done(struct credentials *c) {
        for (size_t i = 0; i < c->n; i++) {
                /* The values are secrets: do not leave them in freed memory. */
                explicit_bzero(c->items[i].data, c->items[i].size);
                free(c->items[i].data);
                free(c->items[i].id);
        }
        free(c->items);
        *c = (struct credentials){};
}

static int credential_write(int dir_fd, const struct credential *cr) {
        _cleanup_close_ int fd =
                openat(dir_fd, cr->id, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, cr->data, cr->size);
        if (r < 0)
                return r;
        return fchmod(fd, 0400) < 0 ? -errno : 0;
}

int credentials_install(const struct credentials *c, int root_fd) {
        _cleanup_close_ int host_fd = -EBADF, dir_fd = -EBADF;
        char path[64];
        int r;

        if (!c || c->n == 0)
                return 0;
        /* /run/host is our own fresh tmpfs: no symlink is followed on the way. */
        host_fd = chase_open_nofollow(root_fd, "/run/host", O_PATH | O_DIRECTORY, 0);
        if (host_fd < 0)
                return host_fd;
        if (mkdirat(host_fd, "credentials", 0700) < 0)
                return -errno;
        dir_fd = openat(host_fd, "credentials", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        /* ramfs: never swapped out. */
        snprintf(path, sizeof path, "/proc/self/fd/%d", dir_fd);
        if (mount("ramfs", path, "ramfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=0700") < 0)
                return -errno;
        safe_close(dir_fd);
        dir_fd = openat(host_fd, "credentials", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        for (size_t i = 0; i < c->n; i++)
                if ((r = credential_write(dir_fd, &c->items[i])) < 0)
                        return r;
        if (fchmod(dir_fd, 0500) < 0)
                return -errno;
        snprintf(path, sizeof path, "/proc/self/fd/%d", dir_fd);
        if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV,
                  NULL) < 0)
                return -errno;
        return 0;
}
