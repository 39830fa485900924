/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * -u USER, resolved inside the container (after pivot_root) — never through the host's NSS:
 *   - as systemd-nspawn does, with the container's own `getent passwd USER` and `getent initgroups
 *     NAME` (/usr/bin/getent, else /bin/getent), run with an empty environment, so that users only
 *     the guest's NSS knows work (user_resolve_getent());
 *   - where the tree has no getent, from its /etc/passwd and /etc/group (user_resolve()).
 * A numeric USER is taken as a UID. getent is guest code: the caller runs it in a child of its
 * own with a sandbox hook (the container's system call filter and bounding set, child.c), bounded
 * in time and output.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct user_record {
        uid_t uid;
        gid_t gid;
        char *name;
        char *home;
        char *shell;
        gid_t *groups;
        size_t n_groups;
};

void user_record_done(struct user_record *u);

/* From flat files: the entry of USER in passwd_path; its supplementary groups are the primary
 * group and every group of group_path that lists it. -ESRCH: no such user. Files that are not
 * regular files (a FIFO, a device) are refused (-EBADF) rather than read. */
int user_resolve(const char *passwd_path, const char *group_path, const char *user, struct user_record *ret);

/* ---- getent --------------------------------------------------------------------------------- */

/* Where systemd-nspawn looks for getent in the container, in this order (NULL-terminated). */
extern const char *const user_getent_paths[];
/* What one getent call may print, and how long it may take. */
#define USER_GETENT_MAX_OUTPUT ((size_t) 1024 * 1024)
#define USER_GETENT_TIMEOUT_MS 10000

/* Whether the calling process's root has a getent at one of user_getent_paths. */
bool user_getent_present(void);

/*
 * A helper program run for its output: the first of paths that can be executed (execve, so no
 * $PATH), with argv, an empty environment, stdin and stderr on /dev/null (stderr_to_stdout: stderr
 * is the output too), stdout a pipe and every other fd closed, in a session of its own (no
 * controlling terminal). sandbox (may be NULL) runs in the forked child right before the exec; a
 * negative return aborts it.
 */
struct user_helper {
        const char *const *paths;
        char *const *argv;
        int (*sandbox)(void *userdata);
        void *userdata;
        size_t max_output;
        int timeout_ms;
        /* Optional, instead of execve(path, argv, empty environment) for each of paths: does not
         * return on success, else a negative errno (-ENOENT: the next path is tried). */
        int (*exec)(const char *path, char *const *argv, void *userdata);
        /* fds the hooks need (numbered 4 or above): left open for them */
        const int *keep_fds;
        size_t n_keep_fds;
        bool stderr_to_stdout;
};
#define USER_HELPER_MAX_KEEP 4

/* Run h and wait for it. On success (it ran and exited) returns 0 with its stdout, NUL-terminated,
 * in *ret_output (its size in *ret_size) and its exit status in *ret_status (128 + the signal if
 * one killed it). -ETIMEDOUT: it did not exit within timeout_ms; -EFBIG: it printed more than
 * max_output — then it is killed (its whole process group). A failing sandbox hook or execve gives
 * that errno (-ENOENT: none of paths exists). */
int user_helper_run(const struct user_helper *h, char **ret_output, size_t *ret_size, int *ret_status);

/* Strict parsers of getent's output (one line, a trailing newline optional, nothing else):
 * `getent passwd KEY` must be one 7-field entry of KEY (its name, or its UID if KEY is a number),
 * with a valid UID and GID (not -1 or 65535), an absolute or empty home ("/") and an absolute or
 * empty shell ("/bin/sh"); `getent initgroups NAME` is NAME followed by blank-separated GIDs
 * (duplicates are dropped). -EBADMSG for anything else, -E2BIG for more than NGROUPS_MAX groups. */
int user_parse_passwd(const char *text, size_t size, const char *key, struct user_record *ret);
int user_parse_initgroups(const char *text, size_t size, const char *name, gid_t **ret_groups,
                          size_t *ret_n_groups);

/* USER through the container's getent (see above): passwd, then initgroups of the name found;
 * the supplementary groups are what initgroups prints. -ESRCH: no such user (getent exits 2 or
 * prints nothing). Else a message for "Failed to resolve user 'USER' in the container: %s" in
 * *ret_error, e.g. "getent passwd USER did not finish within 10 s". */
int user_resolve_getent(const char *user, int (*sandbox)(void *userdata), void *userdata,
                        struct user_record *ret, char **ret_error);
/* The same, with getent run as how says (its sandbox, exec, userdata and keep_fds; the rest is
 * filled in). */
int user_resolve_getent_with(const char *user, const struct user_helper *how, struct user_record *ret,
                             char **ret_error);

/* As systemd-nspawn: create the user's home (0755, owned by uid:gid) if it is missing, with its
 * missing parents (0755, root's). Through fds below root_fd: a symlink on the way to a home
 * that does not exist yet is refused (-ELOOP), and the new directory is changed with fchown on an
 * fd opened O_NOFOLLOW, never by path. 0 if it exists already (symlinks inside the root are
 * followed to find it) or was made. */
int user_make_home(int root_fd, const char *home, uid_t uid, gid_t gid);
