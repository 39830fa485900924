/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* What every process of the container starts with (resources.h). */

#include "resources.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "errmsg.h"
#include "fdutil.h"
#include "macro.h"
#include "parse-util.h"
#include "proc-names.h"
#include "syscall-filter.h"

#define RLIMIT_NOFILE_HARD_MAX ((rlim_t) 512 * 1024)
static const struct rlimit rlimit_defaults[RLIMIT_NLIMITS] = {
        [RLIMIT_CPU] = {RLIM_INFINITY, RLIM_INFINITY},
        [RLIMIT_FSIZE] = {RLIM_INFINITY, RLIM_INFINITY},
        [RLIMIT_DATA] = {RLIM_INFINITY, RLIM_INFINITY},
        [RLIMIT_STACK] = {8 << 20, RLIM_INFINITY},
        [RLIMIT_CORE] = {0, RLIM_INFINITY},
        [RLIMIT_RSS] = {RLIM_INFINITY, RLIM_INFINITY},
        [RLIMIT_NOFILE] = {1024, RLIMIT_NOFILE_HARD_MAX},
        [RLIMIT_MEMLOCK] = {8 << 20, 8 << 20},
        [RLIMIT_AS] = {RLIM_INFINITY, RLIM_INFINITY},
        [RLIMIT_LOCKS] = {RLIM_INFINITY, RLIM_INFINITY},
        [RLIMIT_MSGQUEUE] = {819200, 819200},
        [RLIMIT_NICE] = {0, 0},
        [RLIMIT_RTPRIO] = {0, 0},
        [RLIMIT_RTTIME] = {RLIM_INFINITY, RLIM_INFINITY},
};

/* setrlimit, or as close as we may: without CAP_SYS_RESOURCE a hard limit cannot be raised, so
 * both values are clamped to the hard limit we have (systemd's setrlimit_closest()). */
static int rlimit_set_closest(int resource, const struct rlimit *want) {
        struct rlimit have;

        if (setrlimit(resource, want) >= 0)
                return 0;
        if (errno != EPERM || getrlimit(resource, &have) < 0)
                return negative_errno();
        if (have.rlim_max == RLIM_INFINITY) /* not the hard limit that was in the way */
                return -EPERM;
        struct rlimit fixed = {MIN(want->rlim_cur, have.rlim_max), MIN(want->rlim_max, have.rlim_max)};
        return setrlimit(resource, &fixed) < 0 ? negative_errno() : 0;
}

/* fs.nr_open caps RLIMIT_NOFILE; the kernel's default where it cannot be read. */
static rlim_t nr_open(void) {
        _cleanup_free_ char *text = NULL;
        uint64_t v;

        if (read_file_at(AT_FDCWD, "/proc/sys/fs/nr_open", &text, 32) < 0)
                return 1024 * 1024;
        text[strcspn(text, "\n")] = 0;
        if (parse_u64(text, &v) < 0)
                return 1024 * 1024;
        return (rlim_t) v;
}

int resources_apply(const struct settings *s, const struct rlimit *init_nproc,
                    const struct rlimit *init_sigpending, char **ret_error) {
        for (int i = 0; i < RLIMIT_NLIMITS; i++) {
                struct rlimit want = rlimit_defaults[i];
                if (s->rlimits[i])
                        want = *s->rlimits[i];
                else if (i == RLIMIT_NPROC)
                        want = *init_nproc;
                else if (i == RLIMIT_SIGPENDING)
                        want = *init_sigpending;
                else if (i == RLIMIT_NOFILE)
                        want.rlim_max = MIN(want.rlim_max, nr_open());
                int r = rlimit_set_closest(i, &want);
                if (r < 0)
                        return error_setf(ret_error, r, "Failed to set RLIMIT_%s: %s", rlimit_to_string(i),
                                          strerror(-r));
        }
        if (s->oom_score_adjust_set) {
                char buf[16];
                snprintf(buf, sizeof buf, "%i", s->oom_score_adjust);
                int r = write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", buf, 0644);
                if (r < 0)
                        return error_setf(ret_error, r, "Failed to set the OOM score adjustment: %s",
                                          strerror(-r));
        }
        if (s->cpu_set && sched_setaffinity(0, s->cpu_set_size, s->cpu_set) < 0)
                return error_setf(ret_error, negative_errno(), "Failed to set the CPU affinity: %m");
        if (s->personality != PERSONALITY_INVALID && personality(s->personality) < 0)
                return error_setf(ret_error, negative_errno(), "Failed to set the personality: %m");
        return 0;
}

void resources_new_session(void) {
        (void) write_file_at(AT_FDCWD, "/proc/self/loginuid", "4294967295", 0644);
        (void) syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
}

int resources_getent_sandbox(const struct seccomp_program *filter, uint64_t caps) {
        int r;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return negative_errno();
        if (filter && (r = seccomp_program_load(filter)) < 0)
                return r;
        if (setgroups(0, NULL) < 0)
                return negative_errno();
        r = caps_apply(caps & ~(UINT64_C(1) << CAP_SYS_PTRACE), 0, true);
        if (r < 0)
                return r;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return negative_errno();
        return 0;
}
