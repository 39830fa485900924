/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Disk image dissection with libblkid (dissect.h). Runs in the supervisor, reads only. */
#include "dissect.h"

#include <blkid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "macro.h"

/* Architectures in order of preference: the native one, then its secondary one. */
enum arch { ARCH_NATIVE, ARCH_SECONDARY, ARCH_OTHER };

#if defined(__x86_64__)
#define NATIVE "x86-64"
#define SECONDARY "x86"
#elif defined(__i386__)
#define NATIVE "x86"
#define SECONDARY NULL
#elif defined(__aarch64__)
#define NATIVE "arm64"
#define SECONDARY NULL
#else
#define NATIVE NULL
#define SECONDARY NULL
#endif

static const struct gpt_type {
        const char *uuid;
        enum partition_designator designator;
        const char *arch; /* NULL: any architecture */
} gpt_types[] = {
        {"4f68bce3-e8cd-4db1-96e7-fbcaf984b709", PARTITION_ROOT, "x86-64"},
        {"8484680c-9521-48c6-9c11-b0720656f69e", PARTITION_USR, "x86-64"},
        {"2c7357ed-ebd2-46d9-aec1-23d437ec2bf5", PARTITION_ROOT_VERITY, "x86-64"},
        {"77ff5f63-e7b6-4633-acf4-1565b864c0e6", PARTITION_USR_VERITY, "x86-64"},
        {"41092b05-9fc8-4523-994f-2def0408b176", PARTITION_ROOT_VERITY_SIG, "x86-64"},
        {"e7bb33fb-06cf-4e81-8273-e543b413e2e2", PARTITION_USR_VERITY_SIG, "x86-64"},
        {"44479540-f297-41b2-9af7-d131d5f0458a", PARTITION_ROOT, "x86"},
        {"75250d76-8cc6-458e-bd66-bd47cc81a812", PARTITION_USR, "x86"},
        {"d13c5d3b-b5d1-422a-b29f-9454fdc89d76", PARTITION_ROOT_VERITY, "x86"},
        {"8f461b0d-14ee-4e81-9aa9-049b6fb97abd", PARTITION_USR_VERITY, "x86"},
        {"5996fc05-109c-48de-808b-23fa0830b676", PARTITION_ROOT_VERITY_SIG, "x86"},
        {"974a71c0-de41-43c3-be5d-5c5ccd1ad2c0", PARTITION_USR_VERITY_SIG, "x86"},
        {"b921b045-1df0-41c3-af44-4c6f280d3fae", PARTITION_ROOT, "arm64"},
        {"b0e01050-ee5f-4390-949a-9101b17104e9", PARTITION_USR, "arm64"},
        {"df3300ce-d69f-4c92-978c-9bfb0f38d820", PARTITION_ROOT_VERITY, "arm64"},
        {"6e11a4e7-fbca-4ded-b9e9-e1a512bb664e", PARTITION_USR_VERITY, "arm64"},
        {"6db69de6-29f4-4758-a7a5-962190f00ce3", PARTITION_ROOT_VERITY_SIG, "arm64"},
        {"c23ce4ff-44bd-4b00-b2d4-b41b3419e02a", PARTITION_USR_VERITY_SIG, "arm64"},
        {"933ac7e1-2eb4-4f13-b844-0e14e2aef915", PARTITION_HOME, NULL},
        {"3b8f8425-20e0-4f3b-907f-1a25a76f98e8", PARTITION_SRV, NULL},
        {"4d21b016-b534-45c2-a9fb-5c16e091fd2d", PARTITION_VAR, NULL},
        {"7ec6f557-3bc5-4aca-b293-16ef5df639d1", PARTITION_TMP, NULL},
        {"c12a7328-f81f-11d2-ba4b-00a0c93ec93b", PARTITION_ESP, NULL},
        {"bc13c2ff-59e6-4262-a352-b275fd6f7172", PARTITION_XBOOTLDR, NULL},
        {"0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", PARTITION_SWAP, NULL},
};
#define GPT_LINUX_GENERIC "0fc63daf-8483-4772-8e79-3d69d8477de4"

static int arch_rank(const char *arch) {
        if (!arch)
                return -1;
        if (NATIVE && streq(arch, NATIVE))
                return ARCH_NATIVE;
        if (SECONDARY && streq(arch, SECONDARY))
                return ARCH_SECONDARY;
        return ARCH_OTHER;
}

bool fstype_is_ro(const char *fstype) {
        return streq(fstype, "squashfs") || streq(fstype, "erofs") || streq(fstype, "iso9660");
}

static void blkid_free_probep(blkid_probe *p) {
        if (*p)
                blkid_free_probe(*p);
}

