/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * uid_map / gid_map contents: lists of ranges "INSIDE OUTSIDE COUNT" (user_namespaces(7)), built,
 * checked and formatted here; no namespace is touched. The kernel takes at most 340 lines and
 * refuses overlapping ranges on either side; userns_map_check() says so before it does.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USERNS_MAP_MAX 64 /* lines per map (the kernel's limit is 340) */

struct userns_range {
        uint32_t inside;  /* first id in the container */
        uint32_t outside; /* the id it is on the host (of the writer's user namespace) */
        uint32_t count;
};

struct userns_map {
        struct userns_range r[USERNS_MAP_MAX];
        size_t n;
};

/* Append a range; -E2BIG when full, -EINVAL for an empty one or one that wraps around. */
int userns_map_add(struct userns_map *m, uint32_t inside, uint32_t outside, uint32_t count);
/* Map the single inside id to outside (--bind-user): the range that covers inside is split around
 * it (a line before, one after); without one, a line is added. */
int userns_map_punch(struct userns_map *m, uint32_t inside, uint32_t outside);
/* Overlaps on either side, empty or wrapping ranges: -EINVAL with a static reason. */
int userns_map_check(const struct userns_map *m, const char **ret_reason);
/* The host id of inside (UINT32_MAX: not mapped), and the other way round. */
uint32_t userns_map_to_outside(const struct userns_map *m, uint32_t inside);
uint32_t userns_map_to_inside(const struct userns_map *m, uint32_t outside);
/* Does the map cover exactly "0 base count" as one line? */
bool userns_map_is_single(const struct userns_map *m, uint32_t base, uint32_t count);
/* The text the kernel takes: one "INSIDE OUTSIDE COUNT\n" line per range, into buf. Returns the
 * length, -ENOBUFS if it does not fit. */
int userns_map_format(const struct userns_map *m, char *buf, size_t size);
/* newuidmap/newgidmap's arguments after the PID: "INSIDE" "OUTSIDE" "COUNT" per range, written
 * as decimal strings into buf (3 * 11 bytes per range) and pointed at from argv (3 * n + 1
 * entries, NULL-terminated). */
void userns_map_to_argv(const struct userns_map *m, char buf[][11], char **argv);

/*
 * --private-users-map= (an nspawn extension, as LXC's lxc.idmap): "u:INSIDE:OUTSIDE:COUNT",
 * "g:…" or "b:…" (both maps). Adds the range to uid and/or gid. -EINVAL with a static reason.
 */
int userns_map_parse_line(const char *spec, struct userns_map *uid, struct userns_map *gid,
                          const char **ret_reason);

/*
 * /etc/subuid and /etc/subgid: lines "NAME:START:COUNT" (or "UID:START:COUNT"). The ranges given
 * to the user (by name or uid), in file order, as outside = START, count = COUNT (inside 0: the
 * caller places them). A missing file has none; a malformed line is skipped, as shadow's tools do.
 */
int userns_subid_ranges(const char *path, const char *name, uint32_t uid, struct userns_range *ret,
                        size_t max, size_t *ret_n);
