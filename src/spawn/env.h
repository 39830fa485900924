/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The payload's environment (systemd-nspawn's inner_child): nothing of the caller's environment
 * leaks except TERM. Built in two steps: the base in the supervisor, the user's HOME/USER/LOGNAME
 * and the -E assignments (which win over everything) in the child once the user is known.
 */

#include <stdint.h>

#include "settings.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* host_os_release: contents of the host's os-release (may be NULL). */
int env_build_base(const struct settings *s, const uint8_t uuid[16], enum console_mode console,
                   const char *host_os_release, char ***ret);
/* Add HOME/USER/LOGNAME, then the -E assignments. */
int env_finalize(char ***env, const char *home, const char *user, char *const *assignments);