/* One partition as blkid sees it. */
struct candidate {
        int partno;
        uint64_t start, size;
        uint64_t flags;
        const char *label;
};

static void partition_store(struct dissected_partition *p, const struct candidate *c, int arch, bool rw,
                            bool growfs) {
        *p = (struct dissected_partition){
                .found = true,
                .partno = c->partno,
                .start = c->start,
                .size = c->size,
                .gpt_flags = c->flags,
                .rw = rw,
                .growfs = growfs,
                .arch = arch,
        };
        snprintf(p->label, sizeof p->label, "%s", c->label ?: "");
}

/* A GPT partition of a known type: does it replace what we have for its designator? systemd's
 * rules: a better architecture wins; for root and /usr at the same architecture the newer version
 * in the label (A/B updates); else the first one. */
static bool candidate_wins(const struct dissected_partition *have, int arch, enum partition_designator d,
                           const char *label) {
        if (!have->found)
                return true;
        if (arch != have->arch)
                return arch >= 0 && (have->arch < 0 || arch < have->arch);
        return (d == PARTITION_ROOT || d == PARTITION_USR) && strverscmp(label ?: "", have->label) > 0;
}

static int gpt_partition(struct dissected_image *m, const struct candidate *c, const char *type,
                         const struct image_policy *policy, bool want_verity, char **ret_detail) {
        const struct gpt_type *t = NULL;
        for (size_t i = 0; i < ELEMENTSOF(gpt_types); i++)
                if (strcasecmp(type, gpt_types[i].uuid) == 0)
                        t = &gpt_types[i];
        if (!t)
                return 0;

        enum partition_designator d = t->designator;
        if (d == PARTITION_ESP ? (c->flags & GPT_FLAG_NO_BLOCK_IO_PROTOCOL) : (c->flags & GPT_FLAG_NO_AUTO))
                return 0;
        bool verity = d == PARTITION_ROOT_VERITY || d == PARTITION_USR_VERITY ||
                      d == PARTITION_ROOT_VERITY_SIG || d == PARTITION_USR_VERITY_SIG;
        if (verity && !want_verity) {
                /* no root hash: not used (systemd would take it from a signature partition) */
                m->has_verity_sig |= d == PARTITION_ROOT_VERITY_SIG || d == PARTITION_USR_VERITY_SIG;
                return 0;
        }

        int r = image_policy_may_use(policy, d, ret_detail);
        if (r < 0)
                return r;
        if (r == 0) {
                m->partitions[d].ignored = !m->partitions[d].found;
                return 0;
        }
        int arch = arch_rank(t->arch);
        if (!candidate_wins(&m->partitions[d], arch, d, c->label))
                return 0;
        bool ro = verity || (c->flags & GPT_FLAG_READ_ONLY);
        partition_store(&m->partitions[d], c, arch, !ro, !ro && (c->flags & GPT_FLAG_GROWFS));
        return 0;
}

/* Reads the partition table into m; the generic Linux candidates are counted. */
static int partitions_read(blkid_probe b, struct dissected_image *m, const struct image_policy *policy,
                           bool want_verity, struct candidate *generic, int *n_generic, char **ret_detail) {
        blkid_partlist pl = blkid_probe_get_partitions(b);
        if (!pl)
                return -ENOPKG;
        const char *pttype = blkid_parttable_get_type(blkid_partlist_get_table(pl));
        bool gpt = streq_ptr(pttype, "gpt"), mbr = streq_ptr(pttype, "dos");
        if (!gpt && !mbr)
                return -ENOPKG;

        int n = blkid_partlist_numof_partitions(pl);
        for (int i = 0; i < n; i++) {
                blkid_partition pp = blkid_partlist_get_partition(pl, i);
                if (!pp)
                        return -EIO;
                struct candidate c = {
                        .partno = blkid_partition_get_partno(pp),
                        .start = (uint64_t) blkid_partition_get_start(pp) * 512,
                        .size = (uint64_t) blkid_partition_get_size(pp) * 512,
                        .flags = blkid_partition_get_flags(pp),
                        .label = blkid_partition_get_name(pp),
                };
                if (c.partno <= 0 || c.size == 0)
                        continue;
                if (gpt) {
                        const char *type = blkid_partition_get_type_string(pp);
                        if (!type)
                                continue;
                        if (strcasecmp(type, GPT_LINUX_GENERIC) == 0) {
                                if (!(c.flags & GPT_FLAG_NO_AUTO) && (*n_generic)++ == 0)
                                        *generic = c;
                                continue;
                        }
                        int r = gpt_partition(m, &c, type, policy, want_verity, ret_detail);
                        if (r < 0)
                                return r;
                } else if (blkid_partition_get_type(pp) == 0x83 && c.flags == 0x80) {
                        if ((*n_generic)++ == 0) /* bootable Linux partition */
                                *generic = c;
                } else if (blkid_partition_get_type(pp) == 0xEA &&
                           !m->partitions[PARTITION_XBOOTLDR].found) {
                        int r = image_policy_may_use(policy, PARTITION_XBOOTLDR, ret_detail);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                partition_store(&m->partitions[PARTITION_XBOOTLDR], &c, -1, true, false);
                }
        }
        return 0;
}

