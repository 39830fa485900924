/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "nsenter.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "fdutil.h"
#include "macro.h"

void ns_return_close(struct ns_return *b) {
        b->mnt_fd = safe_close(b->mnt_fd);
        b->cgroup_fd = safe_close(b->cgroup_fd);
        b->root_fd = safe_close(b->root_fd);
        b->cwd_fd = safe_close(b->cwd_fd);
}

int ns_return_prepare(struct ns_return *back) {
        *back = (struct ns_return) NS_RETURN_INIT;
        if ((back->mnt_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0 ||
            (back->cgroup_fd = open("/proc/self/ns/cgroup", O_RDONLY | O_CLOEXEC)) < 0 ||
            (back->root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
            (back->cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
                int r = -errno;
                ns_return_close(back);
                return r;
        }
        return 0;
}

int ns_enter(int pidfd, struct ns_return *back) {
        int r = back->mnt_fd >= 0 ? 0 : ns_return_prepare(back);
        if (r >= 0 && setns(pidfd, CLONE_NEWNS | CLONE_NEWCGROUP) < 0)
                r = -errno;
        if (r < 0)
                ns_return_close(back);
        return r;
}

int ns_return(struct ns_return *back) {
        int r = 0;
        /* Our root may have been a chroot below the namespace's root: set it again, then the
         * working directory (setns() set both to the namespace's root). */
        if (setns(back->mnt_fd, CLONE_NEWNS) < 0 || setns(back->cgroup_fd, CLONE_NEWCGROUP) < 0 ||
            fchdir(back->root_fd) < 0 || chroot(".") < 0 || fchdir(back->cwd_fd) < 0)
                r = -ENOTRECOVERABLE;
        ns_return_close(back);
        return r;
}
