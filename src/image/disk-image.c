/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * -i/--image (disk-image.h). Runs in the supervisor, in the host's namespaces, before the clone.
 * Every mount made here is detached: it is attached only inside the container's own mount
 * namespace, so no host path ever shows the image.
 */
#include "disk-image.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "chase.h"
#include "dissect-protocol.h"
#include "errmsg.h"
#include "fdutil.h"
#include "log.h"
#include "macro.h"
#include "verity.h"

bool disk_image_path_is_image(const char *path) {
        struct stat st;
        return stat(path, &st) >= 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
}

/* Open (read-write unless asked or not writable), check the type, lock. */
static int image_file_open(const char *path, bool *read_only, char **ret_error) {
        int fd = -EBADF;
        struct stat st;

        if (stat(path, &st) >= 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return error_setf(ret_error, -EBADFD, "Disk image %s is not a regular file or block device.",
                                  path);
        if (!*read_only) {
                fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
                if (fd < 0 && (errno == EROFS || errno == EACCES || errno == EPERM))
                        *read_only = true; /* as systemd: an image we may not write runs read-only */
                else if (fd < 0)
                        return error_setf(ret_error, -errno, "Failed to open %s: %m", path);
        }
        if (fd < 0 && (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
                return error_setf(ret_error, -errno, "Failed to open %s: %m", path);
        _cleanup_close_ int f = fd;
        if (fstat(f, &st) < 0)
                return error_setf(ret_error, -errno, "Failed to stat %s: %m", path);
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return error_setf(ret_error, -EBADFD, "Disk image %s is not a regular file or block device.",
                                  path);
        /* the kernel drops the lock with the fd, however nspawn ends */
        if (flock(f, (*read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
                return error_setf(ret_error, errno == EWOULDBLOCK ? -EBUSY : -errno,
                                  errno == EWOULDBLOCK ? "Disk image %s is currently busy."
                                                       : "Failed to lock %s: %m",
                                  path);
        return TAKE_FD(f);
}

/* Mount options and attributes per partition, as systemd-nspawn picks them: nodev everywhere;
 * the ESP and XBOOTLDR (untrusted, usually FAT) also nosuid, noexec, nosymfollow and umask=0077;
 * /var/tmp nosuid. A read-only ext4/xfs/btrfs must not replay its journal (it would write). */
static int fs_configure(int fs, enum partition_designator d, const char *fstype, bool ro) {
        static const struct {
                const char *fstype, *key, *value;
        } ro_options[] = {
                {"ext4", "norecovery", NULL},
                {"ext3", "norecovery", NULL},
                {"xfs", "norecovery", NULL},
                {"btrfs", "rescue", "nologreplay"},
        };
        if (ro && fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0)
                return -errno;
        for (size_t i = 0; ro && i < ELEMENTSOF(ro_options); i++)
                if (streq(fstype, ro_options[i].fstype) &&
                    fsconfig(fs, ro_options[i].value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG,
                             ro_options[i].key, ro_options[i].value, 0) < 0)
                        return -errno;
        if ((d == PARTITION_ESP || d == PARTITION_XBOOTLDR) && streq(fstype, "vfat") &&
            fsconfig(fs, FSCONFIG_SET_STRING, "umask", "0077", 0) < 0)
                return -errno;
        return 0;
}

static uint64_t partition_attrs(enum partition_designator d, bool ro) {
        uint64_t a = MOUNT_ATTR_NODEV | (ro ? MOUNT_ATTR_RDONLY : 0);
        if (d == PARTITION_ESP || d == PARTITION_XBOOTLDR)
                a |= MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW;
        if (d == PARTITION_TMP)
                a |= MOUNT_ATTR_NOSUID;
        return a;
}

/* A detached mount of the file system on the block device node_fd. */
static int fs_mount(int node_fd, enum partition_designator d, const char *fstype, bool ro,
                    char **ret_error) {
        char source[64];
        const char *name = partition_designator_to_string(d);

        if (isempty(fstype))
                return error_setf(ret_error, -ENOMEDIUM,
                                  "Failed to mount partition %s: no file system found.", name);
        if (streq(fstype, "crypto_LUKS"))
                return error_setf(ret_error, -EOPNOTSUPP,
                                  "Partition %s is encrypted (LUKS): not supported yet.", name);
        _cleanup_close_ int fs = fsopen(fstype, FSOPEN_CLOEXEC);
        if (fs < 0 && errno == ENODEV)
                return error_setf(
                        ret_error, -ENODEV,
                        "Failed to mount partition %s: the kernel does not support file system type %s.",
                        name, fstype);
        if (fs < 0)
                return error_setf(ret_error, -errno, "Failed to mount partition %s (%s): %m", name, fstype);
        /* the node's name (what mountinfo shows) if it still names our device, else the fd */
        snprintf(source, sizeof source, "/proc/self/fd/%i", node_fd);
        char node[64] = "";
        struct stat a, b;
        ssize_t k = readlink(source, node, sizeof node - 1);
        if (k > 0 && startswith(node, "/dev/") && stat(node, &a) >= 0 && fstat(node_fd, &b) >= 0 &&
            a.st_rdev == b.st_rdev)
                memcpy(source, node, (size_t) k + 1);
        int r = fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0 ? -errno : 0;
        if (r >= 0)
                r = fs_configure(fs, d, fstype, ro);
        if (r >= 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                r = -errno;
        if (r < 0)
                return error_setf(ret_error, r, "Failed to mount partition %s (%s): %s", name, fstype,
                                  strerror(-r));
        int mnt = fsmount(fs, FSMOUNT_CLOEXEC, partition_attrs(d, ro));
        if (mnt < 0)
                return error_setf(ret_error, -errno, "Failed to mount partition %s (%s): %m", name, fstype);
        return mnt;
}

/* --root-hash=: the verity device over the root's data, its hash tree from --verity-data= or the
 * image's root-verity partition. */
static int verity_root_open(struct disk_image *di, int data_fd, const struct disk_image_options *o,
                            char **ret_error) {
        const struct dissected_partition *v = &di->dissected.partitions[PARTITION_ROOT_VERITY];
        _cleanup_free_ void *sig = NULL;
        _cleanup_close_ int hash = -EBADF;
        size_t sig_size = 0;
        char name[64];
        int r;

        if (o->verity_data)
                hash = open(o->verity_data, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        else if (v->found)
                hash = loop_partition_open(&di->loop, v->partno, v->start, v->size, ret_error);
        else
                return error_setf(
                        ret_error, -EADDRNOTAVAIL,
                        "--root-hash= needs verity data: --verity-data= or a root-verity partition.");
        if (hash < 0)
                return o->verity_data
                               ? error_setf(ret_error, -errno, "Failed to open %s: %m", o->verity_data)
                               : hash;
        struct stat st;
        if (fstat(hash, &st) >= 0 && S_ISREG(st.st_mode)) { /* dm wants a block device */
                if ((r = loop_attach(hash, true, &di->verity_loop, ret_error)) < 0)
                        return r;
                safe_close(hash);
                hash = fcntl(di->verity_loop.fd, F_DUPFD_CLOEXEC, 3);
        }
        if (o->root_hash_sig &&
            (r = verity_signature_load(o->root_hash_sig, &sig, &sig_size, ret_error)) < 0)
                return r;
        snprintf(name, sizeof name, "nspawn-verity-%i-loop%i", (int) getpid(), di->loop.nr);
        return verity_open(name, data_fd, hash, 0, o->root_hash, sig, sig_size, o->guard, ret_error);
}

/* The block device to mount for designator d: its partition, the whole loop device, or (with
 * --root-hash=) the verity device over it. */
static int partition_node(struct disk_image *di, enum partition_designator d,
                          const struct disk_image_options *o, char **ret_error) {
        struct dissected_partition *p = &di->dissected.partitions[d];
        int fd = p->partno > 0 ? loop_partition_open(&di->loop, p->partno, p->start, p->size, ret_error)
                               : fcntl(di->loop.fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return p->partno > 0 ? fd : error_setf(ret_error, -errno, "Failed to duplicate an fd: %m");
        if (d != PARTITION_ROOT || !o->root_hash)
                return fd;
        _cleanup_close_ int data = fd;
        return verity_root_open(di, data, o, ret_error);
}

/* Where each partition goes in the tree, in order (/var before /var/tmp). */
static const struct {
        enum partition_designator d;
        const char *where;
} partition_places[] = {
        {PARTITION_USR, "usr"}, {PARTITION_HOME, "home"},   {PARTITION_SRV, "srv"},
        {PARTITION_VAR, "var"}, {PARTITION_TMP, "var/tmp"}, {PARTITION_XBOOTLDR, "boot"},
        {PARTITION_ESP, "efi"},
};

/* The mount point of a partition in the root: found inside it (never following a symlink out),
 * or made where the root is writable. The ESP goes on /efi, or on /boot where the image has no
 * /efi and XBOOTLDR is not there. */
static int place_open(int root_mnt, const struct disk_image *di, enum partition_designator d,
                      const char *where, bool root_rw) {
        int fd = chase_open(root_mnt, where, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd == -ENOENT && d == PARTITION_ESP && !di->dissected.partitions[PARTITION_XBOOTLDR].found)
                fd = chase_open(root_mnt, "boot", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd == -ENOENT && root_rw)
                fd = chase_mkdir_p(root_mnt, where, 0755);
        return fd;
}

static int tree_assemble(struct disk_image *di, const struct disk_image_options *o, char **ret_error) {
        const struct dissected_partition *parts = di->dissected.partitions;
        bool root_ro = o->read_only || !parts[PARTITION_ROOT].rw;

        _cleanup_close_ int node = partition_node(di, PARTITION_ROOT, o, ret_error);
        if (node < 0)
                return node;
        _cleanup_close_ int root =
                fs_mount(node, PARTITION_ROOT, parts[PARTITION_ROOT].fstype, root_ro, ret_error);
        if (root < 0)
                return root;
        for (size_t i = 0; i < ELEMENTSOF(partition_places); i++) {
                enum partition_designator d = partition_places[i].d;
                if (!parts[d].found)
                        continue;
                _cleanup_close_ int n = partition_node(di, d, o, ret_error);
                if (n < 0)
                        return n;
                _cleanup_close_ int mnt =
                        fs_mount(n, d, parts[d].fstype, o->read_only || !parts[d].rw, ret_error);
                if (mnt < 0)
                        return mnt;
                _cleanup_close_ int target = place_open(root, di, d, partition_places[i].where, !root_ro);
                if (target < 0)
                        return error_setf(
                                ret_error, target,
                                "Failed to find the mount point /%s of partition %s in the image: %s",
                                partition_places[i].where, partition_designator_to_string(d),
                                strerror(-target));
                if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return error_setf(ret_error, -errno, "Failed to mount partition %s on /%s: %m",
                                          partition_designator_to_string(d), partition_places[i].where);
                log_debug("Image: partition %s (%s) on /%s.", partition_designator_to_string(d),
                          parts[d].fstype, partition_places[i].where);
        }
        di->tree_mnt = TAKE_FD(root);
        di->read_only = root_ro;
        return 0;
}

int disk_image_open(const char *path, const struct disk_image_options *o, struct disk_image *ret,
                    char **ret_error) {
        struct disk_image di = DISK_IMAGE_INIT;
        _cleanup_free_ char *detail = NULL;
        bool read_only = o->read_only;
        int r;

        di.image_fd = image_file_open(path, &read_only, ret_error);
        if (di.image_fd < 0)
                return di.image_fd;
        struct disk_image_options opts = *o;
        opts.read_only = read_only;
        r = loop_attach(di.image_fd, read_only, &di.loop, ret_error);
        if (r >= 0) {
                log_debug("Image %s on loop%i.", path, di.loop.nr);
                r = dissect_image_via_helper(di.loop.fd, o->policy ?: &image_policy_container,
                                             !!o->root_hash, &di.dissected, &detail);
                if (r < 0) {
                        if (detail)
                                log_debug("%s", detail);
                        r = r == -ENOMEM ? r : dissect_error_message(r, path, ret_error);
                }
        }
        /* systemd-nspawn verifies such an image with the root hash its signature partition holds:
         * never mount it unverified instead */
        if (r >= 0 && di.dissected.has_verity_sig && !o->root_hash)
                r = error_setf(ret_error, -EOPNOTSUPP,
                               "%s: verity signature partitions are not supported yet (give --root-hash=).",
                               path);
        if (r >= 0)
                r = tree_assemble(&di, &opts, ret_error);
        if (r < 0) {
                disk_image_done(&di);
                return r;
        }
        *ret = di;
        return 0;
}

void disk_image_done(struct disk_image *d) {
        d->tree_mnt = safe_close(d->tree_mnt);
        loop_device_done(&d->loop);
        loop_device_done(&d->verity_loop);
        d->image_fd = safe_close(d->image_fd);
}
