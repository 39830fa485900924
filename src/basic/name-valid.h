/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which names are valid: host, machine, file, interface, environment and user names. */

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

bool hostname_is_valid(const char *s);
/* Machine names are hostnames that may also be used as file names. */
bool machine_name_is_valid(const char *s);
/* A single path component: not empty, not "." or "..", no "/", at most NAME_MAX. */
bool filename_is_valid(const char *s);
/* An image name as systemd's image discovery takes it (machinectl's image verbs): a valid file
 * name, valid UTF-8 without control characters, not starting with ".#" (temporary files). Spaces
 * and names longer than a host name are allowed. */
bool image_name_is_valid(const char *s);
/* A network interface name: 1..15 printable chars, no "/", ":" or spaces, not all digits. */
bool ifname_is_valid(const char *s);
/* Environment variable names: [A-Za-z_][A-Za-z0-9_]*. Assignments: NAME=VALUE. */
bool env_name_is_valid(const char *s);
bool env_assignment_is_valid(const char *s);
/* A user or group name (or numeric ID) that may be looked up: no "/", ":", whitespace or control
 * characters, does not start with "-", not "." or "..", at most 256 chars. */
bool user_name_is_valid(const char *s);
