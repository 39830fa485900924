/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The address pool in nspawn-net (see net-pool.h). */

#include "net-pool.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ __attribute__((cleanup(closedirp)))

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

_printf_(4, 5) static int pfail(char *error, size_t size, int r, const char *fmt, ...) {
        va_list ap;
        if (error[0])
                return r;
        va_start(ap, fmt);
        vsnprintf(error, size, fmt, ap);
        va_end(ap);
        return r;
}

_printf_(3, 4) static void pwarn(char *buf, size_t size, const char *fmt, ...) {
        size_t l = strlen(buf);
        va_list ap;
        if (l > 0 && l + 1 < size)
                buf[l++] = '\n';
        va_start(ap, fmt);
        vsnprintf(buf + l, size - l, fmt, ap);
        va_end(ap);
}

void pool_init(struct pool *p) {
        *p = (struct pool){.dir_fd = -EBADF, .forward = LOCK_FILE_INIT};
        for (size_t i = 0; i < ELEMENTSOF(p->claims); i++)
                p->claims[i] = LOCK_FILE_INIT;
}

/* ---- systemd-networkd ---- */

static bool same_netns(pid_t pid) {
        char path[64];
        struct stat a, b;
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        return stat(path, &a) >= 0 && stat("/proc/self/ns/net", &b) >= 0 && a.st_ino == b.st_ino &&
               a.st_dev == b.st_dev;
}

/* Does systemd-networkd run in our network namespace? It keeps /run/systemd/netif once it ran;
 * without it there is nothing to look for. */
static bool networkd_running(void) {
        if (access("/run/systemd/netif", F_OK) < 0)
                return false;
        _cleanup_closedir_ DIR *d = opendir("/proc");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                char path[300], comm[32] = "";
                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
                ssize_t n = fd < 0 ? -1 : read(fd, comm, sizeof(comm) - 1);
                if (n > 0 && strncmp(comm, "systemd-network\n", 16) == 0 && same_netns(atoi(de->d_name)))
                        return true;
        }
        return false;
}

/* Its configuration for our links: the first 80-container-ve.network (vz for a zone) in its search
 * path, not masked (/dev/null or empty). */
static bool networkd_manages(bool zone) {
        static const char *const dirs[] = {"/etc/systemd/network", "/run/systemd/network",
                                           "/usr/local/lib/systemd/network", "/usr/lib/systemd/network",
                                           "/lib/systemd/network"};
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                char path[128];
                struct stat st;
                snprintf(path, sizeof(path), "%s/80-container-%s.network", dirs[i], zone ? "vz" : "ve");
                if (stat(path, &st) < 0)
                        continue;
                return S_ISREG(st.st_mode) && st.st_size > 0;
        }
        return false;
}

/* ---- the claims directory ---- */

static uint64_t netns_cookie(struct rtnl *r) {
        uint64_t c = 0;
        socklen_t l = sizeof(c);
        if (getsockopt(mnl_socket_get_fd(r->nl), SOL_SOCKET, SO_NETNS_COOKIE, &c, &l) < 0)
                return 0;
        return c;
}

