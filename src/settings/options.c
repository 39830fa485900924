/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The option table and what is built on it: lookups, getopt_long over argv, --help, --version
 * and the value lists. The parsers the rows point at are in option-parsers*.c.
 */
#include "options.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "config.h"
#include "errmsg.h"
#include "macro.h"
#include "option-parsers.h"
#include "proc-names.h"
#include "strv.h"

/* ---- the table ---- */

/*
 * One row per option and/or settings-file key, with named fields (options.h describes them);
 * fields left out are NULL, 0, ARG_NONE or SETTING_NONE. A row's lines: how it is spelled on the
 * command line; its --help group and text; its settings-file key; the setting it feeds and how
 * its value is parsed. Rows appear in --help, the man page and the completion in table order.
 * clang-format would put each field on a line of its own, so it leaves the table alone.
 */
/* clang-format off */
#define LIMIT_KEY(k, r)                                                                                     \
        {.arg = ARG_REQUIRED, .group = GROUP_RESOURCES, .section = "Exec", .key = k,                        \
         .setting = SETTING_RLIMIT_FIRST + r, .parse = parse_limit_key, .data = r}

#define BOOLS "yes no"

const struct option_def option_table[] = {
        /* General */
        {.name = "help", .short_name = 'h',
         .group = GROUP_GENERAL, .help = "Show this help",
         .parse = parse_help},
        {.name = "version",
         .group = GROUP_GENERAL, .help = "Print version string",
         .parse = parse_version},
        {.name = "quiet", .short_name = 'q',
         .group = GROUP_GENERAL, .help = "Do not show status information",
         .parse = parse_bool, .data = OFF(quiet)},
        {.name = "no-pager",
         .group = GROUP_GENERAL, .help = "Do not pipe output into a pager",
         .parse = parse_noop},
        {.name = "settings", .arg = ARG_REQUIRED, .metavar = "BOOLEAN",
         .group = GROUP_GENERAL, .help = "Load additional settings from .nspawn file",
         .parse = parse_settings_mode, .values = &settings_mode_names},

        /* Image */
        {.name = "directory", .short_name = 'D', .arg = ARG_REQUIRED, .metavar = "PATH",
         .group = GROUP_IMAGE, .help = "Root directory for the container",
         .setting = SETTING_DIRECTORY, .parse = parse_directory, .completion = "@dirs"},
        {.name = "template", .arg = ARG_REQUIRED, .metavar = "PATH",
         .group = GROUP_IMAGE, .help = "Initialize root directory from template directory, if missing",
         .setting = SETTING_DIRECTORY, .parse = parse_template, .completion = "@dirs"},
        {.name = "ephemeral", .short_name = 'x',
         .group = GROUP_IMAGE,
         .help = "Run container with snapshot of root directory, and remove it after exit",
         .section = "Exec", .key = "Ephemeral",
         .setting = SETTING_EPHEMERAL, .parse = parse_ephemeral},
        {.name = "image", .short_name = 'i', .arg = ARG_REQUIRED, .metavar = "PATH",
         .group = GROUP_IMAGE, .help = "Root file system disk image (or device node) for the container",
         .setting = SETTING_DIRECTORY, .parse = parse_path, .data = OFF(image), .completion = "@files"},
        {.name = "image-policy", .arg = ARG_REQUIRED, .metavar = "POLICY",
         .group = GROUP_IMAGE, .help = "Specify disk image dissection policy",
         .parse = parse_image_policy},
        {.name = "oci-bundle", .arg = ARG_REQUIRED, .metavar = "PATH",
         .group = GROUP_IMAGE, .help = "OCI bundle directory",
         .setting = SETTING_DIRECTORY, .parse = parse_path_unsupported, .completion = "@dirs"},
        {.name = "read-only",
         .group = GROUP_IMAGE, .help = "Mount the root directory read-only",
         .section = "Files", .key = "ReadOnly",
         .setting = SETTING_READ_ONLY, .parse = parse_bool, .data = OFF(read_only)},
        {.name = "volatile", .arg = ARG_OPTIONAL, .metavar = "MODE",
         .group = GROUP_IMAGE, .help = "Run the system in volatile mode",
         .section = "Files", .key = "Volatile",
         .setting = SETTING_VOLATILE_MODE, .parse = parse_volatile, .values = &volatile_mode_names},
        {.name = "root-hash", .arg = ARG_REQUIRED, .metavar = "HASH",
         .group = GROUP_IMAGE, .help = "Specify verity root hash for root disk image",
         .parse = parse_root_hash},
        {.name = "root-hash-sig", .arg = ARG_REQUIRED, .metavar = "SIG",
         .group = GROUP_IMAGE,
         .help = "Specify pkcs7 signature of root hash for verity as a DER encoded PKCS7, either as a path "
                 "to a file or as an ASCII base64 encoded string prefixed by 'base64:'",
         .parse = parse_root_hash_sig, .completion = "@files"},
        {.name = "verity-data", .arg = ARG_REQUIRED, .metavar = "PATH",
         .group = GROUP_IMAGE, .help = "Specify hash device for verity",
         .parse = parse_path, .data = OFF(verity_data), .completion = "@files"},
        {.name = "pivot-root", .arg = ARG_REQUIRED, .metavar = "PATH[:PATH]",
         .group = GROUP_IMAGE, .help = "Pivot root to given directory in the container",
         .section = "Exec", .key = "PivotRoot",
         .setting = SETTING_PIVOT_ROOT, .parse = parse_pivot_root},

        /* Execution */
        {.name = "as-pid2", .short_name = 'a',
         .group = GROUP_EXECUTION, .help = "Maintain a stub init as PID1, invoke binary as PID2",
         .section = "Exec", .key = "ProcessTwo",
         .setting = SETTING_START_MODE, .parse = parse_start_mode, .data = START_PID2},
        {.name = "boot", .short_name = 'b',
         .group = GROUP_EXECUTION, .help = "Boot up full system (i.e. invoke init)",
         .section = "Exec", .key = "Boot",
         .setting = SETTING_START_MODE, .parse = parse_start_mode, .data = START_BOOT},
        {.arg = ARG_REQUIRED,
         .group = GROUP_EXECUTION,
         .section = "Exec", .key = "Parameters",
         .setting = SETTING_START_MODE, .parse = parse_parameters, .reset = reset_parameters},
        {.name = "chdir", .arg = ARG_REQUIRED, .metavar = "PATH",
         .group = GROUP_EXECUTION, .help = "Set working directory in the container",
         .section = "Exec", .key = "WorkingDirectory",
         .setting = SETTING_WORKING_DIRECTORY, .parse = parse_chdir},
        {.name = "setenv", .short_name = 'E', .arg = ARG_REQUIRED, .metavar = "NAME[=VALUE]",
         .group = GROUP_EXECUTION, .help = "Pass an environment variable to PID 1",
         .section = "Exec", .key = "Environment",
         .setting = SETTING_ENVIRONMENT, .parse = parse_setenv, .reset = reset_environment},
        {.name = "user", .short_name = 'u', .arg = ARG_REQUIRED, .metavar = "USER",
         .group = GROUP_EXECUTION, .help = "Run the command under specified user or UID",
         .section = "Exec", .key = "User",
         .setting = SETTING_USER, .parse = parse_user, .completion = "@users"},
        {.name = "kill-signal", .arg = ARG_REQUIRED, .metavar = "SIGNAL",
         .group = GROUP_EXECUTION, .help = "Select signal to use for shutting down PID 1",
         .section = "Exec", .key = "KillSignal",
         .setting = SETTING_KILL_SIGNAL, .parse = parse_kill_signal, .completion = "@signals"},
        {.name = "notify-ready", .arg = ARG_REQUIRED, .metavar = "BOOLEAN",
         .group = GROUP_EXECUTION, .help = "Receive notifications from the child init process",
         .section = "Exec", .key = "NotifyReady",
         .setting = SETTING_NOTIFY_READY, .parse = parse_tristate, .completion = BOOLS,
         .data = OFF(notify_ready)},
        {.name = "suppress-sync", .arg = ARG_REQUIRED, .metavar = "BOOLEAN",
         .group = GROUP_EXECUTION, .help = "Suppress any form of disk data synchronization",
         .section = "Exec", .key = "SuppressSync",
         .setting = SETTING_SUPPRESS_SYNC, .parse = parse_tristate, .completion = BOOLS,
         .data = OFF(suppress_sync)},

        /* System Identity */
        {.name = "machine", .short_name = 'M', .arg = ARG_REQUIRED, .metavar = "NAME",
         .group = GROUP_IDENTITY, .help = "Set the machine name for the container",
         .parse = parse_machine},
        {.name = "hostname", .arg = ARG_REQUIRED, .metavar = "NAME",
         .group = GROUP_IDENTITY, .help = "Override the hostname for the container",
         .section = "Exec", .key = "Hostname",
         .setting = SETTING_HOSTNAME, .parse = parse_hostname},
        {.name = "uuid", .arg = ARG_REQUIRED, .metavar = "UUID",
         .group = GROUP_IDENTITY, .help = "Set a specific machine UUID for the container",
         .section = "Exec", .key = "MachineID",
         .setting = SETTING_MACHINE_ID, .parse = parse_uuid},

        /* Properties */
        {.name = "slice", .short_name = 'S', .arg = ARG_REQUIRED, .metavar = "SLICE",
         .group = GROUP_PROPERTIES, .help = "Place the container in the specified slice",
         .parse = parse_slice},
        {.name = "property", .arg = ARG_REQUIRED, .metavar = "NAME=VALUE",
         .group = GROUP_PROPERTIES, .help = "Set scope unit property",
         .parse = parse_property},
        {.name = "register", .arg = ARG_REQUIRED, .metavar = "BOOLEAN",
         .group = GROUP_PROPERTIES, .help = "Register container as machine",
         .parse = parse_tristate, .completion = BOOLS, .data = OFF(register_mode)},
        {.name = "keep-unit",
         .group = GROUP_PROPERTIES,
         .help = "Do not register a scope for the machine, reuse the service unit nspawn is running in",
         .parse = parse_bool, .data = OFF(keep_unit)},

        /* User Namespacing */
        {.name = "private-users", .arg = ARG_OPTIONAL, .metavar = "MODE",
         .group = GROUP_USERNS,
         .help = "Run within user namespace: no, yes, pick, identity, or UIDBASE[:NUIDS]",
         .section = "Exec", .key = "PrivateUsers",
         .setting = SETTING_USERNS, .parse = parse_private_users, .completion = "no yes pick identity"},
        {.name = "private-users-ownership", .arg = ARG_REQUIRED, .metavar = "MODE",
         .group = GROUP_USERNS,
         .help = "Adjust ('chown') or map ('map') OS tree ownership to private UID/GID range",
         .section = "Files", .key = "PrivateUsersOwnership",
         .setting = SETTING_USERNS, .parse = parse_userns_ownership, .values = &user_ns_ownership_names},
        {.name = "private-users-map", .arg = ARG_REQUIRED, .metavar = "u|g|b:INSIDE:OUTSIDE:COUNT",
         .group = GROUP_USERNS,
         .help = "Map container IDs INSIDE… to host IDs OUTSIDE… (UIDs, GIDs or both), instead of "
                 "--private-users= (nspawn extension; repeatable)",
         .section = "Exec", .key = "PrivateUsersMap",
         .setting = SETTING_USERNS, .parse = parse_userns_map, .reset = reset_userns_maps},
        {.name = "private-users-chown",
         .group = GROUP_USERNS,
         .section = "Files", .key = "PrivateUsersChown",
         .setting = SETTING_USERNS, .parse = parse_userns_chown},
        {.short_name = 'U',
         .group = GROUP_USERNS,
         .help = "Equivalent to --private-users=pick and --private-users-ownership=auto",
         .setting = SETTING_USERNS, .parse = parse_userns_pick},

        /* Networking */
        {.name = "private-network",
         .group = GROUP_NETWORKING, .help = "Disable network in container",
         .section = "Network", .key = "Private",
         .setting = SETTING_NETWORK, .parse = parse_bool, .data = OFF(private_network)},
        {.name = "network-interface", .arg = ARG_REQUIRED, .metavar = "INTERFACE",
         .group = GROUP_NETWORKING, .help = "Assign an existing network interface to the container",
         .section = "Network", .key = "Interface",
         .setting = SETTING_NETWORK, .parse = parse_network_list,
         .data = NET_PAIR | NET_LIST | NET_FIELD(network_interfaces), .reset = reset_network_interfaces},
        {.name = "network-macvlan", .arg = ARG_REQUIRED, .metavar = "INTERFACE",
         .group = GROUP_NETWORKING,
         .help = "Create a macvlan network interface based on an existing network interface to the "
                 "container",
         .section = "Network", .key = "MACVLAN",
         .setting = SETTING_NETWORK, .parse = parse_network_list,
         .data = NET_PAIR | NET_LIST | NET_FIELD(network_macvlan), .reset = reset_network_macvlan},
        {.name = "network-ipvlan", .arg = ARG_REQUIRED, .metavar = "INTERFACE",
         .group = GROUP_NETWORKING,
         .help = "Create an ipvlan network interface based on an existing network interface to the "
                 "container",
         .section = "Network", .key = "IPVLAN",
         .setting = SETTING_NETWORK, .parse = parse_network_list,
         .data = NET_PAIR | NET_LIST | NET_FIELD(network_ipvlan), .reset = reset_network_ipvlan},
        {.name = "network-veth", .short_name = 'n',
         .group = GROUP_NETWORKING, .help = "Add a virtual Ethernet connection between host and container",
         .section = "Network", .key = "VirtualEthernet",
         .setting = SETTING_NETWORK, .parse = parse_veth},
        {.name = "network-veth-extra", .arg = ARG_REQUIRED, .metavar = "HOSTIF[:CONTAINERIF]",
         .group = GROUP_NETWORKING,
         .help = "Add an additional virtual Ethernet link between host and container",
         .section = "Network", .key = "VirtualEthernetExtra",
         .setting = SETTING_NETWORK, .parse = parse_network_list,
         .data = NET_PAIR | NET_LIST | NET_FIELD(network_veth_extra), .reset = reset_network_veth_extra},
        {.name = "network-bridge", .arg = ARG_REQUIRED, .metavar = "INTERFACE",
         .group = GROUP_NETWORKING,
         .help = "Add a virtual Ethernet connection to the container and attach it to an existing bridge on "
                 "the host",
         .section = "Network", .key = "Bridge",
         .setting = SETTING_NETWORK, .parse = parse_network_list, .data = NET_PLAIN | NET_FIELD(network_bridge)},
        {.name = "network-zone", .arg = ARG_REQUIRED, .metavar = "NAME",
         .group = GROUP_NETWORKING,
         .help = "Similar, but attach the new interface to an automatically managed bridge interface",
         .section = "Network", .key = "Zone",
         .setting = SETTING_NETWORK, .parse = parse_network_list, .data = NET_ZONE | NET_FIELD(network_zone)},
        {.name = "network-namespace-path", .arg = ARG_REQUIRED, .metavar = "PATH",
         .group = GROUP_NETWORKING,
         .help = "Set network namespace to the one represented by the specified kernel namespace file node",
         .setting = SETTING_NETWORK, .parse = parse_path, .data = OFF(network_namespace_path), .completion = "@files"},
        {.name = "port", .short_name = 'p', .arg = ARG_REQUIRED,
         .metavar = "[PROTOCOL:]HOSTPORT[:CONTAINERPORT]",
         .group = GROUP_NETWORKING, .help = "Expose a container IP port on the host",
         .section = "Network", .key = "Port",
         .setting = SETTING_EXPOSE_PORTS, .parse = parse_expose_port},

        /* Security */
        {.name = "capability", .arg = ARG_REQUIRED, .metavar = "CAP",
         .group = GROUP_SECURITY, .help = "In addition to the default, retain specified capability",
         .section = "Exec", .key = "Capability",
         .setting = SETTING_CAPABILITY, .parse = parse_capability, .completion = "@caps", .data = CAPS_ADD},
        {.name = "drop-capability", .arg = ARG_REQUIRED, .metavar = "CAP",
         .group = GROUP_SECURITY, .help = "Drop the specified capability from the default set",
         .section = "Exec", .key = "DropCapability",
         .setting = SETTING_CAPABILITY, .parse = parse_capability, .completion = "@caps", .data = CAPS_DROP},
        {.name = "ambient-capability", .arg = ARG_REQUIRED, .metavar = "CAP",
         .group = GROUP_SECURITY,
         .help = "Sets the specified capability for the started process. Not useful if booting a machine.",
         .section = "Exec", .key = "AmbientCapability",
         .setting = SETTING_AMBIENT_CAPABILITY, .parse = parse_capability, .completion = "@caps",
         .data = CAPS_AMBIENT},
        {.name = "no-new-privileges", .arg = ARG_REQUIRED, .metavar = "BOOLEAN",
         .group = GROUP_SECURITY, .help = "Set PR_SET_NO_NEW_PRIVS flag for container payload",
         .section = "Exec", .key = "NoNewPrivileges",
         .setting = SETTING_NO_NEW_PRIVILEGES, .parse = parse_tristate, .completion = BOOLS,
         .data = OFF(no_new_privileges)},
        {.name = "system-call-filter", .arg = ARG_REQUIRED, .metavar = "LIST|~LIST",
         .group = GROUP_SECURITY, .help = "Permit/prohibit specific system calls",
         .section = "Exec", .key = "SystemCallFilter",
         .setting = SETTING_SYSCALL_FILTER, .parse = parse_syscall_filter, .reset = reset_syscall_filter},
        {.name = "selinux-context", .short_name = 'Z', .arg = ARG_REQUIRED, .metavar = "SECLABEL",
         .group = GROUP_SECURITY,
         .help = "Set the SELinux security context to be used by processes in the container",
         .parse = parse_selinux},
        {.name = "selinux-apifs-context", .short_name = 'L', .arg = ARG_REQUIRED, .metavar = "SECLABEL",
         .group = GROUP_SECURITY,
         .help = "Set the SELinux security context to be used by API/tmpfs file systems in the container",
         .parse = parse_selinux},

        /* Resources */
        {.name = "rlimit", .arg = ARG_REQUIRED, .metavar = "NAME=LIMIT",
         .group = GROUP_RESOURCES, .help = "Set a resource limit for the payload",
         .parse = parse_rlimit, .completion = "@rlimits"},
        LIMIT_KEY("LimitCPU", RLIMIT_CPU),
        LIMIT_KEY("LimitFSIZE", RLIMIT_FSIZE),
        LIMIT_KEY("LimitDATA", RLIMIT_DATA),
        LIMIT_KEY("LimitSTACK", RLIMIT_STACK),
        LIMIT_KEY("LimitCORE", RLIMIT_CORE),
        LIMIT_KEY("LimitRSS", RLIMIT_RSS),
        LIMIT_KEY("LimitNOFILE", RLIMIT_NOFILE),
        LIMIT_KEY("LimitAS", RLIMIT_AS),
        LIMIT_KEY("LimitNPROC", RLIMIT_NPROC),
        LIMIT_KEY("LimitMEMLOCK", RLIMIT_MEMLOCK),
        LIMIT_KEY("LimitLOCKS", RLIMIT_LOCKS),
        LIMIT_KEY("LimitSIGPENDING", RLIMIT_SIGPENDING),
        LIMIT_KEY("LimitMSGQUEUE", RLIMIT_MSGQUEUE),
        LIMIT_KEY("LimitNICE", RLIMIT_NICE),
        LIMIT_KEY("LimitRTPRIO", RLIMIT_RTPRIO),
        LIMIT_KEY("LimitRTTIME", RLIMIT_RTTIME),
        {.name = "oom-score-adjust", .arg = ARG_REQUIRED, .metavar = "VALUE",
         .group = GROUP_RESOURCES, .help = "Adjust the OOM score value for the payload",
         .section = "Exec", .key = "OOMScoreAdjust",
         .setting = SETTING_OOM_SCORE_ADJUST, .parse = parse_oom_score_adjust,
         .reset = reset_oom_score_adjust},
        {.name = "cpu-affinity", .arg = ARG_REQUIRED, .metavar = "CPUS",
         .group = GROUP_RESOURCES, .help = "Adjust the CPU affinity of the container",
         .section = "Exec", .key = "CPUAffinity",
         .setting = SETTING_CPU_AFFINITY, .parse = parse_cpu_affinity, .reset = reset_cpu_affinity},
        {.name = "personality", .arg = ARG_REQUIRED, .metavar = "ARCH",
         .group = GROUP_RESOURCES, .help = "Pick personality for this container",
         .section = "Exec", .key = "Personality",
         .setting = SETTING_PERSONALITY, .parse = parse_personality, .completion = "x86 x86-64",
         .reset = reset_personality},

        /* Integration */
        {.name = "resolv-conf", .arg = ARG_REQUIRED, .metavar = "MODE",
         .group = GROUP_INTEGRATION, .help = "Select mode of /etc/resolv.conf initialization",
         .section = "Exec", .key = "ResolvConf",
         .setting = SETTING_RESOLV_CONF, .parse = parse_resolv_conf,
         .values = &resolv_conf_names},
        {.name = "timezone", .arg = ARG_REQUIRED, .metavar = "MODE",
         .group = GROUP_INTEGRATION, .help = "Select mode of /etc/localtime initialization",
         .section = "Exec", .key = "Timezone",
         .setting = SETTING_TIMEZONE, .parse = parse_timezone,
         .values = &timezone_mode_names},
        {.name = "link-journal", .arg = ARG_REQUIRED, .metavar = "MODE",
         .group = GROUP_INTEGRATION,
         .help = "Link up guest journal, one of no, auto, guest, host, try-guest, try-host",
         .section = "Exec", .key = "LinkJournal",
         .setting = SETTING_LINK_JOURNAL, .parse = parse_link_journal,
         .values = &link_journal_names},
        {.short_name = 'j',
         .group = GROUP_INTEGRATION, .help = "Equivalent to --link-journal=try-guest",
         .setting = SETTING_LINK_JOURNAL, .parse = parse_link_journal},

        /* Mounts */
        {.name = "bind", .arg = ARG_REQUIRED, .metavar = "PATH[:PATH[:OPTIONS]]",
         .group = GROUP_MOUNTS, .help = "Bind mount a file or directory from the host into the container",
         .section = "Files", .key = "Bind",
         .setting = SETTING_CUSTOM_MOUNTS, .parse = parse_mount, .completion = "@files",
         .data = MOUNT_DATA(CUSTOM_MOUNT_BIND, 0)},
        {.name = "bind-ro", .arg = ARG_REQUIRED, .metavar = "PATH[:PATH[:OPTIONS]]",
         .group = GROUP_MOUNTS, .help = "Similar, but creates a read-only bind mount",
         .section = "Files", .key = "BindReadOnly",
         .setting = SETTING_CUSTOM_MOUNTS, .parse = parse_mount, .completion = "@files",
         .data = MOUNT_DATA(CUSTOM_MOUNT_BIND, 1)},
        {.name = "inaccessible", .arg = ARG_REQUIRED, .metavar = "PATH",
         .group = GROUP_MOUNTS, .help = "Over-mount file node with inaccessible node to mask it",
         .section = "Files", .key = "Inaccessible",
         .setting = SETTING_CUSTOM_MOUNTS, .parse = parse_mount,
         .data = MOUNT_DATA(CUSTOM_MOUNT_INACCESSIBLE, 0)},
        {.name = "tmpfs", .arg = ARG_REQUIRED, .metavar = "PATH:[OPTIONS]",
         .group = GROUP_MOUNTS, .help = "Mount an empty tmpfs to the specified directory",
         .section = "Files", .key = "TemporaryFileSystem",
         .setting = SETTING_CUSTOM_MOUNTS, .parse = parse_mount, .data = MOUNT_DATA(CUSTOM_MOUNT_TMPFS, 0)},
        {.name = "overlay", .arg = ARG_REQUIRED, .metavar = "PATH[:PATH...]:PATH",
         .group = GROUP_MOUNTS, .help = "Create an overlay mount from the host to the container",
         .section = "Files", .key = "Overlay",
         .setting = SETTING_CUSTOM_MOUNTS, .parse = parse_mount, .completion = "@dirs",
         .data = MOUNT_DATA(CUSTOM_MOUNT_OVERLAY, 0)},
        {.name = "overlay-ro", .arg = ARG_REQUIRED, .metavar = "PATH[:PATH...]:PATH",
         .group = GROUP_MOUNTS, .help = "Similar, but creates a read-only overlay mount",
         .section = "Files", .key = "OverlayReadOnly",
         .setting = SETTING_CUSTOM_MOUNTS, .parse = parse_mount, .completion = "@dirs",
         .data = MOUNT_DATA(CUSTOM_MOUNT_OVERLAY, 1)},
        {.name = "bind-user", .arg = ARG_REQUIRED, .metavar = "NAME",
         .group = GROUP_MOUNTS, .help = "Bind user from host to container",
         .section = "Files", .key = "BindUser",
         .setting = SETTING_BIND_USER, .parse = parse_bind_user, .completion = "@users",
         .reset = reset_bind_users},

        /* Input/Output */
        {.name = "console", .arg = ARG_REQUIRED, .metavar = "MODE",
         .group = GROUP_IO,
         .help = "Select how stdin/stdout/stderr and /dev/console are set up for the container.",
         .setting = SETTING_CONSOLE_MODE, .parse = parse_console,
         .values = &console_mode_names},
        {.name = "pipe", .short_name = 'P',
         .group = GROUP_IO, .help = "Equivalent to --console=pipe",
         .setting = SETTING_CONSOLE_MODE, .parse = parse_console},

        /* Credentials */
        {.name = "set-credential", .arg = ARG_REQUIRED, .metavar = "ID:VALUE",
         .group = GROUP_CREDENTIALS, .help = "Pass a credential with literal value to container.",
         .setting = SETTING_CREDENTIALS, .parse = parse_credential},
        {.name = "load-credential", .arg = ARG_REQUIRED, .metavar = "ID:PATH",
         .group = GROUP_CREDENTIALS,
         .help = "Load credential to pass to container from file or AF_UNIX stream socket.",
         .setting = SETTING_CREDENTIALS, .parse = parse_credential, .data = 1},

        /* Hidden: obsolete in systemd-nspawn 252, kept for compatibility. */
        {.name = "share-system",
         .group = GROUP_GENERAL,
         .parse = parse_unsupported},
};
/* clang-format on */

