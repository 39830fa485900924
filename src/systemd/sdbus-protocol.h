/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * nspawn ↔ nspawn-sdbus: the request/reply protocol between nspawn (linked statically, so it cannot
 * load libsystemd) and its helper program, which holds the D-Bus connection to systemd and
 * systemd-machined (src/systemd/sdbus-helper.c). nspawn starts the helper only when systemd is
 * PID 1 and a scope or a machined registration is wanted (sdbus-client.h).
 *
 * Transport: a SOCK_SEQPACKET socket pair, one message per request and per reply (helper.h: the
 * helper is started as "nspawn-sdbus FD" and detaches itself; its stderr stays nspawn's, for its
 * own fatal errors; its environment is empty but for DBUS_SYSTEM_BUS_ADDRESS). Both ends run on
 * the same machine: host byte order.
 *
 * Request, at most SDBUS_MSG_MAX bytes:
 *     struct sdbus_wire_request
 *     machine, unit, root, whom, src, dst: six NUL-terminated strings ("" where the operation has
 *     none)
 *     zero bytes up to the next multiple of 8 from the message start
 *     n_props × struct scope_property (cgroup.h: plain data)
 * Every request is answered by exactly one reply (at most SDBUS_REPLY_MAX bytes), in order:
 *     'r', then int32_t error (0 or a negative errno), then a NUL-terminated text: "" on success,
 *     else what went wrong, for nspawn's message (the bus error's text, or why no call was made).
 * The queries ('L', 'G') send data messages before it, at most SDBUS_MSG_MAX bytes each:
 *     'd', then one machine as machined describes it (machined-record.h: NUL-terminated
 *     KEY=VALUE items)
 *
 * Operations (op); "unit" is the scope unit (machine-NAME.scope), "machine" the machine name:
 *   'S' START_SCOPE    StartTransientUnit(unit, "fail", Controller=<the helper's bus name> + props)
 *                      and wait (30 s at most) until its job is done. The helper's connection
 *                      holds the scope (AddRef=yes in props) for as long as the helper lives.
 *                      A unit made whose job then failed is stopped at once ('T'); one that
 *                      could not be made (the name is taken) is never touched.
 *   'T' STOP_SCOPE     as systemd-nspawn's terminate_scope(): AbandonScope, KillUnit(all, SIGKILL),
 *                      then StopUnit (an abandoned scope whose last process died before systemd
 *                      moved it in never runs empty by itself) and UnrefUnit; errors ignored.
 *   'C' CREATE_MACHINE CreateMachineWithNetwork(machine, uuid, "nspawn", "container", leader, root,
 *                      no interfaces, Controller= + props): machined starts the scope "unit".
 *   'R' REGISTER_MACHINE  RegisterMachineWithNetwork(machine, uuid, "nspawn", "container", leader,
 *                      root, no interfaces): --keep-unit, the running unit is the machine's.
 *   'U' UNREGISTER_MACHINE  the machine of the last 'C' or 'R': a created one is terminated
 *                      (AbandonScope, TerminateMachine: its scope is stopped), a registered one is
 *                      only unregistered (UnregisterMachine; the unit is not ours). Errors ignored.
 *
 *
 * nspawnctl's operations on machines only machined knows (started by systemd-nspawn, or by
 * anything else that registers with machined); the helper holds nothing for them:
 *   'L' LIST_MACHINES  ListMachines (but .host, class "host"), then per machine its properties (GetAll),
 * os-release's ID, VERSION_ID and PRETTY_NAME (GetMachineOSRelease), its addresses (GetMachineAddresses) and
 * its unit's ControlGroup: one data message each. What machined cannot tell about one machine is left out,
 * not an error. 'G' GET_MACHINE    the same for "machine" alone; -ENOENT if machined does not know it. 'K'
 * KILL_MACHINE   KillMachine(machine, whom "leader"|"all", signal). 'X' TERMINATE_MACHINE
 * TerminateMachine(machine). 'c' COPY_TO / 'f' COPY_FROM  CopyToMachine / CopyFromMachine(machine, src,
 * dst). 'B' BIND_MOUNT     BindMountMachine(machine, src, dst, SDBUS_READ_ONLY, SDBUS_MKDIR). A machine
 * machined does not know is -ENOENT; machined missing (or the bus) is -EHOSTDOWN, with machined's or the
 * bus's text.
 *
 * EOF on the socket (nspawn is done — or dead, even by SIGKILL): the helper does 'T' for a scope
 * still started and 'U' for a machine still registered, closes its connection and exits. It
 * lives exactly as long as nspawn's end of the socket, and with it the scope it holds.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

