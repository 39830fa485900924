/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Records of running transfers under /run/nspawn/transfers (see transfer-record.h). */

#include "transfer-record.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "fdutil.h"
#include "macro.h"
#include "kv-escape.h"
#include "parse-util.h"
#include "registry.h"

#define RECORD_MAX (64 * 1024)
#define COUNTER ".id"

struct transfer_entry {
        int dir_fd;
        int fd; /* the record, flock()ed for our life */
        struct transfer_record rec;
        char name[16];
        off_t percent_offset; /* where PERCENT's 3 characters are */
};

void transfer_record_done(struct transfer_record *r) {
        free(r->type);
        free(r->remote);
        free(r->local);
        *r = (struct transfer_record){.percent = -1};
}

void transfer_record_array_free(struct transfer_record *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                transfer_record_done(&a[i]);
        free(a);
}

/* ---- format ---- */

static void format_percent(int percent, char buf[4]) {
        if (percent < 0 || percent > 100)
                memcpy(buf, "n/a", 4);
        else
                snprintf(buf, 4, "%3d", percent);
}

int transfer_record_format(const struct transfer_record *r, char **ret) {
        char *buf = NULL, percent[4];
        size_t size = 0;
        FILE *f;

        if (!r->type || !r->local)
                return -EINVAL;
        if (!(f = open_memstream(&buf, &size)))
                return -ENOMEM;
        fprintf(f, "ID=%" PRIu32 "\n", r->id);
        kv_put_escaped(f, "TYPE", r->type);
        kv_put_escaped(f, "REMOTE", r->remote);
        kv_put_escaped(f, "LOCAL", r->local);
        format_percent(r->percent, percent);
        fprintf(f, "PID=%d\nPID_STARTTIME=%" PRIu64 "\nPERCENT=%s\n", (int) r->pid, r->pid_starttime,
                percent);
        if (ferror(f) || fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

/* ---- parse ---- */

static int parse_line(struct transfer_record *r, const char *key, const char *v) {
        static const struct {
                const char *key;
                size_t off;
        } strings[] = {
                {"TYPE", offsetof(struct transfer_record, type)},
                {"REMOTE", offsetof(struct transfer_record, remote)},
                {"LOCAL", offsetof(struct transfer_record, local)},
        };
        uint64_t u;
        int pid;

        for (size_t k = 0; k < ELEMENTSOF(strings); k++)
                if (streq(key, strings[k].key)) {
                        char **field = (char **) ((char *) r + strings[k].off);
                        free(*field);
                        return kv_unescape(v, field);
                }
        if (streq(key, "ID"))
                return parse_uint32(v, &r->id) < 0 ? -EBADMSG : 0;
        if (streq(key, "PID"))
                return parse_int(v, &pid) < 0 || pid <= 0 ? -EBADMSG : (r->pid = pid, 0);
        if (streq(key, "PID_STARTTIME"))
                return parse_u64(v, &u) < 0 ? -EBADMSG : (r->pid_starttime = u, 0);
        if (streq(key, "PERCENT")) {
                while (*v == ' ')
                        v++;
                if (parse_int(v, &pid) < 0 || pid < 0 || pid > 100)
                        pid = -1; /* "n/a", or read while it was being rewritten */
                r->percent = pid;
        }
        return 0; /* unknown keys: a newer version's */
}

int transfer_record_parse(const char *text, struct transfer_record *ret) {
        struct transfer_record r = {.percent = -1};
        _cleanup_free_ char *copy = strdup(text);
        char *save = NULL;
        int k = copy ? 0 : -ENOMEM;

        for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line && k >= 0;
             line = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(line, '=');
                if (!eq) {
                        k = -EBADMSG;
                        break;
                }
                *eq = 0;
                k = parse_line(&r, line, eq + 1);
        }
        if (k >= 0 && (r.id == 0 || !r.type || !r.local || r.pid <= 0))
                k = -EBADMSG;
        if (k < 0) {
                transfer_record_done(&r);
                return k;
        }
        *ret = r;
        return 0;
}

/* ---- the directory ---- */

/* root's own directory, writable by nobody else: another user must not plant records. */
static int dir_open(const char *dir, bool create) {
        struct stat st;
        int fd, r;

        if (create && (r = mkdir_p(dir, 0755)) < 0 && r != -EEXIST)
                return r;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ELOOP || errno == ENOTDIR ? -EPERM : negative_errno();
        if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 0022)) {
                safe_close(fd);
                return -EPERM;
        }
        return fd;
}