const size_t option_table_size = ELEMENTSOF(option_table);

/* ---- lookups ---- */

static const char *const group_names[_GROUP_MAX] = {
        [GROUP_GENERAL] = "", /* listed first, without a heading */
        [GROUP_IMAGE] = "Image",
        [GROUP_EXECUTION] = "Execution",
        [GROUP_IDENTITY] = "System Identity",
        [GROUP_PROPERTIES] = "Properties",
        [GROUP_USERNS] = "User Namespacing",
        [GROUP_NETWORKING] = "Networking",
        [GROUP_SECURITY] = "Security",
        [GROUP_RESOURCES] = "Resources",
        [GROUP_INTEGRATION] = "Integration",
        [GROUP_MOUNTS] = "Mounts",
        [GROUP_IO] = "Input/Output",
        [GROUP_CREDENTIALS] = "Credentials",
};

const char *option_group_to_string(enum option_group g) {
        return g >= 0 && g < _GROUP_MAX ? group_names[g] : NULL;
}

const struct option_def *option_find_long(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < option_table_size; i++)
                if (option_table[i].name && streq(option_table[i].name, name))
                        return &option_table[i];
        return NULL;
}

const struct option_def *option_find_short(char c) {
        if (c == 0)
                return NULL;
        for (size_t i = 0; i < option_table_size; i++)
                if (option_table[i].short_name == c)
                        return &option_table[i];
        return NULL;
}

