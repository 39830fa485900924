/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * The machine registry under /run/nspawn/machines: record format, publication with a lock held
 * for the supervisor's life, stale-record removal. See registry.h for the format and the rules.
 */

#include "registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "fdutil.h"
#include "guard.h"
#include "macro.h"
#include "name-valid.h"
#include "kv-escape.h"
#include "parse-util.h"
#include "uuid.h"

#define RECORD_MAX (64 * 1024)
#define TEMP_PREFIX ".#"
/* A claim waits this long for a closing machine of the same name: longer than its guard takes
 * at most (cgroup-remove.c) */
#define CLOSING_WAIT_MS 15000

struct registry_entry {
        int dir_fd;
        int fd;     /* the published record, flock()ed */
        int sup_fd; /* the same file, OFD-locked: the supervisor's own */
        struct machine_record rec;
        struct guard *guard; /* removes the record once we are gone (not owned) */
        int undo_id;
};

static const char *const start_mode_table[_START_MODE_MAX] = {
        [START_PID1] = "pid1",
        [START_PID2] = "pid2",
        [START_BOOT] = "boot",
};

const char *start_mode_to_registry_string(enum start_mode m) {
        return m >= 0 && m < _START_MODE_MAX ? start_mode_table[m] : NULL;
}

void machine_record_done(struct machine_record *r) {
        free(r->name);
        free(r->class);
        free(r->service);
        free(r->root);
        free(r->netif);
        free(r->cgroup);
        *r = (struct machine_record){};
}

void machine_record_array_free(struct machine_record *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                machine_record_done(&a[i]);
        free(a);
}

/* ---- format ---- */

