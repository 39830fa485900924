/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * --image-policy=: systemd's image dissection policy (systemd.image-policy(7)). A policy is a list
 * of "designator=flag+flag" rules separated by ':'; an empty designator sets the default for the
 * partitions the list does not name; "*" allows everything, "-" ignores everything, "~" wants
 * everything absent. Flags: verity, signed, encrypted, unprotected, unused, absent (and the
 * shortcuts open, ignore), read-only-on/-off, growfs-on/-off, and file system types (btrfs, erofs,
 * ext4, f2fs, squashfs, vfat, xfs). A part of a rule left out allows every choice of that part.
 *
 * The policy is plain data of fixed size: no allocation, nothing to free.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

enum partition_designator {
        PARTITION_ROOT,
        PARTITION_USR,
        PARTITION_HOME,
        PARTITION_SRV,
        PARTITION_ESP,
        PARTITION_XBOOTLDR,
        PARTITION_SWAP,
        PARTITION_ROOT_VERITY,
        PARTITION_ROOT_VERITY_SIG,
        PARTITION_USR_VERITY,
        PARTITION_USR_VERITY_SIG,
        PARTITION_TMP,
        PARTITION_VAR,
        _PARTITION_DESIGNATOR_MAX,
        _PARTITION_DESIGNATOR_INVALID = -EINVAL,
};

const char *partition_designator_to_string(enum partition_designator d);
int partition_designator_from_string(const char *s); /* -EINVAL if unknown */
/* The verity (or verity signature) partition of a data partition, or the data partition of one;
 * _PARTITION_DESIGNATOR_INVALID where there is none. */
int partition_verity_of(enum partition_designator d);
int partition_verity_sig_of(enum partition_designator d);

enum {
        POLICY_VERITY = 1 << 0,      /* verity without signature */
        POLICY_SIGNED = 1 << 1,      /* verity with a signature */
        POLICY_ENCRYPTED = 1 << 2,   /* LUKS */
        POLICY_UNPROTECTED = 1 << 3, /* none of the above */
        POLICY_UNUSED = 1 << 4,      /* may exist, is not used */
        POLICY_ABSENT = 1 << 5,      /* may not exist */
        POLICY_OPEN = POLICY_VERITY | POLICY_SIGNED | POLICY_ENCRYPTED | POLICY_UNPROTECTED | POLICY_UNUSED |
                      POLICY_ABSENT,
        POLICY_IGNORE = POLICY_UNUSED | POLICY_ABSENT,
        POLICY_USE_MASK = POLICY_OPEN,

        POLICY_READ_ONLY_OFF = 1 << 6,
        POLICY_READ_ONLY_ON = 1 << 7,
        POLICY_READ_ONLY_MASK = POLICY_READ_ONLY_OFF | POLICY_READ_ONLY_ON,
        POLICY_GROWFS_OFF = 1 << 8,
        POLICY_GROWFS_ON = 1 << 9,
        POLICY_GROWFS_MASK = POLICY_GROWFS_OFF | POLICY_GROWFS_ON,

        POLICY_BTRFS = 1 << 10,
        POLICY_EROFS = 1 << 11,
        POLICY_EXT4 = 1 << 12,
        POLICY_F2FS = 1 << 13,
        POLICY_SQUASHFS = 1 << 14,
        POLICY_VFAT = 1 << 15,
        POLICY_XFS = 1 << 16,
        POLICY_FSTYPE_MASK = 0x7f << 10, /* none set: any file system */
};

struct image_policy {
        uint32_t flags[_PARTITION_DESIGNATOR_MAX];
        bool set[_PARTITION_DESIGNATOR_MAX]; /* a rule names the designator */
        uint32_t default_flags;              /* for designators without a rule */
};

/* systemd-nspawn's default: root and /usr in any protection, /home, /srv, /tmp, /var encrypted or
 * not, ESP and XBOOTLDR unprotected, each also absent; anything else (swap) ignored. */
extern const struct image_policy image_policy_container;

/* Parse s into *ret. Errors, as systemd distinguishes them: -ENOTUNIQ (a designator or the default
 * twice), -EBADSLT (unknown designator), -EBADRQC (unknown flag), -EINVAL (syntax). ret_error
 * gets systemd-nspawn's message ("Unknown partition type in image policy: …"). */
int image_policy_parse(const char *s, struct image_policy *ret, char **ret_error);

/* The effective flags of designator d: its rule (or one derived from its data partition for a
 * verity partition), else the default; parts left unspecified allow every choice; protection
 * flags that make no sense for d are masked. */
uint32_t image_policy_get(const struct image_policy *p, enum partition_designator d);

/* "verity+signed", "open", "ignore", "-": flags as systemd writes them (simplified). */
int partition_policy_flags_to_string(uint32_t flags, char **ret);

/*
 * The checks the dissection makes, each -ERFKILL with a debug message in *ret_error when the
 * image does not match:
 *   may_use: a partition of d exists — 1 use it, 0 ignore it ("unused"), -ERFKILL if it must be
 *            absent;
 *   check_protection: what was found (POLICY_UNPROTECTED, _VERITY, _SIGNED, _ENCRYPTED, or
 *            _UNUSED/_ABSENT for a partition not used or not there) must be allowed;
 *   check_gpt_flags: the GPT read-only and growfs bits must be allowed;
 *   check_fstype: the file system type must be allowed (no type flag in the rule: any).
 */
int image_policy_may_use(const struct image_policy *p, enum partition_designator d, char **ret_error);
int image_policy_check_protection(const struct image_policy *p, enum partition_designator d, uint32_t found,
                                  char **ret_error);
int image_policy_check_gpt_flags(const struct image_policy *p, enum partition_designator d,
                                 uint64_t gpt_flags, char **ret_error);
int image_policy_check_fstype(const struct image_policy *p, enum partition_designator d, const char *fstype,
                              char **ret_error);

/* GPT partition attribute bits of the Discoverable Partitions Specification. */
#define GPT_FLAG_REQUIRED_PARTITION (UINT64_C(1) << 0)
#define GPT_FLAG_NO_BLOCK_IO_PROTOCOL (UINT64_C(1) << 1)
#define GPT_FLAG_GROWFS (UINT64_C(1) << 59)
#define GPT_FLAG_READ_ONLY (UINT64_C(1) << 60)
#define GPT_FLAG_NO_AUTO (UINT64_C(1) << 63)