const struct option_def *option_find_key(const char *section, const char *key) {
        if (!section || !key)
                return NULL;
        for (size_t i = 0; i < option_table_size; i++)
                if (option_table[i].key && streq(option_table[i].section, section) &&
                    streq(option_table[i].key, key))
                        return &option_table[i];
        return NULL;
}

const char *option_display_name(const struct option_def *o, char *buf, size_t size) {
        if (o->name)
                snprintf(buf, size, "--%s", o->name);
        else if (o->short_name)
                snprintf(buf, size, "-%c", o->short_name);
        else
                snprintf(buf, size, "%s=", o->key);
        return buf;
}

/* The key is the only one of the file's keys that feeds its setting. */
static bool option_owns_setting(const struct option_def *o) {
        for (size_t i = 0; i < option_table_size; i++)
                if (&option_table[i] != o && option_table[i].key && option_table[i].setting == o->setting)
                        return false;
        return true;
}

int option_apply(const struct option_def *o, enum option_source src, const char *value, struct settings *s,
                 const char **ret_reason) {
        const char *reason = NULL;
        int r;

        if (!o || !o->parse)
                return -EINVAL;
        /* Rows that take a value never see NULL from a settings file; guard the parsers anyway. */
        if (!value && (o->arg == ARG_REQUIRED || src == SOURCE_FILE)) {
                if (ret_reason)
                        *ret_reason = "a value is required";
                return -EINVAL;
        }
        if (src == SOURCE_FILE && o->reset && isempty(value)) {
                o->reset(s);
                if (setting_id_valid(o->setting) && option_owns_setting(o))
                        s->set_mask &= ~SETTING_BIT(o->setting);
                return 0;
        }
        r = o->parse(o, src, value, s, &reason);
        if (r < 0 && ret_reason)
                *ret_reason = reason;
        if (r == 0 && setting_id_valid(o->setting))
                s->set_mask |= SETTING_BIT(o->setting);
        return r;
}