int machine_record_format(const struct machine_record *r, char **ret) {
        char *buf = NULL, id[33];
        size_t size = 0;

        if (!r->name || !start_mode_to_registry_string(r->start_mode))
                return -EINVAL;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        uuid_format_plain(r->uuid, id);
        kv_put_escaped(f, "NAME", r->name);
        fprintf(f, "ID=%s\n", id);
        kv_put_escaped(f, "CLASS", r->class);
        kv_put_escaped(f, "SERVICE", r->service);
        kv_put_escaped(f, "ROOT", r->root);
        fprintf(f, "LEADER=%d\nSUPERVISOR=%d\nREALTIME=%llu\nSTART_MODE=%s\nNETIF=", (int) r->leader,
                (int) r->supervisor, (unsigned long long) r->realtime_usec,
                start_mode_to_registry_string(r->start_mode));
        for (size_t i = 0; i < r->n_netif; i++)
                fprintf(f, "%s%d", i > 0 ? " " : "", r->netif[i]);
        fprintf(f, "\nLEADER_STARTTIME=%llu\n", (unsigned long long) r->leader_starttime);
        kv_put_escaped(f, "CGROUP", r->cgroup);
        if (ferror(f) || fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

/* ---- parse: one handler per key ---- */

static int set_string(struct machine_record *r, size_t off, const char *v) {
        char **field = (char **) ((char *) r + off);
        char *s;
        int k = kv_unescape(v, &s);
        if (k < 0)
                return k;
        free(*field);
        *field = s;
        return 0;
}

static int set_pid(struct machine_record *r, size_t off, const char *v) {
        int pid;
        if (parse_int(v, &pid) < 0 || pid < 0)
                return -EBADMSG;
        *(pid_t *) ((char *) r + off) = pid;
        return 0;
}

static int set_u64(struct machine_record *r, size_t off, const char *v) {
        char *end;
        if (*v < '0' || *v > '9')
                return -EBADMSG;
        errno = 0;
        unsigned long long u = strtoull(v, &end, 10);
        if (*end || errno)
                return -EBADMSG;
        *(uint64_t *) ((char *) r + off) = u;
        return 0;
}

/* An all-zero ID (a record whose UUID is not known) is written as it is and read back. */
static int set_uuid(struct machine_record *r, size_t off, const char *v) {
        if (strspn(v, "0") == strlen(v) && strlen(v) == 32) {
                memset(r->uuid, 0, sizeof r->uuid);
                return 0;
        }
        return uuid_parse(v, r->uuid) < 0 ? -EBADMSG : 0;
}

static int set_start_mode(struct machine_record *r, size_t off, const char *v) {
        for (int m = 0; m < _START_MODE_MAX; m++)
                if (streq(v, start_mode_table[m])) {
                        r->start_mode = m;
                        return 0;
                }
        return -EBADMSG;
}

static int set_netif(struct machine_record *r, size_t off, const char *v) {
        _cleanup_free_ char *copy = strdup(v);
        _cleanup_free_ int *l = NULL;
        char *save = NULL;
        size_t n = 0;
        if (!copy)
                return -ENOMEM;
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                int ifindex;
                if (parse_int(w, &ifindex) < 0 || ifindex <= 0)
                        return -EBADMSG;
                int *nl = realloc(l, (n + 1) * sizeof(int));
                if (!nl)
                        return -ENOMEM;
                l = nl;
                l[n++] = ifindex;
        }
        free(r->netif);
        r->netif = TAKE_PTR(l);
        r->n_netif = n;
        return 0;
}

static const struct {
        const char *key;
        int (*set)(struct machine_record *r, size_t off, const char *value);
        size_t off;
} record_keys[] = {
        {"NAME", set_string, offsetof(struct machine_record, name)},
        {"ID", set_uuid, 0},
        {"CLASS", set_string, offsetof(struct machine_record, class)},
        {"SERVICE", set_string, offsetof(struct machine_record, service)},
        {"ROOT", set_string, offsetof(struct machine_record, root)},
        {"LEADER", set_pid, offsetof(struct machine_record, leader)},
        {"SUPERVISOR", set_pid, offsetof(struct machine_record, supervisor)},
        {"REALTIME", set_u64, offsetof(struct machine_record, realtime_usec)},
        {"START_MODE", set_start_mode, 0},
        {"NETIF", set_netif, 0},
        {"LEADER_STARTTIME", set_u64, offsetof(struct machine_record, leader_starttime)},
        {"CGROUP", set_string, offsetof(struct machine_record, cgroup)},
};

static int parse_line(struct machine_record *r, char *line) {
        char *eq = strchr(line, '=');
        if (!eq)
                return -EBADMSG;
        *eq = 0;
        for (size_t i = 0; i < ELEMENTSOF(record_keys); i++)
                if (streq(line, record_keys[i].key))
                        return record_keys[i].set(r, record_keys[i].off, eq + 1);
        return 0; /* unknown keys: written by a newer version */
}

int machine_record_parse(const char *text, struct machine_record *ret) {
        struct machine_record r = {.start_mode = START_PID1};
        _cleanup_free_ char *copy = strdup(text);
        char *save = NULL;
        int k = 0;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line && k >= 0; line = strtok_r(NULL, "\n", &save))
                k = parse_line(&r, line);
        if (k >= 0 && r.cgroup && !*r.cgroup) {
                free(r.cgroup); /* "CGROUP=": not known */
                r.cgroup = NULL;
        }
        if (k >= 0 && !(r.name && machine_name_is_valid(r.name)))
                k = -EBADMSG;
        if (k < 0) {
                machine_record_done(&r);
                return k;
        }
        *ret = r;
        return 0;
}

/* ---- the directory ---- */

/* Only our own (root's) directory, not writable by anyone else: another user must not be able
 * to plant or remove records. A reader that is not root (nspawnctl list as a user) trusts root's
 * directory too. */
static int check_dir(int fd, bool create) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        bool owner_ok = st.st_uid == geteuid() || (!create && st.st_uid == 0);
        if (!S_ISDIR(st.st_mode) || !owner_ok || (st.st_mode & 0022))
                return -EPERM;
        return 0;
}

static int registry_open_dir(const char *dir, bool create) {
        if (create) {
                int k = mkdir_p(dir, 0755);
                if (k < 0)
                        return k;
        }
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ELOOP || errno == ENOTDIR ? -EPERM : -errno;
        int k = check_dir(fd, create);
        return k < 0 ? k : TAKE_FD(fd);
}

/* ---- liveness ---- */

