/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "image-policy.h"
#include "macro.h"
#include "verity.h"

#define RO_ANY POLICY_READ_ONLY_MASK
#define GROWFS_ANY POLICY_GROWFS_MASK
#define ANY (RO_ANY | GROWFS_ANY)

static struct image_policy parse_ok(const char *s) {
        struct image_policy p;
        char *error = NULL;
        int r = image_policy_parse(s, &p, &error);
        if (r < 0)
                fail_msg("'%s': %d %s", s, r, error ?: "");
        return p;
}

static void parse_fails(const char *s, int expected, const char *message) {
        struct image_policy p;
        char *error = NULL;
        assert_int_equal(image_policy_parse(s, &p, &error), expected);
        assert_non_null(error);
        assert_string_equal(error, message);
        free(error);
}

static void test_symbolic(void **state) {
        struct image_policy p = parse_ok("*");
        assert_int_equal(image_policy_get(&p, PARTITION_ROOT), POLICY_OPEN | ANY);
        assert_int_equal(image_policy_get(&p, PARTITION_HOME),
                         (POLICY_OPEN & ~(POLICY_VERITY | POLICY_SIGNED)) | ANY);
        p = parse_ok("-");
        assert_int_equal(image_policy_get(&p, PARTITION_ROOT), POLICY_IGNORE | ANY);
        p = parse_ok("");
        assert_int_equal(image_policy_get(&p, PARTITION_USR), POLICY_IGNORE | ANY);
        p = parse_ok("~");
        assert_int_equal(image_policy_get(&p, PARTITION_ROOT), POLICY_ABSENT); /* absent: no GPT flags */
}

static void test_rules(void **state) {
        struct image_policy p =
                parse_ok("root=verity+signed:usr=absent: =unprotected+absent :home=read-only-on");
        assert_int_equal(image_policy_get(&p, PARTITION_ROOT), POLICY_VERITY | POLICY_SIGNED | ANY);
        assert_int_equal(image_policy_get(&p, PARTITION_USR), POLICY_ABSENT);
        /* the default, for what has no rule */
        assert_int_equal(image_policy_get(&p, PARTITION_SRV), POLICY_UNPROTECTED | POLICY_ABSENT | ANY);
        /* only the read-only part given: any protection */
        assert_int_equal(image_policy_get(&p, PARTITION_HOME), POLICY_ENCRYPTED | POLICY_UNPROTECTED |
                                                                       POLICY_UNUSED | POLICY_ABSENT |
                                                                       POLICY_READ_ONLY_ON | GROWFS_ANY);
        /* verity flags make no sense for /home: masked */
        p = parse_ok("home=verity+unprotected+ext4+btrfs");
        assert_int_equal(image_policy_get(&p, PARTITION_HOME),
                         POLICY_UNPROTECTED | ANY | POLICY_EXT4 | POLICY_BTRFS);
        /* shortcuts */
        p = parse_ok("root=open:usr=ignore:srv=-");
        assert_int_equal(image_policy_get(&p, PARTITION_ROOT), POLICY_OPEN | ANY);
        assert_int_equal(image_policy_get(&p, PARTITION_USR), POLICY_IGNORE | ANY);
        assert_int_equal(image_policy_get(&p, PARTITION_SRV),
                         (POLICY_OPEN & ~(POLICY_VERITY | POLICY_SIGNED)) | ANY);
}

/* A verity partition's policy is derived from its data partition's. */
static void test_verity_derived(void **state) {
        struct image_policy p = parse_ok("root=verity+absent:usr=signed");
        assert_int_equal(image_policy_get(&p, PARTITION_ROOT_VERITY),
                         POLICY_UNPROTECTED | POLICY_ABSENT | ANY);
        assert_int_equal(image_policy_get(&p, PARTITION_USR_VERITY), POLICY_UNPROTECTED | ANY);
        assert_int_equal(image_policy_get(&p, PARTITION_USR_VERITY_SIG), POLICY_UNPROTECTED | ANY);
        /* root wants no signature: its signature partition falls back to the default (ignore) */
        assert_int_equal(image_policy_get(&p, PARTITION_ROOT_VERITY_SIG), POLICY_IGNORE | ANY);
        /* root unprotected: no verity to derive */
        p = parse_ok("root=unprotected:=absent");
        assert_int_equal(image_policy_get(&p, PARTITION_ROOT_VERITY), POLICY_ABSENT);
}

