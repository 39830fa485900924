/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --private-users=pick's range lease (see uid-lease.h). Runs in the supervisor, as root. */
#include "uid-lease.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdutil.h"
#include "guard.h"
#include "macro.h"
#include "userns-map.h"

const struct uid_pick_files uid_pick_files_host = {
        .passwd = "/etc/passwd",
        .group = "/etc/group",
        .subuid = "/etc/subuid",
        .subgid = "/etc/subgid",
        .lease_dir = UID_LEASE_DIR,
};

static bool in_range(uint32_t id, uint32_t base, uint32_t count) {
        return id >= base && id - base < count;
}

static bool passwd_uses(const char *path, uint32_t base, uint32_t count) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        struct passwd *pw;

        while (f && (pw = fgetpwent(f)))
                if (in_range(pw->pw_uid, base, count) || in_range(pw->pw_gid, base, count))
                        return true;
        return false;
}

static bool group_uses(const char *path, uint32_t base, uint32_t count) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        struct group *gr;

        while (f && (gr = fgetgrent(f)))
                if (in_range(gr->gr_gid, base, count))
                        return true;
        return false;
}

/* Any line of a subordinate id file, whoever it is for. */
static bool subid_uses(const char *path, uint32_t base, uint32_t count) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[512];

        while (f && fgets(line, sizeof line, f)) {
                unsigned long s, c;
                const char *colon = strchr(line, ':');
                if (!colon || sscanf(colon + 1, "%lu:%lu", &s, &c) != 2 || c == 0)
                        continue;
                if (s <= (unsigned long) base + count - 1 && (unsigned long) base <= s + c - 1)
                        return true;
        }
        return false;
}

bool uid_range_in_use(const struct uid_pick_files *f, uint32_t base, uint32_t count) {
        return passwd_uses(f->passwd, base, count) || group_uses(f->group, base, count) ||
               subid_uses(f->subuid, base, count) || subid_uses(f->subgid, base, count);
}

bool uid_pick_candidate_valid(uint32_t base) {
        return base >= UID_PICK_MIN && base <= UID_PICK_MAX && (base & 0xFFFF) == 0;
}

static uint32_t candidate_from(uint64_t v) {
        return (uint32_t) (UID_PICK_MIN + v % (UID_PICK_MAX - UID_PICK_MIN)) & UINT32_C(0xFFFF0000);
}

uint32_t uid_pick_from_name(const char *machine) {
        uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a */
        for (const char *c = machine; c && *c; c++)
                h = (h ^ (uint8_t) *c) * UINT64_C(0x100000001b3);
        return candidate_from(h);
}

static uint32_t candidate_random(void) {
        uint64_t v = 0;
        if (getrandom(&v, sizeof v, 0) != sizeof v)
                v = (uint64_t) getpid() * UINT64_C(2654435761);
        return candidate_from(v);
}

/* -EBUSY if someone holds the lease of fd's file. */
static int lease_lock(int fd) {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_OFD_SETLK, &fl) < 0)
                return errno == EAGAIN || errno == EACCES ? -EBUSY : -errno;
        return 0;
}

/* fd is (still) the file dir/name. */
static bool lease_named(int dir_fd, const char *name, int fd) {
        struct stat a, b;
        return fstatat(dir_fd, name, &a, AT_SYMLINK_NOFOLLOW) >= 0 && fstat(fd, &b) >= 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int lease_undo(struct guard *guard, int dir_fd, const char *name, int fd) {
        return guard_push(guard,
                          &(struct undo){.kind = UNDO_FILE, .path = name, .fds = {dir_fd, fd}, .n_fds = 2});
}

/* Take the lease of base: an existing unlocked file (left by a killed nspawn) or a new one.
 * Returns the locked fd, -EBUSY if it is someone else's. */
static int lease_take(int dir_fd, uint32_t base, struct guard *guard) {
        char name[16];

        snprintf(name, sizeof name, "%u", base);
        for (int attempt = 0; attempt < 8; attempt++) {
                _cleanup_close_ int fd = openat(dir_fd, name, O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
                int r;

                if (fd >= 0) {
                        if ((r = lease_lock(fd)) < 0)
                                return r;
                        if (!lease_named(dir_fd, name, fd))
                                continue; /* removed by its owner's guard meanwhile: again */
                        r = lease_undo(guard, dir_fd, name, fd);
                        return r < 0 ? r : TAKE_FD(fd);
                }
                if (errno != ENOENT)
                        return -errno;
                fd = openat(dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
                if (fd < 0)
                        return -errno;
                if ((r = lease_lock(fd)) < 0)
                        return r;
                int id = lease_undo(guard, dir_fd, name, fd); /* before the file has its name */
                if (id < 0)
                        return id;
                if ((r = link_tmpfile(fd, dir_fd, name)) >= 0)
                        return TAKE_FD(fd);
                (void) guard_cancel(guard, id);
                if (r != -EEXIST)
                        return r;
        }
        return -EBUSY;
}

int uid_lease_pick(const struct uid_pick_files *f, uint32_t preferred, const char *machine,
                   struct guard *guard, struct uid_lease *ret) {
        _cleanup_close_ int dir_fd = -EBADF;
        uint32_t candidate = preferred;
        int r;

        r = mkdir_p(f->lease_dir, 0755);
        if (r < 0 && r != -EEXIST)
                return r;
        dir_fd = open(f->lease_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        for (int i = 0; i < UID_PICK_TRIES; i++) {
                if (i == 1)
                        candidate = uid_pick_from_name(machine);
                else if (i > 1)
                        candidate = candidate_random();
                if (!uid_pick_candidate_valid(candidate) || uid_range_in_use(f, candidate, 0x10000))
                        continue;
                int fd = lease_take(dir_fd, candidate, guard);
                if (fd == -EBUSY)
                        continue;
                if (fd < 0)
                        return fd;
                *ret = (struct uid_lease){.fd = fd, .base = candidate};
                return 0;
        }
        return -EBUSY;
}

void uid_lease_done(struct uid_lease *l) {
        l->fd = safe_close(l->fd);
}