/*
 * Two locks on a record: the flock() of its open file description (shared with the supervisor's
 * cgroup guard, which inherits it) and an OFD lock (fcntl) on a second open file description that
 * only the supervisor keeps (the guard closes its inherited copy). Both: the supervisor runs. The
 * flock without the OFD lock: the supervisor has exited (or was killed) and its guard is
 * removing the machine's cgroups and then the record — the machine is closing.
 */
static int lock_supervisor(int fd, int *ret_sup_fd) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        _cleanup_close_ int sup = open(proc, O_RDONLY | O_CLOEXEC);
        struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
        if (sup < 0 || fcntl(sup, F_OFD_SETLK, &fl) < 0)
                return -errno;
        *ret_sup_fd = TAKE_FD(sup);
        return 0;
}

static bool supervisor_holds(int fd) {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        return fcntl(fd, F_OFD_GETLK, &fl) < 0 || fl.l_type != F_UNLCK;
}

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static bool is_temp_name(const char *name) {
        return startswith(name, TEMP_PREFIX) != NULL;
}

static int read_record(int fd, const char *name, struct machine_record *ret) {
        _cleanup_free_ char *text = NULL;
        struct machine_record r;
        int k = read_fd(fd, &text, RECORD_MAX);
        if (k < 0)
                return k;
        k = machine_record_parse(text, &r);
        if (k < 0)
                return k;
        if (!streq(r.name, name)) {
                machine_record_done(&r);
                return -EBADMSG;
        }
        *ret = r;
        return 0;
}

enum entry_state {
        ENTRY_GONE,    /* no such entry */
        ENTRY_STALE,   /* its supervisor and guard are dead (left in place: remove was false) */
        ENTRY_REMOVED, /* it was stale and is removed now */
        ENTRY_LIVE,    /* locked (running or closing); *ret_fd is open on it */
};

/* A stale entry: what its machine left behind is reclaimed (reclaim, if any, gets the record),
 * then the entry goes. fd holds the entry's lock. */
static void entry_reclaim(int fd, const char *name, registry_reclaim_fn reclaim, void *userdata) {
        struct machine_record r;
        if (!reclaim || is_temp_name(name) || read_record(fd, name, &r) < 0)
                return;
        reclaim(&r, userdata);
        machine_record_done(&r);
}

/* Find out whether the supervisor of entry name lives. If not, with remove, reclaim what it left
 * and remove the entry. We hold the lock of the inode while comparing it to what name points to
 * and unlinking it, so no two processes can both decide on the same inode, and a live record
 * (always locked) is never removed. wait_ms: how long a locked entry without its supervisor is
 * waited for — a closing machine's guard (about a millisecond; seconds only while the
 * container's processes are slow to die), or another process checking the same stale record. */
static int entry_check(int dir_fd, const char *name, unsigned wait_ms, bool remove,
                       registry_reclaim_fn reclaim, void *userdata, int *ret_fd) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + (uint64_t) wait_ms * 1000;
        long pause_us = 50;

        for (unsigned replaced = 0; replaced < 64;) {
                struct stat st, now;
                _cleanup_close_ int fd =
                        openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (fd < 0)
                        return errno == ENOENT ? ENTRY_GONE : -errno;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (!S_ISREG(st.st_mode))
                        return -EBADMSG;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno != EWOULDBLOCK)
                                return -errno;
                        if (!supervisor_holds(fd) && now_usec(CLOCK_MONOTONIC) < deadline) {
                                usleep(pause_us);
                                pause_us = MIN(pause_us * 2, 2000L);
                                continue;
                        }
                        if (ret_fd)
                                *ret_fd = TAKE_FD(fd);
                        return ENTRY_LIVE;
                }
                if (fstatat(dir_fd, name, &now, AT_SYMLINK_NOFOLLOW) < 0)
                        return errno == ENOENT ? ENTRY_GONE : -errno;
                if (now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
                        replaced++; /* replaced by its supervisor since we opened it: look again */
                        continue;
                }
                if (!remove)
                        return ENTRY_STALE;
                entry_reclaim(fd, name, reclaim, userdata);
                if (unlinkat(dir_fd, name, 0) < 0)
                        return errno == ENOENT ? ENTRY_GONE : -errno;
                return ENTRY_REMOVED;
        }
        return -EBUSY;
}

