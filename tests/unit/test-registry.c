/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "fdutil.h"
#include "guard.h"
#include "macro.h"
#include "uuid.h"
#include "registry.h"

/* Each test gets a fresh scratch directory; the registry lives in BASE/run/machines, which
 * registry_claim() creates. */
static char base[64], dir[128];

static int setup(void **state) {
        snprintf(base, sizeof base, "/tmp/test-registry.XXXXXX");
        if (!mkdtemp(base))
                return -1;
        snprintf(dir, sizeof dir, "%s/run/machines", base);
        return 0;
}

static int teardown(void **state) {
        return test_rm_rf(base);
}

static struct machine_record sample(const char *name) {
        struct machine_record r = {
                .name = (char *) name,
                .class = (char *) "container",
                .service = (char *) "nspawn",
                .root = (char *) "/var/lib/machines/x",
                .supervisor = getpid(),
                .realtime_usec = 1700000000123456ULL,
                .start_mode = START_BOOT,
                .cgroup = (char *) "/machine.slice/machine-x.scope",
        };
        assert_int_equal(uuid_parse("0123456789abcdef0123456789abcdef", r.uuid), 0);
        return r;
}

static bool exists(const char *name) {
        char p[256];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, name);
        return lstat(p, &st) == 0;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* registry_claim() of NAME in a child process (a supervisor is a process of its own: its POSIX
 * lock does not conflict with itself); returns the child's -result. */
