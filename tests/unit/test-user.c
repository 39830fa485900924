/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "test-util.h"
#include "user.h"

/* For user_make_home(): a root directory of its own. */
static char home_dir[] = "/tmp/test-user-home-XXXXXX";

/* A passwd and a group file in a temporary directory, never the host's. */
struct files {
        char dir[64];
        char passwd[96];
        char group[96];
        char missing[96];
};

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
        static struct files f;

        snprintf(f.dir, sizeof(f.dir), "/tmp/test-user-XXXXXX");
        assert_non_null(mkdtemp(f.dir));
        snprintf(f.passwd, sizeof(f.passwd), "%s/passwd", f.dir);
        snprintf(f.group, sizeof(f.group), "%s/group", f.dir);
        snprintf(f.missing, sizeof(f.missing), "%s/no-such-group", f.dir);

        write_text(f.passwd, "# comments, blank and broken lines are skipped\n"
                             "\n"
                             "broken line\n"
                             "root:x:0:0:root:/root:/bin/bash\n"
                             "alice:x:1000:1000:Alice:/home/alice:/bin/zsh\n"
                             "bare:x:1001:1002:::\n"
                             "bob:x:2000:2000::/home/bob:/bin/sh\n");
        write_text(f.group, "# comment\n"
                            "root:x:0:\n"
                            "wheel:x:10:bob,alice\n"
                            "audio:x:29:alice,alice\n" /* listed twice in one group */
                            "wheel-alias:x:10:alice\n" /* same GID under another name */
                            "video:x:44:bob\n"         /* not alice's */
                            "alicette:x:45:alicette\n" /* a prefix match must not count */
                            "staff:x:50:carol,alice\n");
        assert_non_null(mkdtemp(home_dir));
        *state = &f;
        return 0;
}

static int teardown(void **state) {
        struct files *f = *state;
        unlink(f->passwd);
        unlink(f->group);
        rmdir(f->dir);
        return test_rm_rf(home_dir);
}

static bool has_group(const struct user_record *u, gid_t g) {
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == g)
                        return true;
        return false;
}

static void test_by_name(void **state) {
        struct files *f = *state;
        struct user_record u = {};

        assert_int_equal(user_resolve(f->passwd, f->group, "alice", &u), 0);
        assert_int_equal(u.uid, 1000);
        assert_int_equal(u.gid, 1000);
        assert_string_equal(u.name, "alice");
        assert_string_equal(u.home, "/home/alice");
        assert_string_equal(u.shell, "/bin/zsh");
        user_record_done(&u);
        assert_null(u.name);
        assert_null(u.groups);
        assert_int_equal(u.n_groups, 0);
}

static void test_by_uid(void **state) {
        struct files *f = *state;
        struct user_record u = {};

        assert_int_equal(user_resolve(f->passwd, f->group, "2000", &u), 0);
        assert_string_equal(u.name, "bob");
        assert_int_equal(u.uid, 2000);
        assert_string_equal(u.home, "/home/bob");
        user_record_done(&u);

        assert_int_equal(user_resolve(f->passwd, f->group, "0", &u), 0);
        assert_string_equal(u.name, "root");
        assert_int_equal(u.uid, 0);
        user_record_done(&u);
}

static void test_unknown(void **state) {
        struct files *f = *state;
        struct user_record u = {.uid = 4242};

        assert_int_equal(user_resolve(f->passwd, f->group, "mallory", &u), -ESRCH);
        assert_int_equal(user_resolve(f->passwd, f->group, "4242", &u), -ESRCH);
        assert_int_equal(user_resolve(f->passwd, f->group, "ali", &u), -ESRCH);
        /* ret is written only on success. */
        assert_int_equal(u.uid, 4242);
        assert_null(u.name);

        assert_int_equal(user_resolve(f->missing, f->group, "alice", &u), -ENOENT);
}

static void test_defaults(void **state) {
        struct files *f = *state;
        struct user_record u = {};

        assert_int_equal(user_resolve(f->passwd, f->group, "bare", &u), 0);
        assert_int_equal(u.uid, 1001);
        assert_int_equal(u.gid, 1002);
        assert_string_equal(u.home, "/");
        assert_string_equal(u.shell, "/bin/sh");
        /* The primary group is always among the supplementary groups (as getent initgroups). */
        assert_int_equal(u.n_groups, 1);
        assert_true(has_group(&u, 1002));
        user_record_done(&u);
}