/* ---- publishing ---- */

/* The record as an anonymous file, locked (both locks) before it ever gets a name. */
static int record_fd_new(int dir_fd, const struct machine_record *rec, int *ret_sup_fd) {
        _cleanup_free_ char *text = NULL;
        int k = machine_record_format(rec, &text);
        if (k < 0)
                return k;
        _cleanup_close_ int fd = openat(dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0644) < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
                return -errno;
        k = write_all(fd, text, strlen(text));
        if (k >= 0)
                k = lock_supervisor(fd, ret_sup_fd);
        return k < 0 ? k : TAKE_FD(fd);
}

static int record_copy(const struct machine_record *from, struct machine_record *to) {
        _cleanup_free_ char *text = NULL;
        int k = machine_record_format(from, &text);
        return k < 0 ? k : machine_record_parse(text, to);
}

/* Replace the published record by e->rec: linked under a temporary name (already locked), then
 * renamed over it. */
static int entry_publish(struct registry_entry *e) {
        _cleanup_close_ int sup_fd = -EBADF;
        _cleanup_close_ int fd = record_fd_new(e->dir_fd, &e->rec, &sup_fd);
        if (fd < 0)
                return fd;
        for (int attempt = 0; attempt < 16; attempt++) {
                char tmp[NAME_MAX + 1];
                uint64_t rnd = 0;
                if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) < 0)
                        rnd = now_usec(CLOCK_REALTIME) ^ ((uint64_t) getpid() << 32) ^ (uint64_t) attempt;
                snprintf(tmp, sizeof tmp, TEMP_PREFIX "%s.%016llx", e->rec.name, (unsigned long long) rnd);
                int k = link_tmpfile(fd, e->dir_fd, tmp);
                if (k == -EEXIST)
                        continue;
                if (k < 0)
                        return k;
                /* from here the guard holds both inodes and removes whichever has a name */
                struct undo u = {.kind = UNDO_FILE,
                                 .path = e->rec.name,
                                 .path2 = tmp,
                                 .fds = {e->dir_fd, fd, e->fd},
                                 .n_fds = 3};
                k = guard_update(e->guard, e->undo_id, &u);
                if (k >= 0 && renameat(e->dir_fd, tmp, e->dir_fd, e->rec.name) < 0)
                        k = -errno;
                if (k < 0) {
                        (void) unlinkat(e->dir_fd, tmp, 0);
                        return k;
                }
                safe_close(e->fd);
                safe_close(e->sup_fd);
                e->fd = TAKE_FD(fd);
                e->sup_fd = TAKE_FD(sup_fd);
                return 0;
        }
        return -EEXIST;
}

static struct registry_entry *entry_free(struct registry_entry *e) {
        if (!e)
                return NULL;
        safe_close(e->fd);
        safe_close(e->sup_fd);
        safe_close(e->dir_fd);
        machine_record_done(&e->rec);
        free(e);
        return NULL;
}

/* Before the record gets its name: the guard removes it (if it is still ours) once we are gone. */
static int entry_undo_register(struct registry_entry *e) {
        struct undo u = {.kind = UNDO_FILE, .path = e->rec.name, .fds = {e->dir_fd, e->fd}, .n_fds = 2};
        int k = guard_push(e->guard, &u);
        if (k < 0)
                return k;
        e->undo_id = k;
        return 0;
}

int registry_claim(const char *dir, const struct machine_record *rec, struct guard *guard,
                   struct registry_entry **ret) {
        if (!rec->name || !machine_name_is_valid(rec->name))
                return -EINVAL;
        struct registry_entry *e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        *e = (struct registry_entry){.dir_fd = -EBADF, .fd = -EBADF, .sup_fd = -EBADF, .guard = guard};
        int k = record_copy(rec, &e->rec);
        if (k >= 0)
                k = e->dir_fd = registry_open_dir(dir, true);
        if (k >= 0)
                k = e->fd = record_fd_new(e->dir_fd, &e->rec, &e->sup_fd);
        if (k >= 0)
                k = entry_undo_register(e);
        for (int attempt = 0; k >= 0 && attempt < 16; attempt++) {
                k = link_tmpfile(e->fd, e->dir_fd, rec->name);
                if (k != -EEXIST) {
                        if (k >= 0) {
                                *ret = e;
                                return 0;
                        }
                        break;
                }
                k = entry_check(e->dir_fd, rec->name, CLOSING_WAIT_MS, true, NULL, NULL, NULL);
                if (k == ENTRY_LIVE)
                        k = -EEXIST;
                else if (k >= 0 && attempt == 15)
                        k = -EBUSY;
        }
        (void) guard_cancel(e->guard, e->undo_id);
        entry_free(e);
        return k;
}

