/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * --link-journal: the guest's persistent journal /var/log/journal/<machine-id> made visible on
 * the host (systemd-nspawn's setup_journal()).
 *
 *   guest: the host's /var/log/journal/ID becomes a symlink to IMAGE/var/log/journal/ID
 *   host:  the host's /var/log/journal/ID (created) is bind-mounted into the container
 *   auto:  bind it if the host directory exists, keep a correct symlink, else nothing
 *   try-*: as guest/host, but failures are not fatal
 *
 * The links and directories made on the host stay after the container ends, as systemd-nspawn
 * leaves them (journalctl -m finds the guest's journal through them).
 *
 * journal_prepare() runs before pivot_root and does only host-side work (the symlink, the host
 * directory, a detached mount of it); journal_finish() runs after pivot_root and creates the
 * directories in the image and attaches the bind mount, where no symlink of the image can lead
 * out of the container.
 */

#include <stdbool.h>
#include <stdint.h>

#include "settings.h"

#define JOURNAL_HOST_DIR "/var/log/journal"

struct journal_context {
        enum link_journal mode; /* normalized: NO, AUTO, GUEST or HOST */
        bool try_;              /* failures are not fatal */
        bool image_dir;         /* journal_finish creates /var/log/journal/ID in the image */
        int host_mount_fd;      /* detached mount of the host directory to bind, or -EBADF */
        char id[33];
        char **warnings;
        char *error; /* malloc'ed message when a step failed fatally */
};

#define JOURNAL_CONTEXT_INIT                                                                                \
        { .host_mount_fd = -EBADF }

/* host_dir: JOURNAL_HOST_DIR (tests pass another). machine_id_path: the host's /etc/machine-id.
 * root: the host path of the tree. Returns 0, or a negative errno with ctx->error set. */
int journal_prepare(const struct settings *s, const uint8_t uuid[16], const char *root, const char *host_dir,
                    const char *machine_id_path, struct journal_context *ctx);
/* After pivot_root; root_fd is the container's "/". */
int journal_finish(struct journal_context *ctx, int root_fd);
void journal_context_done(struct journal_context *ctx);

/* --link-journal's value as (mode, try): try-guest → (GUEST, true), auto → (AUTO, true). */
void journal_mode_normalize(enum link_journal m, bool try_flag, enum link_journal *ret_mode, bool *ret_try);