static void test_groups(void **state) {
        struct files *f = *state;
        struct user_record u = {};

        assert_int_equal(user_resolve(f->passwd, f->group, "alice", &u), 0);
        /* The primary group 1000, wheel (10, twice via the alias), audio (29, listed twice),
         * staff (50): each once. */
        assert_int_equal(u.n_groups, 4);
        assert_true(has_group(&u, 1000));
        assert_true(has_group(&u, 10));
        assert_true(has_group(&u, 29));
        assert_true(has_group(&u, 50));
        assert_false(has_group(&u, 44));
        assert_false(has_group(&u, 45));
        user_record_done(&u);

        assert_int_equal(user_resolve(f->passwd, f->group, "bob", &u), 0);
        assert_int_equal(u.n_groups, 3);
        assert_true(has_group(&u, 10));
        assert_true(has_group(&u, 44));
        user_record_done(&u);
}

static void test_missing_group_file(void **state) {
        struct files *f = *state;
        struct user_record u = {};

        assert_int_equal(user_resolve(f->passwd, f->missing, "alice", &u), 0);
        assert_string_equal(u.name, "alice");
        assert_int_equal(u.n_groups, 1);
        assert_true(has_group(&u, 1000));
        user_record_done(&u);
}

static void test_not_regular(void **state) {
        struct user_record u = {};

        /* a FIFO (or a device) as /etc/passwd would hang or never end: refused, not read */
        assert_int_equal(user_resolve("/dev/null", "/dev/null", "root", &u), -EBADF);
}

/* ---- getent's output ---- */

#define PW(text, key, u) user_parse_passwd(text, strlen(text), key, u)

static void test_parse_passwd(void **state) {
        struct user_record u = {};

        assert_int_equal(PW("testuser:x:4711:4712:Test User:/home/t:/bin/zsh\n", "testuser", &u), 0);
        assert_int_equal(u.uid, 4711);
        assert_int_equal(u.gid, 4712);
        assert_string_equal(u.name, "testuser");
        assert_string_equal(u.home, "/home/t");
        assert_string_equal(u.shell, "/bin/zsh");
        assert_null(u.groups);
        user_record_done(&u);

        /* no trailing newline; empty home and shell; by UID */
        assert_int_equal(PW("t:x:5:6:::", "5", &u), 0);
        assert_string_equal(u.name, "t");
        assert_string_equal(u.home, "/");
        assert_string_equal(u.shell, "/bin/sh");
        user_record_done(&u);
        /* colons are fine in no field but they separate; the GECOS may hold anything printable */
        assert_int_equal(PW("t:*:0:0:a, b; c=d:/:/bin/sh\n", "t", &u), 0);
        user_record_done(&u);
}

static void test_parse_passwd_strict(void **state) {
        static const char *const bad[] = {
                "",                                          /* nothing (the caller says ESRCH first) */
                "\n",                                        /* an empty line */
                "testuser:x:4711:4711::/home/t\n",           /* 6 fields */
                "testuser:x:4711:4711::/home/t:/bin/sh:x\n", /* 8 fields */
                "testuser:x:4711:4711::/home/t:/bin/sh\n\n", /* two lines */
                "testuser:x:4711:4711::/home/t:/bin/sh\nroot:x:0:0::/root:/bin/sh\n",
                "testuser:x::4711::/home/t:/bin/sh",           /* empty UID */
                "testuser:x:-1:4711::/home/t:/bin/sh",         /* negative */
                "testuser:x:+5:4711::/home/t:/bin/sh",         /* sign */
                "testuser:x: 5:4711::/home/t:/bin/sh",         /* blank */
                "testuser:x:0x10:4711::/home/t:/bin/sh",       /* hex */
                "testuser:x:4294967295:4711::/home/t:/bin/sh", /* (uid_t) -1 */
                "testuser:x:4294967296:4711::/home/t:/bin/sh", /* too large */
                "testuser:x:65535:4711::/home/t:/bin/sh",      /* 16-bit -1 */
                "testuser:x:4711:65535::/home/t:/bin/sh",
                "testuser:x:4711:abc::/home/t:/bin/sh",
                "testuser:x:4711:4711::home/t:/bin/sh",    /* relative home */
                "testuser:x:4711:4711::/home/\tt:/bin/sh", /* control character */
                "testuser:x:4711:4711::/home/t:sh",        /* relative shell */
                "root:x:0:0:root:/root:/bin/sh",           /* another user */
                "test user:x:4711:4711::/home/t:/bin/sh",  /* a blank in the name */
                ":x:4711:4711::/home/t:/bin/sh",           /* no name */
        };
        struct user_record u = {.uid = 99};

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = PW(bad[i], "testuser", &u);
                if (r != -EBADMSG)
                        fail_msg("'%s': %d", bad[i], r);
        }
        /* a NUL byte inside */
        assert_int_equal(user_parse_passwd("testuser:x:1:1::/:/bin/sh\0x\n", 28, "testuser", &u), -EBADMSG);
        /* by UID, but another one */
        assert_int_equal(PW("t:x:5:6:::", "7", &u), -EBADMSG);
        /* ret untouched on failure */
        assert_int_equal(u.uid, 99);
        assert_null(u.name);
}

