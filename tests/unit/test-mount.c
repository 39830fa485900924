/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#include "macro.h"
#include "mount.h"
#include "settings.h"

/* ---- ordering ------------------------------------------------------------------------------- */

static void test_path_compare(void **state) {
        (void) state;
        assert_int_equal(mount_path_compare("/a", "/a"), 0);
        assert_int_equal(mount_path_compare("/a/", "//a"), 0);
        assert_true(mount_path_compare("/", "/a") < 0);
        assert_true(mount_path_compare("/a", "/a/b") < 0);
        assert_true(mount_path_compare("/a/b", "/a") > 0);
        /* component-wise: "/a/b" is below "/a", so it sorts before the sibling "/a-b"; strcmp
         * would put "/a-b" first ('-' < '/') */
        assert_true(mount_path_compare("/a/b", "/a-b") < 0);
        assert_true(mount_path_compare("/a-b", "/a/b") > 0);
        assert_true(mount_path_compare("/ab", "/a") > 0);
        assert_true(mount_path_compare("/b", "/a/z") > 0);
}

/* The initializers hold no fd: done on them closes nothing (an fd 0 in them closed stdin). */
static void test_inits_close_nothing(void **state) {
        struct mount_context ctx = MOUNT_CONTEXT_INIT;
        struct mount_sources src = MOUNT_SOURCES_INIT;
        int fds[4];

        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                assert_true((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
        int saved0 = dup(0);
        assert_true(saved0 >= 0);
        mount_context_done(&ctx);
        mount_sources_done(&src);
        assert_true(fcntl(0, F_GETFD) >= 0);
        for (size_t i = 0; i < ELEMENTSOF(fds); i++) {
                assert_true(fcntl(fds[i], F_GETFD) >= 0);
                close(fds[i]);
        }
        close(saved0);
}

static void test_custom_order(void **state) {
        struct custom_mount m[] = {
                {.destination = (char *) "/tmp/b", .source = (char *) "first"},
                {.destination = (char *) "/tmp"},
                {.destination = (char *) "/a-b"},
                {.destination = (char *) "/a/b/c"},
                {.destination = (char *) "/a"},
                {.destination = (char *) "/tmp/b", .source = (char *) "second"},
                {.destination = (char *) "/a/b"},
        };
        static const size_t expected[] = {4, 6, 3, 2, 1, 0, 5};
        size_t order[ELEMENTSOF(m)];

        (void) state;
        mount_custom_order(m, ELEMENTSOF(m), order);
        for (size_t i = 0; i < ELEMENTSOF(m); i++)
                assert_int_equal(order[i], expected[i]);

        mount_custom_order(m, 0, order); /* no-op */
}

/* ---- end to end: a busybox tree, mounted in a private mount + PID namespace ------------------ */

static char base[64];

static int rm_entry(const char *p, const struct stat *st, int type, struct FTW *f) {
        (void) st;
        (void) f;
        return type == FTW_DP ? rmdir(p) : unlink(p);
}

static void write_at(const char *dir, const char *name, const char *content) {
        char p[256];
        int fd;

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        close(fd);
}

static void mkdir_at(const char *dir, const char *name) {
        char p[256];

        snprintf(p, sizeof(p), "%s/%s", dir, name);
        assert_int_equal(mkdir(p, 0755), 0);
}

static void copy_file(const char *from, const char *to, mode_t mode) {
        char buf[65536];
        ssize_t n;
        int in = open(from, O_RDONLY | O_CLOEXEC),
            out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        assert_true(in >= 0 && out >= 0);
        while ((n = read(in, buf, sizeof(buf))) > 0)
                assert_int_equal(write(out, buf, n), n);
        close(in);
        close(out);
}

/* base/root: bin/busybox, etc/{marker,secretfile,secretdir/}; no /proc, /dev ... (created) */
static void make_tree(const char *root) {
        char p[256];

        assert_int_equal(mkdir(root, 0755), 0);
        mkdir_at(root, "bin");
        mkdir_at(root, "etc");
        mkdir_at(root, "etc/secretdir");
        write_at(root, "etc/marker", "inside\n");
        write_at(root, "etc/secretfile", "secret\n");
        snprintf(p, sizeof(p), "%s/bin/busybox", root);
        copy_file("/bin/busybox", p, 0755);
}

static int setup(void **state) {
        (void) state;
        snprintf(base, sizeof(base), "/tmp/test-mount-XXXXXX");
        if (!mkdtemp(base))
                return -1;
        return 0;
}

static int teardown(void **state) {
        (void) state;
        nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static bool can_run(void) {
        if (geteuid() != 0) {
                print_message("# not root: end-to-end mount tests skipped\n");
                return false;
        }
        if (access("/bin/busybox", X_OK) < 0) {
                print_message("# no /bin/busybox: end-to-end mount tests skipped\n");
                return false;
        }
        return true;
}

/* The grandchild reports the first failed check through this pipe and exits 1. */
static int report_fd = -1;

_printf_(1, 2) static _noreturn_ void fail_report(const char *fmt, ...) {
        char buf[1024];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        (void) !write(report_fd, buf, MIN((size_t) n, sizeof(buf) - 1));
        _exit(1);
}

#define CHECK(cond, ...)                                                                                    \
        do {                                                                                                \
                if (!(cond))                                                                                \
                        fail_report(__VA_ARGS__);                                                           \
        } while (0)

typedef void (*check_fn)(struct mount_context *ctx, const char *host_boot_id);

static void read_text(const char *path, char *buf, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        CHECK(fd >= 0, "open %s: %m", path);
        n = read(fd, buf, size - 1);
        CHECK(n >= 0, "read %s: %m", path);
        buf[n] = 0;
        close(fd);
}

/*
 * fork → unshare(NEWNS|NEWPID[|NEWNET]) → fork: the grandchild is PID 1 of a new PID namespace,
 * like the real child, and runs prepare/pivot/finish and then check(). Returns the grandchild's
 * report ("" when all checks passed); with expect_fail, the check is not run and the report is
 * ctx->error.
 */
static char *run_container(const char *root, const struct settings *s, bool private_net, bool expect_fail,
                           check_fn check) {
        static char report[1024];
        int pipefd[2], status;
        pid_t pid;
        ssize_t n;

        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        fflush(stdout); /* or the children would print the parent's buffer again */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                pid_t gc;

                close(pipefd[0]);
                report_fd = pipefd[1];
                if (unshare(CLONE_NEWNS | CLONE_NEWPID | (private_net ? CLONE_NEWNET : 0)) < 0)
                        fail_report("unshare: %m");
                gc = fork();
                if (gc < 0)
                        fail_report("fork: %m");
                if (gc == 0) {
                        struct mount_context ctx = MOUNT_CONTEXT_INIT;
                        char host_boot_id[64];
                        struct timespec t0, t1;
                        int r;

                        ctx.settings = s;
                        ctx.root = root;
                        /* the supervisor's part (host.c): the tree as a detached mount, the
                         * host's sources */
                        struct mount_sources sources = MOUNT_SOURCES_INIT;
                        ctx.tree_mnt = open_tree(AT_FDCWD, root,
                                                 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                        CHECK(ctx.tree_mnt >= 0, "open_tree(%s): %m", root);
                        if (s) {
                                r = mount_sources_open(s, &sources, &ctx.error);
                                if (expect_fail && r < 0)
                                        fail_report("%s", ctx.error);
                                CHECK(r >= 0, "host sources: %s", ctx.error ?: "?");
                        }
                        ctx.sources = &sources;
                        ctx.uuid_string = "0123abcd-0123-4567-89ab-0123456789ab";
                        ctx.private_network = private_net;
                        ctx.tmpfs_tmp = true;
                        read_text("/proc/sys/kernel/random/boot_id", host_boot_id, sizeof(host_boot_id));

                        clock_gettime(CLOCK_MONOTONIC, &t0);
                        r = mount_prepare(&ctx);
                        if (r >= 0)
                                r = mount_pivot(&ctx);
                        if (r >= 0)
                                r = mount_finish(&ctx);
                        clock_gettime(CLOCK_MONOTONIC, &t1);
                        if (expect_fail) {
                                CHECK(r < 0, "mount setup unexpectedly succeeded");
                                CHECK(ctx.error, "no error message (r=%d)", r);
                                fail_report("%s", ctx.error);
                        }
                        CHECK(r >= 0, "mount setup failed: %s (%s)", ctx.error ?: "?", strerror(-r));
                        CHECK(!ctx.error, "error set on success: %s", ctx.error);
                        print_message("# mount setup took %ld µs\n",
                                      (long) ((t1.tv_sec - t0.tv_sec) * 1000000 +
                                              (t1.tv_nsec - t0.tv_nsec) / 1000));
                        fflush(stdout);
                        check(&ctx, host_boot_id);
                        mount_context_done(&ctx);
                        _exit(0);
                }
                if (waitpid(gc, &status, 0) < 0)
                        fail_report("waitpid: %m");
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 2);
        }

        close(pipefd[1]);
        n = read(pipefd[0], report, sizeof(report) - 1);
        report[MAX(n, (ssize_t) 0)] = 0;
        close(pipefd[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!expect_fail && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
                print_message("# container check failed: %s\n", report);
        if (!expect_fail)
                assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        return report;
}

/* ---- checks inside the container ------------------------------------------------------------ */

/* One line of /proc/self/mountinfo for mount point `where` (the last one: the visible mount). */
static bool mountinfo_find(const char *where, char *ret_fstype, char *ret_opts, int *ret_id,
                           int *ret_parent) {
        char line[1024];
        bool found = false;
        FILE *f = fopen("/proc/self/mountinfo", "re");

        CHECK(f, "open mountinfo: %m");
        while (fgets(line, sizeof(line), f)) {
                char mp[256], opts[256], fstype[64];
                int id, parent;
                const char *dash;

                if (sscanf(line, "%d %d %*s %*s %255s %255s", &id, &parent, mp, opts) != 4)
                        continue;
                dash = strstr(line, " - ");
                if (!dash || sscanf(dash, " - %63s", fstype) != 1)
                        continue;
                if (!streq(mp, where))
                        continue;
                found = true;
                if (ret_fstype)
                        strcpy(ret_fstype, fstype);
                if (ret_opts)
                        strcpy(ret_opts, opts);
                if (ret_id)
                        *ret_id = id;
                if (ret_parent)
                        *ret_parent = parent;
        }
        fclose(f);
        return found;
}

static void check_mount(const char *where, const char *fstype, const char *opts) {
        char t[64], o[256];

        CHECK(mountinfo_find(where, t, o, NULL, NULL), "%s is not a mount point", where);
        CHECK(!fstype || streq(t, fstype), "%s is %s, not %s", where, t, fstype);
        CHECK(!opts || strstr(o, opts) == o, "%s has options %s, expected %s", where, o, opts);
}

static void check_mode(const char *path, mode_t type, mode_t perm) {
        struct stat st;

        CHECK(lstat(path, &st) == 0, "stat %s: %m", path);
        CHECK((st.st_mode & S_IFMT) == type, "%s has type %o, not %o", path, st.st_mode & S_IFMT, type);
        CHECK((st.st_mode & 07777) == perm, "%s has mode %o, not %o", path, st.st_mode & 07777, perm);
}

static void check_link(const char *path, const char *target) {
        char buf[256];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);

        CHECK(n > 0, "readlink %s: %m", path);
        buf[n] = 0;
        CHECK(streq(buf, target), "%s → %s, not %s", path, buf, target);
}

static void check_open_fails(const char *path, int flags, int error) {
        int fd = open(path, flags | O_CLOEXEC);

        CHECK(fd < 0, "%s could be opened (flags %o)", path, flags);
        CHECK(errno == error, "open %s: %m, expected %s", path, strerror(error));
}

static void check_api_mounts(void) {
        check_mount("/proc", "proc", "rw,nosuid,nodev,noexec");
        check_mount("/proc/sys", "proc", "ro,nosuid,nodev,noexec");
        check_mount("/proc/sys/kernel/random/boot_id", NULL, "ro,nosuid,nodev,noexec");
        check_mount("/sys", "sysfs", "ro,nosuid,nodev,noexec");
        check_mount("/dev", "tmpfs", "rw,nosuid");
        check_mount("/dev/pts", "devpts", "rw,nosuid,noexec");
        check_mount("/dev/shm", "tmpfs", "rw,nosuid,nodev");
        check_mount("/dev/mqueue", "mqueue", "rw,nosuid,nodev,noexec");
        check_mount("/run", "tmpfs", "rw,nosuid,nodev");
        check_mount("/run/host", "tmpfs", "rw,nosuid,nodev");
        check_mount("/run/host/os-release", NULL, "ro");
        check_mount("/tmp", "tmpfs", "rw,nosuid,nodev");
        CHECK(!mountinfo_find("/sys/fs/cgroup", NULL, NULL, NULL, NULL),
              "cgroup2 mounted without ctx->cgroup2");

        /* /proc/sys is read-only, for root too */
        check_open_fails("/proc/sys/kernel/hostname", O_WRONLY, EROFS);
}

static const char *const masked[] = {"/proc/kallsyms", "/proc/kcore", "/proc/keys", "/proc/sysrq-trigger",
                                     "/proc/timer_list"};

static void check_masks(void) {
        char buf[16];
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(masked); i++) {
                int fd;

                if (access(masked[i], F_OK) < 0)
                        continue; /* not in this kernel */
                n++;
                check_mount(masked[i], NULL, "ro,nosuid,nodev,noexec");
                check_mode(masked[i], S_IFREG, 0);
                /* root may open the mode-000 node (CAP_DAC_OVERRIDE), but it is empty: no kernel
                 * memory, no symbols, no keys */
                fd = open(masked[i], O_RDONLY | O_CLOEXEC);
                CHECK(fd >= 0, "open %s: %m", masked[i]);
                CHECK(read(fd, buf, sizeof(buf)) == 0, "%s is readable and not empty", masked[i]);
                close(fd);
        }
        CHECK(n > 0, "none of the masked /proc files exists");
        check_open_fails("/proc/sys/kernel/hostname", O_WRONLY, EROFS);
}

static void check_dev(void) {
        static const struct {
                const char *name;
                unsigned major, minor;
        } nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                     {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
        char p[64];
        struct stat st;

        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                snprintf(p, sizeof(p), "/dev/%s", nodes[i].name);
                check_mode(p, S_IFCHR, 0666);
                CHECK(lstat(p, &st) == 0 && major(st.st_rdev) == nodes[i].major &&
                              minor(st.st_rdev) == nodes[i].minor,
                      "%s has the wrong device number", p);
        }
        check_link("/dev/ptmx", "pts/ptmx");
        check_link("/dev/fd", "/proc/self/fd");
        check_link("/dev/stdin", "/proc/self/fd/0");
        check_link("/dev/stdout", "/proc/self/fd/1");
        check_link("/dev/stderr", "/proc/self/fd/2");
        check_mode("/dev/pts/ptmx", S_IFCHR, 0666);
        if (access("/dev/net/tun", F_OK) == 0)
                check_mode("/dev/net/tun", S_IFCHR, 0666);
        check_mode("/dev/shm", S_IFDIR, 01777);
        check_mode("/tmp", S_IFDIR, 01777);
        check_mode("/dev", S_IFDIR, 0755);

        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        CHECK(fd >= 0 && write(fd, "x", 1) == 1, "/dev/null is not writable: %m");
        close(fd);
}

static void check_run_host(struct mount_context *ctx, const char *host_boot_id) {
        static const struct {
                const char *name;
                mode_t type;
        } inacc[] = {{"reg", S_IFREG},   {"dir", S_IFDIR}, {"fifo", S_IFIFO},
                     {"sock", S_IFSOCK}, {"chr", S_IFCHR}, {"blk", S_IFBLK}};
        char buf[256], p[64];

        read_text("/run/host/container-manager", buf, sizeof(buf));
        CHECK(streq(buf, "systemd-nspawn\n"), "container-manager is '%s'", buf);
        check_mode("/run/host/container-manager", S_IFREG, 0444);
        read_text("/run/host/container-uuid", buf, sizeof(buf));
        CHECK(streq(buf, "0123abcd-0123-4567-89ab-0123456789ab\n"), "container-uuid is '%s'", buf);
        check_mode("/run/host/container-uuid", S_IFREG, 0444);
        check_mode("/run/host/incoming", S_IFDIR, 0755);
        for (size_t i = 0; i < ELEMENTSOF(inacc); i++) {
                snprintf(p, sizeof(p), "/run/host/inaccessible/%s", inacc[i].name);
                check_mode(p, inacc[i].type, 0);
        }
        read_text("/run/host/os-release", buf, sizeof(buf));
        CHECK(strstr(buf, "ID=") || strstr(buf, "NAME="), "os-release looks wrong: %s", buf);

        read_text("/proc/sys/kernel/random/boot_id", buf, sizeof(buf));
        CHECK(strlen(buf) == 37 && buf[14] == '4', "boot_id looks wrong: %s", buf);
        CHECK(!streq(buf, host_boot_id), "boot_id is the host's");

        /* writable until sealed, read-only after */
        int fd = open("/run/host/probe", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0, "/run/host is not writable before sealing: %m");
        close(fd);
        CHECK(mount_seal_run_host() == 0, "mount_seal_run_host failed");
        check_mount("/run/host", "tmpfs", "ro,");
        check_open_fails("/run/host/probe2", O_WRONLY | O_CREAT, EROFS);
        (void) ctx;
}

static void check_busybox_runs(void) {
        int status;
        pid_t pid = fork();

        CHECK(pid >= 0, "fork: %m");
        if (pid == 0) {
                execl("/bin/busybox", "busybox", "sh", "-c",
                      "test -c /dev/null && test -d /proc/1 && test -L /dev/ptmx && test -f "
                      "/run/host/os-release",
                      NULL);
                _exit(127);
        }
        CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "busybox inside the container failed (status %d)", status);
}

/* Last: without privileges, the masked 0444 files give EACCES (unmasked they were readable). */
static void check_masks_unprivileged(void) {
        CHECK(setgroups(0, NULL) == 0 && setresgid(65534, 65534, 65534) == 0 &&
                      setresuid(65534, 65534, 65534) == 0,
              "dropping privileges: %m");
        for (size_t i = 0; i < ELEMENTSOF(masked); i++)
                if (access(masked[i], F_OK) == 0)
                        check_open_fails(masked[i], O_RDONLY, EACCES);
}

static void check_default(struct mount_context *ctx, const char *host_boot_id) {
        check_api_mounts();
        CHECK(!mountinfo_find("/proc/sys/net", NULL, NULL, NULL, NULL),
              "/proc/sys/net mounted without private network");
        check_open_fails("/proc/sys/net/ipv4/ip_forward", O_WRONLY, EROFS);
        check_masks();
        check_dev();
        check_run_host(ctx, host_boot_id);
        check_busybox_runs();
        /* the image was writable: the mount points were created in it */
        CHECK(access("/etc/marker", W_OK) == 0, "root is not writable");
        check_masks_unprivileged();
}

static void count_host_mounts(int *ret) {
        char line[1024];
        FILE *f = fopen("/proc/self/mountinfo", "re");
        int n = 0;

        assert_non_null(f);
        while (fgets(line, sizeof(line), f))
                n++;
        fclose(f);
        *ret = n;
}

static void test_default_mounts(void **state) {
        struct settings s = {0};
        char root[128];
        int before, after;

        (void) state;
        if (!can_run())
                skip();
        snprintf(root, sizeof(root), "%s/default", base);
        make_tree(root);
        /* a real image has its mount points (the other tests cover creating them): the time
         * printed is then the cost of the mounts alone */
        mkdir_at(root, "proc");
        mkdir_at(root, "sys");
        mkdir_at(root, "dev");
        mkdir_at(root, "run");
        mkdir_at(root, "tmp");
        count_host_mounts(&before);
        run_container(root, &s, false, false, check_default);
        count_host_mounts(&after);
        assert_int_equal(before, after);
}

/* ---- custom mounts, --read-only, private network -------------------------------------------- */

static char hostdir[128], hostfile[128];

static void check_custom(struct mount_context *ctx, const char *host_boot_id) {
        char buf[256];
        struct stat st;
        int tmp_id, scratch_parent, fd;

        (void) ctx;
        (void) host_boot_id;
        check_api_mounts();

        /* read-only image (mount points were created before it became read-only) */
        check_open_fails("/etc/new", O_WRONLY | O_CREAT, EROFS);
        check_mount("/", NULL, "ro");

        /* private network: /proc/sys/net is its own, writable mount */
        check_mount("/proc/sys/net", "proc", "rw");
        fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
        CHECK(fd >= 0, "/proc/sys/net not writable with a private network: %m");
        close(fd);

        /* bind, created destination */
        read_text("/mnt/bind/hello", buf, sizeof(buf));
        CHECK(streq(buf, "hello\n"), "bind: hello is '%s'", buf);
        fd = open("/mnt/bind/fromcontainer", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0, "rw bind not writable: %m");
        close(fd);
        /* bind-ro */
        check_open_fails("/mnt/ro/x", O_WRONLY | O_CREAT, EROFS);
        /* file bind onto a created file */
        read_text("/tmp/hostfile", buf, sizeof(buf));
        check_mode("/tmp/hostfile", S_IFREG, 0644);
        CHECK(streq(buf, "file\n"), "file bind: '%s'", buf);
        /* +path: a directory of the image */
        read_text("/mnt/plus/marker", buf, sizeof(buf));
        CHECK(streq(buf, "inside\n"), "+path bind: '%s'", buf);
        /* throw-away dir below /tmp lands on top of the /tmp tmpfs (systemd#4789) */
        CHECK(mountinfo_find("/tmp", NULL, NULL, &tmp_id, NULL), "/tmp missing");
        CHECK(mountinfo_find("/tmp/scratch", NULL, NULL, NULL, &scratch_parent), "/tmp/scratch missing");
        CHECK(scratch_parent == tmp_id, "/tmp/scratch is hidden below /tmp");
        fd = open("/tmp/scratch/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0, "throw-away dir not writable: %m");
        close(fd);
        /* tmpfs with options */
        check_mount("/mnt/tmpfs", "tmpfs", "rw,nodev");
        check_mode("/mnt/tmpfs", S_IFDIR, 0700);
        check_mount("/mnt/tmpfs2", "tmpfs", "rw,nodev");
        check_mode("/mnt/tmpfs2", S_IFDIR, 0755);
        /* overlay with a throw-away upper dir */
        check_mount("/mnt/ovl", "overlay", "rw");
        read_text("/mnt/ovl/hello", buf, sizeof(buf));
        CHECK(streq(buf, "hello\n"), "overlay: hello is '%s'", buf);
        fd = open("/mnt/ovl/new-in-overlay", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0, "overlay not writable: %m");
        close(fd);
        /* overlay-ro */
        check_mount("/mnt/ovlro", "overlay", "ro");
        read_text("/mnt/ovlro/hello", buf, sizeof(buf));
        /* inaccessible file and directory */
        check_mode("/etc/secretfile", S_IFREG, 0);
        CHECK(stat("/etc/secretfile", &st) == 0 && st.st_size == 0, "masked file not empty");
        check_mode("/etc/secretdir", S_IFDIR, 0);
        check_mount("/etc/secretdir", NULL, "ro");

        check_busybox_runs();
        check_masks_unprivileged();
        check_open_fails("/etc/secretfile", O_RDONLY, EACCES);
}

static void test_custom_mounts(void **state) {
        char root[128], p[256];
        static char *ovl_lower[] = {hostdir, NULL};
        struct custom_mount m[] = {
                {.type = CUSTOM_MOUNT_BIND,
                 .recursive = true,
                 .source = hostdir,
                 .destination = (char *) "/mnt/bind"},
                {.type = CUSTOM_MOUNT_BIND,
                 .read_only = true,
                 .source = hostdir,
                 .destination = (char *) "/mnt/ro"},
                {.type = CUSTOM_MOUNT_BIND, .source = hostfile, .destination = (char *) "/tmp/hostfile"},
                {.type = CUSTOM_MOUNT_BIND, .source = (char *) "+/etc", .destination = (char *) "/mnt/plus"},
                {.type = CUSTOM_MOUNT_BIND, .source = NULL, .destination = (char *) "/tmp/scratch"},
                {.type = CUSTOM_MOUNT_TMPFS,
                 .options = (char *) "mode=0700,size=1m",
                 .destination = (char *) "/mnt/tmpfs"},
                {.type = CUSTOM_MOUNT_TMPFS, .destination = (char *) "/mnt/tmpfs2"},
                {.type = CUSTOM_MOUNT_OVERLAY, .lower = ovl_lower, .destination = (char *) "/mnt/ovl"},
                {.type = CUSTOM_MOUNT_OVERLAY,
                 .read_only = true,
                 .source = (char *) "+/etc",
                 .lower = ovl_lower,
                 .destination = (char *) "/mnt/ovlro"},
                {.type = CUSTOM_MOUNT_INACCESSIBLE, .destination = (char *) "/etc/secretfile"},
                {.type = CUSTOM_MOUNT_INACCESSIBLE, .destination = (char *) "/etc/secretdir"},
        };
        struct settings s = {.read_only = true, .custom_mounts = m, .n_custom_mounts = ELEMENTSOF(m)};
        int before, after;

        (void) state;
        if (!can_run())
                skip();
        snprintf(root, sizeof(root), "%s/custom", base);
        make_tree(root);
        /* --read-only: destinations in the image must exist (as with systemd-nspawn); below the
         * /tmp tmpfs they are created */
        mkdir_at(root, "mnt");
        for (size_t i = 0; i < ELEMENTSOF(m); i++)
                if (startswith(m[i].destination, "/mnt/"))
                        mkdir_at(root, m[i].destination + 1);
        snprintf(hostdir, sizeof(hostdir), "%s/hostdir", base);
        assert_int_equal(mkdir(hostdir, 0755), 0);
        write_at(hostdir, "hello", "hello\n");
        snprintf(hostfile, sizeof(hostfile), "%s/hostfile", base);
        write_at(base, "hostfile", "file\n");

        count_host_mounts(&before);
        run_container(root, &s, true, false, check_custom);
        count_host_mounts(&after);
        assert_int_equal(before, after);

        /* the rw bind wrote to the host dir; the overlay did not */
        snprintf(p, sizeof(p), "%s/fromcontainer", hostdir);
        assert_int_equal(access(p, F_OK), 0);
        snprintf(p, sizeof(p), "%s/new-in-overlay", hostdir);
        assert_int_equal(access(p, F_OK), -1);
        /* the image's own secretfile is untouched */
        snprintf(p, sizeof(p), "%s/etc/secretfile", root);
        assert_int_equal(access(p, R_OK), 0);
}

static void test_read_only_missing_destination(void **state) {
        struct custom_mount m[] = {
                {.type = CUSTOM_MOUNT_TMPFS, .destination = (char *) "/srv/data"},
        };
        struct settings s = {.read_only = true, .custom_mounts = m, .n_custom_mounts = ELEMENTSOF(m)};
        char root[128];
        const char *report;

        (void) state;
        if (!can_run())
                skip();
        snprintf(root, sizeof(root), "%s/ro-missing", base);
        make_tree(root);
        report = run_container(root, &s, false, true, NULL);
        assert_string_equal(report, "Failed to mount tmpfs on /srv/data: Read-only file system");
}

/* ---- hostile images ------------------------------------------------------------------------- */

static void unused_check(struct mount_context *ctx, const char *host_boot_id) {
        (void) ctx;
        (void) host_boot_id;
}

static bool dir_is_empty(const char *path) {
        char cmd[300];

        snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", path);
        return system(cmd) == 0;
}

static void test_symlinked_api_dirs_refused(void **state) {
        static const char *const dirs[] = {"dev", "proc", "sys", "run", "tmp"};
        struct settings s = {0};
        char root[128], host[128], link[256], expected[128];

        (void) state;
        if (!can_run())
                skip();

        snprintf(host, sizeof(host), "%s/host-target", base);
        assert_int_equal(mkdir(host, 0755), 0);

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                for (int relative = 0; relative < 2; relative++) {
                        char *report;

                        snprintf(root, sizeof(root), "%s/evil-%s-%d", base, dirs[i], relative);
                        make_tree(root);
                        snprintf(link, sizeof(link), "%s/%s", root, dirs[i]);
                        /* absolute: straight to the host dir; relative: climbing out of the root */
                        assert_int_equal(symlink(relative ? "../host-target" : host, link), 0);

                        report = run_container(root, &s, false, true, unused_check);
                        snprintf(expected, sizeof(expected), "/%s in the image is a symlink, refusing.",
                                 dirs[i]);
                        print_message("# %s → %s: %s\n", dirs[i], relative ? "relative" : "absolute",
                                      report);
                        assert_string_equal(report, expected);
                        assert_true(dir_is_empty(host));
                }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path_compare),
                cmocka_unit_test(test_inits_close_nothing),
                cmocka_unit_test(test_custom_order),
                cmocka_unit_test(test_default_mounts),
                cmocka_unit_test(test_custom_mounts),
                cmocka_unit_test(test_read_only_missing_destination),
                cmocka_unit_test(test_symlinked_api_dirs_refused),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
