/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --image-policy=: systemd's grammar and semantics (image-policy.h). */
#include "image-policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "macro.h"

static const char *const designator_names[_PARTITION_DESIGNATOR_MAX] = {
        [PARTITION_ROOT] = "root",
        [PARTITION_USR] = "usr",
        [PARTITION_HOME] = "home",
        [PARTITION_SRV] = "srv",
        [PARTITION_ESP] = "esp",
        [PARTITION_XBOOTLDR] = "xbootldr",
        [PARTITION_SWAP] = "swap",
        [PARTITION_ROOT_VERITY] = "root-verity",
        [PARTITION_ROOT_VERITY_SIG] = "root-verity-sig",
        [PARTITION_USR_VERITY] = "usr-verity",
        [PARTITION_USR_VERITY_SIG] = "usr-verity-sig",
        [PARTITION_TMP] = "tmp",
        [PARTITION_VAR] = "var",
};

const char *partition_designator_to_string(enum partition_designator d) {
        return d >= 0 && d < _PARTITION_DESIGNATOR_MAX ? designator_names[d] : NULL;
}

int partition_designator_from_string(const char *s) {
        for (int d = 0; d < _PARTITION_DESIGNATOR_MAX; d++)
                if (streq(s, designator_names[d]))
                        return d;
        return -EINVAL;
}

/* data partition → its verity and signature partitions (and back) */
static const struct {
        enum partition_designator data, verity, sig;
} verity_pairs[] = {
        {PARTITION_ROOT, PARTITION_ROOT_VERITY, PARTITION_ROOT_VERITY_SIG},
        {PARTITION_USR, PARTITION_USR_VERITY, PARTITION_USR_VERITY_SIG},
};

int partition_verity_of(enum partition_designator d) {
        for (size_t i = 0; i < ELEMENTSOF(verity_pairs); i++)
                if (verity_pairs[i].data == d)
                        return verity_pairs[i].verity;
        return _PARTITION_DESIGNATOR_INVALID;
}

int partition_verity_sig_of(enum partition_designator d) {
        for (size_t i = 0; i < ELEMENTSOF(verity_pairs); i++)
                if (verity_pairs[i].data == d)
                        return verity_pairs[i].sig;
        return _PARTITION_DESIGNATOR_INVALID;
}

/* d is a verity (sig false) or signature (sig true) partition: its data partition. */
static int verity_data_of(enum partition_designator d, bool sig) {
        for (size_t i = 0; i < ELEMENTSOF(verity_pairs); i++)
                if ((sig ? verity_pairs[i].sig : verity_pairs[i].verity) == d)
                        return verity_pairs[i].data;
        return _PARTITION_DESIGNATOR_INVALID;
}

#define USE_ROOT_LIKE (POLICY_VERITY | POLICY_SIGNED | POLICY_ENCRYPTED | POLICY_UNPROTECTED | POLICY_ABSENT)
#define USE_DATA_LIKE (POLICY_ENCRYPTED | POLICY_UNPROTECTED | POLICY_ABSENT)

const struct image_policy image_policy_container = {
        .flags =
                {
                        [PARTITION_ROOT] = USE_ROOT_LIKE,
                        [PARTITION_USR] = USE_ROOT_LIKE,
                        [PARTITION_HOME] = USE_DATA_LIKE,
                        [PARTITION_SRV] = USE_DATA_LIKE,
                        [PARTITION_ESP] = POLICY_UNPROTECTED | POLICY_ABSENT,
                        [PARTITION_XBOOTLDR] = POLICY_UNPROTECTED | POLICY_ABSENT,
                        [PARTITION_TMP] = USE_DATA_LIKE,
                        [PARTITION_VAR] = USE_DATA_LIKE,
                },
        .set =
                {
                        [PARTITION_ROOT] = true,
                        [PARTITION_USR] = true,
                        [PARTITION_HOME] = true,
                        [PARTITION_SRV] = true,
                        [PARTITION_ESP] = true,
                        [PARTITION_XBOOTLDR] = true,
                        [PARTITION_TMP] = true,
                        [PARTITION_VAR] = true,
                },
        .default_flags = POLICY_IGNORE,
};

/* One table for parsing and printing; the order is systemd's order of output. */
static const struct {
        const char *name;
        uint32_t flags;
} flag_names[] = {
        {"verity", POLICY_VERITY},
        {"signed", POLICY_SIGNED},
        {"encrypted", POLICY_ENCRYPTED},
        {"unprotected", POLICY_UNPROTECTED},
        {"unused", POLICY_UNUSED},
        {"absent", POLICY_ABSENT},
        {"read-only-on", POLICY_READ_ONLY_ON},
        {"read-only-off", POLICY_READ_ONLY_OFF},
        {"growfs-off", POLICY_GROWFS_OFF},
        {"growfs-on", POLICY_GROWFS_ON},
        {"btrfs", POLICY_BTRFS},
        {"erofs", POLICY_EROFS},
        {"ext4", POLICY_EXT4},
        {"f2fs", POLICY_F2FS},
        {"squashfs", POLICY_SQUASHFS},
        {"vfat", POLICY_VFAT},
        {"xfs", POLICY_XFS},
        {"open", POLICY_OPEN},     /* parsed only: shortcuts */
        {"ignore", POLICY_IGNORE}, /* parsed only */
};
#define N_PRINTED_FLAGS 17