const char *option_quote(const char *s, char *buf) {
        size_t n = 0, i;

        for (i = 0; s[i] && i < OPTION_QUOTE_MAX; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c >= 0x20 && c < 0x7f)
                        buf[n++] = (char) c;
                else
                        n += (size_t) snprintf(buf + n, 5, "\\x%02x", c);
        }
        if (s[i]) {
                memcpy(buf + n, "...", 3);
                n += 3;
        }
        buf[n] = 0;
        return buf;
}

int option_error(const struct option_def *o, enum option_source src, const char *value, int r,
                 const char *reason, char **ret_error) {
        char name[64], quoted[OPTION_QUOTE_SIZE];
        const char *v = value, *option = src == SOURCE_CLI ? "Option " : "";

        /* A file's row is named "Key=" and its value is the file's text, quoted; the command
         * line's is the user's own argument. */
        if (src == SOURCE_FILE) {
                snprintf(name, sizeof(name), "%s=", o->key);
                v = value ? option_quote(value, quoted) : NULL;
        } else
                option_display_name(o, name, sizeof(name));

        *ret_error = NULL;
        if (r == -ENOMEM)
                return error_setf(ret_error, r, "Out of memory.");
        /* Name the value when only some values are not built (--private-users=pick,
         * Bind=…:idmap), the option alone when none is. */
        if (r == -EOPNOTSUPP && v && (reason || option_has_value_list(o)))
                return error_setf(ret_error, r, "%s%s%s%s is not supported yet.", option, name,
                                  src == SOURCE_CLI ? "=" : "", v);
        if (r == -EOPNOTSUPP)
                return error_setf(ret_error, r, "%s%s is not supported yet.", option, name);
        if (!v) /* a flag on the command line */
                return error_setf(ret_error, -EINVAL, "Option %s: %s.", name, reason ?: strerror(-r));
        if (!reason && r != -EINVAL)
                reason = strerror(-r);
        if (reason)
                return error_setf(ret_error, -EINVAL, "Invalid value '%s' for %s: %s.", v, name, reason);
        return error_setf(ret_error, -EINVAL, "Invalid value '%s' for %s.", v, name);
}