#define SDBUS_HELPER "nspawn-sdbus"
#define SDBUS_MSG_MAX (128 * 1024) /* below the default socket send buffer (~208 KiB) */
#define SDBUS_REPLY_MAX 4096
#define SDBUS_REPLY 'r'
#define SDBUS_DATA 'd'

enum sdbus_op {
        SDBUS_START_SCOPE = 'S',
        SDBUS_STOP_SCOPE = 'T',
        SDBUS_CREATE_MACHINE = 'C',
        SDBUS_REGISTER_MACHINE = 'R',
        SDBUS_UNREGISTER_MACHINE = 'U',
        SDBUS_LIST_MACHINES = 'L',
        SDBUS_GET_MACHINE = 'G',
        SDBUS_KILL_MACHINE = 'K',
        SDBUS_TERMINATE_MACHINE = 'X',
        SDBUS_COPY_TO = 'c',
        SDBUS_COPY_FROM = 'f',
        SDBUS_BIND_MOUNT = 'B',
};
#define SDBUS_OPS "STCRULGKXcfB"

enum {
        SDBUS_READ_ONLY = 1 << 0,
        SDBUS_MKDIR = 1 << 1,
        _SDBUS_FLAGS_ALL = SDBUS_READ_ONLY | SDBUS_MKDIR,
};

struct sdbus_wire_request {
        uint8_t op;
        uint8_t uuid[16];
        uint32_t leader;
        uint32_t n_props;
        int32_t signal;
        uint32_t flags;
};

/* A request in memory; the strings may be NULL (sent as ""). */
struct sdbus_request {
        enum sdbus_op op;
        const char *machine, *unit, *root;
        uint8_t uuid[16];
        pid_t leader;
        const struct scope_property *props;
        size_t n_props;
        const char *whom;      /* 'K' */
        int signal;            /* 'K' */
        const char *src, *dst; /* 'c', 'f', 'B' */
        unsigned flags;        /* 'B': SDBUS_READ_ONLY, SDBUS_MKDIR */
};

/* The message for req in *ret (malloc'ed, *ret_size bytes). -E2BIG if it exceeds SDBUS_MSG_MAX. */
int sdbus_request_pack(const struct sdbus_request *req, void **ret, size_t *ret_size);
/* Parse a received message; the strings and props of *ret point into buf, which must be 8-byte
 * aligned (malloc'ed) and live as long as *ret. -EBADMSG for anything malformed: unknown op,
 * unterminated strings, a size that does not match n_props, a property whose strings are not
 * terminated or whose type is unknown. */
int sdbus_request_unpack(void *buf, size_t size, struct sdbus_request *ret);

/* The reply: error and text ("" if NULL; cut to fit SDBUS_REPLY_MAX). */
int sdbus_reply_send(int fd, int error, const char *text);
/* A data message: SDBUS_DATA and payload (-E2BIG beyond SDBUS_MSG_MAX). */
int sdbus_data_send(int fd, const void *payload, size_t size);
/* A received reply message (buf, n bytes) parsed: as sdbus_reply_recv(). */
int sdbus_reply_parse(const char *buf, size_t n, int *ret_error, char **ret_text);
/* Receive a reply: its error, the text in *ret_text (malloc'ed, NULL if empty). -ECONNRESET if the
 * peer is gone, -EBADMSG for a malformed reply. */
int sdbus_reply_recv(int fd, int *ret_error, char **ret_text);
/* One message (MSG_NOSIGNAL: a gone peer is -EPIPE, never SIGPIPE). */
int sdbus_send(int fd, const void *buf, size_t size);
/* One message into buf (size bytes): its size, 0 at EOF, -EMSGSIZE if it did not fit. */
ssize_t sdbus_recv(int fd, void *buf, size_t size);
