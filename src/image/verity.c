/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dm-verity through the device-mapper ioctls (verity.h). Runs in the supervisor. */
#include "verity.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>
#include <linux/keyctl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "errmsg.h"
#include "fdutil.h"
#include "guard.h"
#include "macro.h"
#include "parse-util.h"

#define VERITY_SB_SIZE 512
#define DM_CONTROL "/dev/mapper/control"

static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

int verity_superblock_parse(const uint8_t *buf, size_t n, struct verity_superblock *ret) {
        struct verity_superblock sb = {};

        if (n < VERITY_SB_SIZE || memcmp(buf, "verity\0\0", 8) != 0 || le32(buf + 8) != 1)
                return -EINVAL;
        sb.hash_type = le32(buf + 12);
        memcpy(sb.algorithm, buf + 32, 31);
        sb.data_block_size = le32(buf + 64);
        sb.hash_block_size = le32(buf + 68);
        sb.data_blocks = le32(buf + 72) | (uint64_t) le32(buf + 76) << 32;
        sb.salt_size = (uint16_t) (buf[80] | buf[81] << 8);
        if (sb.hash_type > 1 || sb.salt_size > sizeof sb.salt || sb.data_blocks == 0 || !sb.algorithm[0])
                return -EINVAL;
        for (uint32_t *bs = &sb.data_block_size; bs <= &sb.hash_block_size; bs++)
                if (*bs < 512 || *bs > 512 * 1024 || (*bs & (*bs - 1)))
                        return -EINVAL;
        for (const char *a = sb.algorithm; *a; a++)
                if (!isalnum((unsigned char) *a) && *a != '-')
                        return -EINVAL;
        memcpy(sb.salt, buf + 88, sb.salt_size);
        *ret = sb;
        return 0;
}

int verity_root_hash_parse(const char *hex, uint8_t *ret, size_t max, size_t *ret_size) {
        size_t n = strlen(hex);
        if (n < 32 || n % 2 || n / 2 > max)
                return -EINVAL;
        for (size_t i = 0; i < n / 2; i++) {
                int a = unhex_char(hex[2 * i]), b = unhex_char(hex[2 * i + 1]);
                if (a < 0 || b < 0)
                        return -EINVAL;
                ret[i] = (uint8_t) (a << 4 | b);
        }
        *ret_size = n / 2;
        return 0;
}

int verity_table_params(const struct verity_superblock *sb, const char *data_dev, const char *hash_dev,
                        uint64_t hash_start_block, const char *root_hash_hex, const char *sig_key_desc,
                        char **ret) {
        char salt[2 * sizeof sb->salt + 2] = "-";
        for (size_t i = 0; i < sb->salt_size; i++)
                sprintf(salt + 2 * i, "%02x", sb->salt[i]);
        int r = sig_key_desc ? asprintf(ret, "%u %s %s %u %u %llu %llu %s %s %s 2 root_hash_sig_key_desc %s",
                                        sb->hash_type, data_dev, hash_dev, sb->data_block_size,
                                        sb->hash_block_size, (unsigned long long) sb->data_blocks,
                                        (unsigned long long) hash_start_block, sb->algorithm, root_hash_hex,
                                        salt, sig_key_desc)
                             : asprintf(ret, "%u %s %s %u %u %llu %llu %s %s %s", sb->hash_type, data_dev,
                                        hash_dev, sb->data_block_size, sb->hash_block_size,
                                        (unsigned long long) sb->data_blocks,
                                        (unsigned long long) hash_start_block, sb->algorithm, root_hash_hex,
                                        salt);
        return r < 0 ? -ENOMEM : 0;
}

static int base64_value(char c) {
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *p = c ? strchr(alphabet, c) : NULL;
        return p ? (int) (p - alphabet) : -1;
}

static int base64_decode(const char *s, void **ret, size_t *ret_size) {
        size_t n = strlen(s), k = 0;
        uint32_t acc = 0;
        int bits = 0;
        _cleanup_free_ uint8_t *out = malloc(n / 4 * 3 + 3);

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n && s[i] != '='; i++) {
                int v = base64_value(s[i]);
                if (v < 0)
                        return -EINVAL;
                acc = acc << 6 | (uint32_t) v;
                if ((bits += 6) >= 8) {
                        bits -= 8;
                        out[k++] = (uint8_t) (acc >> bits);
                }
        }
        if (k == 0)
                return -EINVAL;
        *ret = TAKE_PTR(out);
        *ret_size = k;
        return 0;
}

