/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --bind-user (see bind-user.h). */
#include "bind-user.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chase.h"
#include "errmsg.h"
#include "fdutil.h"
#include "macro.h"
#include "strv.h"

const struct bind_user_files bind_user_files_host = {.passwd = "/etc/passwd", .group = "/etc/group"};

/* A file of the tree (its /etc/passwd or /etc/group), read only if it is a regular file. NULL
 * with errno 0 when it does not exist. */
static FILE *tree_fopen(int tree_fd, const char *path) {
        int fd = chase_open_regular(tree_fd, path);

        if (fd < 0) {
                errno = fd == -ENOENT ? 0 : -fd;
                return NULL;
        }
        FILE *f = fdopen(fd, "re");
        if (!f)
                safe_close(fd);
        return f;
}

/* Does the tree's passwd (group) have the name, or the id? */
static int tree_has_user(int tree_fd, const char *name, uint32_t id) {
        _cleanup_fclose_ FILE *f = tree_fopen(tree_fd, "/etc/passwd");
        struct passwd *pw;

        if (!f)
                return errno == 0 ? 0 : -errno;
        while ((pw = fgetpwent(f)))
                if ((name && streq(pw->pw_name, name)) || (id != UINT32_MAX && pw->pw_uid == id))
                        return 1;
        return 0;
}

static int tree_has_group(int tree_fd, const char *name, uint32_t id) {
        _cleanup_fclose_ FILE *f = tree_fopen(tree_fd, "/etc/group");
        struct group *gr;

        if (!f)
                return errno == 0 ? 0 : -errno;
        while ((gr = fgetgrent(f)))
                if ((name && streq(gr->gr_name, name)) || (id != UINT32_MAX && gr->gr_gid == id))
                        return 1;
        return 0;
}

/* The host's entry of name, and its group's name (copied: fgetpwent's buffer is reused). */
static int host_lookup(const struct bind_user_files *f, const char *name, struct bind_user *ret,
                       char **ret_group) {
        _cleanup_fclose_ FILE *pf = fopen(f->passwd, "re"), *gf = NULL;
        struct passwd *pw;
        struct group *gr;

        if (!pf)
                return -errno;
        while ((pw = fgetpwent(pf)) && !streq(pw->pw_name, name))
                ;
        if (!pw)
                return -ESRCH;
        *ret = (struct bind_user){
                .host_uid = pw->pw_uid, .host_gid = pw->pw_gid, .system = pw->pw_uid < 1000};
        if (!(ret->name = strdup(name)) || !(ret->home = strdup(pw->pw_dir)))
                return -ENOMEM;
        *ret_group = NULL;
        gf = fopen(f->group, "re");
        while (gf && (gr = fgetgrent(gf)))
                if (gr->gr_gid == ret->host_gid)
                        return (*ret_group = strdup(gr->gr_name)) ? 0 : -ENOMEM;
        return 0;
}

static int next_free_uid(int tree_fd, uint32_t range, uint32_t *uid, char **ret_error) {
        for (; *uid <= BIND_USER_UID_MAX && *uid < range; (*uid)++) {
                int r = tree_has_user(tree_fd, NULL, *uid);
                if (r == 0)
                        r = tree_has_group(tree_fd, NULL, *uid);
                if (r < 0)
                        return error_setf(ret_error, r, "Failed to read the container's user database: %s",
                                          strerror(-r));
                if (r == 0)
                        return 0;
        }
        return error_setf(ret_error, -EBUSY,
                          "No suitable available UID in range %u…%u in container detected, can't map user.",
                          BIND_USER_UID_MIN, BIND_USER_UID_MAX);
}

static int resolve_one(const char *name, const struct bind_user_files *f, int tree_fd, uint32_t base,
                       uint32_t range, uint32_t *next_uid, struct bind_user *u, char **ret_error) {
        _cleanup_free_ char *group = NULL;
        int r = host_lookup(f, name, u, &group);

        if (r == -ESRCH)
                return error_setf(ret_error, r, "Failed to resolve user '%s': no such user in %s.", name,
                                  f->passwd);
        if (r < 0)
                return error_setf(ret_error, r, "Failed to resolve user '%s': %s", name, strerror(-r));
        if (u->host_uid == 0 || streq(name, "root"))
                return error_setf(ret_error, -EINVAL, "Mapping 'root' user not supported, sorry.");
        if (u->host_uid == 65534 || streq(name, "nobody"))
                return error_setf(ret_error, -EINVAL, "Mapping 'nobody' user not supported, sorry.");
        if (u->host_uid >= base && u->host_uid - base < range)
                return error_setf(ret_error, -EINVAL,
                                  "UID of user '%s' to map is already in container UID range, refusing.",
                                  name);
        if (u->host_gid >= base && u->host_gid - base < range)
                return error_setf(ret_error, -EINVAL,
                                  "GID of group '%s' to map is already in container GID range, refusing.",
                                  group ?: name);
        if (!group || !streq(group, name))
                return error_setf(ret_error, -EOPNOTSUPP,
                                  "Sorry, mapping users without private groups is currently not supported.");
        if ((r = tree_has_user(tree_fd, name, UINT32_MAX)) != 0)
                return r < 0 ? error_setf(ret_error, r, "Failed to read the container's /etc/passwd: %s",
                                          strerror(-r))
                             : error_setf(ret_error, -EBUSY,
                                          "Sorry, the user '%s' already exists in the container.", name);
        if ((r = tree_has_group(tree_fd, name, UINT32_MAX)) != 0)
                return r < 0 ? error_setf(ret_error, r, "Failed to read the container's /etc/group: %s",
                                          strerror(-r))
                             : error_setf(ret_error, -EBUSY,
                                          "Sorry, the group '%s' already exists in the container.", name);
        r = next_free_uid(tree_fd, range, next_uid, ret_error);
        if (r < 0)
                return r;
        u->uid = (*next_uid)++;
        return 0;
}

