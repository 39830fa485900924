/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-util.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"
#include "nsenter.h"

TEST_SCRATCH_DIR(dir, "/tmp/test-nsenter-XXXXXX")

/* A process in mount and cgroup namespaces of its own, with a tmpfs on dir holding "marker";
 * returns its pidfd once that is done. */
static int spawn_other(pid_t *ret_pid) {
        int p[2];
        char c;
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (unshare(CLONE_NEWNS | CLONE_NEWCGROUP) < 0 ||
                    mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0 ||
                    mount("tmpfs", dir, "tmpfs", 0, NULL) < 0)
                        _exit(1);
                char marker[PATH_MAX];
                snprintf(marker, sizeof marker, "%s/marker", dir);
                if (write_file_at(AT_FDCWD, marker, "x", 0644) < 0)
                        _exit(1);
                (void) write(p[1], "r", 1);
                pause();
                _exit(0);
        }
        close(p[1]);
        assert_int_equal(read(p[0], &c, 1), 1);
        close(p[0]);
        *ret_pid = pid;
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        assert_true(fd >= 0);
        return fd;
}

static bool marker_visible(void) {
        char marker[PATH_MAX];
        snprintf(marker, sizeof marker, "%s/marker", dir);
        return access(marker, F_OK) == 0;
}

static bool same_ns(const char *type, pid_t pid) {
        char a[64], b[64];
        struct stat sa, sb;
        snprintf(a, sizeof a, "/proc/self/ns/%s", type);
        snprintf(b, sizeof b, "/proc/%d/ns/%s", (int) pid, type);
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino;
}

/* In the other process's namespaces we see its mounts; back, our own — and our working directory
 * again (setns() of a mount namespace moves it to the namespace's root). Done in a child: a test
 * that fails half way must not leave the runner in another namespace. */
static void test_enter_and_return(void **state) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                pid_t other;
                int pidfd = spawn_other(&other);
                struct ns_return back = NS_RETURN_INIT;
                char cwd[PATH_MAX];
                int ok = chdir(dir) == 0 && !marker_visible();
                ok = ok && ns_return_prepare(&back) == 0 && ns_enter(pidfd, &back) == 0;
                ok = ok && marker_visible() && same_ns("mnt", other) && same_ns("cgroup", other);
                ok = ok && ns_return(&back) == 0;
                ok = ok && !marker_visible() && !same_ns("mnt", other) && !same_ns("cgroup", other);
                ok = ok && getcwd(cwd, sizeof cwd) && streq(cwd, dir);
                ok = ok && back.mnt_fd == -EBADF && back.cwd_fd == -EBADF; /* closed */
                /* without ns_return_prepare(): ns_enter() opens the way back itself */
                ok = ok && ns_enter(pidfd, &back) == 0 && marker_visible() && ns_return(&back) == 0 &&
                     !marker_visible();
                kill(other, SIGKILL);
                _exit(ok ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* A process that is gone: ns_enter() fails and we stay where we are. */
static void test_enter_gone(void **state) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(0);
        int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        assert_true(pidfd >= 0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        struct ns_return back = NS_RETURN_INIT;
        assert_true(ns_enter(pidfd, &back) < 0);
        assert_int_equal(back.mnt_fd, -EBADF);
        assert_true(same_ns("mnt", getpid()));
        close(pidfd);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_enter_and_return),
                cmocka_unit_test(test_enter_gone),
        };
        return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