/* Field 22 of /proc/PID/stat, counted after the comm field (which may hold spaces and ")"). */
static int proc_starttime(pid_t pid, uint64_t *ret) {
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        char *p = strrchr(buf, ')'), *end;
        /* after ")": " state" (field 3), " ppid" (4) ... the space before starttime (22) */
        for (int field = 3; p && field <= 22; field++)
                p = strchr(p + 1, ' ');
        if (!p || p[1] < '0' || p[1] > '9')
                return -EBADMSG;
        errno = 0;
        unsigned long long start = strtoull(p + 1, &end, 10);
        if (errno || (*end != ' ' && *end != 0))
                return -EBADMSG;
        *ret = start;
        return 0;
}

/* The "0::PATH" line of /proc/PID/cgroup; NULL without cgroup2. */
static int proc_cgroup2(pid_t pid, char **ret) {
        char path[64];
        _cleanup_free_ char *text = NULL;
        snprintf(path, sizeof path, "/proc/%d/cgroup", (int) pid);
        int k = read_file_at(AT_FDCWD, path, &text, 64 * 1024);
        if (k < 0)
                return k == -ENOENT ? -ESRCH : k;
        *ret = NULL;
        for (char *line = text; line && *line;) {
                char *next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (startswith(line, "0::/"))
                        return (*ret = strdup(line + 3)) ? 0 : -ENOMEM;
                line = next;
        }
        return 0;
}

int registry_process_identity(pid_t pid, uint64_t *ret_starttime, char **ret_cgroup) {
        uint64_t start;
        char *cgroup = NULL;
        int k = proc_starttime(pid, &start);
        if (k >= 0 && ret_cgroup)
                k = proc_cgroup2(pid, &cgroup);
        if (k < 0)
                return k;
        *ret_starttime = start;
        if (ret_cgroup)
                *ret_cgroup = cgroup;
        return 0;
}

int registry_set_leader(struct registry_entry *e, pid_t leader, const char *cgroup) {
        struct machine_record old = e->rec;
        uint64_t start = 0;
        char *copy = NULL;
        /* Best effort: a record without it is still a record, nspawnctl just will not signal. */
        if (leader > 0 && registry_process_identity(leader, &start, NULL) < 0)
                start = 0;
        if (cgroup && !(copy = strdup(cgroup)))
                return -ENOMEM;
        e->rec.leader = leader;
        e->rec.realtime_usec = now_usec(CLOCK_REALTIME);
        e->rec.leader_starttime = start;
        if (copy)
                e->rec.cgroup = copy;
        int k = entry_publish(e);
        if (k < 0) {
                free(copy);
                e->rec = old;
        } else if (copy)
                free(old.cgroup);
        return k;
}

int registry_set_netif(struct registry_entry *e, const int *ifindex, size_t n) {
        int *copy = n > 0 ? malloc(n * sizeof(int)) : NULL;
        if (n > 0 && !copy)
                return -ENOMEM;
        if (n > 0)
                memcpy(copy, ifindex, n * sizeof(int));
        int *old = e->rec.netif;
        size_t old_n = e->rec.n_netif;
        e->rec.netif = copy;
        e->rec.n_netif = n;
        /* while the container is being started, they go with its leader (one rewrite) */
        int k = e->rec.leader > 0 ? entry_publish(e) : 0;
        if (k < 0) {
                e->rec.netif = old;
                e->rec.n_netif = old_n;
                free(copy);
        } else
                free(old);
        return k;
}

const struct machine_record *registry_entry_record(const struct registry_entry *e) {
        return &e->rec;
}