int bind_users_resolve(char *const *names, const struct bind_user_files *f, int tree_fd, uint32_t base,
                       uint32_t range, struct bind_user **ret, size_t *ret_n, char **ret_error) {
        size_t n = strv_length(names);
        uint32_t next = BIND_USER_UID_MIN;
        struct bind_user *u = n ? calloc(n, sizeof(*u)) : NULL;

        *ret = NULL;
        *ret_n = 0;
        if (n == 0)
                return 0;
        if (!u)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r = resolve_one(names[i], f, tree_fd, base, range, &next, &u[i], ret_error);
                if (r < 0) {
                        bind_users_free(u, n);
                        return r;
                }
        }
        *ret = u;
        *ret_n = n;
        return 0;
}

void bind_users_free(struct bind_user *u, size_t n) {
        for (size_t i = 0; u && i < n; i++) {
                free(u[i].name);
                free(u[i].home);
        }
        free(u);
}

int bind_user_records(const struct bind_user *u, char **ret_user, char **ret_group) {
        const char *disposition = u->system ? "system" : "regular";
        char *user = NULL, *group = NULL;

        /* names are valid user names: nothing in them needs escaping in JSON */
        if (asprintf(&user,
                     "{\"userName\":\"%s\",\"uid\":%u,\"gid\":%u,\"disposition\":\"%s\","
                     "\"homeDirectory\":\"/run/host/home/%s\",\"service\":\"io.systemd.NSpawn\"}\n",
                     u->name, u->uid, u->uid, disposition, u->name) < 0)
                return -ENOMEM;
        if (asprintf(&group,
                     "{\"groupName\":\"%s\",\"gid\":%u,\"disposition\":\"%s\",\"service\":\"io.systemd."
                     "NSpawn\"}\n",
                     u->name, u->uid, disposition) < 0) {
                free(user);
                return -ENOMEM;
        }
        *ret_user = user;
        *ret_group = group;
        return 0;
}

/* DIR/NAME.SUFFIX with text, and DIR/ID.SUFFIX → NAME.SUFFIX. */
static int record_write(int dir_fd, const char *name, uint32_t id, const char *suffix, const char *text) {
        char file[300], link[32];

        snprintf(file, sizeof file, "%s%s", name, suffix);
        snprintf(link, sizeof link, "%u%s", id, suffix);
        int r = write_file_at(dir_fd, file, text, 0644);
        if (r >= 0 && symlinkat(file, dir_fd, link) < 0)
                r = -errno;
        return r;
}

static int subdir(int dir_fd, const char *name) {
        if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        int fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int bind_users_write(const struct bind_user *u, size_t n, int run_host_fd) {
        _cleanup_close_ int db = -EBADF, home = -EBADF;

        if (n == 0)
                return 0;
        if ((db = subdir(run_host_fd, "userdb")) < 0)
                return db;
        if ((home = subdir(run_host_fd, "home")) < 0)
                return home;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *user = NULL, *group = NULL;
                int r = bind_user_records(&u[i], &user, &group);
                if (r >= 0)
                        r = record_write(db, u[i].name, u[i].uid, ".user", user);
                if (r >= 0)
                        r = record_write(db, u[i].name, u[i].uid, ".group", group);
                if (r >= 0 && mkdirat(home, u[i].name, 0755) < 0)
                        r = -errno;
                if (r < 0)
                        return r;
        }
        return 0;
}

int bind_users_attach(const struct bind_user *u, size_t n, int run_host_fd, int *homes) {
        for (size_t i = 0; i < n; i++) {
                char path[300];
                snprintf(path, sizeof path, "home/%s", u[i].name);
                _cleanup_close_ int target = chase_open_nofollow(run_host_fd, path, O_PATH | O_DIRECTORY, 0);
                if (target < 0)
                        return target;
                if (move_mount(homes[i], "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
                    0)
                        return -errno;
                homes[i] = safe_close(homes[i]);
        }
        return 0;
}