int verity_signature_load(const char *spec, void **ret, size_t *ret_size, char **ret_error) {
        const char *b64 = startswith(spec, "base64:");
        if (b64) {
                int r = base64_decode(b64, ret, ret_size);
                return r < 0 ? error_setf(ret_error, r, "Invalid base64 root hash signature.") : 0;
        }
        char *data = NULL;
        int r = read_file_at(AT_FDCWD, spec, &data, 64 * 1024);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to read root hash signature %s: %s", spec,
                                  strerror(-r));
        *ret = data;
        *ret_size = (size_t) r;
        return 0;
}

/* ---- device-mapper ---------------------------------------------------------------------------- */

struct dm_request {
        struct dm_ioctl io;
        char data[4096]; /* target spec + parameters */
};

static void dm_request_init(struct dm_request *q, const char *name, uint32_t flags) {
        memset(q, 0, sizeof *q);
        q->io.version[0] = DM_VERSION_MAJOR;
        q->io.data_size = sizeof *q;
        q->io.data_start = sizeof q->io;
        q->io.flags = flags;
        snprintf(q->io.name, sizeof q->io.name, "%s", name);
}

static int dm_call(int control, unsigned long cmd, struct dm_request *q) {
        return ioctl(control, cmd, &q->io) < 0 ? -errno : 0;
}

/* The table: one "verity" target over the whole data device. */
static int dm_load(int control, const char *name, uint64_t sectors, const char *params) {
        struct dm_request q;
        dm_request_init(&q, name, DM_READONLY_FLAG);
        struct dm_target_spec *t = (struct dm_target_spec *) q.data;
        if (strlen(params) + 1 > sizeof q.data - sizeof *t)
                return -E2BIG;
        q.io.target_count = 1;
        t->sector_start = 0;
        t->length = sectors;
        snprintf(t->target_type, sizeof t->target_type, "verity");
        strcpy(q.data + sizeof *t, params);
        return dm_call(control, DM_TABLE_LOAD, &q);
}

static void dm_remove(int control, const char *name, bool deferred) {
        struct dm_request q;
        dm_request_init(&q, name, deferred ? DM_DEFERRED_REMOVE : 0);
        (void) dm_call(control, DM_DEV_REMOVE, &q);
}

/* The superblock at the start of the hash area. */
static int superblock_read(int hash_fd, uint64_t offset, struct verity_superblock *ret, char **ret_error) {
        uint8_t buf[VERITY_SB_SIZE];
        if (pread(hash_fd, buf, sizeof buf, (off_t) offset) != (ssize_t) sizeof buf)
                return error_setf(ret_error, -EIO, "Failed to read the verity superblock.");
        if (verity_superblock_parse(buf, sizeof buf, ret) < 0)
                return error_setf(ret_error, -EINVAL,
                                  "The verity data has no valid superblock (veritysetup format).");
        return 0;
}

static int devno_string(int fd, char *buf, size_t n) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISBLK(st.st_mode))
                return -ENOTBLK;
        snprintf(buf, n, "%u:%u", major(st.st_rdev), minor(st.st_rdev));
        return 0;
}

/* The kernel checks the signature by a key description: the PKCS#7 goes into our keyring. */
static int signature_key_add(const char *desc, const void *sig, size_t size) {
        long k = syscall(SYS_add_key, "user", desc, sig, size, KEY_SPEC_PROCESS_KEYRING);
        return k < 0 ? -errno : (int) k;
}