/* ---- output: values, version, help ---- */

static int append(char **buf, size_t *len, const char *fmt, ...) _printf_(3, 4);
static int append(char **buf, size_t *len, const char *fmt, ...) {
        va_list ap;
        char *s;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        char *nb = realloc(*buf, *len + (size_t) n + 1);
        if (!nb) {
                free(s);
                return -ENOMEM;
        }
        memcpy(nb + *len, s, (size_t) n + 1);
        free(s);
        *buf = nb;
        *len += (size_t) n;
        return 0;
}

/* A closed list of values, spelled out in the row's completion ("yes no"). */
static int words_append(char **buf, size_t *len, const char *list) {
        _cleanup_strv_free_ char **words = NULL;
        int r = strv_split(list, " ", &words);

        STRV_FOREACH(w, words) {
                if (r < 0)
                        break;
                r = append(buf, len, "%s\n", *w);
        }
        return r;
}

static int values_append(char **buf, size_t *len, const char *completion) {
        char b[16];
        int r = 0;

        if (streq(completion, "@signals")) {
                for (int sig = 1; sig <= SIGRTMAX && r >= 0; sig++) {
                        const char *n = signal_to_string(sig, b, sizeof(b));
                        if (n)
                                r = append(buf, len, "%s\n", n);
                }
        } else if (streq(completion, "@caps")) {
                for (int cap = 0; cap <= capability_last_cap() && r >= 0; cap++) {
                        const char *n = capability_to_name(cap);
                        if (!n)
                                continue;
                        r = append(buf, len, "%s\n", n);
                }
        } else if (streq(completion, "@rlimits")) {
                for (int i = 0; i < RLIMIT_NLIMITS && r >= 0; i++)
                        r = append(buf, len, "%s\n", rlimit_to_string(i));
        } else if (completion[0] != '@')
                r = words_append(buf, len, completion);
        return r;
}

