/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capabilities: names, the set the payload keeps, and applying it in the child.
 *
 * The names are kernel ABI, so they live in a table here (libcap only hands out allocated,
 * lower-case strings). Everything that touches the process's sets goes through libcap.
 */

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "caps.h"
#include "macro.h"
#include "strv.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

static const char *const cap_names[] = {
        [CAP_CHOWN] = "CAP_CHOWN",
        [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
        [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
        [CAP_FOWNER] = "CAP_FOWNER",
        [CAP_FSETID] = "CAP_FSETID",
        [CAP_KILL] = "CAP_KILL",
        [CAP_SETGID] = "CAP_SETGID",
        [CAP_SETUID] = "CAP_SETUID",
        [CAP_SETPCAP] = "CAP_SETPCAP",
        [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
        [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
        [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
        [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
        [CAP_NET_RAW] = "CAP_NET_RAW",
        [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
        [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
        [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
        [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
        [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
        [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
        [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
        [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
        [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
        [CAP_SYS_NICE] = "CAP_SYS_NICE",
        [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
        [CAP_SYS_TIME] = "CAP_SYS_TIME",
        [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
        [CAP_MKNOD] = "CAP_MKNOD",
        [CAP_LEASE] = "CAP_LEASE",
        [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
        [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
        [CAP_SETFCAP] = "CAP_SETFCAP",
        [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
        [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
        [CAP_SYSLOG] = "CAP_SYSLOG",
        [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
        [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
        [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
        [38] = "CAP_PERFMON",
        [39] = "CAP_BPF",
        [40] = "CAP_CHECKPOINT_RESTORE",
};

/* systemd-nspawn's arg_caps_retain: 0xfdecafff. Spelled out so the list can be read. */
static const int default_caps[] = {
        CAP_AUDIT_CONTROL,
        CAP_AUDIT_WRITE,
        CAP_CHOWN,
        CAP_DAC_OVERRIDE,
        CAP_DAC_READ_SEARCH,
        CAP_FOWNER,
        CAP_FSETID,
        CAP_IPC_OWNER,
        CAP_KILL,
        CAP_LEASE,
        CAP_LINUX_IMMUTABLE,
        CAP_MKNOD,
        CAP_NET_BIND_SERVICE,
        CAP_NET_BROADCAST,
        CAP_NET_RAW,
        CAP_SETFCAP,
        CAP_SETGID,
        CAP_SETPCAP,
        CAP_SETUID,
        CAP_SYS_ADMIN,
        CAP_SYS_BOOT,
        CAP_SYS_CHROOT,
        CAP_SYS_NICE,
        CAP_SYS_PTRACE,
        CAP_SYS_RESOURCE,
        CAP_SYS_TTY_CONFIG,
};

uint64_t caps_default_set(void) {
        uint64_t m = 0;

        for (size_t i = 0; i < ELEMENTSOF(default_caps); i++)
                m |= CAP_BIT(default_caps[i]);
        return m;
}

const char *capability_to_name(int cap) {
        if (cap < 0 || (size_t) cap >= ELEMENTSOF(cap_names))
                return NULL;
        return cap_names[cap];
}

int capability_from_name(const char *name) {
        const char *n;

        if (isempty(name))
                return -EINVAL;

        /* "CAP_" is optional and case does not matter: cap_sys_admin, SYS_ADMIN, sys_admin. */
        n = strncasecmp(name, "cap_", 4) == 0 ? name + 4 : name;
        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (cap_names[i] && strcasecmp(cap_names[i] + 4, n) == 0)
                        return (int) i;
        return -EINVAL;
}

static int read_last_cap(void) {
        _cleanup_fclose_ FILE *f = NULL;
        int c;

        f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        if (f && fscanf(f, "%d", &c) == 1 && c >= 0 && c < 64)
                return c;

        /* No /proc: the highest capability the kernel accepts in the bounding set query. */
        for (c = 63; c > 0; c--)
                if (prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) >= 0)
                        return c;
        return CAP_LAST_CAP;
}

int capability_last_cap(void) {
        /* a fact of the running kernel, read once: the supervisor reads it before the clone, so
         * the container's PID 1 does not read it again (its /proc is not the host's) */
        static int last = -1;

        if (last < 0)
                last = read_last_cap();
        return last;
}

static uint64_t caps_all_mask(void) {
        int last = capability_last_cap();

        return last >= 63 ? UINT64_MAX : (CAP_BIT(last + 1) - 1);
}

int capability_list_parse(const char *s, const char *seps, uint64_t *ret, bool *ret_all) {
        _cleanup_strv_free_ char **words = NULL;
        uint64_t m = 0;
        bool all = false;
        int r;

        if (!s || !ret)
                return -EINVAL;

        r = strv_split(s, seps ?: ", \t\n", &words);
        if (r < 0)
                return r;
        if (!words || !words[0])
                return -EINVAL;

        STRV_FOREACH(w, words) {
                if (strcasecmp(*w, "all") == 0) {
                        if (!ret_all)
                                return -EINVAL;
                        all = true;
                        continue;
                }
                r = capability_from_name(*w);
                if (r < 0)
                        return r;
                m |= CAP_BIT(r);
        }

        *ret = m;
        if (ret_all)
                *ret_all = all;
        return 0;
}

uint64_t caps_wanted(const struct settings *s) {
        uint64_t want = caps_default_set();

        if (s->private_network)
                want |= CAP_BIT(CAP_NET_ADMIN);
        want |= s->caps_all ? caps_all_mask() : s->caps_add;
        /* As nspawn: binding low ports makes no sense on the host's network from a user
         * namespace, whose root is not the host's root. */
        if (s->userns_mode != USER_NS_NO && !s->private_network)
                want &= ~CAP_BIT(CAP_NET_BIND_SERVICE);
        return want & ~s->caps_drop;
}

uint64_t caps_compute(const struct settings *s, uint64_t host_bounding, uint64_t *ret_missing) {
        uint64_t want = caps_wanted(s);

        if (ret_missing)
                *ret_missing = want & ~host_bounding;
        return want & host_bounding;
}

uint64_t caps_current_bounding(void) {
        int last = capability_last_cap();
        uint64_t m = 0;

        for (int c = 0; c <= last; c++)
                if (cap_get_bound((cap_value_t) c) > 0)
                        m |= CAP_BIT(c);
        return m;
}

static void cap_freep(cap_t *c) {
        if (*c)
                cap_free(*c);
}
#define _cleanup_cap_ _cleanup_(cap_freep)

/* Set E, P and I from masks, caps 0..last. */
static int caps_set_proc(uint64_t eff, uint64_t perm, uint64_t inh, int last) {
        _cleanup_cap_ cap_t c = cap_init();
        static const struct {
                cap_flag_t flag;
                size_t which;
        } flags[] = {{CAP_EFFECTIVE, 0}, {CAP_PERMITTED, 1}, {CAP_INHERITABLE, 2}};
        const uint64_t masks[3] = {eff, perm, inh};

        if (!c)
                return negative_errno();

        for (size_t f = 0; f < ELEMENTSOF(flags); f++)
                for (int i = 0; i <= last; i++) {
                        cap_value_t v = i;

                        if (!(masks[flags[f].which] & CAP_BIT(i)))
                                continue;
                        if (cap_set_flag(c, flags[f].flag, 1, &v, CAP_SET) < 0)
                                return negative_errno();
                }

        if (cap_set_proc(c) < 0)
                return negative_errno();
        return 0;
}

/* The permitted set of the calling process, raised into the effective set: after setresuid()
 * with keep-caps the effective set is empty, and dropping from the bounding set needs
 * CAP_SETPCAP effective. */
static int caps_raise_permitted(uint64_t *ret_permitted, int last) {
        _cleanup_cap_ cap_t c = cap_get_proc();
        uint64_t p = 0;

        if (!c)
                return negative_errno();
        for (int i = 0; i <= last; i++) {
                cap_flag_value_t v;

                if (cap_get_flag(c, (cap_value_t) i, CAP_PERMITTED, &v) < 0)
                        return negative_errno();
                if (v == CAP_SET)
                        p |= CAP_BIT(i);
        }
        *ret_permitted = p;
        return caps_set_proc(p, p, 0, last);
}

/* Dropping a capability that is gone already succeeds: no need to ask first. */
static int caps_drop_bounding(uint64_t keep, int last) {
        for (int i = 0; i <= last; i++)
                if (!(keep & CAP_BIT(i)) && cap_drop_bound((cap_value_t) i) < 0)
                        return negative_errno();
        return 0;
}

static int caps_raise_ambient(uint64_t ambient, int last) {
        /* Start from an empty ambient set, whatever the parent had. */
        if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0)
                return negative_errno();
        if (ambient == 0)
                return 0;
        if (!CAP_AMBIENT_SUPPORTED())
                return -EOPNOTSUPP;

        for (int i = 0; i <= last; i++)
                if ((ambient & CAP_BIT(i)) && cap_set_ambient((cap_value_t) i, CAP_SET) < 0)
                        return negative_errno();
        return 0;
}

int caps_apply(uint64_t keep, uint64_t ambient, bool is_root) {
        int last = capability_last_cap();
        uint64_t permitted;
        int r;

        /* The ambient set can only hold what stays in the bounding and permitted sets. */
        if (ambient & ~keep)
                return -EINVAL;

        r = caps_raise_permitted(&permitted, last);
        if (r < 0)
                return r;

        r = caps_drop_bounding(keep, last);
        if (r < 0)
                return r;

        /* root: E = P = I = keep. Others: nothing effective, P = I = the ambient set, which the
         * kernel turns into E/P at execve(). */
        if (is_root)
                r = caps_set_proc(keep & permitted, keep & permitted, keep & permitted, last);
        else
                r = caps_set_proc(0, ambient, ambient, last);
        if (r < 0)
                return r;

        return caps_raise_ambient(ambient, last);
}

int caps_change_user(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups) {
        /* Keep the permitted set across setresuid() away from 0. SECBIT_KEEP_CAPS is the
         * securebits spelling of PR_SET_KEEPCAPS; execve() clears it again. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return negative_errno();

        if (setgroups(n_groups, n_groups > 0 ? groups : NULL) < 0)
                return negative_errno();
        if (setresgid(gid, gid, gid) < 0)
                return negative_errno();
        if (setresuid(uid, uid, uid) < 0)
                return negative_errno();
        return 0;
}

int caps_set_fs_ids(uid_t uid, gid_t gid) {
        uint64_t permitted;

        (void) setfsgid(gid);
        (void) setfsuid(uid);
        /* both return the previous value, even when they fail: ask again with an invalid id */
        if ((uid_t) setfsuid((uid_t) -1) != uid || (gid_t) setfsgid((gid_t) -1) != gid)
                return -EPERM;
        /* away from fsuid 0 the kernel drops the file system capabilities from the effective set */
        return caps_raise_permitted(&permitted, capability_last_cap());
}
