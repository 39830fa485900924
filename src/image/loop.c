/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loop devices: see loop.h. Runs in the supervisor, in the host's namespaces. */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/blkpg.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "errmsg.h"
#include "fdutil.h"
#include "macro.h"
#include "parse-util.h"

#define LOOP_ATTACH_TRIES 64

/* A value of a partition's sysfs directory (/sys/block/loopN/loopNpK/NAME). */
static int partition_sysfs_read(const struct loop_device *l, int partno, const char *name, char **ret) {
        char path[128];
        snprintf(path, sizeof path, "/sys/block/loop%i/loop%ip%i/%s", l->nr, l->nr, partno, name);
        int r = read_file_at(AT_FDCWD, path, ret, 64);
        if (r >= 0)
                (*ret)[strcspn(*ret, "\n")] = 0;
        return r;
}

static int partition_devno(const struct loop_device *l, int partno, dev_t *ret) {
        _cleanup_free_ char *s = NULL;
        unsigned maj, min;
        int r = partition_sysfs_read(l, partno, "dev", &s);
        if (r < 0)
                return r;
        if (sscanf(s, "%u:%u", &maj, &min) != 2)
                return -EINVAL;
        *ret = makedev(maj, min);
        return 0;
}

/* The kernel's own partition partno (its scan found one): 0 if it is at start/size, -EBUSY if not. */
static int partition_matches(const struct loop_device *l, int partno, uint64_t start, uint64_t size) {
        _cleanup_free_ char *a = NULL, *b = NULL;
        uint64_t s, n;
        if (partition_sysfs_read(l, partno, "start", &a) < 0 ||
            partition_sysfs_read(l, partno, "size", &b) < 0 || parse_u64(a, &s) < 0 || parse_u64(b, &n) < 0)
                return -EBUSY;
        return s * 512 == start && n * 512 == size ? 0 : -EBUSY;
}

static int loop_configure(int loop_fd, int backing_fd, bool read_only) {
        struct loop_config c = {
                .fd = backing_fd,
                .info.lo_flags =
                        LO_FLAGS_AUTOCLEAR | LO_FLAGS_PARTSCAN | (read_only ? LO_FLAGS_READ_ONLY : 0),
        };
        return ioctl(loop_fd, LOOP_CONFIGURE, &c) < 0 ? -errno : 0;
}

int loop_attach(int backing_fd, bool read_only, struct loop_device *ret, char **ret_error) {
        _cleanup_close_ int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (control < 0)
                return error_setf(ret_error, -errno, "Failed to open /dev/loop-control: %m");

        /* Another process may take the free device between our two calls: then the next one. */
        for (int i = 0; i < LOOP_ATTACH_TRIES; i++) {
                char node[32];
                struct stat st;
                int nr = ioctl(control, LOOP_CTL_GET_FREE);
                if (nr < 0)
                        return error_setf(ret_error, -errno, "Failed to allocate a loop device: %m");
                snprintf(node, sizeof node, "/dev/loop%i", nr);
                _cleanup_close_ int fd = open(node, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return error_setf(ret_error, -errno, "Failed to open %s: %m", node);
                int r = loop_configure(fd, backing_fd, read_only);
                if (r == -EBUSY)
                        continue;
                if (r < 0)
                        return error_setf(ret_error, r, "Failed to attach %s: %s", node, strerror(-r));
                if (fstat(fd, &st) < 0)
                        return error_setf(ret_error, -errno, "Failed to stat %s: %m", node);
                *ret = (struct loop_device){
                        .fd = TAKE_FD(fd), .nr = nr, .devno = st.st_rdev, .read_only = read_only};
                return 0;
        }
        return error_setf(ret_error, -EBUSY, "Failed to allocate a loop device: every free one was taken.");
}

int loop_partition_open(const struct loop_device *l, int partno, uint64_t start, uint64_t size,
                        char **ret_error) {
        struct blkpg_partition part = {
                .start = (long long) start, .length = (long long) size, .pno = partno};
        struct blkpg_ioctl_arg arg = {.op = BLKPG_ADD_PARTITION, .datalen = sizeof part, .data = &part};
        char node[48];
        struct stat st;
        dev_t devno;

        snprintf(node, sizeof node, "/dev/loop%ip%i", l->nr, partno);
        if (ioctl(l->fd, BLKPG, &arg) < 0) {
                /* EBUSY: the kernel's scan made it already; it must be the same partition */
                if (errno != EBUSY || partition_matches(l, partno, start, size) < 0)
                        return error_setf(ret_error, -errno, "Failed to add partition %s: %m", node);
        }
        int r = partition_devno(l, partno, &devno);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to find partition %s in /sys: %s", node,
                                  strerror(-r));
        int fd = open(node, (l->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return error_setf(ret_error, -errno, "Failed to open %s: %m", node);
        if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != devno) {
                safe_close(fd);
                return error_setf(ret_error, -ENXIO, "%s is not partition %i of loop%i, refusing.", node,
                                  partno, l->nr);
        }
        return fd;
}

void loop_device_done(struct loop_device *l) {
        /* autoclear: detached by the kernel once the mounts are gone as well */
        l->fd = safe_close(l->fd);
        l->nr = -1;
}