/* The file system on [start, start+size) of fd (size 0: to the end), as blkid names it. */
static int probe_fstype(int fd, uint64_t start, uint64_t size, char *ret, size_t n) {
        _cleanup_(blkid_free_probep) blkid_probe b = blkid_new_probe();
        const char *type = NULL;

        if (!b)
                return -ENOMEM;
        if (blkid_probe_set_device(b, fd, (blkid_loff_t) start, (blkid_loff_t) size) != 0)
                return -EIO;
        blkid_probe_enable_superblocks(b, 1);
        blkid_probe_set_superblocks_flags(b, BLKID_SUBLKS_TYPE);
        int r = blkid_do_safeprobe(b);
        if (r == -2)
                return -EUCLEAN; /* ambiguous */
        if (r < 0)
                return -EIO;
        if (r == 0)
                (void) blkid_probe_lookup_value(b, "TYPE", &type, NULL);
        snprintf(ret, n, "%s", type ?: "");
        return 0;
}

/* No marked root (nor /usr): a single generic Linux partition is the root. */
static int generic_root(struct dissected_image *m, const struct candidate *generic, int n_generic,
                        const struct image_policy *policy, char **ret_detail) {
        if (m->partitions[PARTITION_ROOT].found || m->partitions[PARTITION_USR].found || n_generic == 0)
                return 0;
        if (n_generic > 1)
                return -ENOTUNIQ;
        int r = image_policy_may_use(policy, PARTITION_ROOT, ret_detail);
        if (r < 0)
                return r;
        if (r == 0)
                m->partitions[PARTITION_ROOT].ignored = true;
        else
                partition_store(&m->partitions[PARTITION_ROOT], generic, -1,
                                !(generic->flags & GPT_FLAG_READ_ONLY), false);
        return 0;
}

/* Verity data without its partition, a signature without verity data: something is off. */
static int verity_consistent(const struct dissected_image *m) {
        const struct dissected_partition *p = m->partitions;
        for (enum partition_designator d = PARTITION_ROOT; d <= PARTITION_USR; d++) {
                int v = partition_verity_of(d), s = partition_verity_sig_of(d);
                if (!p[d].found && (p[v].found || p[s].found))
                        return -EADDRNOTAVAIL;
                if (p[s].found && !p[v].found)
                        return -EADDRNOTAVAIL;
        }
        if (p[PARTITION_ROOT_VERITY].found && p[PARTITION_USR].found)
                return -EADDRNOTAVAIL;
        return 0;
}

/* After the table: what was found (and how protected) against the policy, for every designator. */
static int policy_check_all(const struct dissected_image *m, const struct image_policy *policy,
                            char **ret_detail) {
        for (enum partition_designator d = 0; d < _PARTITION_DESIGNATOR_MAX; d++) {
                const struct dissected_partition *p = &m->partitions[d];
                int v = partition_verity_of(d), s = partition_verity_sig_of(d);
                uint32_t found;

                if (p->found)
                        found = v >= 0 && m->partitions[v].found
                                        ? (m->partitions[s].found ? POLICY_SIGNED : POLICY_VERITY)
                                        : POLICY_ENCRYPTED | POLICY_UNPROTECTED;
                else
                        found = p->ignored ? POLICY_UNUSED : POLICY_ABSENT;
                int r = image_policy_check_protection(policy, d, found, ret_detail);
                if (r < 0)
                        return r;
                if (p->found && (r = image_policy_check_gpt_flags(policy, d, p->gpt_flags, ret_detail)) < 0)
                        return r;
        }
        return 0;
}