/* s without leading and trailing whitespace, in place */
static char *strip(char *s) {
        s += strspn(s, " \t\n");
        size_t n = strlen(s);
        while (n > 0 && strchr(" \t\n", s[n - 1]))
                s[--n] = 0;
        return s;
}

/* "flag+flag…"; empty or "-": none. Returns the flags or -EBADRQC. */
static int64_t flags_parse(char *s) {
        uint32_t flags = 0;

        s = strip(s);
        if (isempty(s) || streq(s, "-"))
                return 0;
        for (char *rest = s, *f; (f = strsep(&rest, "+"));) {
                size_t i;

                f = strip(f);
                for (i = 0; i < ELEMENTSOF(flag_names); i++)
                        if (streq(f, flag_names[i].name))
                                break;
                if (i == ELEMENTSOF(flag_names))
                        return -EBADRQC;
                flags |= flag_names[i].flags;
        }
        return flags;
}

/* One rule "designator=flags" into *ret (-1 designator: the default). */
static int rule_parse(char *rule, struct image_policy *ret, bool *default_seen) {
        char *eq = strchr(rule, '=');
        if (!eq)
                return -EINVAL; /* "Missing '=' in policy expression" */
        *eq = 0;

        char *name = strip(rule);
        int d = -1;
        if (!isempty(name)) {
                d = partition_designator_from_string(name);
                if (d < 0)
                        return -EBADSLT;
                if (ret->set[d])
                        return -ENOTUNIQ;
        } else if (*default_seen)
                return -ENOTUNIQ;

        int64_t flags = flags_parse(eq + 1);
        if (flags < 0)
                return (int) flags;
        if (d < 0) {
                *default_seen = true;
                ret->default_flags = (uint32_t) flags;
        } else {
                ret->set[d] = true;
                ret->flags[d] = (uint32_t) flags;
        }
        return 0;
}

static int policy_parse(const char *s, struct image_policy *ret) {
        *ret = (struct image_policy){.default_flags = POLICY_IGNORE};
        if (isempty(s) || streq(s, "-"))
                return 0;
        if (streq(s, "*")) {
                ret->default_flags = POLICY_OPEN;
                return 0;
        }
        if (streq(s, "~")) {
                ret->default_flags = POLICY_ABSENT;
                return 0;
        }

        _cleanup_free_ char *copy = strdup(s);
        bool default_seen = false;
        if (!copy)
                return -ENOMEM;
        for (char *rest = copy, *rule; (rule = strsep(&rest, ":"));) {
                int r = rule_parse(rule, ret, &default_seen);
                if (r < 0)
                        return r;
        }
        return 0;
}

int image_policy_parse(const char *s, struct image_policy *ret, char **ret_error) {
        struct image_policy p;
        int r = policy_parse(s, &p);

        switch (r) {
        case 0:
                *ret = p;
                return 0;
        case -ENOTUNIQ:
                return error_setf(ret_error, r, "Duplicate rule in image policy: %s", s);
        case -EBADSLT:
                return error_setf(ret_error, r, "Unknown partition type in image policy: %s", s);
        case -EBADRQC:
                return error_setf(ret_error, r, "Unknown partition policy flag in image policy: %s", s);
        case -ENOMEM:
                return r;
        default:
                return error_setf(ret_error, r, "Failed to parse image policy: %s", s);
        }
}

/* Fill the parts left unspecified with every choice, mask what makes no sense for d. */
static uint32_t flags_normalize(enum partition_designator d, uint32_t flags) {
        if ((flags & POLICY_USE_MASK) == 0)
                flags |= POLICY_OPEN;
        if ((flags & POLICY_READ_ONLY_MASK) == 0)
                flags |= POLICY_READ_ONLY_MASK;
        if ((flags & POLICY_GROWFS_MASK) == 0)
                flags |= POLICY_GROWFS_MASK;
        /* a verity partition is the protection: it has none of its own */
        if (verity_data_of(d, false) >= 0 || verity_data_of(d, true) >= 0)
                flags &= ~(uint32_t) (POLICY_VERITY | POLICY_SIGNED | POLICY_ENCRYPTED);
        if (partition_verity_of(d) < 0)
                flags &= ~(uint32_t) (POLICY_VERITY | POLICY_SIGNED);
        if ((flags & POLICY_USE_MASK) == POLICY_ABSENT)
                flags &= ~(uint32_t) (POLICY_READ_ONLY_MASK | POLICY_GROWFS_MASK);
        return flags;
}

