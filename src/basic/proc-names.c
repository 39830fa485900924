/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "proc-names.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/random.h>
#include <unistd.h>

#include "macro.h"
#include "parse-util.h"
#include "strv.h"

/* ---- signals ---- */

static int rt_signal_parse(const char *s) {
        const char *p;
        int base, sign, n = 0;

        if ((p = startswith(s, "RTMIN")))
                base = SIGRTMIN, sign = 1;
        else if ((p = startswith(s, "RTMAX")))
                base = SIGRTMAX, sign = -1;
        else
                return -EINVAL;
        if (*p) {
                if (*p != (sign > 0 ? '+' : '-') || !isdigit((unsigned char) p[1]))
                        return -EINVAL;
                if (parse_int(p + 1, &n) < 0 || n > SIGRTMAX - SIGRTMIN)
                        return -EINVAL;
        }
        return base + sign * n;
}

/* Classic signal names by number (Linux, all architectures nspawn builds for). */
static const char *const signal_names[32] = {
        [SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
        [SIGTRAP] = "SIGTRAP",     [SIGABRT] = "SIGABRT",     [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
        [SIGKILL] = "SIGKILL",     [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
        [SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM",
#ifdef SIGSTKFLT
        [SIGSTKFLT] = "SIGSTKFLT",
#endif
        [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT",     [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
        [SIGTTIN] = "SIGTTIN",     [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
        [SIGXFSZ] = "SIGXFSZ",     [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
        [SIGIO] = "SIGIO",         [SIGPWR] = "SIGPWR",       [SIGSYS] = "SIGSYS",
};

int signal_from_string(const char *s) {
        const char *name;
        int n;

        if (isempty(s))
                return -EINVAL;
        if (isdigit((unsigned char) *s)) {
                if (parse_int(s, &n) < 0 || n <= 0 || n > SIGRTMAX)
                        return -EINVAL;
                return n;
        }
        name = startswith(s, "SIG") ?: s;
        n = rt_signal_parse(name);
        if (n > 0)
                return n;
        for (int sig = 1; sig < (int) ELEMENTSOF(signal_names); sig++)
                if (signal_names[sig] && streq(signal_names[sig] + 3, name))
                        return sig;
        return -EINVAL;
}

const char *signal_to_string(int sig, char *buf, size_t size) {
        if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
                if (!buf || size < 16)
                        return NULL;
                if (sig == SIGRTMIN)
                        snprintf(buf, size, "SIGRTMIN");
                else
                        snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
                return buf;
        }
        if (sig <= 0 || sig >= (int) ELEMENTSOF(signal_names))
                return NULL;
        return signal_names[sig];
}

/* ---- resource limits ---- */

static const char *const rlimit_names[RLIMIT_NLIMITS] = {
        [RLIMIT_CPU] = "CPU",           [RLIMIT_FSIZE] = "FSIZE",
        [RLIMIT_DATA] = "DATA",         [RLIMIT_STACK] = "STACK",
        [RLIMIT_CORE] = "CORE",         [RLIMIT_RSS] = "RSS",
        [RLIMIT_NPROC] = "NPROC",       [RLIMIT_NOFILE] = "NOFILE",
        [RLIMIT_MEMLOCK] = "MEMLOCK",   [RLIMIT_AS] = "AS",
        [RLIMIT_LOCKS] = "LOCKS",       [RLIMIT_SIGPENDING] = "SIGPENDING",
        [RLIMIT_MSGQUEUE] = "MSGQUEUE", [RLIMIT_NICE] = "NICE",
        [RLIMIT_RTPRIO] = "RTPRIO",     [RLIMIT_RTTIME] = "RTTIME",
};

int rlimit_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        s = startswith(s, "RLIMIT_") ?: s;
        for (int i = 0; i < RLIMIT_NLIMITS; i++)
                if (rlimit_names[i] && streq(rlimit_names[i], s))
                        return i;
        return -EINVAL;
}

const char *rlimit_to_string(int r) {
        if (r < 0 || r >= RLIMIT_NLIMITS)
                return NULL;
        return rlimit_names[r];
}

static int rlimit_value_parse(const char *s, rlim_t *ret) {
        uint64_t v;
        int r;

        if (streq(s, "infinity")) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        r = parse_u64(s, &v);
        if (r < 0)
                return r;
        if (v >= (uint64_t) RLIM_INFINITY)
                return -ERANGE;
        *ret = (rlim_t) v;
        return 0;
}

int parse_rlimit_value(const char *s, struct rlimit *ret) {
        _cleanup_free_ char *soft = NULL;
        const char *colon;
        struct rlimit rl;
        int r;

        if (isempty(s))
                return -EINVAL;
        colon = strchr(s, ':');
        soft = colon ? strndup(s, (size_t) (colon - s)) : strdup(s);
        if (!soft)
                return -ENOMEM;
        r = rlimit_value_parse(soft, &rl.rlim_cur);
        if (r < 0)
                return r;
        if (colon) {
                r = rlimit_value_parse(colon + 1, &rl.rlim_max);
                if (r < 0)
                        return r;
        } else
                rl.rlim_max = rl.rlim_cur;
        if (rl.rlim_cur > rl.rlim_max)
                return -EINVAL;
        *ret = rl;
        return 0;
}

/* ---- personalities ---- */

/* Only the native architecture and its 32-bit secondary one can be selected, as systemd. */
static const struct {
        const char *name;
        unsigned long personality;
} personalities[] = {
#if defined(__x86_64__)
        {"x86-64", PER_LINUX},
        {"x86", PER_LINUX32},
#elif defined(__i386__)
        {"x86", PER_LINUX},
#elif defined(__aarch64__)
        {"arm64", PER_LINUX},
        {"arm", PER_LINUX32},
#elif defined(__arm__)
        {"arm", PER_LINUX},
#elif defined(__s390x__)
        {"s390x", PER_LINUX},
        {"s390", PER_LINUX32},
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        {"ppc64-le", PER_LINUX},
#elif defined(__powerpc64__)
        {"ppc64", PER_LINUX},
        {"ppc", PER_LINUX32},
#elif defined(__riscv) && __riscv_xlen == 64
        {"riscv64", PER_LINUX},
#endif
        {NULL, 0},
};

int personality_from_string(const char *s, unsigned long *ret) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; personalities[i].name; i++)
                if (streq(personalities[i].name, s)) {
                        *ret = personalities[i].personality;
                        return 0;
                }
        return -EINVAL;
}