static int enum_names_append(char **buf, size_t *len, const struct enum_names *t) {
        int r = 0;

        for (size_t i = 0; i < t->n && r >= 0; i++)
                if (t->names[i])
                        r = append(buf, len, "%s\n", t->names[i]);
        return r;
}

char *option_values_text(const struct option_def *o) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        if (!o || (!o->values && !o->completion))
                return NULL;
        r = o->values ? enum_names_append(&buf, &len, o->values) : values_append(&buf, &len, o->completion);
        if (r < 0)
                return NULL;
        return TAKE_PTR(buf);
}

bool option_has_value_list(const struct option_def *o) {
        return o->values || (o->completion && o->completion[0] != '@');
}

char *options_version(void) {
        char *s;
        if (asprintf(&s, "nspawn %s\n+SECCOMP +LIBCAP %cSD-BUS -SELINUX +USERNS %cNETWORK +BLKID\n",
                     NSPAWN_VERSION, HAVE_SD_BUS ? '+' : '-', HAVE_NETWORK ? '+' : '-') < 0)
                return NULL;
        return s;
}

#define HELP_COLUMN 28
#define HELP_WIDTH 79

/* "  -D --directory=PATH", "     --volatile[=MODE]", "  -U" */
static int option_spec(const struct option_def *o, char **ret) {
        const char *arg_open = o->arg == ARG_OPTIONAL ? "[=" : "=",
                   *arg_close = o->arg == ARG_OPTIONAL ? "]" : "";
        char sh[4] = "   ";

        if (o->short_name)
                snprintf(sh, sizeof(sh), "-%c ", o->short_name);
        if (!o->name)
                return asprintf(ret, "  -%c", o->short_name) < 0 ? -ENOMEM : 0;
        if (o->arg == ARG_NONE || !o->metavar)
                return asprintf(ret, "  %s--%s", sh, o->name) < 0 ? -ENOMEM : 0;
        return asprintf(ret, "  %s--%s%s%s%s", sh, o->name, arg_open, o->metavar, arg_close) < 0 ? -ENOMEM
                                                                                                 : 0;
}