/* The next ID: .id counts them, under its flock. */
static int next_id(int dir_fd, uint32_t *ret) {
        _cleanup_close_ int fd = openat(dir_fd, COUNTER, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        char buf[16] = {};
        uint32_t id = 0;

        if (fd < 0 || flock(fd, LOCK_EX) < 0)
                return negative_errno();
        if (pread(fd, buf, sizeof buf - 1, 0) < 0)
                return negative_errno();
        buf[strcspn(buf, "\n")] = 0;
        if (parse_uint32(buf, &id) < 0 || id == UINT32_MAX)
                id = 0;
        id++;
        snprintf(buf, sizeof buf, "%" PRIu32 "\n", id);
        if (pwrite(fd, buf, strlen(buf), 0) < 0 || ftruncate(fd, (off_t) strlen(buf)) < 0)
                return negative_errno();
        *ret = id;
        return 0; /* the flock goes with the fd */
}

static bool is_record_name(const char *name) {
        uint32_t id;
        return name[0] != '0' && parse_uint32(name, &id) >= 0 && id > 0;
}

/* The entry name: locked by a live transfer (1, and its fd, if ret_fd), stale and now removed
 * (0), or gone (-ENOENT). The stale one is unlinked while we hold its lock and only if the name
 * still points to it, so a live record is never removed. */
static int entry_check(int dir_fd, const char *name, int *ret_fd) {
        for (int attempt = 0; attempt < 16; attempt++) {
                _cleanup_close_ int fd =
                        openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
                struct stat a, b;

                if (fd < 0)
                        return errno == ENOENT ? -ENOENT : negative_errno();
                if (fstat(fd, &a) < 0 || !S_ISREG(a.st_mode))
                        return -EBADMSG;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno != EWOULDBLOCK)
                                return negative_errno();
                        if (ret_fd)
                                *ret_fd = TAKE_FD(fd);
                        return 1;
                }
                if (fstatat(dir_fd, name, &b, AT_SYMLINK_NOFOLLOW) < 0)
                        return errno == ENOENT ? -ENOENT : negative_errno();
                if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
                        continue; /* replaced meanwhile: look again */
                (void) unlinkat(dir_fd, name, 0);
                return 0;
        }
        return -EBUSY;
}

/* ---- our record ---- */

