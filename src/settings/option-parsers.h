/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The value parsers of the option table (option-parsers*.c), private to options.c: what a row's
 * `parse` and `data` fields hold. The public interface is options.h.
 */

#include <stdbool.h>
#include <stddef.h>

#include "options.h"

/* data of rows that store a field of struct settings: its offset. */
#define OFF(f) ((int) offsetof(struct settings, f))

/* data of the network rows (parse_network_list): the kind of word, whether the row is a list (the
 * settings-file key takes a space-separated one), and the field it is stored in (NET_FIELD: a
 * list of words, or a string for the rows that are not lists). */
enum {
        NET_PLAIN,
        NET_PAIR,
        NET_ZONE,
        NET_KIND_MASK = 0x0f,
        NET_LIST = 0x10,
};
#define NET_FIELD(f) (OFF(f) << 8)

/* data of the capability rows (parse_capability). */
enum { CAPS_ADD, CAPS_DROP, CAPS_AMBIENT };

/* data of the custom mount rows (parse_mount): the CUSTOM_MOUNT_* type and read-only. */
#define MOUNT_DATA(type, ro) ((type) | ((ro) << 8))

/* Shared by the parsers: is this "--OPTION=help" on the command line? */
bool option_is_help(enum option_source src, const char *value);
/* A flag: no value on the command line means "yes"; a settings-file key takes a boolean. Sets
 * *ret_reason on failure. */
int option_flag_value(const char *value, const char **ret_reason);

#define OPTION_PARSER(name)                                                                                 \
        int name(const struct option_def *o, enum option_source src, const char *value, struct settings *s, \
                 const char **ret_reason)

/* The reset functions of list keys (option_def.reset): "Key=" in a file forgets the list. */
void reset_bind_users(struct settings *s);
void reset_cpu_affinity(struct settings *s);
void reset_environment(struct settings *s);
void reset_network_interfaces(struct settings *s);
void reset_network_ipvlan(struct settings *s);
void reset_network_macvlan(struct settings *s);
void reset_network_veth_extra(struct settings *s);
void reset_oom_score_adjust(struct settings *s);
void reset_parameters(struct settings *s);
void reset_personality(struct settings *s);
void reset_syscall_filter(struct settings *s);
void reset_userns_maps(struct settings *s);

OPTION_PARSER(parse_bind_user);
OPTION_PARSER(parse_bool);
OPTION_PARSER(parse_capability);
OPTION_PARSER(parse_chdir);
OPTION_PARSER(parse_console);
OPTION_PARSER(parse_cpu_affinity);
OPTION_PARSER(parse_credential);
OPTION_PARSER(parse_directory);
OPTION_PARSER(parse_ephemeral);
OPTION_PARSER(parse_expose_port);
OPTION_PARSER(parse_help);
OPTION_PARSER(parse_hostname);
OPTION_PARSER(parse_kill_signal);
OPTION_PARSER(parse_limit_key);
OPTION_PARSER(parse_link_journal);
OPTION_PARSER(parse_machine);
OPTION_PARSER(parse_mount);
OPTION_PARSER(parse_network_list);
OPTION_PARSER(parse_noop);
OPTION_PARSER(parse_oom_score_adjust);
OPTION_PARSER(parse_parameters);
OPTION_PARSER(parse_path_unsupported);
OPTION_PARSER(parse_personality);
OPTION_PARSER(parse_pivot_root);
OPTION_PARSER(parse_path);
OPTION_PARSER(parse_image_policy);
OPTION_PARSER(parse_private_users);
OPTION_PARSER(parse_property);
OPTION_PARSER(parse_resolv_conf);
OPTION_PARSER(parse_rlimit);
OPTION_PARSER(parse_root_hash);
OPTION_PARSER(parse_root_hash_sig);
OPTION_PARSER(parse_selinux);
OPTION_PARSER(parse_setenv);
OPTION_PARSER(parse_settings_mode);
OPTION_PARSER(parse_slice);
OPTION_PARSER(parse_start_mode);
OPTION_PARSER(parse_syscall_filter);
OPTION_PARSER(parse_template);
OPTION_PARSER(parse_timezone);
OPTION_PARSER(parse_tristate);
OPTION_PARSER(parse_unsupported);
OPTION_PARSER(parse_user);
OPTION_PARSER(parse_userns_chown);
OPTION_PARSER(parse_userns_ownership);
OPTION_PARSER(parse_userns_pick);
OPTION_PARSER(parse_userns_map);
OPTION_PARSER(parse_uuid);
OPTION_PARSER(parse_version);
OPTION_PARSER(parse_veth);
OPTION_PARSER(parse_volatile);
