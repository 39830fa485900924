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

#define OPT(n, sh, a, g, mv, h, sec, k, set, p, comp, d)                                                    \
        {                                                                                                   \
                .name = n, .short_name = sh, .arg = a, .group = g, .metavar = mv, .help = h,                \
                .section = sec, .key = k, .setting = set, .parse = p, .completion = comp, .data = d,        \
        }
#define NONE ARG_NONE
#define REQ ARG_REQUIRED
#define OPTNL ARG_OPTIONAL
#define NOSET SETTING_NONE
#define LIMIT_KEY(k, r)                                                                                     \
        OPT(NULL, 0, REQ, GROUP_RESOURCES, NULL, NULL, "Exec", k, SETTING_RLIMIT_FIRST + r,                 \
            parse_limit_key, NULL, r)

#define BOOLS "yes no"

const struct option_def option_table[] = {
        /* General */
        OPT("help", 'h', NONE, GROUP_GENERAL, NULL, "Show this help", NULL, NULL, NOSET, parse_help, NULL,
            0),
        OPT("version", 0, NONE, GROUP_GENERAL, NULL, "Print version string", NULL, NULL, NOSET,
            parse_version, NULL, 0),
        OPT("quiet", 'q', NONE, GROUP_GENERAL, NULL, "Do not show status information", NULL, NULL, NOSET,
            parse_bool, NULL, OFF(quiet)),
        OPT("no-pager", 0, NONE, GROUP_GENERAL, NULL, "Do not pipe output into a pager", NULL, NULL, NOSET,
            parse_noop, NULL, 0),
        OPT("settings", 0, REQ, GROUP_GENERAL, "BOOLEAN", "Load additional settings from .nspawn file", NULL,
            NULL, NOSET, parse_settings_mode, "yes no trusted override", 0),

        /* Image */
        OPT("directory", 'D', REQ, GROUP_IMAGE, "PATH", "Root directory for the container", NULL, NULL,
            SETTING_DIRECTORY, parse_directory, "@dirs", 0),
        OPT("template", 0, REQ, GROUP_IMAGE, "PATH",
            "Initialize root directory from template directory, if missing", NULL, NULL, SETTING_DIRECTORY,
            parse_template, "@dirs", 0),
        OPT("ephemeral", 'x', NONE, GROUP_IMAGE, NULL,
            "Run container with snapshot of root directory, and remove it after exit", "Exec", "Ephemeral",
            SETTING_EPHEMERAL, parse_ephemeral, NULL, 0),
        OPT("image", 'i', REQ, GROUP_IMAGE, "PATH",
            "Root file system disk image (or device node) for the container", NULL, NULL, SETTING_DIRECTORY,
            parse_path_unsupported, "@files", 0),
        OPT("oci-bundle", 0, REQ, GROUP_IMAGE, "PATH", "OCI bundle directory", NULL, NULL, SETTING_DIRECTORY,
            parse_path_unsupported, "@dirs", 0),
        OPT("read-only", 0, NONE, GROUP_IMAGE, NULL, "Mount the root directory read-only", "Files",
            "ReadOnly", SETTING_READ_ONLY, parse_bool, NULL, OFF(read_only)),
        OPT("volatile", 0, OPTNL, GROUP_IMAGE, "MODE", "Run the system in volatile mode", "Files",
            "Volatile", SETTING_VOLATILE_MODE, parse_volatile, "no yes state overlay", 0),
        OPT("root-hash", 0, REQ, GROUP_IMAGE, "HASH", "Specify verity root hash for root disk image", NULL,
            NULL, NOSET, parse_root_hash, NULL, 0),
        OPT("root-hash-sig", 0, REQ, GROUP_IMAGE, "SIG",
            "Specify pkcs7 signature of root hash for verity as a DER encoded PKCS7, either as a "
            "path to a file or as an ASCII base64 encoded string prefixed by 'base64:'",
            NULL, NULL, NOSET, parse_root_hash_sig, "@files", 0),
        OPT("verity-data", 0, REQ, GROUP_IMAGE, "PATH", "Specify hash device for verity", NULL, NULL, NOSET,
            parse_path_unsupported, "@files", 0),
        OPT("pivot-root", 0, REQ, GROUP_IMAGE, "PATH[:PATH]",
            "Pivot root to given directory in the container", "Exec", "PivotRoot", SETTING_PIVOT_ROOT,
            parse_pivot_root, NULL, 0),

        /* Execution */
        OPT("as-pid2", 'a', NONE, GROUP_EXECUTION, NULL,
            "Maintain a stub init as PID1, invoke binary as PID2", "Exec", "ProcessTwo", SETTING_START_MODE,
            parse_start_mode, NULL, START_PID2),
        OPT("boot", 'b', NONE, GROUP_EXECUTION, NULL, "Boot up full system (i.e. invoke init)", "Exec",
            "Boot", SETTING_START_MODE, parse_start_mode, NULL, START_BOOT),
        OPT(NULL, 0, REQ, GROUP_EXECUTION, NULL, NULL, "Exec", "Parameters", SETTING_START_MODE,
            parse_parameters, NULL, 0),
        OPT("chdir", 0, REQ, GROUP_EXECUTION, "PATH", "Set working directory in the container", "Exec",
            "WorkingDirectory", SETTING_WORKING_DIRECTORY, parse_chdir, NULL, 0),
        OPT("setenv", 'E', REQ, GROUP_EXECUTION, "NAME[=VALUE]", "Pass an environment variable to PID 1",
            "Exec", "Environment", SETTING_ENVIRONMENT, parse_setenv, NULL, 0),
        OPT("user", 'u', REQ, GROUP_EXECUTION, "USER", "Run the command under specified user or UID", "Exec",
            "User", SETTING_USER, parse_user, "@users", 0),
        OPT("kill-signal", 0, REQ, GROUP_EXECUTION, "SIGNAL", "Select signal to use for shutting down PID 1",
            "Exec", "KillSignal", SETTING_KILL_SIGNAL, parse_kill_signal, "@signals", 0),
        OPT("notify-ready", 0, REQ, GROUP_EXECUTION, "BOOLEAN",
            "Receive notifications from the child init process", "Exec", "NotifyReady", SETTING_NOTIFY_READY,
            parse_tristate, BOOLS, OFF(notify_ready)),
        OPT("suppress-sync", 0, REQ, GROUP_EXECUTION, "BOOLEAN",
            "Suppress any form of disk data synchronization", "Exec", "SuppressSync", SETTING_SUPPRESS_SYNC,
            parse_tristate, BOOLS, OFF(suppress_sync)),

        /* System Identity */
        OPT("machine", 'M', REQ, GROUP_IDENTITY, "NAME", "Set the machine name for the container", NULL,
            NULL, NOSET, parse_machine, NULL, 0),
        OPT("hostname", 0, REQ, GROUP_IDENTITY, "NAME", "Override the hostname for the container", "Exec",
            "Hostname", SETTING_HOSTNAME, parse_hostname, NULL, 0),
        OPT("uuid", 0, REQ, GROUP_IDENTITY, "UUID", "Set a specific machine UUID for the container", "Exec",
            "MachineID", SETTING_MACHINE_ID, parse_uuid, NULL, 0),

        /* Properties */
        OPT("slice", 'S', REQ, GROUP_PROPERTIES, "SLICE", "Place the container in the specified slice", NULL,
            NULL, NOSET, parse_slice, NULL, 0),
        OPT("property", 0, REQ, GROUP_PROPERTIES, "NAME=VALUE", "Set scope unit property", NULL, NULL, NOSET,
            parse_property, NULL, 0),
        OPT("register", 0, REQ, GROUP_PROPERTIES, "BOOLEAN", "Register container as machine", NULL, NULL,
            NOSET, parse_tristate, BOOLS, OFF(register_mode)),
        OPT("keep-unit", 0, NONE, GROUP_PROPERTIES, NULL,
            "Do not register a scope for the machine, reuse the service unit nspawn is running in", NULL,
            NULL, NOSET, parse_bool, NULL, OFF(keep_unit)),

        /* User Namespacing */
        OPT("private-users", 0, OPTNL, GROUP_USERNS, "MODE",
            "Run within user namespace: no, yes, pick, identity, or UIDBASE[:NUIDS]", "Exec", "PrivateUsers",
            SETTING_USERNS, parse_private_users, "no yes pick identity", 0),
        OPT("private-users-ownership", 0, REQ, GROUP_USERNS, "MODE",
            "Adjust ('chown') or map ('map') OS tree ownership to private UID/GID range", "Files",
            "PrivateUsersOwnership", SETTING_USERNS, parse_userns_ownership, "off chown map auto", 0),
        OPT("private-users-chown", 0, NONE, GROUP_USERNS, NULL, NULL, "Files", "PrivateUsersChown",
            SETTING_USERNS, parse_userns_chown, NULL, 0),
        OPT(NULL, 'U', NONE, GROUP_USERNS, NULL,
            "Equivalent to --private-users=pick and --private-users-ownership=auto", NULL, NULL,
            SETTING_USERNS, parse_unsupported, NULL, 0),

        /* Networking */
        OPT("private-network", 0, NONE, GROUP_NETWORKING, NULL, "Disable network in container", "Network",
            "Private", SETTING_NETWORK, parse_bool, NULL, OFF(private_network)),
        OPT("network-interface", 0, REQ, GROUP_NETWORKING, "INTERFACE",
            "Assign an existing network interface to the container", "Network", "Interface", SETTING_NETWORK,
            parse_network_list, NULL, NET_PLAIN | NET_LIST),
        OPT("network-macvlan", 0, REQ, GROUP_NETWORKING, "INTERFACE",
            "Create a macvlan network interface based on an existing network interface to the "
            "container",
            "Network", "MACVLAN", SETTING_NETWORK, parse_network_list, NULL, NET_PLAIN | NET_LIST),
        OPT("network-ipvlan", 0, REQ, GROUP_NETWORKING, "INTERFACE",
            "Create an ipvlan network interface based on an existing network interface to the "
            "container",
            "Network", "IPVLAN", SETTING_NETWORK, parse_network_list, NULL, NET_PLAIN | NET_LIST),
        OPT("network-veth", 'n', NONE, GROUP_NETWORKING, NULL,
            "Add a virtual Ethernet connection between host and container", "Network", "VirtualEthernet",
            SETTING_NETWORK, parse_veth, NULL, 0),
        OPT("network-veth-extra", 0, REQ, GROUP_NETWORKING, "HOSTIF[:CONTAINERIF]",
            "Add an additional virtual Ethernet link between host and container", "Network",
            "VirtualEthernetExtra", SETTING_NETWORK, parse_network_list, NULL, NET_PAIR | NET_LIST),
        OPT("network-bridge", 0, REQ, GROUP_NETWORKING, "INTERFACE",
            "Add a virtual Ethernet connection to the container and attach it to an existing "
            "bridge on the host",
            "Network", "Bridge", SETTING_NETWORK, parse_network_list, NULL, NET_PLAIN),
        OPT("network-zone", 0, REQ, GROUP_NETWORKING, "NAME",
            "Similar, but attach the new interface to an automatically managed bridge interface", "Network",
            "Zone", SETTING_NETWORK, parse_network_list, NULL, NET_ZONE),
        OPT("network-namespace-path", 0, REQ, GROUP_NETWORKING, "PATH",
            "Set network namespace to the one represented by the specified kernel namespace file "
            "node",
            NULL, NULL, SETTING_NETWORK, parse_path_unsupported, "@files", 0),
        OPT("port", 'p', REQ, GROUP_NETWORKING, "[PROTOCOL:]HOSTPORT[:CONTAINERPORT]",
            "Expose a container IP port on the host", "Network", "Port", SETTING_EXPOSE_PORTS,
            parse_expose_port, NULL, 0),

        /* Security */
        OPT("capability", 0, REQ, GROUP_SECURITY, "CAP",
            "In addition to the default, retain specified capability", "Exec", "Capability",
            SETTING_CAPABILITY, parse_capability, "@caps", CAPS_ADD),
        OPT("drop-capability", 0, REQ, GROUP_SECURITY, "CAP",
            "Drop the specified capability from the default set", "Exec", "DropCapability",
            SETTING_CAPABILITY, parse_capability, "@caps", CAPS_DROP),
        OPT("ambient-capability", 0, REQ, GROUP_SECURITY, "CAP",
            "Sets the specified capability for the started process. Not useful if booting a "
            "machine.",
            "Exec", "AmbientCapability", SETTING_AMBIENT_CAPABILITY, parse_capability, "@caps",
            CAPS_AMBIENT),
        OPT("no-new-privileges", 0, REQ, GROUP_SECURITY, "BOOLEAN",
            "Set PR_SET_NO_NEW_PRIVS flag for container payload", "Exec", "NoNewPrivileges",
            SETTING_NO_NEW_PRIVILEGES, parse_tristate, BOOLS, OFF(no_new_privileges)),
        OPT("system-call-filter", 0, REQ, GROUP_SECURITY, "LIST|~LIST",
            "Permit/prohibit specific system calls", "Exec", "SystemCallFilter", SETTING_SYSCALL_FILTER,
            parse_syscall_filter, NULL, 0),
        OPT("selinux-context", 'Z', REQ, GROUP_SECURITY, "SECLABEL",
            "Set the SELinux security context to be used by processes in the container", NULL, NULL, NOSET,
            parse_selinux, NULL, 0),
        OPT("selinux-apifs-context", 'L', REQ, GROUP_SECURITY, "SECLABEL",
            "Set the SELinux security context to be used by API/tmpfs file systems in the "
            "container",
            NULL, NULL, NOSET, parse_selinux, NULL, 0),

        /* Resources */
        OPT("rlimit", 0, REQ, GROUP_RESOURCES, "NAME=LIMIT", "Set a resource limit for the payload", NULL,
            NULL, NOSET, parse_rlimit, "@rlimits", 0),
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
        OPT("oom-score-adjust", 0, REQ, GROUP_RESOURCES, "VALUE",
            "Adjust the OOM score value for the payload", "Exec", "OOMScoreAdjust", SETTING_OOM_SCORE_ADJUST,
            parse_oom_score_adjust, NULL, 0),
        OPT("cpu-affinity", 0, REQ, GROUP_RESOURCES, "CPUS", "Adjust the CPU affinity of the container",
            "Exec", "CPUAffinity", SETTING_CPU_AFFINITY, parse_cpu_affinity, NULL, 0),
        OPT("personality", 0, REQ, GROUP_RESOURCES, "ARCH", "Pick personality for this container", "Exec",
            "Personality", SETTING_PERSONALITY, parse_personality, "x86 x86-64", 0),

        /* Integration */
        OPT("resolv-conf", 0, REQ, GROUP_INTEGRATION, "MODE",
            "Select mode of /etc/resolv.conf initialization", "Exec", "ResolvConf", SETTING_RESOLV_CONF,
            parse_resolv_conf,
            "off copy-host copy-static copy-uplink copy-stub replace-host replace-static "
            "replace-uplink replace-stub bind-host bind-static bind-uplink bind-stub delete auto",
            0),
        OPT("timezone", 0, REQ, GROUP_INTEGRATION, "MODE", "Select mode of /etc/localtime initialization",
            "Exec", "Timezone", SETTING_TIMEZONE, parse_timezone, "off copy bind symlink delete auto", 0),
        OPT("link-journal", 0, REQ, GROUP_INTEGRATION, "MODE",
            "Link up guest journal, one of no, auto, guest, host, try-guest, try-host", "Exec",
            "LinkJournal", SETTING_LINK_JOURNAL, parse_link_journal, "no auto guest host try-guest try-host",
            0),
        OPT(NULL, 'j', NONE, GROUP_INTEGRATION, NULL, "Equivalent to --link-journal=try-guest", NULL, NULL,
            SETTING_LINK_JOURNAL, parse_link_journal, NULL, 0),

        /* Mounts */
        OPT("bind", 0, REQ, GROUP_MOUNTS, "PATH[:PATH[:OPTIONS]]",
            "Bind mount a file or directory from the host into the container", "Files", "Bind",
            SETTING_CUSTOM_MOUNTS, parse_mount, "@files", MOUNT_DATA(CUSTOM_MOUNT_BIND, 0)),
        OPT("bind-ro", 0, REQ, GROUP_MOUNTS, "PATH[:PATH[:OPTIONS]]",
            "Similar, but creates a read-only bind mount", "Files", "BindReadOnly", SETTING_CUSTOM_MOUNTS,
            parse_mount, "@files", MOUNT_DATA(CUSTOM_MOUNT_BIND, 1)),
        OPT("inaccessible", 0, REQ, GROUP_MOUNTS, "PATH",
            "Over-mount file node with inaccessible node to mask it", "Files", "Inaccessible",
            SETTING_CUSTOM_MOUNTS, parse_mount, NULL, MOUNT_DATA(CUSTOM_MOUNT_INACCESSIBLE, 0)),
        OPT("tmpfs", 0, REQ, GROUP_MOUNTS, "PATH:[OPTIONS]",
            "Mount an empty tmpfs to the specified directory", "Files", "TemporaryFileSystem",
            SETTING_CUSTOM_MOUNTS, parse_mount, NULL, MOUNT_DATA(CUSTOM_MOUNT_TMPFS, 0)),
        OPT("overlay", 0, REQ, GROUP_MOUNTS, "PATH[:PATH...]:PATH",
            "Create an overlay mount from the host to the container", "Files", "Overlay",
            SETTING_CUSTOM_MOUNTS, parse_mount, "@dirs", MOUNT_DATA(CUSTOM_MOUNT_OVERLAY, 0)),
        OPT("overlay-ro", 0, REQ, GROUP_MOUNTS, "PATH[:PATH...]:PATH",
            "Similar, but creates a read-only overlay mount", "Files", "OverlayReadOnly",
            SETTING_CUSTOM_MOUNTS, parse_mount, "@dirs", MOUNT_DATA(CUSTOM_MOUNT_OVERLAY, 1)),
        OPT("bind-user", 0, REQ, GROUP_MOUNTS, "NAME", "Bind user from host to container", "Files",
            "BindUser", SETTING_BIND_USER, parse_bind_user, "@users", 0),

        /* Input/Output */
        OPT("console", 0, REQ, GROUP_IO, "MODE",
            "Select how stdin/stdout/stderr and /dev/console are set up for the container.", NULL, NULL,
            SETTING_CONSOLE_MODE, parse_console, "interactive read-only passive pipe autopipe", 0),
        OPT("pipe", 'P', NONE, GROUP_IO, NULL, "Equivalent to --console=pipe", NULL, NULL,
            SETTING_CONSOLE_MODE, parse_console, NULL, 0),

        /* Credentials */
        OPT("set-credential", 0, REQ, GROUP_CREDENTIALS, "ID:VALUE",
            "Pass a credential with literal value to container.", NULL, NULL, SETTING_CREDENTIALS,
            parse_credential, NULL, 0),
        OPT("load-credential", 0, REQ, GROUP_CREDENTIALS, "ID:PATH",
            "Load credential to pass to container from file or AF_UNIX stream socket.", NULL, NULL,
            SETTING_CREDENTIALS, parse_credential, NULL, 1),

        /* Hidden: obsolete in systemd-nspawn 252, kept for compatibility. */
        OPT("share-system", 0, NONE, GROUP_GENERAL, NULL, NULL, NULL, NULL, NOSET, parse_unsupported, NULL,
            0),
};

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
        r = o->parse(o, src, value, s, &reason);
        if (r < 0 && ret_reason)
                *ret_reason = reason;
        if (r == 0 && setting_id_valid(o->setting))
                s->set_mask |= SETTING_BIT(o->setting);
        return r;
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