/* The help text, word-wrapped into the column right of the option spec. */
static int help_append(char **buf, size_t *len, const char *help, size_t col) {
        const char *p = help;
        int r = 0;

        while (*p && r >= 0) {
                size_t room = HELP_WIDTH - HELP_COLUMN, n = strlen(p);
                if (n > room) {
                        n = room;
                        while (n > 0 && p[n] != ' ')
                                n--;
                        if (n == 0)
                                n = strcspn(p, " ");
                }
                r = append(buf, len, "%*s%.*s\n", (int) (HELP_COLUMN - col), "", (int) n, p);
                col = 0;
                p += n;
                p += strspn(p, " ");
        }
        return r;
}

static int option_help_append(char **buf, size_t *len, const struct option_def *o) {
        _cleanup_free_ char *spec = NULL;
        int r;

        r = option_spec(o, &spec);
        if (r < 0)
                return r;
        r = append(buf, len, "%s", spec);
        if (r < 0)
                return r;
        if (strlen(spec) >= HELP_COLUMN - 1) {
                r = append(buf, len, "\n");
                return r < 0 ? r : help_append(buf, len, o->help, 0);
        }
        return help_append(buf, len, o->help, strlen(spec));
}

char *options_help(const char *program_name) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = append(&buf, &len,
                   "%s [OPTIONS...] [COMMAND [ARGUMENTS...]]\n\n"
                   "Spawn a command or OS in a light-weight container.\n\n",
                   program_name ?: "nspawn");
        for (int g = 0; g < _GROUP_MAX && r >= 0; g++) {
                if (g != GROUP_GENERAL)
                        r = append(&buf, &len, "\n%s:\n", group_names[g]);
                for (size_t i = 0; i < option_table_size && r >= 0; i++) {
                        const struct option_def *o = &option_table[i];
                        if ((int) o->group != g || !o->help || (!o->name && !o->short_name))
                                continue;
                        r = option_help_append(&buf, &len, o);
                }
        }
        if (r < 0)
                return NULL;
        return TAKE_PTR(buf);
}