/* d's rule, or one derived for a verity partition from its data partition's rule; -1: none. */
static int64_t policy_rule(const struct image_policy *p, enum partition_designator d) {
        if (p->set[d])
                return flags_normalize(d, p->flags[d]);
        for (int sig = 0; sig <= 1; sig++) {
                int data = verity_data_of(d, sig);
                if (data < 0)
                        continue;
                int64_t df = policy_rule(p, data);
                if (df < 0 || !(df & (sig ? POLICY_SIGNED : POLICY_VERITY | POLICY_SIGNED)))
                        return -1;
                return flags_normalize(d, POLICY_UNPROTECTED | (df & (POLICY_UNUSED | POLICY_ABSENT)) |
                                                  (df & (POLICY_READ_ONLY_MASK | POLICY_GROWFS_MASK)));
        }
        return -1;
}

uint32_t image_policy_get(const struct image_policy *p, enum partition_designator d) {
        int64_t f = policy_rule(p, d);
        return f >= 0 ? (uint32_t) f : flags_normalize(d, p->default_flags);
}

int partition_policy_flags_to_string(uint32_t flags, char **ret) {
        char buf[256] = "";
        uint32_t skip = 0;

        if ((flags & POLICY_USE_MASK) == POLICY_OPEN || (flags & POLICY_USE_MASK) == POLICY_IGNORE) {
                strcat(buf, (flags & POLICY_USE_MASK) == POLICY_OPEN ? "open" : "ignore");
                skip |= POLICY_USE_MASK;
        }
        /* both choices of a part allowed: not written */
        if ((flags & POLICY_READ_ONLY_MASK) == POLICY_READ_ONLY_MASK)
                skip |= POLICY_READ_ONLY_MASK;
        if ((flags & POLICY_GROWFS_MASK) == POLICY_GROWFS_MASK)
                skip |= POLICY_GROWFS_MASK;
        for (size_t i = 0; i < N_PRINTED_FLAGS; i++) {
                if (!(flags & flag_names[i].flags) || (skip & flag_names[i].flags))
                        continue;
                if (buf[0])
                        strcat(buf, "+");
                strcat(buf, flag_names[i].name);
        }
        *ret = strdup(buf[0] ? buf : "-");
        return *ret ? 0 : -ENOMEM;
}

int image_policy_may_use(const struct image_policy *p, enum partition_designator d, char **ret_error) {
        uint32_t f = image_policy_get(p, d) & POLICY_USE_MASK;

        if (f == POLICY_ABSENT)
                return error_setf(
                        ret_error, -ERFKILL,
                        "Partition of designator '%s' exists, but not allowed by policy, refusing.",
                        partition_designator_to_string(d));
        return (f & ~(uint32_t) POLICY_ABSENT) == POLICY_UNUSED ? 0 : 1;
}

int image_policy_check_protection(const struct image_policy *p, enum partition_designator d, uint32_t found,
                                  char **ret_error) {
        uint32_t f = image_policy_get(p, d);
        if (found & f)
                return 0;

        _cleanup_free_ char *a = NULL, *b = NULL;
        if (partition_policy_flags_to_string(found, &a) < 0 || partition_policy_flags_to_string(f, &b) < 0)
                return -ENOMEM;
        return error_setf(ret_error, -ERFKILL,
                          "Partition %s discovered with policy '%s' but '%s' was required, refusing.",
                          partition_designator_to_string(d), a, b);
}

int image_policy_check_gpt_flags(const struct image_policy *p, enum partition_designator d,
                                 uint64_t gpt_flags, char **ret_error) {
        static const struct {
                const char *name;
                uint64_t bit;
                uint32_t mask, on, off;
        } checks[] = {
                {"read-only", GPT_FLAG_READ_ONLY, POLICY_READ_ONLY_MASK, POLICY_READ_ONLY_ON,
                 POLICY_READ_ONLY_OFF},
                {"growfs", GPT_FLAG_GROWFS, POLICY_GROWFS_MASK, POLICY_GROWFS_ON, POLICY_GROWFS_OFF},
        };
        uint32_t f = image_policy_get(p, d);

        for (size_t i = 0; i < ELEMENTSOF(checks); i++) {
                bool b = gpt_flags & checks[i].bit;
                if ((f & checks[i].mask) == (b ? checks[i].off : checks[i].on))
                        return error_setf(
                                ret_error, -ERFKILL,
                                "Partition %s has '%s' flag incorrectly set (must be %i, is %i), refusing.",
                                partition_designator_to_string(d), checks[i].name, !b, b);
        }
        return 0;
}

int image_policy_check_fstype(const struct image_policy *p, enum partition_designator d, const char *fstype,
                              char **ret_error) {
        uint32_t allowed = image_policy_get(p, d) & POLICY_FSTYPE_MASK;
        if (allowed == 0)
                return 0;
        for (size_t i = 0; fstype && i < N_PRINTED_FLAGS; i++)
                if ((flag_names[i].flags & POLICY_FSTYPE_MASK) && streq(fstype, flag_names[i].name))
                        if (allowed & flag_names[i].flags)
                                return 0;
        return error_setf(ret_error, -ERFKILL,
                          "File system type '%s' of partition %s not allowed by policy, refusing.",
                          fstype ?: "unknown", partition_designator_to_string(d));
}
