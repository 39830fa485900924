/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "parse.h"

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
#include "strv.h"

/* ---- booleans and numbers ---- */

int parse_boolean(const char *v) {
        static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
        static const char *const no[] = {"0", "no", "n", "false", "f", "off"};

        if (!v)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

/* strtoll/strtoull accept leading blanks; we do not: values come from users verbatim. */
static bool number_start_ok(const char *s, bool allow_minus) {
        if (isempty(s))
                return false;
        if (*s == '-' && !allow_minus)
                return false;
        if (*s == '+' || *s == '-')
                s++;
        return isdigit((unsigned char) *s);
}

int parse_int(const char *s, int *ret) {
        char *end;
        long long v;

        if (!number_start_ok(s, true))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE || v < INT_MIN || v > INT_MAX)
                return -ERANGE;
        *ret = (int) v;
        return 0;
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!number_start_ok(s, false))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_uint32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r = parse_u64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

int parse_port(const char *s, uint16_t *ret) {
        uint32_t v;
        int r = parse_uint32(s, &v);
        if (r < 0)
                return r;
        if (v == 0 || v > 65535)
                return -ERANGE;
        *ret = (uint16_t) v;
        return 0;
}

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

/* ---- UUIDs ---- */

int unhex_char(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

int uuid_parse(const char *s, uint8_t ret[16]) {
        uint8_t u[16];
        bool dashed, nonzero = false;
        size_t i = 0, n = 0;

        if (!s)
                return -EINVAL;
        if (strlen(s) == 36)
                dashed = true;
        else if (strlen(s) == 32)
                dashed = false;
        else
                return -EINVAL;

        while (n < 16) {
                /* The dashed form has dashes exactly at 8, 13, 18 and 23. */
                if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
                        if (s[i++] != '-')
                                return -EINVAL;
                        continue;
                }
                int hi = unhex_char(s[i]), lo = unhex_char(s[i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                u[n] = (uint8_t) (hi << 4 | lo);
                nonzero = nonzero || u[n];
                n++;
                i += 2;
        }
        if (!nonzero)
                return -EINVAL;
        memcpy(ret, u, 16);
        return 0;
}

void uuid_format(const uint8_t u[16], char buf[37]) {
        snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

void uuid_format_plain(const uint8_t u[16], char buf[33]) {
        for (size_t i = 0; i < 16; i++)
                snprintf(buf + 2 * i, 3, "%02x", u[i]);
}

int uuid_random(uint8_t ret[16]) {
        uint8_t u[16];
        size_t done = 0;

        while (done < sizeof(u)) {
                ssize_t k = getrandom(u + done, sizeof(u) - done, 0);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                done += (size_t) k;
        }
        /* Version 4 (random), RFC 4122 variant, as systemd's machine IDs. */
        u[6] = (u[6] & 0x0f) | 0x40;
        u[8] = (u[8] & 0x3f) | 0x80;
        memcpy(ret, u, 16);
        return 0;
}

/* ---- CPU sets ---- */

/* systemd refuses CPU indexes from 8192 on; so do we (and it bounds the allocation). */
#define CPU_INDEX_MAX 8191

static int cpu_range_parse(const char *w, unsigned *ret_a, unsigned *ret_b) {
        _cleanup_free_ char *first = NULL;
        const char *dash = strchr(w, '-');
        uint32_t a, b;
        int r;

        first = dash ? strndup(w, (size_t) (dash - w)) : strdup(w);
        if (!first)
                return -ENOMEM;
        r = parse_uint32(first, &a);
        if (r < 0)
                return r;
        b = a;
        if (dash) {
                r = parse_uint32(dash + 1, &b);
                if (r < 0)
                        return r;
        }
        if (a > CPU_INDEX_MAX || b > CPU_INDEX_MAX)
                return -ERANGE;
        if (b < a)
                return -EINVAL;
        *ret_a = a;
        *ret_b = b;
        return 0;
}

int parse_cpu_set(const char *s, cpu_set_t **ret, size_t *ret_size) {
        _cleanup_strv_free_ char **words = NULL;
        unsigned a, b, max = 0;
        cpu_set_t *set;
        size_t size;
        int r;

        r = strv_split(s ?: "", ", \t\n", &words);
        if (r < 0)
                return r;
        if (!words[0]) { /* empty: "no affinity set" */
                *ret = NULL;
                *ret_size = 0;
                return 0;
        }
        STRV_FOREACH(w, words) {
                r = cpu_range_parse(*w, &a, &b);
                if (r < 0)
                        return r;
                max = MAX(max, b);
        }
        set = CPU_ALLOC(max + 1);
        if (!set)
                return -ENOMEM;
        size = CPU_ALLOC_SIZE(max + 1);
        CPU_ZERO_S(size, set);
        STRV_FOREACH(w, words) {
                (void) cpu_range_parse(*w, &a, &b);
                for (unsigned c = a; c <= b; c++)
                        CPU_SET_S(c, size, set);
        }
        *ret = set;
        *ret_size = size;
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

/* ---- names ---- */

static bool hostname_label_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* Dot-separated labels of letters, digits and inner hyphens; no empty label, no trailing dot;
 * at most 64 characters (HOST_NAME_MAX). */
bool hostname_is_valid(const char *s) {
        size_t label = 0;

        if (isempty(s) || strlen(s) > 64)
                return false;
        for (const char *p = s;; p++) {
                if (*p == '.' || *p == 0) {
                        if (label == 0 || p[-1] == '-')
                                return false;
                        if (*p == 0)
                                return true;
                        label = 0;
                        continue;
                }
                if (!hostname_label_char(*p) || (label == 0 && *p == '-'))
                        return false;
                label++;
        }
}

bool machine_name_is_valid(const char *s) {
        /* A valid hostname already excludes "/", "." and ".."; checked anyway, since the name
         * becomes a file name in several places. */
        return hostname_is_valid(s) && strlen(s) <= 64 && !strchr(s, '/') && !streq(s, ".") &&
               !streq(s, "..");
}

bool filename_is_valid(const char *s) {
        if (isempty(s) || streq(s, ".") || streq(s, ".."))
                return false;
        return !strchr(s, '/') && strlen(s) <= NAME_MAX;
}

bool ifname_is_valid(const char *s) {
        bool digits_only = true;

        if (isempty(s) || strlen(s) > 15 || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char) *p;
                if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':')
                        return false;
                digits_only = digits_only && isdigit(c);
        }
        /* An all-digit name could be mistaken for an interface index. */
        return !digits_only;
}

bool env_name_is_valid(const char *s) {
        if (isempty(s) || isdigit((unsigned char) *s))
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char) *p) && *p != '_')
                        return false;
        return true;
}