static int open_dir(uint64_t cookie) {
        char name[32];
        (void) mkdir("/run/nspawn", 0755);
        if (mkdir(NET_POOL_DIR, 0700) < 0 && errno != EEXIST)
                return -errno;
        _cleanup_close_ int top = open(NET_POOL_DIR, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (top < 0)
                return -errno;
        snprintf(name, sizeof(name), "%016llx", (unsigned long long) cookie);
        if (mkdirat(top, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        int fd = openat(top, name, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? -errno : fd;
}

static void sleep_ms(long ms) {
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void remove_dir_if_empty(uint64_t cookie) {
        char name[32];
        _cleanup_close_ int top = open(NET_POOL_DIR, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        snprintf(name, sizeof(name), "%016llx", (unsigned long long) cookie);
        if (top >= 0)
                (void) unlinkat(top, name, AT_REMOVEDIR); /* ENOTEMPTY: others' claims */
}

/* The pool's mutex (10 s at most: its holders do a few requests). */
static int mutex_take(struct lock_file *m) {
        _cleanup_close_ int top = open(NET_POOL_DIR, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (top < 0)
                return -errno;
        for (int i = 0;; i++) {
                int k = lock_file_acquire(top, "lock", LOCK_EX, NULL, NULL, m);
                if (k != -EBUSY || i >= 10000)
                        return k;
                sleep_ms(1);
        }
}

/* ---- prefixes ---- */

static bool overlaps(const uint8_t *a, uint8_t alen, const uint8_t *b, uint8_t blen) {
        uint8_t len = MIN(alen, blen);
        for (uint8_t bit = 0; bit < len; bit++) {
                uint8_t m = (uint8_t) (0x80 >> (bit % 8));
                if ((a[bit / 8] & m) != (b[bit / 8] & m))
                        return false;
        }
        return true;
}

/* a "4 A.B.C.D/N" or "6 X::/N" line of a claim into in-use */
static void parse_claim(const char *text, struct net_prefix *use, size_t *n, size_t max) {
        char fam, addr[64];
        unsigned len;
        for (const char *l = text; l && *l && *n < max; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                if (sscanf(l, "%c %63[^/]/%u", &fam, addr, &len) != 3)
                        continue;
                struct net_prefix *p = &use[*n];
                p->family = fam == '4' ? AF_INET : AF_INET6;
                if (inet_pton(p->family, addr, p->addr) == 1 && len <= (fam == '4' ? 32u : 128u)) {
                        p->len = (uint8_t) len;
                        (*n)++;
                }
        }
}

static int read_text(int dir_fd, const char *name, char *buf, size_t size) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);
        buf[MAX(n, 0)] = 0;
        return n < 0 ? -errno : (int) n;
}

/* The held claims' subnets (stale ones removed on the way), but not the one named except. */
static int claimed(int dir_fd, const char *except, struct net_prefix *use, size_t *n, size_t max) {
        _cleanup_closedir_ DIR *d = fdopendir(fcntl(dir_fd, F_DUPFD_CLOEXEC, 3));
        struct dirent *de;
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char text[256];
                if (de->d_name[0] == '.')
                        continue;
                if (lock_file_remove_stale(dir_fd, de->d_name) != 0 || !startswith(de->d_name, "net-") ||
                    streq(de->d_name, except))
                        continue;
                if (read_text(dir_fd, de->d_name, text, sizeof(text)) > 0)
                        parse_claim(text, use, n, max);
        }
        return 0;
}

static uint32_t hash(const char *s) {
        uint32_t h = 2166136261u; /* FNV-1a */
        for (; *s; s++)
                h = (h ^ (uint8_t) *s) * 16777619u;
        return h;
}

/* Slot i (of size sublen) of the pool base/plen. */
static void slot(const uint8_t *base, uint8_t plen, uint8_t sublen, uint64_t i, uint8_t *ret, size_t alen) {
        memcpy(ret, base, alen);
        for (uint8_t bit = plen; bit < sublen; bit++) {
                uint8_t m = (uint8_t) (0x80 >> (bit % 8));
                if ((i >> (sublen - 1 - bit)) & 1)
                        ret[bit / 8] |= m;
        }
}

/* A free subnet of sublen in the pool, from the slot name hashes to. */
static int pick_subnet(int family, const uint8_t *base, uint8_t plen, uint8_t sublen, const char *name,
                       const struct net_prefix *use, size_t n_use, uint8_t *ret) {
        size_t alen = family == AF_INET ? 4 : 16;
        uint8_t bits = (uint8_t) (sublen - plen);
        uint64_t count = bits >= 16 ? 65536 : (uint64_t) 1 << bits; /* probes */
        uint64_t mask = bits >= 63 ? UINT64_MAX : ((uint64_t) 1 << bits) - 1;
        uint64_t start = hash(name);

        for (uint64_t k = 0; k < count; k++) {
                uint8_t cand[16];
                bool busy = false;
                slot(base, plen, sublen, (start + k) & mask, cand, alen);
                for (size_t i = 0; i < n_use && !busy; i++)
                        busy = use[i].family == family && overlaps(cand, sublen, use[i].addr, use[i].len);
                if (!busy) {
                        memcpy(ret, cand, alen);
                        return 0;
                }
        }
        return -EADDRNOTAVAIL;
}

/* ---- claiming ---- */

struct claim_text {
        const char *text;
};

static int write_claim(int dir_fd, const char *name, int fd, void *userdata) {
        const struct claim_text *c = userdata;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size > 0)
                return 0; /* an existing claim: joined */
        size_t l = strlen(c->text);
        return write(fd, c->text, l) == (ssize_t) l ? 0 : -EIO;
}

static int claim(struct pool *p, const char *name, int operation, const char *text) {
        struct claim_text c = {text};
        for (size_t i = 0; i < ELEMENTSOF(p->claims); i++)
                if (p->claims[i].fd < 0)
                        return lock_file_acquire(p->dir_fd, name, operation, write_claim, &c, &p->claims[i]);
        return -ENOSPC;
}

static void host_addr(uint8_t *ret, const uint8_t *sub, size_t alen, uint64_t host) {
        memcpy(ret, sub, alen);
        for (size_t i = 0; i < 8 && host; i++, host >>= 8)
                ret[alen - 1 - i] |= (uint8_t) host;
}

/* A zone member's address: from its name's hash, the first free one (claimed exclusively). */
static int claim_member(struct pool *p, int family) {
        bool v4 = family == AF_INET;
        size_t alen = v4 ? 4 : 16;
        uint32_t h = hash(p->req.machine);
        for (uint32_t k = 0; k < 1024; k++) {
                char name[80], text[NET_MACHINE_MAX + 1], a[INET6_ADDRSTRLEN];
                uint8_t *addr = v4 ? p->guest4 : p->guest6;
                /* IPv4: .2 to .254 of the /24 (.1 is the bridge's); IPv6: 2 to 2^32 */
                host_addr(addr, v4 ? p->sub4 : p->sub6, alen,
                          v4 ? 2 + (h + k) % 253 : 2 + (uint64_t) (h + k));
                inet_ntop(family, addr, a, sizeof(a));
                snprintf(name, sizeof(name), "addr-%s", a);
                snprintf(text, sizeof(text), "%s\n", p->req.machine);
                int r = claim(p, name, LOCK_EX, text);
                if (r != -EBUSY)
                        return r;
        }
        return -EADDRNOTAVAIL;
}

static void claim_line(char *buf, size_t size, int family, const uint8_t *addr, uint8_t len) {
        char a[INET6_ADDRSTRLEN];
        size_t l = strlen(buf);
        inet_ntop(family, addr, a, sizeof(a));
        snprintf(buf + l, size - l, "%c %s/%u\n", family == AF_INET ? '4' : '6', a, len);
}

/* The subnets: a zone's if it has one (its claim), else new ones; claimed shared. -EADDRNOTAVAIL
 * with *ret_family the pool that has no free subnet left. */
static int claim_subnets(struct pool *p, struct rtnl *r, const char *cname, bool *ret_ra, int *ret_family) {
        bool zone = p->req.flags & NET_POOL_ZONE;
        char text[256] = "";
        size_t n_use = 0;
        struct net_prefix *host = NULL, use[256];
        size_t n_host = 0;
        int k;

        if (zone && read_text(p->dir_fd, cname, text, sizeof(text)) > 0 &&
            lock_file_remove_stale(p->dir_fd, cname) == 0) {
                struct net_prefix z[2];
                size_t n = 0;
                parse_claim(text, z, &n, 2);
                for (size_t i = 0; i < n; i++) {
                        if (z[i].family == AF_INET)
                                memcpy(p->sub4, z[i].addr, 4), p->len4 = z[i].len;
                        else
                                memcpy(p->sub6, z[i].addr, 16), p->len6 = z[i].len;
                }
                k = rtnl_prefixes(r, &host, &n_host, ret_ra);
                free(host);
                return k < 0 ? k : claim(p, cname, LOCK_SH, text);
        }
        if ((k = rtnl_prefixes(r, &host, &n_host, ret_ra)) < 0)
                return k;
        for (size_t i = 0; i < n_host && n_use < ELEMENTSOF(use); i++)
                use[n_use++] = host[i];
        free(host);
        if ((k = claimed(p->dir_fd, cname, use, &n_use, ELEMENTSOF(use))) < 0)
                return k;
        text[0] = 0;
        const char *key = zone ? p->req.zone : p->req.machine;
        if (p->req.v4_len) {
                p->len4 = zone ? 24 : 28;
                *ret_family = AF_INET;
                if ((k = pick_subnet(AF_INET, p->req.v4, p->req.v4_len, p->len4, key, use, n_use, p->sub4)) <
                    0)
                        return k;
                claim_line(text, sizeof(text), AF_INET, p->sub4, p->len4);
        }
        if (p->req.v6_len) {
                p->len6 = 64;
                *ret_family = AF_INET6;
                if ((k = pick_subnet(AF_INET6, p->req.v6, p->req.v6_len, 64, key, use, n_use, p->sub6)) < 0)
                        return k;
                claim_line(text, sizeof(text), AF_INET6, p->sub6, p->len6);
        }
        return claim(p, cname, LOCK_SH, text);
}

/* ---- forwarding ---- */

#define FORWARD4 "/proc/sys/net/ipv4/ip_forward"
#define FORWARD6 "/proc/sys/net/ipv6/conf/all/forwarding"

static int sysctl_read(const char *path) {
        char buf[16];
        int r = read_text(AT_FDCWD, path, buf, sizeof(buf));
        return r < 0 ? r : atoi(buf);
}

static int sysctl_write(const char *path, int v) {
        char buf[16];
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        int l = snprintf(buf, sizeof(buf), "%d\n", v);
        if (fd < 0)
                return -errno;
        return write(fd, buf, (size_t) l) == l ? 0 : -errno;
}

/* The first holder: the values before, then on. (Called again on a retry: the file is still new.) */
static int write_forward(int dir_fd, const char *name, int fd, void *userdata) {
        bool v6 = *(bool *) userdata;
        char text[32];
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size > 0)
                return 0;
        int f4 = sysctl_read(FORWARD4), f6 = v6 ? sysctl_read(FORWARD6) : -1;
        if (f4 < 0)
                return f4;
        int l = snprintf(text, sizeof(text), "4=%d\n6=%d\n", f4, f6 < 0 ? -1 : f6);
        if (write(fd, text, (size_t) l) != l)
                return -EIO;
        int k = f4 == 1 ? 0 : sysctl_write(FORWARD4, 1);
        if (k >= 0 && f6 == 0)
                k = sysctl_write(FORWARD6, 1);
        return k;
}

static int claim_forward(struct pool *p, bool v6) {
        return lock_file_acquire(p->dir_fd, "forward", LOCK_SH, write_forward, &v6, &p->forward);
}

/* fd holds "forward" exclusively: write the values back. */
static void restore_forward(int fd) {
        char text[64] = "";
        int f4 = -1, f6 = -1;
        ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
        text[MAX(n, 0)] = 0;
        if (sscanf(text, "4=%d\n6=%d", &f4, &f6) != 2)
                return;
        if (f4 == 0)
                (void) sysctl_write(FORWARD4, 0);
        if (f6 == 0)
                (void) sysctl_write(FORWARD6, 0);
}

int pool_claim(struct pool *p, struct rtnl *r, const struct net_pool_req *req, char *warn, size_t warn_size,
               char *error, size_t error_size) {
        struct lock_file m = LOCK_FILE_INIT;
        bool zone = req->flags & NET_POOL_ZONE, ra = false;
        char cname[IFNAMSIZ + 8], a[INET6_ADDRSTRLEN];
        int k, family = AF_INET;

        p->req = *req;
        if (req->mode == NET_POOL_NO || (!req->v4_len && !req->v6_len))
                return 0;
        if (req->mode == NET_POOL_AUTO && networkd_manages(zone) && networkd_running())
                return 0; /* systemd-networkd's links: stay out of its way */
        uint64_t cookie = p->cookie = netns_cookie(r);
        if (cookie == 0)
                return pfail(error, error_size, -EOPNOTSUPP,
                             "Cannot tell network namespaces apart (SO_NETNS_COOKIE, Linux 5.14).");
        if ((p->dir_fd = open_dir(cookie)) < 0 || (k = mutex_take(&m)) < 0) {
                k = p->dir_fd < 0 ? p->dir_fd : k;
                return pfail(error, error_size, k, "Failed to open %s: %s", NET_POOL_DIR, strerror(-k));
        }
        snprintf(cname, sizeof(cname), "net-%s", zone ? req->zone : req->link);
        k = claim_subnets(p, r, cname, &ra, &family);
        if (k == -EADDRNOTAVAIL) /* nspawn adds the file's name */
                (void) pfail(error, error_size, k,
                             "The address pool is used up: no free /%u left in %s=%s/%u for %s",
                             family == AF_INET ? p->len4 : p->len6,
                             family == AF_INET ? "IPv4Pool" : "IPv6Pool",
                             inet_ntop(family, family == AF_INET ? req->v4 : req->v6, a, sizeof(a)),
                             family == AF_INET ? req->v4_len : req->v6_len, zone ? req->zone : req->link);
        else if (k < 0)
                (void) pfail(error, error_size, k, "Failed to claim addresses from the pool: %s",
                             strerror(-k));
        if (k >= 0 && zone && p->len4 && (k = claim_member(p, AF_INET)) < 0)
                (void) pfail(error, error_size, k, "No free address left in zone %s: %s", req->zone,
                             strerror(-k));
        if (k >= 0 && zone && p->len6 && (k = claim_member(p, AF_INET6)) < 0)
                (void) pfail(error, error_size, k, "No free address left in zone %s: %s", req->zone,
                             strerror(-k));
        if (k >= 0 && (k = claim_forward(p, p->len6 && !ra)) < 0)
                (void) pfail(error, error_size, k, "Failed to turn on forwarding: %s", strerror(-k));
        lock_file_release(&m);
        if (k < 0) {
                pool_release(p);
                return k;
        }
        if (p->len4) {
                host_addr(p->gw4, p->sub4, 4, 1);
                if (!zone)
                        host_addr(p->guest4, p->sub4, 4, 2);
        }
        if (p->len6) {
                host_addr(p->gw6, p->sub6, 16, 1);
                if (!zone)
                        host_addr(p->guest6, p->sub6, 16, 2);
        }
        if (p->len6 && ra)
                pwarn(warn, warn_size,
                      "The host takes IPv6 router advertisements: IPv6 forwarding is left off, the "
                      "container's IPv6 "
                      "reaches the host only.");
        p->ra = ra;
        p->active = true;
        return 0;
}

void pool_release(struct pool *p) {
        struct lock_file m = LOCK_FILE_INIT;

        if (p->dir_fd < 0)
                return;
        /* under the mutex: a new holder never meets the values half written back */
        (void) mutex_take(&m);
        if (p->forward.fd >= 0 && lock_file_try_exclusive(p->forward.fd))
                restore_forward(p->forward.fd);
        lock_file_release(&p->forward);
        for (size_t i = 0; i < ELEMENTSOF(p->claims); i++)
                lock_file_release(&p->claims[i]);
        remove_dir_if_empty(p->cookie);
        lock_file_release(&m);
        p->dir_fd = safe_close(p->dir_fd);
        p->active = false;
}

/* Free claims in dir_fd removed; "forward" written back first if free. */
static void sweep(int dir_fd) {
        _cleanup_closedir_ DIR *d = fdopendir(fcntl(dir_fd, F_DUPFD_CLOEXEC, 3));
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (streq(de->d_name, "forward")) {
                        struct lock_file f = LOCK_FILE_INIT;
                        if (lock_file_acquire(dir_fd, "forward", LOCK_EX, NULL, NULL, &f) >= 0) {
                                restore_forward(f.fd);
                                lock_file_release(&f);
                        }
                } else
                        (void) lock_file_remove_stale(dir_fd, de->d_name);
        }
}

/* How long the undo waits for a dying helper (the guard gives the undo UNDO_WAIT_MS). */
#define POOL_UNDO_WAIT_MS 5000

int pool_undo(int pidfd) {
        struct lock_file m = LOCK_FILE_INIT;
        struct rtnl r;
        char name[32];

        if (pidfd >= 0) {
                struct pollfd pf = {.fd = pidfd, .events = POLLIN};
                while (poll(&pf, 1, POOL_UNDO_WAIT_MS) < 0 && errno == EINTR)
                        ;
        }
        if (access(NET_POOL_DIR, F_OK) < 0 || rtnl_open(&r) < 0)
                return 0; /* nothing was ever claimed */
        uint64_t cookie = netns_cookie(&r);
        rtnl_close(&r);
        int k = mutex_take(&m);
        if (k < 0)
                return k;
        snprintf(name, sizeof(name), "%016llx", (unsigned long long) cookie);
        _cleanup_close_ int top = open(NET_POOL_DIR, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_close_ int dir =
                top < 0 ? -EBADF : openat(top, name, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (dir >= 0) {
                sweep(dir);
                remove_dir_if_empty(cookie);
        }
        lock_file_release(&m);
        return 0;
}

void pool_resolv_conf(const struct pool *p, char *buf, size_t size) {
        char a[INET6_ADDRSTRLEN];
        buf[0] = 0;
        if (!p->active)
                return;
        if (p->len4) {
                inet_ntop(AF_INET, p->gw4, a, sizeof(a));
                snprintf(buf, size, "nameserver %s\n", a);
        }
        if (p->len6) {
                size_t l = strlen(buf);
                inet_ntop(AF_INET6, p->gw6, a, sizeof(a));
                snprintf(buf + l, size - l, "nameserver %s\n", a);
        }
}

/* ---- configuring ---- */

static int sysctl_link(const char *family, const char *link, const char *key, int v) {
        char path[128];
        snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, link, key);
        return sysctl_write(path, v);
}

static int add_addr(struct rtnl *r, int ifindex, int family, const uint8_t *a, uint8_t len) {
        int k = addr_add(r, ifindex, family, a, len);
        return k == -EEXIST ? 0 : k;
}

/* host0 in the container's namespace: up, addresses, default routes. */
static int configure_guest(struct pool *p, int netns, int back, char *error, size_t esize) {
        struct rtnl in;
        int k = rtnl_open_in(&in, netns, back);
        if (k < 0)
                return pfail(error, esize, k, "Failed to enter the container's network namespace: %s",
                             strerror(-k));
        int idx = link_get(&in, "host0", NULL);
        k = idx < 0 ? idx : link_set_up(&in, idx);
        if (k >= 0 && p->len4 && (k = add_addr(&in, idx, AF_INET, p->guest4, p->len4)) >= 0)
                k = route_add_default(&in, AF_INET, p->gw4, idx);
        if (k >= 0 && p->len6 && (k = add_addr(&in, idx, AF_INET6, p->guest6, p->len6)) >= 0)
                k = route_add_default(&in, AF_INET6, p->gw6, idx);
        rtnl_close(&in);
        return k < 0 ? pfail(error, esize, k, "Failed to configure host0 in the container: %s", strerror(-k))
                     : 0;
}

int pool_configure(struct pool *p, struct rtnl *r, int netns, int back_netns, char *error, size_t esize) {
        const char *link = p->req.flags & NET_POOL_ZONE ? p->req.zone : p->req.link;
        int idx = link_get(r, link, NULL), k = idx;

        if (!p->active)
                return 0;
        /* the host end: the gateway; route_localnet: -p from the host's 127.0.0.1 is DNATed out of it
         * (and the answers come back in) with a loopback address (net-nft.h) */
        if (k > 0 && p->len4 && (k = add_addr(r, idx, AF_INET, p->gw4, p->len4)) >= 0 && p->req.n_ports)
                k = sysctl_link("ipv4", link, "route_localnet", 1);
        if (k >= 0 && p->len6)
                k = add_addr(r, idx, AF_INET6, p->gw6, p->len6);
        if (k >= 0)
                k = link_set_up(r, idx);
        if (k < 0)
                return pfail(error, esize, k, "Failed to configure %s: %s", link, strerror(-k));
        return p->req.flags & NET_POOL_BOOT ? 0 : configure_guest(p, netns, back_netns, error, esize);
}
