/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * nspawn's helper programs (nspawn-guard, nspawn-sdbus, …): where they are and how they start.
 *
 * A helper is found next to the running binary first (the directory of /proc/self/exe: the build
 * directory when run from there, so tests use the helpers they were built with), then in the
 * installed LIBEXECDIR (PREFIX/libexec/nspawn).
 *
 * It is started as "NAME FD" with one end of a SOCK_SEQPACKET socket pair at FD, by clone(CLONE_VM)
 * and execve(): the caller waits neither for the exec nor for a copy of its page tables (a fork
 * would also make each of its later writes a copy-on-write fault). The child runs nothing but the
 * execve() of what helper_start() prepared; the helper makes itself a clean process first thing
 * (helper_detach(), detach.h). A helper that could not be executed shows as EOF on the socket.
 */

#include <stdbool.h>
#include <sys/types.h>

/* The path of the executable helper name in *ret (malloc'ed). -ENOENT if neither place has it (or
 * it is not executable there), -EINVAL for a name that is not a plain file name. */
int helper_path(const char *name, char **ret);

struct helper {
        pid_t pid;
        int fd; /* our end of the socket (close-on-exec) */
};

/* Start helper name with envp (NULL: an empty environment). */
int helper_start(const char *name, char *const *envp, struct helper **ret);
/* The same with the program at path (unit tests); its argv[0] is path's last component. */
int helper_start_at(const char *path, char *const *envp, struct helper **ret);
/* Close our end (EOF: the helper ends, or does what it does at EOF); reap it if it is gone already
 * (wait: until it is). Returns NULL. */
struct helper *helper_free(struct helper *h, bool wait);