bool env_assignment_is_valid(const char *s) {
        _cleanup_free_ char *name = NULL;
        const char *eq;

        if (!s || !(eq = strchr(s, '=')))
                return false;
        name = strndup(s, (size_t) (eq - s));
        return name && env_name_is_valid(name);
}

bool user_name_is_valid(const char *s) {
        if (isempty(s) || strlen(s) > 256 || *s == '-' || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char) *p;
                if (c <= 0x20 || c == 0x7f || c == '/' || c == ':')
                        return false;
        }
        return true;
}

/* ---- paths ---- */

bool path_is_absolute(const char *p) {
        return p && p[0] == '/';
}

bool path_is_normalized(const char *p) {
        if (!path_is_absolute(p))
                return false;
        if (streq(p, "/"))
                return true;
        if (strstr(p, "//") || p[strlen(p) - 1] == '/')
                return false;
        for (const char *c = p; c; c = strchr(c + 1, '/')) {
                const char *comp = c + 1;
                size_t len = strcspn(comp, "/");
                if ((len == 1 && comp[0] == '.') || (len == 2 && comp[0] == '.' && comp[1] == '.'))
                        return false;
        }
        return true;
}

char *path_simplify(char *p) {
        char *out = p;
        const char *in = p;
        bool absolute;

        if (!p || !*p)
                return p;
        absolute = *p == '/';
        if (absolute)
                *out++ = *in++;
        while (*in) {
                size_t len;
                while (*in == '/')
                        in++;
                len = strcspn(in, "/");
                if (len == 0)
                        break;
                if (len == 1 && in[0] == '.') {
                        in += len;
                        continue;
                }
                if (out > p && out[-1] != '/')
                        *out++ = '/';
                memmove(out, in, len);
                out += len;
                in += len;
        }
        if (out == p) /* "." or "./" */
                *out++ = '.';
        *out = 0;
        return p;
}

int path_make_absolute_cwd(const char *p, char **ret) {
        _cleanup_free_ char *cwd = NULL;
        char *r;

        if (isempty(p))
                return -EINVAL;
        if (path_is_absolute(p))
                r = strdup(p);
        else {
                cwd = getcwd(NULL, 0);
                if (!cwd)
                        return negative_errno();
                if (asprintf(&r, "%s/%s", cwd, p) < 0)
                        r = NULL;
        }
        if (!r)
                return -ENOMEM;
        *ret = path_simplify(r);
        return 0;
}

/* ---- word splitting ---- */

int extract_word(const char **p, const char *seps, char **ret) {
        _cleanup_free_ char *w = NULL;
        const char *s = *p;
        size_t n = 0;

        if (!s)
                return 0;
        w = malloc(strlen(s) + 1);
        if (!w)
                return -ENOMEM;
        for (;; s++) {
                if (*s == '\\') {
                        if (!s[1])
                                return -EINVAL;
                        w[n++] = *++s;
                        continue;
                }
                if (*s == 0) {
                        s = NULL;
                        break;
                }
                if (strchr(seps, *s)) {
                        s++;
                        break;
                }
                w[n++] = *s;
        }
        w[n] = 0;
        *p = s;
        *ret = TAKE_PTR(w);
        return 1;
}

int split_quoted(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        _cleanup_free_ char *w = NULL;
        int r;

        if (!l || !(w = malloc(strlen(s ?: "") + 1)))
                return -ENOMEM;
        for (const char *p = s ?: "";;) {
                size_t n = 0;
                char quote = 0;

                p += strspn(p, " \t\n\r");
                if (!*p)
                        break;
                for (; *p && (quote || !strchr(" \t\n\r", *p)); p++) {
                        if (quote && *p == quote)
                                quote = 0;
                        else if (!quote && (*p == '\'' || *p == '"'))
                                quote = *p;
                        else if (*p == '\\' && quote != '\'') {
                                if (!p[1])
                                        return -EINVAL;
                                w[n++] = *++p;
                        } else
                                w[n++] = *p;
                }
                if (quote)
                        return -EINVAL;
                w[n] = 0;
                r = strv_extend(&l, w);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
