/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * --private-users=pick: a free 64K range of host UIDs/GIDs for one container, leased for as long
 * as the container lives.
 *
 * Candidates are 64K-aligned bases in systemd-nspawn's range 0x00080000…0x6FFF0000: first the
 * base the tree is owned by (so a tree shifted by an earlier chown gets its range back), then one
 * derived from the machine name, then random ones; 100 in all. A candidate is free when no user
 * or group of the host's /etc/passwd and /etc/group has an id in it (nspawn is static: files,
 * not NSS), no range of /etc/subuid or /etc/subgid overlaps it, and nobody holds its lease.
 *
 * The lease is the file UID_LEASE_DIR/BASE with an open-file-description lock (F_OFD_SETLK), as
 * systemd-nspawn takes it, so the two never share a range. The kernel drops the lock with the
 * last descriptor, however nspawn ends; the file's removal is a guard duty (UNDO_FILE, registered
 * before the file gets its name) whose descriptor holds the lock until the guard removes it, after
 * the container's cgroups. A file left by a killed nspawn and guard is unlocked: the next pick
 * takes it over. Concurrent picks: a new lease is made as an unnamed O_TMPFILE, locked, then
 * linked; of two racing for a base, one link fails with EEXIST and that one tries the next base.
 */

#include <stdbool.h>
#include <stdint.h>

struct guard;

#define UID_LEASE_DIR "/run/systemd/nspawn-uid"
#define UID_PICK_MIN UINT32_C(0x00080000)
#define UID_PICK_MAX UINT32_C(0x6FFF0000)
#define UID_PICK_TRIES 100

/* Where the checks look (the host's files; unit tests pass their own). */
struct uid_pick_files {
        const char *passwd, *group, *subuid, *subgid;
        const char *lease_dir;
};
extern const struct uid_pick_files uid_pick_files_host;

struct uid_lease {
        int fd; /* the locked lease file, -EBADF: none */
        uint32_t base;
};

#define UID_LEASE_INIT                                                                                      \
        { .fd = -EBADF }

/* Lease a free range of 0x10000 ids (see above). preferred: the tree's base (ignored unless it is
 * a valid candidate). -EBUSY: none of the candidates was free. */
int uid_lease_pick(const struct uid_pick_files *f, uint32_t preferred, const char *machine,
                   struct guard *guard, struct uid_lease *ret);
/* Close our descriptor (the guard removes the file and so ends the lease). */
void uid_lease_done(struct uid_lease *l);

/* Is any id of [base, base + count) a user or group in the files, or in a subordinate range? */
bool uid_range_in_use(const struct uid_pick_files *f, uint32_t base, uint32_t count);
/* A valid candidate: aligned and within UID_PICK_MIN…UID_PICK_MAX. */
bool uid_pick_candidate_valid(uint32_t base);
/* The candidate derived from the machine name (stable for a name). */
uint32_t uid_pick_from_name(const char *machine);
