/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Machines from the registry, .host, and the proven leader. See machine.h. */

#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chase.h"
#include "log.h"
#include "fdutil.h"
#include "machined-machines.h"
#include "macro.h"
#include "parse-util.h"
#include "proc.h"
#include "strv.h"
#include "uuid.h"

#define OS_RELEASE_MAX (64 * 1024)

static const char *const state_table[_MACHINE_STATE_MAX] = {
        [MACHINE_OPENING] = "opening",
        [MACHINE_RUNNING] = "running",
        [MACHINE_CLOSING] = "closing",
};

const char *machine_state_to_string(enum machine_state s) {
        return s >= 0 && s < _MACHINE_STATE_MAX ? state_table[s] : NULL;
}

void machine_done(struct machine *m) {
        machine_record_done(&m->rec);
        if (m->md)
                machined_record_done(m->md);
        free(m->md);
        m->md = NULL;
        safe_close(m->leader_fd);
        m->leader_fd = -EBADF;
}

void machine_array_free(struct machine *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                machine_done(&a[i]);
        free(a);
}

/* .host as machined shows it: the host's machine ID, booted at the boot time, PID 1. */
static int host_machine(struct machine *ret) {
        _cleanup_free_ char *id = NULL;
        struct machine m = {.host = true, .leader_fd = -EBADF};
        m.rec.name = strdup(HOST_MACHINE);
        m.rec.class = strdup("host");
        m.rec.root = strdup("/");
        if (!m.rec.name || !m.rec.class || !m.rec.root) {
                machine_done(&m);
                return -ENOMEM;
        }
        m.rec.leader = 1;
        m.rec.start_mode = START_BOOT;
        if (read_file_at(AT_FDCWD, "/etc/machine-id", &id, 64) >= 0) {
                id[strcspn(id, "\n")] = 0;
                (void) uuid_parse(id, m.rec.uuid);
        }
        m.rec.realtime_usec = now_usec(CLOCK_REALTIME) - now_usec(CLOCK_MONOTONIC);
        *ret = m;
        return 0;
}

int machine_get(const char *dir, const char *name, struct machine *ret) {
        if (streq(name, HOST_MACHINE))
                return host_machine(ret);
        struct machine m = {.leader_fd = -EBADF};
        int r = registry_get(dir, name, &m.rec);
        if (r == -EINVAL)
                return -ENOENT; /* an invalid name names no machine */
        if (r < 0)
                return r;
        *ret = m;
        return 0;
}

int machine_find(const char *dir, const char *name, struct machine *ret) {
        int r = machine_get(dir, name, ret);
        return r == -ENOENT ? machined_machine_get(name, ret) : r;
}

static int machine_compare(const void *a, const void *b) {
        const struct machine *x = a, *y = b;
        if (x->host != y->host)
                return x->host ? -1 : 1;
        return strcmp(x->rec.name, y->rec.name);
}

int machine_list(const char *dir, bool with_host, struct machine **ret, size_t *ret_n) {
        struct machine_record *recs = NULL;
        struct machine *md = NULL;
        size_t n = 0, n_md = 0, k = 0;
        int r = registry_list(dir, &recs, &n);
        if (r < 0)
                return r;
        r = machined_machines_list(&md, &n_md);
        struct machine *a = r < 0 ? NULL : calloc(n + n_md + 1, sizeof(*a));
        if (!a) {
                machine_record_array_free(recs, n);
                machine_array_free(md, n_md);
                return -ENOMEM;
        }
        if (with_host && host_machine(&a[k]) >= 0)
                k++;
        for (size_t i = 0; i < n; i++)
                a[k++] = (struct machine){.rec = recs[i], .leader_fd = -EBADF};
        free(recs); /* the records moved into a */
        size_t ours = k;
        for (size_t i = 0; i < n_md; i++) {
                bool known = false;
                for (size_t j = 0; j < ours && !known; j++)
                        known = !a[j].host && streq(a[j].rec.name, md[i].rec.name);
                if (known) /* ours win: the registry knows more than machined */
                        machine_done(&md[i]);
                else
                        a[k++] = md[i];
        }
        free(md);
        if (n_md > 0)
                qsort(a, k, sizeof(*a), machine_compare);
        *ret = a;
        *ret_n = k;
        return 0;
}

int machine_leader(struct machine *m) {
        if (m->md)
                return -EREMOTE;
        if (m->leader_fd >= 0) {
                if (pidfd_alive(m->leader_fd))
                        return m->leader_fd;
                return -ESRCH;
        }
        if (m->rec.leader <= 0)
                return -ESRCH;
        _cleanup_close_ int fd = pidfd_open_pid(m->rec.leader);
        if (fd < 0)
                return fd;
        if (!m->host) {
                uint64_t start;
                if (m->rec.leader_starttime == 0)
                        return -ENOKEY;
                int r = registry_process_identity(m->rec.leader, &start, NULL);
                if (r < 0)
                        return r;
                /* read after pidfd_open: if the pidfd's process still lives, the PID is still its */
                if (start != m->rec.leader_starttime || !pidfd_alive(fd))
                        return -ESRCH;
        }
        return m->leader_fd = TAKE_FD(fd);
}

