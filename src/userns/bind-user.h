/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * --bind-user=NAME (as systemd-nspawn 252): a host user, with its private group, becomes a user of
 * the container. It gets a container UID (= GID) from 60514…60577 that neither the container's
 * /etc/passwd nor its /etc/group uses, which the user namespace maps to the user's host UID and
 * GID (one line each, punched out of the container's range); its home is bound at
 * /run/host/home/NAME, and its user and group records are written as JSON into /run/host/userdb/
 * (NAME.user, UID.user → NAME.user, NAME.group, GID.group → NAME.group), where a guest's
 * nss-systemd finds them. The records hold no password hash (systemd-nspawn 252 copies it; ours
 * never leaves the host). Root, nobody, users whose ids fall in the container's range and users
 * without a private group (one named as the user) are refused, and so are names the container has
 * already. The host's users are read from /etc/passwd and /etc/group (nspawn is static: no NSS).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BIND_USER_UID_MIN 60514
#define BIND_USER_UID_MAX 60577

struct bind_user {
        char *name; /* user name, and the name of its private group */
        uint32_t host_uid, host_gid;
        uint32_t uid; /* in the container, UID and GID */
        char *home;   /* the host's home directory */
        bool system;  /* a system user on the host (UID < 1000): disposition "system" */
};

struct bind_user_files {
        const char *passwd, *group; /* the host's */
};
extern const struct bind_user_files bind_user_files_host;

/* Supervisor: resolve names against the host's files and the tree's /etc/passwd and /etc/group
 * (read below tree_fd, never following a link out of it); base and range: the container's. On
 * failure a malloc'ed message in *ret_error. */
int bind_users_resolve(char *const *names, const struct bind_user_files *f, int tree_fd, uint32_t base,
                       uint32_t range, struct bind_user **ret, size_t *ret_n, char **ret_error);
void bind_users_free(struct bind_user *u, size_t n);

/* The user and group records as the container gets them (JSON, one line each, newline-terminated). */
int bind_user_records(const struct bind_user *u, char **ret_user, char **ret_group);

/* Child, in the container, before /run/host is sealed: the records in /run/host/userdb and the
 * mount points /run/host/home/NAME, below run_host_fd. */
int bind_users_write(const struct bind_user *u, size_t n, int run_host_fd);
/* Child, after: homes[i] (a detached bind of u[i]'s home) attached on /run/host/home/NAME. */
int bind_users_attach(const struct bind_user *u, size_t n, int run_host_fd, int *homes);