/* Each used partition's file system: read-only types, encryption and the type against the policy. */
static int filesystems_probe(int fd, struct dissected_image *m, const struct image_policy *policy,
                             char **ret_detail) {
        for (enum partition_designator d = 0; d < _PARTITION_DESIGNATOR_MAX; d++) {
                struct dissected_partition *p = &m->partitions[d];
                if (!p->found || d == PARTITION_ROOT_VERITY || d == PARTITION_USR_VERITY ||
                    d == PARTITION_ROOT_VERITY_SIG || d == PARTITION_USR_VERITY_SIG)
                        continue;
                if (!p->fstype[0]) {
                        int r = probe_fstype(fd, p->start, p->size, p->fstype, sizeof p->fstype);
                        if (r < 0)
                                return r;
                }
                bool encrypted = streq(p->fstype, "crypto_LUKS");
                int r = image_policy_check_protection(
                        policy, d,
                        encrypted ? POLICY_ENCRYPTED : POLICY_UNPROTECTED | POLICY_VERITY | POLICY_SIGNED,
                        ret_detail);
                if (r < 0)
                        return r;
                if (!encrypted && (r = image_policy_check_fstype(policy, d, p->fstype, ret_detail)) < 0)
                        return r;
                if (fstype_is_ro(p->fstype))
                        p->rw = false;
                if (!p->rw)
                        p->growfs = false;
        }
        return 0;
}

/* A bare file system: the root, the whole device. */
static int single_filesystem(blkid_probe b, struct dissected_image *m, const struct image_policy *policy,
                             bool want_verity, char **ret_detail) {
        const char *type = NULL;
        int r = image_policy_may_use(policy, PARTITION_ROOT, ret_detail);
        if (r <= 0)
                return r < 0 ? r : -ENOPKG;
        (void) blkid_probe_lookup_value(b, "TYPE", &type, NULL);
        bool encrypted = streq_ptr(type, "crypto_LUKS");
        uint32_t found = want_verity ? POLICY_VERITY : encrypted ? POLICY_ENCRYPTED : POLICY_UNPROTECTED;
        if ((r = image_policy_check_protection(policy, PARTITION_ROOT, found, ret_detail)) < 0 ||
            (r = image_policy_check_gpt_flags(policy, PARTITION_ROOT, 0, ret_detail)) < 0)
                return r;
        struct dissected_partition *p = &m->partitions[PARTITION_ROOT];
        *p = (struct dissected_partition){.found = true, .rw = !want_verity, .arch = -1};
        snprintf(p->fstype, sizeof p->fstype, "%s", type ?: "");
        if (!encrypted && (r = image_policy_check_fstype(policy, PARTITION_ROOT, p->fstype, ret_detail)) < 0)
                return r;
        if (fstype_is_ro(p->fstype))
                p->rw = false;
        m->single_filesystem = true;
        return 0;
}

int dissect_image(int fd, const struct image_policy *policy, bool want_verity, struct dissected_image *ret,
                  char **ret_detail) {
        _cleanup_(blkid_free_probep) blkid_probe b = blkid_new_probe();
        struct dissected_image m = {};
        struct candidate generic = {};
        const char *usage = NULL;
        int n_generic = 0, r;

        for (enum partition_designator d = 0; d < _PARTITION_DESIGNATOR_MAX; d++)
                m.partitions[d].arch = -1;
        if (!b)
                return -ENOMEM;
        if (blkid_probe_set_device(b, fd, 0, 0) != 0)
                return -EIO;
        blkid_probe_enable_superblocks(b, 1);
        blkid_probe_set_superblocks_flags(b, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE);
        blkid_probe_enable_partitions(b, 1);
        blkid_probe_set_partitions_flags(b, BLKID_PARTS_ENTRY_DETAILS);
        r = blkid_do_safeprobe(b);
        if (r == -1)
                return -EIO;
        if (r != 0)
                return -ENOPKG; /* nothing, or ambiguous */

        (void) blkid_probe_lookup_value(b, "USAGE", &usage, NULL);
        if (streq_ptr(usage, "filesystem") || streq_ptr(usage, "crypto"))
                r = single_filesystem(b, &m, policy, want_verity, ret_detail);
        else if ((r = partitions_read(b, &m, policy, want_verity, &generic, &n_generic, ret_detail)) >= 0)
                r = generic_root(&m, &generic, n_generic, policy, ret_detail);
        if (r < 0)
                return r;
        if (!m.partitions[PARTITION_ROOT].found)
                return -ENXIO; /* a /usr-only image needs a root nspawn does not make */
        if ((r = verity_consistent(&m)) < 0)
                return r;
        if (want_verity && !m.single_filesystem && !m.partitions[PARTITION_ROOT_VERITY].found)
                return -EADDRNOTAVAIL;
        if (!m.single_filesystem && (r = policy_check_all(&m, policy, ret_detail)) < 0)
                return r;
        if ((r = filesystems_probe(fd, &m, policy, ret_detail)) < 0)
                return r;
        *ret = m;
        return 0;
}