static void test_errors(void **state) {
        parse_fails("root=open:root=absent", -ENOTUNIQ,
                    "Duplicate rule in image policy: root=open:root=absent");
        parse_fails("=open:=absent", -ENOTUNIQ, "Duplicate rule in image policy: =open:=absent");
        parse_fails("rot=open", -EBADSLT, "Unknown partition type in image policy: rot=open");
        parse_fails("root=verity+sgned", -EBADRQC,
                    "Unknown partition policy flag in image policy: root=verity+sgned");
        parse_fails("root=verity++signed", -EBADRQC,
                    "Unknown partition policy flag in image policy: root=verity++signed");
        parse_fails("root", -EINVAL, "Failed to parse image policy: root");
        parse_fails("root=open::home=open", -EINVAL, "Failed to parse image policy: root=open::home=open");
}

static void test_container_default(void **state) {
        const struct image_policy *p = &image_policy_container;
        assert_int_equal(image_policy_get(p, PARTITION_SWAP), POLICY_IGNORE | ANY);
        assert_int_equal(image_policy_get(p, PARTITION_ESP), POLICY_UNPROTECTED | POLICY_ABSENT | ANY);
        assert_int_equal(image_policy_get(p, PARTITION_HOME),
                         POLICY_ENCRYPTED | POLICY_UNPROTECTED | POLICY_ABSENT | ANY);
        assert_int_equal(image_policy_get(p, PARTITION_ROOT_VERITY),
                         POLICY_UNPROTECTED | POLICY_ABSENT | ANY);
        assert_int_equal(image_policy_may_use(p, PARTITION_SWAP, NULL), 0);
        assert_int_equal(image_policy_may_use(p, PARTITION_ROOT, NULL), 1);
}

static void test_checks(void **state) {
        struct image_policy p = parse_ok("root=signed+read-only-on:usr=absent:home=unused:srv=ext4+xfs");
        char *error = NULL;

        assert_int_equal(image_policy_may_use(&p, PARTITION_USR, &error), -ERFKILL);
        assert_string_equal(error,
                            "Partition of designator 'usr' exists, but not allowed by policy, refusing.");
        free(error), error = NULL;
        assert_int_equal(image_policy_may_use(&p, PARTITION_HOME, NULL), 0);
        assert_int_equal(image_policy_may_use(&p, PARTITION_ROOT, NULL), 1);

        assert_int_equal(image_policy_check_protection(&p, PARTITION_ROOT, POLICY_UNPROTECTED, &error),
                         -ERFKILL);
        assert_string_equal(
                error, "Partition root discovered with policy 'unprotected' but 'signed+read-only-on' was "
                       "required, refusing.");
        free(error), error = NULL;
        assert_int_equal(image_policy_check_protection(&p, PARTITION_ROOT, POLICY_SIGNED, NULL), 0);
        assert_int_equal(image_policy_check_protection(&p, PARTITION_USR, POLICY_ABSENT, NULL), 0);

        assert_int_equal(image_policy_check_gpt_flags(&p, PARTITION_ROOT, 0, &error), -ERFKILL);
        assert_string_equal(
                error, "Partition root has 'read-only' flag incorrectly set (must be 1, is 0), refusing.");
        free(error), error = NULL;
        assert_int_equal(
                image_policy_check_gpt_flags(&p, PARTITION_ROOT, GPT_FLAG_READ_ONLY | GPT_FLAG_GROWFS, NULL),
                0);

        assert_int_equal(image_policy_check_fstype(&p, PARTITION_SRV, "xfs", NULL), 0);
        assert_int_equal(image_policy_check_fstype(&p, PARTITION_SRV, "btrfs", &error), -ERFKILL);
        assert_string_equal(error,
                            "File system type 'btrfs' of partition srv not allowed by policy, refusing.");
        free(error);
        assert_int_equal(image_policy_check_fstype(&p, PARTITION_ROOT, "squashfs", NULL), 0); /* any */
}

