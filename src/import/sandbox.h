/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The child process that runs libarchive for a transfer (unpack.h, pack.h). Forked by nspawnctl:
 *
 *   - it dies with nspawnctl (PR_SET_PDEATHSIG SIGKILL, and a check that its parent is still the
 *     one that forked it) and ignores the terminal's signals: ^C goes to nspawnctl, which decides
 *     (it kills the child and removes what it made);
 *   - the stream is its stdin (SANDBOX_READ) or stdout (SANDBOX_WRITE), a pipe to nspawnctl; it
 *     holds no other fd but the target, its result pipe and stderr (for warnings);
 *   - a network namespace of its own (no network), LC_CTYPE C.UTF-8 (archive names are taken as
 *     bytes or UTF-8, no conversion module needed);
 *   - with SANDBOX_CHROOT the target directory becomes its root (fchdir + chroot on the fd
 *     nspawnctl holds; the target fd is then closed): no path it handles can lead out of it;
 *   - only the capabilities in keep, in every set and the bounding set, and no_new_privs.
 *
 * Its work (fn) returns 0 or a negative errno with a message, which the child reports back on the
 * result pipe with a size (unpack: the uncompressed stream's), and nspawnctl reads at the end.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum {
        SANDBOX_READ = 1 << 0,   /* the child reads the stream (else it writes it) */
        SANDBOX_CHROOT = 1 << 1, /* the target is a directory that becomes the child's root */
};

struct sandbox {
        pid_t pid;
        int pidfd;
        int stream_fd; /* nspawnctl's end of the stream */
        int result_fd;
};
#define SANDBOX_INIT                                                                                        \
        (struct sandbox) {                                                                                  \
                .pidfd = -EBADF, .stream_fd = -EBADF, .result_fd = -EBADF                                   \
        }

/* In the child: target_fd is -EBADF after SANDBOX_CHROOT (use "/"). */
typedef int (*sandbox_fn)(int target_fd, void *userdata, uint64_t *ret_size, char **error);

int sandbox_start(unsigned flags, int target_fd, uint64_t keep_caps, sandbox_fn fn, void *userdata,
                  struct sandbox *ret);
/* Close our end of the stream (if still open), wait for the child, read its report. */
int sandbox_finish(struct sandbox *s, uint64_t *ret_size, char **error);
/* Kill the child and reap it. Safe on SANDBOX_INIT. */
void sandbox_abort(struct sandbox *s);