static int record_fd_new(int dir_fd, const struct transfer_record *rec, off_t *ret_percent_offset) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r = transfer_record_format(rec, &text);

        if (r < 0)
                return r;
        fd = openat(dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
        if (fd < 0 || fchmod(fd, 0644) < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
                return negative_errno();
        if ((r = write_all(fd, text, strlen(text))) < 0)
                return r;
        *ret_percent_offset = (off_t) strlen(text) - 4;
        return TAKE_FD(fd);
}

static struct transfer_entry *entry_free(struct transfer_entry *e) {
        if (e) {
                safe_close(e->fd);
                safe_close(e->dir_fd);
                transfer_record_done(&e->rec);
                free(e);
        }
        return NULL;
}

static int entry_publish(struct transfer_entry *e) {
        for (int attempt = 0; attempt < 64; attempt++) {
                int r = next_id(e->dir_fd, &e->rec.id);

                if (r < 0)
                        return r;
                safe_close(e->fd);
                e->fd = record_fd_new(e->dir_fd, &e->rec, &e->percent_offset);
                if (e->fd < 0)
                        return e->fd;
                snprintf(e->name, sizeof e->name, "%" PRIu32, e->rec.id);
                r = link_tmpfile(e->fd, e->dir_fd, e->name);
                if (r != -EEXIST)
                        return r;
                (void) entry_check(e->dir_fd, e->name, NULL); /* a stale one: gone for the next */
        }
        return -EBUSY;
}

int transfer_claim(const char *dir, const struct transfer_record *rec, struct transfer_entry **ret) {
        struct transfer_entry *e = calloc(1, sizeof *e);
        int r;

        if (!e)
                return -ENOMEM;
        *e = (struct transfer_entry){
                .dir_fd = -EBADF,
                .fd = -EBADF,
                .rec = {.pid = getpid(), .percent = -1},
        };
        r = registry_process_identity(e->rec.pid, &e->rec.pid_starttime, NULL);
        if (r >= 0 && (!(e->rec.type = strdup(rec->type)) || !(e->rec.local = strdup(rec->local)) ||
                       (rec->remote && !(e->rec.remote = strdup(rec->remote)))))
                r = -ENOMEM;
        if (r >= 0)
                r = e->dir_fd = dir_open(dir, true);
        if (r >= 0)
                r = entry_publish(e);
        if (r < 0) {
                entry_free(e);
                return r;
        }
        *ret = e;
        return 0;
}

uint32_t transfer_entry_id(const struct transfer_entry *e) {
        return e->rec.id;
}

int transfer_entry_set_percent(struct transfer_entry *e, int percent) {
        char buf[4];

        if (!e || percent == e->rec.percent)
                return 0;
        e->rec.percent = percent;
        format_percent(percent, buf);
        return pwrite(e->fd, buf, 3, e->percent_offset) == 3 ? 0 : negative_errno();
}

struct transfer_entry *transfer_release(struct transfer_entry *e) {
        struct stat ours, now;

        if (!e)
                return NULL;
        /* only if the name is still ours (we hold its lock, so nobody removed it as stale) */
        if (fstat(e->fd, &ours) >= 0 && fstatat(e->dir_fd, e->name, &now, AT_SYMLINK_NOFOLLOW) >= 0 &&
            ours.st_dev == now.st_dev && ours.st_ino == now.st_ino)
                (void) unlinkat(e->dir_fd, e->name, 0);
        return entry_free(e);
}

/* ---- readers ---- */

static int read_record(int fd, const char *name, struct transfer_record *ret) {
        _cleanup_free_ char *text = NULL;
        struct transfer_record r;
        char id[16];
        int k = read_fd(fd, &text, RECORD_MAX);

        if (k < 0 || (k = transfer_record_parse(text, &r)) < 0)
                return k;
        snprintf(id, sizeof id, "%" PRIu32, r.id);
        if (!streq(id, name)) {
                transfer_record_done(&r);
                return -EBADMSG;
        }
        *ret = r;
        return 0;
}

static int cmp_local(const void *a, const void *b) {
        const struct transfer_record *x = a, *y = b;
        int c = strcmp(x->local, y->local);
        return c != 0 ? c : (x->id > y->id) - (x->id < y->id);
}

int transfer_list(const char *dir, struct transfer_record **ret, size_t *ret_n) {
        _cleanup_close_ int dir_fd = dir_open(dir, false);
        struct transfer_record *a = NULL;
        size_t n = 0;
        DIR *d;
        int k = 0;

        if (dir_fd == -ENOENT) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (dir_fd < 0)
                return dir_fd;
        if (!(d = fdopendir(fcntl(dir_fd, F_DUPFD_CLOEXEC, 3))))
                return negative_errno();
        for (struct dirent *de; k >= 0 && (de = readdir(d));) {
                _cleanup_close_ int fd = -EBADF;
                struct transfer_record r, *na;

                if (!is_record_name(de->d_name) || entry_check(dir_fd, de->d_name, &fd) <= 0)
                        continue;
                if (read_record(fd, de->d_name, &r) < 0)
                        continue; /* not ours to list */
                if (!(na = realloc(a, (n + 1) * sizeof *na))) {
                        transfer_record_done(&r);
                        k = -ENOMEM;
                        break;
                }
                a = na;
                a[n++] = r;
        }
        closedir(d);
        if (k < 0) {
                transfer_record_array_free(a, n);
                return k;
        }
        if (n > 1)
                qsort(a, n, sizeof *a, cmp_local);
        *ret = a;
        *ret_n = n;
        return 0;
}

int transfer_get(const char *dir, uint32_t id, struct transfer_record *ret) {
        _cleanup_close_ int dir_fd = dir_open(dir, false), fd = -EBADF;
        char name[16];
        int k;

        if (dir_fd < 0)
                return dir_fd;
        snprintf(name, sizeof name, "%" PRIu32, id);
        k = entry_check(dir_fd, name, &fd);
        if (k < 0)
                return k;
        if (k == 0)
                return -ENOENT;
        return read_record(fd, name, ret);
}
