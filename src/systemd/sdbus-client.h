/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * nspawn's side of its D-Bus helper (sdbus-protocol.h): one helper process per nspawn, shared by
 * the machined registration (machined.c) and the scope backend (cgroup-scope.c), started on first
 * use and ended when the last user releases it. Only with the 'sd-bus' build feature, and only
 * when systemd is PID 1: a start on any other host never gets here.
 *
 * The helper is found with helper_path() (next to nspawn, then LIBEXECDIR) and started as
 * posix_spawn does (a vfork-like clone, ~0.1 ms; <spawn.h> is hidden by our src/spawn/spawn.h):
 * its own session (no terminal signals: ^C is nspawn's to handle), default signal dispositions
 * and an empty mask, stdin/stdout on /dev/null, stderr shared, fd 3 its end of the socket and no
 * other fd of ours, cwd "/", an environment of DBUS_SYSTEM_BUS_ADDRESS only (if set).
 * Our end of the socket is close-on-exec and the guard closes it: only nspawn holds it, so the
 * helper sees EOF when nspawn ends, however it ends.
 */

#include "sdbus-protocol.h"

struct sdbus_client;

/* The running helper (one more reference), or a new one. On failure a malloc'ed message in
 * *ret_error ("cannot find the helper …", "cannot start …"). */
int sdbus_client_acquire(struct sdbus_client **ret, char **ret_error);
/* Drop a reference; the last one closes the socket (the helper releases what it still holds and
 * exits) and reaps the helper. Returns NULL. */
struct sdbus_client *sdbus_client_release(struct sdbus_client *c);
/* Send req and wait for its reply: the reply's error (0 or negative), its text in *ret_text
 * (malloc'ed, or NULL). A helper that died or answered nonsense: -ECONNRESET / -EBADMSG with a
 * text saying so. */
int sdbus_client_call(struct sdbus_client *c, const struct sdbus_request *req, char **ret_text);

/* A query ('L', 'G'): on_data is called for each data message before the reply (its payload: a
 * machined record); the reply's error, or the first negative return of on_data (the remaining
 * messages are still read, and not passed on). */
typedef int (*sdbus_data_fn)(const void *payload, size_t size, void *userdata);
int sdbus_client_query(struct sdbus_client *c, const struct sdbus_request *req, sdbus_data_fn on_data,
                       void *userdata, char **ret_text);