static int claim_in_child(const char *name) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct machine_record r = sample(name);
                struct registry_entry *e = NULL;
                alarm(60);
                int k = registry_claim(dir, &r, NULL, &e);
                registry_release(e);
                _exit(k < 0 ? -k : 0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

/* ---- format ---- */

static void test_format_parse_round_trip(void **state) {
        int netif[] = {12, 7};
        struct machine_record r = sample("deb-1.x"), back;
        _cleanup_free_ char *text = NULL, *again = NULL;

        r.root = (char *) "/srv/odd\\dir\nwith newline=x";
        r.leader = 4242;
        r.netif = netif;
        r.n_netif = 2;
        assert_int_equal(machine_record_format(&r, &text), 0);
        assert_non_null(strstr(text,
                               "NAME=deb-1.x\nID=0123456789abcdef0123456789abcdef\nCLASS=container\n"
                               "SERVICE=nspawn\nROOT=/srv/odd\\\\dir\\nwith newline=x\nLEADER=4242\n"));
        assert_non_null(strstr(text, "\nREALTIME=1700000000123456\nSTART_MODE=boot\nNETIF=12 7\n"));

        assert_int_equal(machine_record_parse(text, &back), 0);
        assert_string_equal(back.name, "deb-1.x");
        assert_memory_equal(back.uuid, r.uuid, 16);
        assert_string_equal(back.class, "container");
        assert_string_equal(back.service, "nspawn");
        assert_string_equal(back.root, r.root);
        assert_int_equal(back.leader, 4242);
        assert_int_equal(back.supervisor, getpid());
        assert_true(back.realtime_usec == 1700000000123456ULL);
        assert_int_equal(back.start_mode, START_BOOT);
        assert_int_equal(back.n_netif, 2);
        assert_int_equal(back.netif[0], 12);
        assert_int_equal(back.netif[1], 7);
        assert_int_equal(machine_record_format(&back, &again), 0);
        assert_string_equal(again, text);
        machine_record_done(&back);
        assert_null(back.name);
}

static void test_start_modes_and_empty_netif(void **state) {
        static const char *const names[] = {
                [START_PID1] = "pid1", [START_PID2] = "pid2", [START_BOOT] = "boot"};
        for (int m = 0; m < _START_MODE_MAX; m++) {
                struct machine_record r = sample("m"), back;
                _cleanup_free_ char *text = NULL;
                r.start_mode = m;
                assert_string_equal(start_mode_to_registry_string(m), names[m]);
                assert_int_equal(machine_record_format(&r, &text), 0);
                assert_non_null(strstr(text, "\nNETIF=\n"));
                assert_int_equal(machine_record_parse(text, &back), 0);
                assert_int_equal(back.start_mode, m);
                assert_int_equal(back.n_netif, 0);
                assert_null(back.netif);
                machine_record_done(&back);
        }
        assert_null(start_mode_to_registry_string(_START_MODE_MAX));
}

static void test_parse_errors(void **state) {
        static const char *const bad[] = {
                "ID=0123456789abcdef0123456789abcdef\n", /* no NAME */
                "NAME=a/b\n",
                "NAME=..\n",
                "NAME=x\nLEADER=-1\n",
                "NAME=x\nLEADER=12x\n",
                "NAME=x\nID=xyz\n",
                "NAME=x\nREALTIME=-5\n",
                "NAME=x\nSTART_MODE=fly\n",
                "NAME=x\nNETIF=1 zero\n",
                "NAME=x\nno equals sign\n",
        };
        struct machine_record r;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (machine_record_parse(bad[i], &r) != -EBADMSG)
                        fail_msg("accepted: %s", bad[i]);
        /* Keys of a newer version are ignored. */
        assert_int_equal(machine_record_parse("NAME=x\nFUTURE=1\nLEADER=5\n", &r), 0);
        assert_int_equal(r.leader, 5);
        machine_record_done(&r);
}

/* LEADER_STARTTIME and CGROUP: written after NETIF, read back; a record of the first version
 * (without them) reads as "unknown". */
static void test_leader_identity_keys(void **state) {
        struct machine_record r = sample("idk"), back;
        _cleanup_free_ char *text = NULL;
        r.leader = 42;
        r.leader_starttime = 987654321;
        r.cgroup = (char *) "/machine.slice/machine-idk.scope/payload";
        assert_int_equal(machine_record_format(&r, &text), 0);
        assert_non_null(strstr(text, "\nNETIF=\nLEADER_STARTTIME=987654321\n"
                                     "CGROUP=/machine.slice/machine-idk.scope/payload\n"));
        assert_int_equal(machine_record_parse(text, &back), 0);
        assert_true(back.leader_starttime == 987654321);
        assert_string_equal(back.cgroup, r.cgroup);
        machine_record_done(&back);

        assert_int_equal(machine_record_parse("NAME=old\nLEADER=5\nNETIF=\n", &back), 0);
        assert_true(back.leader_starttime == 0);
        assert_null(back.cgroup);
        machine_record_done(&back);
        assert_int_equal(machine_record_parse("NAME=x\nCGROUP=\nLEADER_STARTTIME=0\n", &back), 0);
        assert_null(back.cgroup);
        machine_record_done(&back);
        assert_int_equal(machine_record_parse("NAME=x\nLEADER_STARTTIME=-1\n", &back), -EBADMSG);
}

/* registry_set_leader() records the leader's start time as /proc shows it, and the cgroup it is
 * given (the claimed one stays without). registry_process_identity() reads both from /proc. */
static void test_set_leader_identity(void **state) {
        struct machine_record r = sample("ident"), got;
        struct registry_entry *e = NULL;
        _cleanup_free_ char *stat_text = NULL, *cg_text = NULL;
        uint64_t start;
        char *cgroup = NULL;

        assert_int_equal(registry_process_identity(getpid(), &start, &cgroup), 0);
        assert_int_equal(read_file_at(AT_FDCWD, "/proc/self/stat", &stat_text, 4096) > 0, 1);
        /* field 22 by counting words after the comm field */
        char *p = strrchr(stat_text, ')');
        for (int f = 3; f <= 22; f++)
                p = strchr(p + 1, ' ');
        assert_true(strtoull(p + 1, NULL, 10) == start);
        assert_int_equal(read_file_at(AT_FDCWD, "/proc/self/cgroup", &cg_text, 65536) > 0, 1);
        char *line = strstr(cg_text, "0::/");
        if (line && (line == cg_text || line[-1] == '\n')) {
                *strchrnul(line, '\n') = 0;
                assert_string_equal(cgroup, line + 3);
        } else
                assert_null(cgroup);
        assert_int_equal(registry_process_identity(0x3ffffff, &start, NULL), -ESRCH);

        assert_int_equal(registry_claim(dir, &r, NULL, &e), 0);
        assert_int_equal(registry_set_leader(e, getpid(), NULL), 0);
        assert_int_equal(registry_get(dir, "ident", &got), 0);
        assert_int_equal(got.leader, getpid());
        assert_true(got.leader_starttime == start && start > 0);
        assert_string_equal(got.cgroup, "/machine.slice/machine-x.scope"); /* as claimed */
        machine_record_done(&got);
        assert_int_equal(registry_set_leader(e, getpid(), "/machine.slice/machine-y.scope/payload"), 0);
        assert_int_equal(registry_get(dir, "ident", &got), 0);
        assert_string_equal(got.cgroup, "/machine.slice/machine-y.scope/payload");
        machine_record_done(&got);
        free(cgroup);
        registry_release(e);
}

/* ---- claim, update, release ---- */

static void test_claim_get_release(void **state) {
        struct machine_record r = sample("alpha"), got;
        struct registry_entry *e = NULL;
        struct stat st;

        assert_int_equal(registry_get(dir, "alpha", &got), -ENOENT); /* no directory yet */
        assert_int_equal(registry_claim(dir, &r, NULL, &e), 0);
        assert_int_equal(stat(dir, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_true(exists("alpha"));
        {
                char p[256];
                snprintf(p, sizeof p, "%s/alpha", dir);
                assert_int_equal(stat(p, &st), 0);
                assert_int_equal(st.st_mode & 07777, 0644);
        }
        assert_int_equal(registry_get(dir, "alpha", &got), 0);
        assert_int_equal(got.leader, 0);
        assert_int_equal(got.supervisor, getpid());
        machine_record_done(&got);

        /* Interfaces set while the container is being started wait for its leader: one rewrite. */
        int early[] = {5};
        assert_int_equal(registry_set_netif(e, early, 1), 0);
        assert_int_equal(registry_get(dir, "alpha", &got), 0);
        assert_int_equal(got.n_netif, 0);
        machine_record_done(&got);

        /* A new leader replaces the record atomically; the lock goes with it. */
        assert_int_equal(registry_set_leader(e, 777, NULL), 0);
        assert_int_equal(registry_get(dir, "alpha", &got), 0);
        assert_int_equal(got.leader, 777);
        assert_int_equal(got.n_netif, 1);
        assert_int_equal(got.netif[0], 5);
        assert_true(got.realtime_usec > 1700000000123456ULL);
        machine_record_done(&got);
        int ifs[] = {3};
        assert_int_equal(registry_set_netif(e, ifs, 1), 0);
        assert_int_equal(registry_get(dir, "alpha", &got), 0);
        assert_int_equal(got.n_netif, 1);
        assert_int_equal(got.leader, 777);
        machine_record_done(&got);
        assert_int_equal(registry_entry_record(e)->leader, 777);

        /* The same name again, by another process: refused at once, and the first record stays. */
        uint64_t t0 = now_ms();
        assert_int_equal(claim_in_child("alpha"), EEXIST);
        assert_true(now_ms() - t0 < 1000);
        assert_int_equal(registry_gc(dir, NULL, NULL), 0);
        assert_true(exists("alpha"));

        assert_null(registry_release(e));
        assert_false(exists("alpha"));
        assert_int_equal(registry_get(dir, "alpha", &got), -ENOENT);
}

static void test_list_sorted(void **state) {
        const char *names[] = {"zeta", "beta", "mu"};
        struct registry_entry *e[3];
        struct machine_record *l = NULL;
        size_t n = 99;

        assert_int_equal(registry_list(dir, &l, &n), 0); /* missing directory: empty */
        assert_int_equal(n, 0);
        free(l);
        for (int i = 0; i < 3; i++) {
                struct machine_record r = sample(names[i]);
                assert_int_equal(registry_claim(dir, &r, NULL, &e[i]), 0);
        }
        assert_int_equal(registry_list(dir, &l, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(l[0].name, "beta");
        assert_string_equal(l[1].name, "mu");
        assert_string_equal(l[2].name, "zeta");
        machine_record_array_free(l, n);
        for (int i = 0; i < 3; i++)
                registry_release(e[i]);
        assert_int_equal(registry_list(dir, &l, &n), 0);
        assert_int_equal(n, 0);
        free(l);
}

static void test_invalid_names_and_dirs(void **state) {
        struct machine_record r = sample("a/b"), got;
        struct registry_entry *e = NULL;
        char bad[160];

        assert_int_equal(registry_claim(dir, &r, NULL, &e), -EINVAL);
        r.name = (char *) "..";
        assert_int_equal(registry_claim(dir, &r, NULL, &e), -EINVAL);
        assert_int_equal(registry_get(dir, "..", &got), -EINVAL);

        /* A directory others can write, or a symlink, is not trusted. */
        snprintf(bad, sizeof bad, "%s/open", base);
        assert_int_equal(mkdir(bad, 0777), 0);
        assert_int_equal(chmod(bad, 0777), 0);
        r.name = (char *) "ok";
        assert_int_equal(registry_claim(bad, &r, NULL, &e), -EPERM);
        assert_int_equal(registry_gc(bad, NULL, NULL), -EPERM);
        snprintf(bad, sizeof bad, "%s/link", base);
        assert_int_equal(symlink("/tmp", bad), 0);
        assert_int_equal(registry_claim(bad, &r, NULL, &e), -EPERM);
        assert_null(e);
}

/* ---- stale records ---- */

/* Run fn(name) in a forked child that reports its int result back; the child then waits to be
 * killed (stay) or exits. Returns the child's PID. */
static pid_t fork_reporting(int (*fn)(const char *name), const char *name, bool stay, int *ret) {
        int p[2], k = 0;
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* Never outlive a failed test (that would block the runner's pipe). */
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                alarm(60);
                k = fn(name);
                (void) write(p[1], &k, sizeof k);
                while (stay)
                        pause();
                _exit(0);
        }
        close(p[1]);
        assert_int_equal(read(p[0], &k, sizeof k), sizeof k);
        close(p[0]);
        *ret = k;
        return pid;
}

static int claim_and_lead(const char *name) {
        struct machine_record r = sample(name);
        struct registry_entry *e = NULL;
        r.supervisor = getpid();
        return registry_claim(dir, &r, NULL, &e) == 0 && registry_set_leader(e, 1, NULL) == 0;
}

/* A child claims NAME, tells us, and waits to be killed: a supervisor that dies by SIGKILL. */
static pid_t spawn_holder(const char *name) {
        int ok;
        pid_t pid = fork_reporting(claim_and_lead, name, true, &ok);
        assert_true(ok);
        return pid;
}

static void kill_holder(pid_t pid) {
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void test_stale_get(void **state) {
        struct machine_record got;
        pid_t pid = spawn_holder("victim");

        /* While the holder lives its record is live, for everyone. */
        assert_int_equal(registry_get(dir, "victim", &got), 0);
        assert_int_equal(got.supervisor, pid);
        assert_int_equal(got.leader, 1);
        machine_record_done(&got);
        assert_int_equal(registry_gc(dir, NULL, NULL), 0);

        kill_holder(pid);
        assert_true(exists("victim")); /* SIGKILL left the file behind … */
        assert_int_equal(registry_get(dir, "victim", &got), -ENOENT);
        assert_true(exists("victim")); /* … which a reader skips and leaves for gc to reclaim */
        assert_int_equal(registry_gc(dir, NULL, NULL), 1);
        assert_false(exists("victim"));
}

static void count_reclaim(const struct machine_record *rec, void *userdata) {
        char *seen = userdata;
        strcat(seen, rec->name);
        strcat(seen, "=");
        strcat(seen, rec->cgroup ?: "-");
        strcat(seen, " ");
}

static void test_stale_list_gc_and_reclaim(void **state) {
        struct machine_record *l = NULL, r = sample("b");
        struct registry_entry *e = NULL;
        size_t n;
        pid_t a = spawn_holder("a"), b = spawn_holder("b"), c = spawn_holder("c");

        kill_holder(a);
        assert_int_equal(registry_list(dir, &l, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(l[0].name, "b");
        assert_string_equal(l[1].name, "c");
        machine_record_array_free(l, n);
        assert_true(exists("a")); /* stale: skipped, left for gc */

        /* A stale temporary (SIGKILL between link and rename) and stale records: gc reclaims the
         * records (what they left: their CGROUP) and removes all three. */
        char tmp[200], seen[256] = "";
        snprintf(tmp, sizeof tmp, "%s/.#c.0000000000000001", dir);
        assert_int_equal(write_file_at(AT_FDCWD, tmp, "NAME=c\n", 0644), 0);
        kill_holder(c);
        assert_int_equal(registry_gc(dir, count_reclaim, seen), 3);
        assert_true(streq(seen, "a=/machine.slice/machine-x.scope c=/machine.slice/machine-x.scope ") ||
                    streq(seen,
                          "c=/machine.slice/machine-x.scope a=/machine.slice/machine-x.scope ")); /* readdir
                                                                                                     order */
        assert_false(exists("a"));
        assert_false(exists("c"));
        assert_false(exists(".#c.0000000000000001"));
        assert_true(exists("b"));

        /* A new supervisor takes over the name of a dead one. */
        assert_int_equal(registry_claim(dir, &r, NULL, &e), -EEXIST);
        kill_holder(b);
        assert_true(exists("b"));
        assert_int_equal(registry_claim(dir, &r, NULL, &e), 0);
        assert_int_equal(registry_list(dir, &l, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(l[0].supervisor, getpid());
        machine_record_array_free(l, n);
        registry_release(e);
}

/* A supervisor that ended and left its record to its guard, which removes it a moment later: the
 * machine is closing. It is still listed; a new claim of the name waits for it to be gone, and
 * then succeeds. */
/* A supervisor that claims name with a real guard and hands it over. The guard's other duty (undone
 * first: the reverse order) is a cgroup that empties only 300 ms later — emulated by a directory
 * that is a mount point for that long in a mount namespace of ours, which the guard shares, so
 * that its rmdir says EBUSY, as for a cgroup whose processes still die. */
static int claim_and_hand_over(const char *name) {
        struct machine_record r = sample(name);
        struct registry_entry *e = NULL;
        struct guard *g = NULL;
        char busy[256];

        snprintf(busy, sizeof busy, "%s/busy", base);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mkdir(busy, 0755) < 0 || mount("tmpfs", busy, "tmpfs", 0, NULL) < 0)
                return 0;
        /* forked first, so that it holds none of the supervisor's fds (locks, the guard's socket) */
        if (fork() == 0) {
                (void) close_all_fds_but(NULL, 0);
                usleep(300 * 1000);
                (void) umount2(busy, MNT_DETACH); /* the guard has it open */
                _exit(0);
        }
        _cleanup_close_ int base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (guard_start_at(getenv("NSPAWN_GUARD"), &g) < 0 || registry_claim(dir, &r, g, &e) < 0 ||
            registry_set_leader(e, 1, NULL) < 0 ||
            guard_push(g, &(struct undo){
                                  .kind = UNDO_CGROUP, .path = "busy", .fds = {base_fd}, .n_fds = 1}) < 0)
                return 0;
        registry_hand_over(e);
        guard_hand_over(g);
        return 1;
}

static void test_closing_waited_for(void **state) {
        int ok;
        pid_t pid = fork_reporting(claim_and_hand_over, "closing", false, &ok);
        assert_true(ok);
        assert_int_equal(waitpid(pid, NULL, 0), pid); /* the supervisor is gone */

        struct machine_record *l = NULL, r = sample("closing");
        size_t n;
        assert_int_equal(registry_list(dir, &l, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(l[0].name, "closing");
        machine_record_array_free(l, n);

        struct registry_entry *e = NULL;
        uint64_t t0 = now_ms();
        assert_int_equal(registry_claim(dir, &r, NULL, &e), 0);
        uint64_t waited = now_ms() - t0;
        assert_true(waited >= 100 && waited < 5000);
        assert_int_equal(registry_entry_record(e)->supervisor, getpid());
        registry_release(e);
        assert_false(exists("closing"));
}

/* The record's fd is close-on-exec: a process the supervisor started (the container's payload)
 * must not keep a dead supervisor's record alive. The holder forks and execs sleep, then dies. */
static int claim_and_exec_child(const char *name) {
        struct machine_record r = sample(name);
        struct registry_entry *e = NULL;
        pid_t g = -1;
        if (registry_claim(dir, &r, NULL, &e) == 0 && (g = fork()) == 0) {
                execl("/bin/sleep", "sleep", "30", (char *) NULL);
                _exit(127);
        }
        return g;
}

static void test_lock_not_held_past_exec(void **state) {
        struct machine_record got;
        int grandchild;
        pid_t pid = fork_reporting(claim_and_exec_child, "exec", true, &grandchild);
        assert_true(grandchild > 0);
        usleep(100 * 1000); /* let it exec */
        kill_holder(pid);
        int r = registry_get(dir, "exec", &got);
        kill(grandchild, SIGKILL); /* reparented to init (or a subreaper), which reaps it */
        assert_int_equal(r, -ENOENT);
        assert_int_equal(registry_gc(dir, NULL, NULL), 1); /* stale, not held by the payload */
        assert_false(exists("exec"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format_parse_round_trip),
                cmocka_unit_test(test_start_modes_and_empty_netif),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_leader_identity_keys),
                cmocka_unit_test_setup_teardown(test_set_leader_identity, setup, teardown),
                cmocka_unit_test_setup_teardown(test_claim_get_release, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_sorted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid_names_and_dirs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stale_get, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stale_list_gc_and_reclaim, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lock_not_held_past_exec, setup, teardown),
                cmocka_unit_test_setup_teardown(test_closing_waited_for, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
