/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Capability names, the systemd-nspawn default bounding set, and applying a set in the child. */

#include <stdbool.h>
#include <stdint.h>

#include "settings.h"

/* systemd-nspawn's default retained set (mask 0xfdecafff), without NET_ADMIN. */
uint64_t caps_default_set(void);

/* "CAP_SYS_ADMIN", "cap_sys_admin" or "sys_admin" → CAP_SYS_ADMIN; -EINVAL if unknown. */
int capability_from_name(const char *name);
/* "CAP_SYS_ADMIN"; NULL if out of range. */
const char *capability_to_name(int cap);
/* Highest capability the running kernel knows (from /proc/sys/kernel/cap_last_cap). */
int capability_last_cap(void);

/*
 * Parse a list of capability names separated by any of seps. "all" sets *ret_all (if ret_all is
 * NULL, "all" is -EINVAL). Returns -EINVAL naming nothing; the caller names the option.
 */
int capability_list_parse(const char *s, const char *seps, uint64_t *ret, bool *ret_all);

/* The set the settings ask the payload to keep, before the host has its say: defaults (+NET_ADMIN
 * with a private network, −NET_BIND_SERVICE in a user namespace without one) + added − dropped.
 * The one definition: settings_validate() checks --ambient-capability= against it. */
uint64_t caps_wanted(const struct settings *s);
/* caps_wanted() limited to the host's bounding set. *ret_missing gets what was wanted but is not
 * in the host's bounding set (the front-end warns once). */
uint64_t caps_compute(const struct settings *s, uint64_t host_bounding, uint64_t *ret_missing);
/* The bounding set of the calling process. */
uint64_t caps_current_bounding(void);

/*
 * Child side, last step before exec, after setresuid/setresgid where needed: drop everything
 * outside keep from the bounding set; for root (uid 0) set effective/permitted/inheritable to keep;
 * for other users E/P empty and I/P = ambient; raise the ambient set.
 */
int caps_apply(uint64_t keep, uint64_t ambient, bool is_root);

/* Change to uid/gid with the supplementary groups, keeping capabilities across the change so
 * caps_apply() can still set the ambient set. */
int caps_change_user(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups);

/* Set the file system UID and GID (the owner of what is created from now on, and whose rights
 * are checked), keeping the capabilities in effect: a root process that creates files for a
 * user namespace's root, e.g. on an id-mapped mount, where host root's own UID is not mapped.
 * caps_set_fs_ids(0, 0) goes back. */
int caps_set_fs_ids(uid_t uid, gid_t gid);