/* Create, load, resume; returns an fd of the device (the caller has removed nothing yet). */
static int dm_verity_make(int control, const char *name, const char *params, uint64_t sectors,
                          char **ret_error) {
        struct dm_request q;
        int r;

        dm_request_init(&q, name, 0);
        snprintf(q.io.uuid, sizeof q.io.uuid, "NSPAWN-VERITY-%s", name);
        if ((r = dm_call(control, DM_DEV_CREATE, &q)) < 0)
                return error_setf(ret_error, r, "Failed to create the verity device %s: %s", name,
                                  strerror(-r));
        dev_t devno = (dev_t) q.io.dev;
        if ((r = dm_load(control, name, sectors, params)) < 0) {
                dm_remove(control, name, false);
                return error_setf(ret_error, r, "Failed to load the verity table of %s: %s", name,
                                  strerror(-r));
        }
        dm_request_init(&q, name, 0);
        if ((r = dm_call(control, DM_DEV_SUSPEND, &q)) < 0) { /* no suspend flag: resume */
                dm_remove(control, name, false);
                return error_setf(ret_error, r, "Failed to activate the verity device %s: %s", name,
                                  strerror(-r));
        }
        char node[32];
        struct stat st;
        snprintf(node, sizeof node, "/dev/dm-%u", minor(devno));
        int fd = open(node, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0 || st.st_rdev != devno) {
                r = fd < 0 ? -errno : -ENXIO;
                if (fd >= 0)
                        close(fd);
                dm_remove(control, name, false);
                return error_setf(ret_error, r, "Failed to open the verity device %s: %s", node,
                                  strerror(-r));
        }
        return fd;
}

int verity_open(const char *name, int data_fd, int hash_fd, uint64_t hash_offset, const char *root_hash,
                const void *sig, size_t sig_size, struct guard *guard, char **ret_error) {
        struct verity_superblock sb;
        char data_dev[32], hash_dev[32], key_desc[96];
        uint8_t hash[64];
        size_t hash_size;
        int r;

        _cleanup_close_ int control = open(DM_CONTROL, O_RDWR | O_CLOEXEC);
        if (control < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
                return error_setf(ret_error, -EOPNOTSUPP,
                                  "--root-hash= needs dm-verity, but this kernel has no device-mapper (%s "
                                  "is missing).",
                                  DM_CONTROL);
        if (control < 0)
                return error_setf(ret_error, -errno, "Failed to open %s: %m", DM_CONTROL);
        if (verity_root_hash_parse(root_hash, hash, sizeof hash, &hash_size) < 0)
                return error_setf(ret_error, -EINVAL, "Invalid root hash %s.", root_hash);
        if ((r = superblock_read(hash_fd, hash_offset, &sb, ret_error)) < 0)
                return r;
        if (devno_string(data_fd, data_dev, sizeof data_dev) < 0 ||
            devno_string(hash_fd, hash_dev, sizeof hash_dev) < 0)
                return error_setf(ret_error, -ENOTBLK, "Verity data and hash must be block devices.");

        snprintf(key_desc, sizeof key_desc, "nspawn:verity:%s", name);
        int key = sig ? signature_key_add(key_desc, sig, sig_size) : 0;
        if (key < 0)
                return error_setf(ret_error, key, "Failed to add the root hash signature to the keyring: %s",
                                  strerror(-key));
        /* before the device exists: a SIGKILL from here on leaves its removal to the guard */
        int duty = guard ? guard_push(guard,
                                      &(struct undo){
                                              .kind = UNDO_DM, .path = name, .fds = {control}, .n_fds = 1})
                         : 0;
        if (duty < 0) {
                if (key > 0)
                        (void) syscall(SYS_keyctl, KEYCTL_UNLINK, key, KEY_SPEC_PROCESS_KEYRING);
                return error_setf(ret_error, duty, "Failed to register the removal of %s: %s", name,
                                  strerror(-duty));
        }
        _cleanup_free_ char *params = NULL;
        uint64_t hash_start = (hash_offset + VERITY_SB_SIZE + sb.hash_block_size - 1) / sb.hash_block_size;
        r = verity_table_params(&sb, data_dev, hash_dev, hash_start, root_hash, sig ? key_desc : NULL,
                                &params);
        int fd = r < 0 ? r
                       : dm_verity_make(control, name, params, sb.data_blocks * (sb.data_block_size / 512),
                                        ret_error);
        if (key > 0)
                (void) syscall(SYS_keyctl, KEYCTL_UNLINK, key, KEY_SPEC_PROCESS_KEYRING);
        if (fd >= 0) /* gone when its last user (our mount of it) goes */
                dm_remove(control, name, true);
        if (duty > 0)
                (void) guard_cancel(guard, duty);
        return fd;
}