/* ---- argv ---- */

#define LONG_VAL_BASE 0x100

/* A row's part of getopt's short option string ("c", "c:", "c::" or nothing); returns its length. */
static size_t short_spec(const struct option_def *o, char *p) {
        size_t n = 0;

        if (!o->short_name)
                return 0;
        p[n++] = o->short_name;
        if (o->arg != ARG_NONE)
                p[n++] = ':';
        if (o->arg == ARG_OPTIONAL)
                p[n++] = ':';
        return n;
}

/* getopt_long's tables, built from the rows: "+" stops at the first non-option, ":" reports a
 * missing argument as ':' so it can be told from an unknown option. */
static int getopt_tables(struct option **ret_long, char **ret_short) {
        _cleanup_free_ struct option *lo = calloc(option_table_size + 1, sizeof(struct option));
        _cleanup_free_ char *sh = malloc(2 + 3 * option_table_size + 1);
        size_t nl = 0, ns = 0;
        static const int has_arg[] = {
                [ARG_NONE] = no_argument,
                [ARG_REQUIRED] = required_argument,
                [ARG_OPTIONAL] = optional_argument,
        };

        if (!lo || !sh)
                return -ENOMEM;
        sh[ns++] = '+';
        sh[ns++] = ':';
        for (size_t i = 0; i < option_table_size; i++) {
                const struct option_def *o = &option_table[i];
                if (o->name)
                        lo[nl++] =
                                (struct option){o->name, has_arg[o->arg], NULL, (int) (LONG_VAL_BASE + i)};
                ns += short_spec(o, sh + ns);
        }
        sh[ns] = 0;
        *ret_long = TAKE_PTR(lo);
        *ret_short = TAKE_PTR(sh);
        return 0;
}

static const struct option_def *row_for(int c) {
        if (c >= LONG_VAL_BASE && (size_t) (c - LONG_VAL_BASE) < option_table_size)
                return &option_table[c - LONG_VAL_BASE];
        return c > 0 && c < 0x100 ? option_find_short((char) c) : NULL;
}

/* getopt's own errors: unknown option, missing argument, argument to a flag. */
static int getopt_error(int c, char *argv[], struct option_result *ret) {
        const struct option_def *o = row_for(optopt);
        char name[64];

        if (c == ':' && o)
                return error_setf(&ret->error, -EINVAL, "Option %s requires an argument.",
                                  option_display_name(o, name, sizeof(name)));
        if (o && optopt >= LONG_VAL_BASE)
                return error_setf(&ret->error, -EINVAL, "Option %s does not take an argument.",
                                  option_display_name(o, name, sizeof(name)));
        if (optopt > 0 && optopt < LONG_VAL_BASE)
                return error_setf(&ret->error, -EINVAL, "Unknown option '-%c'.", optopt);
        return error_setf(&ret->error, -EINVAL, "Unknown option '%.*s'.",
                          (int) strcspn(argv[optind - 1], "="), argv[optind - 1]);
}

/* --help, --version, VALUE=help: the text goes into ret->output. */
static int output_result(const struct option_def *o, int what, const char *program,
                         struct option_result *ret) {
        if (what == OPTION_SHOW_HELP)
                ret->output = options_help(program);
        else if (what == OPTION_SHOW_VERSION)
                ret->output = options_version();
        else
                ret->output = option_values_text(o);
        return ret->output ? 1 : error_setf(&ret->error, -ENOMEM, "Out of memory.");
}

/* What follows the options: the command line to run, replacing Parameters= of a settings file. */
static int parameters_store(char *const *params, struct settings *s, struct option_result *ret) {
        char **copy = strv_copy(params);

        if (!copy)
                return error_setf(&ret->error, -ENOMEM, "Out of memory.");
        strv_free(s->parameters);
        s->parameters = copy;
        s->set_mask |= SETTING_BIT(SETTING_START_MODE);
        return 0;
}

int options_parse_argv(int argc, char *argv[], struct settings *s, struct option_result *ret) {
        _cleanup_free_ struct option *longopts = NULL;
        _cleanup_free_ char *shortopts = NULL;
        const char *program;
        int c, r;

        *ret = (struct option_result){};
        r = getopt_tables(&longopts, &shortopts);
        if (r < 0)
                return error_setf(&ret->error, r, "Out of memory.");
        program = argc > 0 && argv[0] ? (strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]) : NULL;

        optind = 0; /* full re-initialisation of getopt's state: we may be called more than once */
        opterr = 0;
        while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) >= 0) {
                const struct option_def *o;
                const char *reason = NULL;

                if (c == '?' || c == ':')
                        return getopt_error(c, argv, ret);
                o = row_for(c);
                if (!o)
                        return error_setf(&ret->error, -EINVAL, "Unknown option.");
                r = option_apply(o, SOURCE_CLI, optarg, s, &reason);
                if (r > 0)
                        return output_result(o, r, program, ret);
                if (r < 0)
                        return option_error(o, SOURCE_CLI, optarg, r, reason, &ret->error);
        }

        settings_network_imply(s);
        return optind < argc ? parameters_store(argv + optind, s, ret) : 0;
}

void option_result_done(struct option_result *r) {
        if (!r)
                return;
        free(r->error);
        free(r->output);
        *r = (struct option_result){};
}