static void test_parse_initgroups(void **state) {
        gid_t *g = NULL;
        size_t n = 99;

        /* glibc's format: the name padded to 21 columns, then " GID" each */
        const char *glibc = "testuser              100 4711 100 27\n";
        assert_int_equal(user_parse_initgroups(glibc, strlen(glibc), "testuser", &g, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(g[0], 100);
        assert_int_equal(g[1], 4711);
        assert_int_equal(g[2], 27);
        free(g);
        g = NULL;

        /* no groups at all (TEST-13's fake getent), tabs, no newline */
        assert_int_equal(user_parse_initgroups("testuser", 8, "testuser", &g, &n), 0);
        assert_int_equal(n, 0);
        assert_null(g);
        assert_int_equal(user_parse_initgroups("t\t5", 3, "t", &g, &n), 0);
        assert_int_equal(n, 1);
        free(g);

        static const char *const bad[] = {"",
                                          "\n",
                                          "other 100\n",
                                          "testuser 100 x\n",
                                          "testuser -1\n",
                                          "testuser 4294967295\n",
                                          "testuser 100\n200\n",
                                          "testuser: 100\n"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                g = NULL;
                int r = user_parse_initgroups(bad[i], strlen(bad[i]), "testuser", &g, &n);
                if (r != -EBADMSG)
                        fail_msg("'%s': %d", bad[i], r);
                assert_null(g);
        }
}

static void test_parse_initgroups_too_many(void **state) {
        /* more than NGROUPS_MAX (65536) distinct groups */
        size_t cap = 8 + 70000 * 8;
        char *text = malloc(cap), *p = text;
        gid_t *g = NULL;
        size_t n;

        assert_non_null(text);
        p += sprintf(p, "u");
        for (int i = 0; i < 70000; i++)
                p += sprintf(p, " %d", 100000 + i);
        assert_int_equal(user_parse_initgroups(text, (size_t) (p - text), "u", &g, &n), -E2BIG);
        free(text);
}

/* ---- running a helper ---- */

static const char *const sh_paths[] = {"/bin/sh", NULL};

static int run_sh(const char *script, int timeout_ms, size_t max, char **out, size_t *size, int *status) {
        char *argv[] = {(char *) "sh", (char *) "-c", (char *) script, NULL};
        struct user_helper h = {sh_paths, argv, NULL, NULL, max, timeout_ms};
        return user_helper_run(&h, out, size, status);
}

static void test_helper_output(void **state) {
        char *out = NULL;
        size_t size = 0;
        int status = -1;

        assert_int_equal(run_sh("printf 'a:b\\n'; exit 3", 5000, 1024, &out, &size, &status), 0);
        assert_string_equal(out, "a:b\n");
        assert_int_equal(size, 4);
        assert_int_equal(status, 3);
        free(out);

        /* nothing printed: an empty string */
        assert_int_equal(run_sh("exit 0", 5000, 1024, &out, &size, &status), 0);
        assert_string_equal(out, "");
        assert_int_equal(size, 0);
        free(out);

        /* killed by a signal: 128 + the signal */
        assert_int_equal(run_sh("kill -9 $$", 5000, 1024, &out, &size, &status), 0);
        assert_int_equal(status, 128 + SIGKILL);
        free(out);

        /* exactly the limit is fine */
        assert_int_equal(run_sh("printf 12345678", 5000, 8, &out, &size, &status), 0);
        assert_int_equal(size, 8);
        free(out);
}

static void test_helper_environment(void **state) {
        char *out = NULL;
        size_t size;
        int status;

        /* the helper's initial environment is empty: /proc/self/environ of the shell before it set
         * anything; stdin and stderr are /dev/null; no fd of ours but stdio */
        int fd = open("/dev/null", O_RDONLY); /* without O_CLOEXEC: must not reach the helper */
        assert_true(fd >= 3);
        assert_int_equal(run_sh("wc -c < /proc/$$/environ; readlink /proc/$$/fd/0 /proc/$$/fd/2; "
                                "ls /proc/$$/fd | sort -n | tr '\\n' ' '; echo err >&2",
                                5000, 4096, &out, &size, &status),
                         0);
        close(fd);
        assert_int_equal(status, 0);
        /* the shell lists its fds while ls runs: 0 1 2, and maybe fd 3 of its own (the pipe to sort
         * is ls's stdout) — nothing at our fd */
        char want[64];
        snprintf(want, sizeof want, "0\n/dev/null\n/dev/null\n0 1 2 ");
        if (strncmp(out, want, strlen(want)) != 0)
                fail_msg("helper saw: '%s'", out);
        char at_fd[16];
        snprintf(at_fd, sizeof at_fd, " %d ", fd);
        if (fd > 3)
                assert_null(strstr(out + strlen(want) - 1, at_fd));
        free(out);

        /* it has a session of its own (sid == its pid) */
        assert_int_equal(run_sh("set -- $(cut -d' ' -f6 /proc/$$/stat); [ \"$1\" = $$ ] && echo leader",
                                5000, 1024, &out, &size, &status),
                         0);
        assert_string_equal(out, "leader\n");
        free(out);
}

static void test_helper_limits(void **state) {
        char *out = (char *) "untouched";
        size_t size;
        int status;
        struct timespec a, b;

        /* hangs: killed after the timeout */
        clock_gettime(CLOCK_MONOTONIC, &a);
        assert_int_equal(run_sh("sleep 30", 200, 1024, &out, &size, &status), -ETIMEDOUT);
        clock_gettime(CLOCK_MONOTONIC, &b);
        assert_true(b.tv_sec - a.tv_sec < 5);
        assert_string_equal(out, "untouched");

        /* prints too much: killed, whole process group too (yes | head in a pipeline) */
        assert_int_equal(run_sh("yes", 5000, 100000, &out, &size, &status), -EFBIG);
        assert_int_equal(run_sh("printf 123456789", 5000, 8, &out, &size, &status), -EFBIG);

        /* exits, but a child of it keeps stdout open: does not hold us up */
        clock_gettime(CLOCK_MONOTONIC, &a);
        assert_int_equal(run_sh("(exec sleep 30) & echo done", 5000, 1024, &out, &size, &status), 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        assert_true(b.tv_sec - a.tv_sec < 4);
        assert_string_equal(out, "done\n");
        free(out);
}

static int failing_sandbox(void *userdata) {
        return -EPERM;
}

static int marking_sandbox(void *userdata) {
        return setenv("NOT_PASSED", "1", 1) < 0 ? -errno : 0; /* the environment stays empty */
}

static void test_helper_exec(void **state) {
        char *argv[] = {(char *) "x", (char *) "-c", (char *) "wc -c < /proc/$$/environ", NULL};
        char *out = NULL;
        size_t size;
        int status;

        /* none of the paths exists */
        static const char *const none[] = {"/nonexistent/a", "/nonexistent/b", NULL};
        struct user_helper h = {none, argv, NULL, NULL, 1024, 5000};
        assert_int_equal(user_helper_run(&h, &out, &size, &status), -ENOENT);

        /* the first missing, the second there: tried in order */
        static const char *const second[] = {"/nonexistent/a", "/bin/sh", NULL};
        h.paths = second;
        h.sandbox = marking_sandbox;
        assert_int_equal(user_helper_run(&h, &out, &size, &status), 0);
        assert_string_equal(out, "0\n");
        free(out);

        /* one that exists but cannot be executed says so */
        char plain[128];
        snprintf(plain, sizeof plain, "%s/plain", home_dir);
        int fd = open(plain, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        const char *const noexec[] = {plain, "/nonexistent", NULL};
        h.paths = noexec;
        h.sandbox = NULL;
        assert_int_equal(user_helper_run(&h, &out, &size, &status), -EACCES);

        /* a failing sandbox: nothing runs, its error comes back */
        h.paths = sh_paths;
        h.sandbox = failing_sandbox;
        assert_int_equal(user_helper_run(&h, &out, &size, &status), -EPERM);
}

/* The exec hook: it finds the fds it was promised (and no other of ours), and runs instead of
 * execve(); -ENOENT tries the next path. */
struct exec_check {
        int kept, other;
};

static int checking_exec(const char *path, char *const *argv, void *userdata) {
        struct exec_check *c = userdata;
        if (streq(path, "/first"))
                return -ENOENT;
        if (fcntl(c->kept, F_GETFD) < 0)
                return -EBADF;
        if (fcntl(c->other, F_GETFD) >= 0)
                return -EEXIST;
        char *args[] = {(char *) "sh", (char *) "-c", (char *) "echo hooked", NULL};
        execv("/bin/sh", args);
        return -errno;
}

static void test_helper_exec_hook(void **state) {
        static const char *const paths[] = {"/first", "/second", NULL};
        char *argv[] = {(char *) "x", NULL};
        char *out = NULL;
        size_t size;
        int status;
        struct exec_check c = {.kept = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 20),
                               .other = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 30)};
        assert_true(c.kept >= 20 && c.other >= 30);

        struct user_helper h = {paths, argv, NULL, &c, 1024, 5000, checking_exec, &c.kept, 1};
        assert_int_equal(user_helper_run(&h, &out, &size, &status), 0);
        assert_string_equal(out, "hooked\n");
        assert_int_equal(status, 0);
        free(out);

        /* not kept: closed before the hook */
        h.n_keep_fds = 0;
        assert_int_equal(user_helper_run(&h, &out, &size, &status), -EBADF);
        close(c.kept);
        close(c.other);
}

/* ---- the home directory ---- */

static void test_make_home(void **state) {
        char path[256];
        struct stat st;
        int root = open(home_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        uid_t uid = geteuid() == 0 ? 4711 : geteuid();
        gid_t gid = geteuid() == 0 ? 4712 : getegid();

        assert_true(root >= 0);
        /* missing, with a missing parent: both made, the home owned by the user, 0755 */
        assert_int_equal(user_make_home(root, "/home/u", uid, gid), 0);
        snprintf(path, sizeof path, "%s/home/u", home_dir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, uid);
        assert_int_equal(st.st_gid, gid);
        assert_int_equal(st.st_mode & 07777, 0755);
        snprintf(path, sizeof path, "%s/home", home_dir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, geteuid());

        /* there already: left alone (not chowned again) */
        assert_int_equal(user_make_home(root, "/home/u", geteuid(), getegid()), 0);
        snprintf(path, sizeof path, "%s/home/u", home_dir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, uid);

        /* a symlink on the way to a missing home: refused, nothing made at its target */
        snprintf(path, sizeof path, "%s/elsewhere", home_dir);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof path, "%s/link", home_dir);
        assert_int_equal(symlink("elsewhere", path), 0);
        assert_int_equal(user_make_home(root, "/link/v", uid, gid), -ELOOP);
        snprintf(path, sizeof path, "%s/elsewhere/v", home_dir);
        assert_int_equal(lstat(path, &st), -1);
        /* an absolute symlink cannot lead out of the root either */
        snprintf(path, sizeof path, "%s/abs", home_dir);
        assert_int_equal(symlink("/tmp", path), 0);
        assert_int_equal(user_make_home(root, "/abs/w", uid, gid), -ELOOP);

        /* an existing home reached through a symlink (inside the root) is fine */
        snprintf(path, sizeof path, "%s/elsewhere/x", home_dir);
        assert_int_equal(mkdir(path, 0700), 0);
        assert_int_equal(user_make_home(root, "/link/x", uid, gid), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);

        /* the home itself a dangling symlink: not followed, not replaced */
        snprintf(path, sizeof path, "%s/home/dangling", home_dir);
        assert_int_equal(symlink("/etc/nothing-here", path), 0);
        assert_int_equal(user_make_home(root, "/home/dangling", uid, gid), 0);
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISLNK(st.st_mode));

        /* not a usable path */
        assert_int_equal(user_make_home(root, "relative", uid, gid), -EINVAL);
        assert_int_equal(user_make_home(root, "/nonexistent/..", uid, gid), -EINVAL);
        assert_int_equal(user_make_home(root, "/", uid, gid), 0);
        close(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_by_name),
                cmocka_unit_test(test_by_uid),
                cmocka_unit_test(test_unknown),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_groups),
                cmocka_unit_test(test_missing_group_file),
                cmocka_unit_test(test_not_regular),
                cmocka_unit_test(test_parse_passwd),
                cmocka_unit_test(test_parse_passwd_strict),
                cmocka_unit_test(test_parse_initgroups),
                cmocka_unit_test(test_parse_initgroups_too_many),
                cmocka_unit_test(test_helper_output),
                cmocka_unit_test(test_helper_environment),
                cmocka_unit_test(test_helper_limits),
                cmocka_unit_test(test_helper_exec),
                cmocka_unit_test(test_helper_exec_hook),
                cmocka_unit_test(test_make_home),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