/* Unlink the published record, only if the name is still our inode (while holding its lock). */
static void entry_unlink(const struct registry_entry *e) {
        struct stat ours, now;
        if (fstat(e->fd, &ours) == 0 && fstatat(e->dir_fd, e->rec.name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
            ours.st_dev == now.st_dev && ours.st_ino == now.st_ino)
                (void) unlinkat(e->dir_fd, e->rec.name, 0);
}

struct registry_entry *registry_release(struct registry_entry *e) {
        if (!e)
                return NULL;
        entry_unlink(e);
        (void) guard_cancel(e->guard, e->undo_id);
        return entry_free(e);
}

struct registry_entry *registry_hand_over(struct registry_entry *e) {
        return entry_free(e);
}

/* ---- readers ---- */

static int cmp_records(const void *a, const void *b) {
        return strcmp(((const struct machine_record *) a)->name, ((const struct machine_record *) b)->name);
}

/* Walk dir: every record and temporary is checked; fn gets the live records' open fds. With
 * reclaim (registry_gc()) stale ones are reclaimed and removed. Returns the number of removed
 * entries. */
static int registry_walk(const char *dir, int (*fn)(int fd, const char *name, void *userdata),
                         void *userdata, bool remove, registry_reclaim_fn reclaim, void *reclaim_data) {
        _cleanup_close_ int dir_fd = registry_open_dir(dir, false);
        if (dir_fd == -ENOENT)
                return 0;
        if (dir_fd < 0)
                return dir_fd;
        int dup_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (dup_fd < 0)
                return -errno;
        DIR *d = fdopendir(dup_fd);
        if (!d) {
                safe_close(dup_fd);
                return -errno;
        }
        int removed = 0, k = 0;
        for (struct dirent *de; k >= 0 && (de = readdir(d));) {
                bool temp = is_temp_name(de->d_name);
                if (!temp && !machine_name_is_valid(de->d_name))
                        continue; /* ".", "..", and whatever we did not write */
                _cleanup_close_ int fd = -EBADF;
                int state = entry_check(dir_fd, de->d_name, 0, remove, reclaim, reclaim_data, &fd);
                if (state == ENTRY_REMOVED)
                        removed++;
                else if (state == ENTRY_LIVE && !temp && fn)
                        k = fn(fd, de->d_name, userdata);
                /* Errors on one entry (a foreign file) do not hide the others. */
        }
        closedir(d);
        return k < 0 ? k : removed;
}

struct list_state {
        struct machine_record *a;
        size_t n;
};

static int list_one(int fd, const char *name, void *userdata) {
        struct list_state *l = userdata;
        struct machine_record r;
        if (read_record(fd, name, &r) < 0)
                return 0; /* unreadable or foreign: not ours to list */
        struct machine_record *na = realloc(l->a, (l->n + 1) * sizeof(*na));
        if (!na) {
                machine_record_done(&r);
                return -ENOMEM;
        }
        l->a = na;
        l->a[l->n++] = r;
        return 0;
}

int registry_list(const char *dir, struct machine_record **ret, size_t *ret_n) {
        struct list_state l = {};
        int k = registry_walk(dir, list_one, &l, false, NULL, NULL);
        if (k < 0) {
                machine_record_array_free(l.a, l.n);
                return k;
        }
        if (l.n > 1)
                qsort(l.a, l.n, sizeof(*l.a), cmp_records);
        *ret = l.a;
        *ret_n = l.n;
        return 0;
}

int registry_get(const char *dir, const char *name, struct machine_record *ret) {
        if (!machine_name_is_valid(name))
                return -EINVAL;
        _cleanup_close_ int dir_fd = registry_open_dir(dir, false);
        if (dir_fd < 0)
                return dir_fd;
        _cleanup_close_ int fd = -EBADF;
        int state = entry_check(dir_fd, name, 0, false, NULL, NULL, &fd);
        if (state < 0)
                return state;
        if (state != ENTRY_LIVE)
                return -ENOENT;
        return read_record(fd, name, ret);
}

int registry_gc(const char *dir, registry_reclaim_fn reclaim, void *userdata) {
        return registry_walk(dir, NULL, NULL, true, reclaim, userdata);
}