enum machine_state machine_state(struct machine *m) {
        if (m->md) {
                for (enum machine_state s = 0; s < _MACHINE_STATE_MAX; s++)
                        if (streq_ptr(m->md->state, state_table[s]))
                                return s;
                return MACHINE_RUNNING;
        }
        if (m->rec.leader <= 0)
                return MACHINE_OPENING;
        int r = machine_leader(m);
        return r >= 0 || r == -ENOKEY ? MACHINE_RUNNING : MACHINE_CLOSING;
}

/* ---- os-release ---- */

const char *os_release_get(char *const *l, const char *key) {
        size_t n = strlen(key);
        STRV_FOREACH(s, l)
        if (strncmp(*s, key, n) == 0 && (*s)[n] == '=')
                return *s + n + 1;
        return NULL;
}

/* One value: "…" (backslash escapes \" \\ \$ \`), '…' or bare. */
static char *os_release_value(const char *v) {
        char *out = malloc(strlen(v) + 1), *o = out;
        if (!out)
                return NULL;
        char quote = 0;
        for (; *v; v++) {
                if (!quote && (*v == '"' || *v == '\'')) {
                        quote = *v;
                        continue;
                }
                if (quote && *v == quote) {
                        quote = 0;
                        continue;
                }
                if (quote != '\'' && *v == '\\' && v[1]) {
                        *o++ = *++v;
                        continue;
                }
                if (!quote && (*v == '#' || *v == ' ' || *v == '\t'))
                        break;
                *o++ = *v;
        }
        *o = 0;
        return out;
}

int os_release_parse(const char *text, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *copy = strdup(text);
        char *save = NULL;
        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                line += strspn(line, " \t");
                char *eq = strchr(line, '=');
                if (*line == '#' || !eq || eq == line)
                        continue;
                *eq = 0;
                _cleanup_free_ char *value = os_release_value(eq + 1), *kv = NULL;
                if (!value || asprintf(&kv, "%s=%s", line, value) < 0)
                        return -ENOMEM;
                if (strv_env_set(&l, kv) < 0)
                        return -ENOMEM;
        }
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

/* A regular file inside root_fd, opened without leaving it and without blocking on a FIFO. */
static int read_guest_file(int root_fd, const char *path, char **ret) {
        return chase_read_regular(root_fd, path, OS_RELEASE_MAX, ret);
}

int machine_os_release(struct machine *m, char ***ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int root_fd = -EBADF;
        int r;

        if (m->md) {
                if (!m->md->os)
                        return -ENOENT;
                return (*ret = strv_copy(m->md->os)) ? 0 : -ENOMEM;
        }
        if (m->host) {
                root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (root_fd < 0)
                        return -errno;
        } else {
                r = machine_leader(m);
                if (r < 0)
                        return r;
                /* the leader's root as the host sees it: the container's tree, in its mounts */
                root_fd = proc_open_verified(r, m->rec.leader, "root", O_PATH | O_DIRECTORY);
                if (root_fd < 0)
                        return root_fd;
        }
        r = read_guest_file(root_fd, "/etc/os-release", &text);
        if (r == -ENOENT)
                r = read_guest_file(root_fd, "/usr/lib/os-release", &text);
        if (r < 0)
                return r;
        return os_release_parse(text, ret);
}

uint64_t machine_monotonic_usec(const struct machine *m) {
        if (m->md)
                return m->md->timestamp_monotonic;
        if (m->host)
                return 0;
        uint64_t real = now_usec(CLOCK_REALTIME), mono = now_usec(CLOCK_MONOTONIC);
        uint64_t age = real > m->rec.realtime_usec ? real - m->rec.realtime_usec : 0;
        return mono > age ? mono - age : 0;
}

char *machine_unit(const struct machine *m) {
        if (m->host)
                return strdup("-.slice");
        if (m->md)
                return m->md->unit ? strdup(m->md->unit) : NULL;
        if (!m->rec.cgroup)
                return NULL;
        _cleanup_free_ char *parent = strdup(m->rec.cgroup);
        if (!parent)
                return NULL;
        char *slash = strrchr(parent, '/');
        if (!slash || slash == parent)
                return NULL;
        *slash = 0;
        const char *base = strrchr(parent, '/') + 1;
        /* cgroupfs names that could clash with kernel files get a "_" (systemd's cg_escape) */
        if (*base == '_')
                base++;
        return strdup(base);
}

int machine_get_or_log(const char *dir, const char *name, const char *what, struct machine *ret) {
        int r = machine_find(dir, name, ret);
        if (r == -ENOENT)
                return log_error("Could not %s: No machine '%s' known", what, name);
        if (r < 0)
                return log_error("Could not %s: %s", what, strerror(-r));
        return 0;
}