char *option_values_text(const struct option_def *o) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;

        if (!o || !o->completion)
                return NULL;
        if (values_append(&buf, &len, o->completion) < 0)
                return NULL;
        return TAKE_PTR(buf);
}

char *options_version(void) {
        char *s;
        if (asprintf(&s, "nspawn %s\n+SECCOMP +LIBCAP +LIBMOUNT %cSD-BUS -SELINUX -USERNS -NETWORK -IMAGE\n",
                     NSPAWN_VERSION, HAVE_SD_BUS ? '+' : '-') < 0)
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

static int parser_error(const struct option_def *o, const char *value, int r, const char *reason,
                        struct option_result *ret) {
        char name[64];

        option_display_name(o, name, sizeof(name));
        /* Name the value when only some values are unsupported (--private-users=pick, --bind=…:idmap). */
        if (r == -EOPNOTSUPP && value && (reason || (o->completion && o->completion[0] != '@')))
                return error_setf(&ret->error, r, "Option %s=%s is not supported yet.", name, value);
        if (r == -EOPNOTSUPP)
                return error_setf(&ret->error, r, "Option %s is not supported yet.", name);
        if (r == -ENOMEM)
                return error_setf(&ret->error, r, "Out of memory.");
        if (!value)
                return error_setf(&ret->error, r, "Option %s: %s.", name, reason ?: strerror(-r));
        if (reason)
                return error_setf(&ret->error, r, "Invalid value '%s' for %s: %s.", value, name, reason);
        return error_setf(&ret->error, r, "Invalid value '%s' for %s.", value, name);
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
                        return parser_error(o, optarg, r, reason, ret);
        }

        return optind < argc ? parameters_store(argv + optind, s, ret) : 0;
}

void option_result_done(struct option_result *r) {
        if (!r)
                return;
        free(r->error);
        free(r->output);
        *r = (struct option_result){};
}
