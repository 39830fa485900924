/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * dm-verity for --root-hash=, --root-hash-sig= and --verity-data=, through the device-mapper
 * ioctls (no libcryptsetup: nspawn is linked statically, Debian ships none to link so). The hash
 * device's superblock (veritysetup's format) gives the parameters; the device is created, loaded
 * with a "verity" table, resumed, opened, and then removed with DM_DEFERRED_REMOVE, so that the
 * kernel removes it when its last user (our mount) goes; until then the guard has its removal
 * (UNDO_DM), in case nspawn is killed in between. A kernel without device-mapper
 * (/dev/mapper/control missing) fails with a clear message.
 */

#include <stddef.h>
#include <stdint.h>

/* veritysetup's on-disk superblock (512 bytes at the start of the hash area). */
struct verity_superblock {
        uint32_t hash_type;
        char algorithm[32];
        uint32_t data_block_size, hash_block_size;
        uint64_t data_blocks;
        uint8_t salt[256];
        uint16_t salt_size;
};

/* Parse the 512 bytes at buf: 0, or -EINVAL (no signature, version 1 only, sizes out of range). */
int verity_superblock_parse(const uint8_t *buf, size_t n, struct verity_superblock *ret);

/* The dm table's parameters: "1 DATA HASH DBS HBS BLOCKS HASH_START ALG ROOTHASH SALT [opts]". */
int verity_table_params(const struct verity_superblock *sb, const char *data_dev, const char *hash_dev,
                        uint64_t hash_start_block, const char *root_hash_hex, const char *sig_key_desc,
                        char **ret);

/* Hex ("ab12…", ≥ 128 bits) into bytes; -EINVAL if not. */
int verity_root_hash_parse(const char *hex, uint8_t *ret, size_t max, size_t *ret_size);

struct guard;

/*
 * Set up a verity device over data_fd, with the hash tree on hash_fd at byte hash_offset (its
 * superblock there), verified against root_hash (hex), the kernel checking sig (a PKCS#7 of the
 * root hash, may be NULL) against its keyring. Returns an fd of the new read-only block device.
 */
int verity_open(const char *name, int data_fd, int hash_fd, uint64_t hash_offset, const char *root_hash,
                const void *sig, size_t sig_size, struct guard *guard, char **ret_error);

/* --root-hash-sig=: a file's contents, or "base64:…" decoded. */
int verity_signature_load(const char *spec, void **ret, size_t *ret_size, char **ret_error);