static void test_flags_to_string(void **state) {
        static const struct {
                uint32_t flags;
                const char *s;
        } cases[] = {
                {POLICY_OPEN | ANY, "open"},
                {POLICY_IGNORE, "ignore"},
                {0, "-"},
                {POLICY_VERITY | POLICY_READ_ONLY_ON | GROWFS_ANY, "verity+read-only-on"},
                {POLICY_UNPROTECTED | POLICY_ABSENT | POLICY_GROWFS_OFF | POLICY_SQUASHFS,
                 "unprotected+absent+growfs-off+squashfs"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *s = NULL;
                assert_int_equal(partition_policy_flags_to_string(cases[i].flags, &s), 0);
                assert_string_equal(s, cases[i].s);
                free(s);
        }
}

static void test_designator_names(void **state) {
        for (int d = 0; d < _PARTITION_DESIGNATOR_MAX; d++)
                assert_int_equal(partition_designator_from_string(partition_designator_to_string(d)), d);
        assert_int_equal(partition_designator_from_string("root-verity-sig"), PARTITION_ROOT_VERITY_SIG);
        assert_int_equal(partition_designator_from_string("Root"), -EINVAL);
        assert_int_equal(partition_verity_of(PARTITION_USR), PARTITION_USR_VERITY);
        assert_int_equal(partition_verity_sig_of(PARTITION_ROOT), PARTITION_ROOT_VERITY_SIG);
        assert_true(partition_verity_of(PARTITION_HOME) < 0);
}

/* veritysetup's superblock and the table built from it (the device-mapper part needs a kernel
 * with dm-verity: the integration test skips where there is none). */
static void test_verity_superblock(void **state) {
        uint8_t buf[512] = "verity";
        struct verity_superblock sb;
        char *params = NULL;
        uint8_t hash[64];
        size_t n;

        buf[8] = 1;                                  /* version */
        buf[12] = 1;                                 /* hash type */
        memcpy(buf + 32, "sha256", 6);               /* algorithm */
        buf[65] = 0x10, buf[69] = 0x10;              /* 4096-byte blocks */
        buf[72] = 0x20;                              /* 32 data blocks */
        buf[80] = 2, buf[88] = 0xab, buf[89] = 0x01; /* salt */
        assert_int_equal(verity_superblock_parse(buf, sizeof buf, &sb), 0);
        assert_int_equal(sb.data_blocks, 32);
        assert_string_equal(sb.algorithm, "sha256");
        assert_int_equal(verity_table_params(&sb, "7:1", "7:2", 1, "00ff", NULL, &params), 0);
        assert_string_equal(params, "1 7:1 7:2 4096 4096 32 1 sha256 00ff ab01");
        free(params);
        assert_int_equal(verity_table_params(&sb, "7:1", "7:2", 1, "00ff", "k", &params), 0);
        assert_string_equal(params, "1 7:1 7:2 4096 4096 32 1 sha256 00ff ab01 2 root_hash_sig_key_desc k");
        free(params);

        buf[65] = 0x11; /* not a power of two */
        assert_int_equal(verity_superblock_parse(buf, sizeof buf, &sb), -EINVAL);
        buf[65] = 0x10, buf[0] = 'V';
        assert_int_equal(verity_superblock_parse(buf, sizeof buf, &sb), -EINVAL);

        assert_int_equal(verity_root_hash_parse("0123456789abcdef0123456789ABCDEF", hash, sizeof hash, &n),
                         0);
        assert_int_equal(n, 16);
        assert_int_equal(hash[15], 0xef);
        assert_int_equal(verity_root_hash_parse("0123", hash, sizeof hash, &n), -EINVAL);
        assert_int_equal(verity_root_hash_parse("0123456789abcdef0123456789abcdeg", hash, sizeof hash, &n),
                         -EINVAL);
}

static void test_verity_signature(void **state) {
        void *sig = NULL;
        size_t n;
        char *error = NULL;
        assert_int_equal(verity_signature_load("base64:aGVsbG8=", &sig, &n, NULL), 0);
        assert_int_equal(n, 5);
        assert_memory_equal(sig, "hello", 5);
        free(sig);
        assert_int_equal(verity_signature_load("base64:!!", &sig, &n, &error), -EINVAL);
        free(error);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_symbolic),          cmocka_unit_test(test_rules),
                cmocka_unit_test(test_verity_derived),    cmocka_unit_test(test_errors),
                cmocka_unit_test(test_container_default), cmocka_unit_test(test_checks),
                cmocka_unit_test(test_flags_to_string),   cmocka_unit_test(test_designator_names),
                cmocka_unit_test(test_verity_superblock), cmocka_unit_test(test_verity_signature),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
