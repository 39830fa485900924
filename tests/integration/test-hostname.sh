#!/bin/bash
# Hostname: -M NAME sets it, --hostname overrides it, the default is the directory's name.
. "$(dirname "$0")/lib.sh"

capture out nspawn -q -D "$ROOTFS" -M itbox /bin/hostname
assert_rc 0
assert_eq "$out" itbox "hostname with -M"

capture out nspawn -q -D "$ROOTFS" -M itbox --hostname=other.example /bin/cat /proc/sys/kernel/hostname
assert_rc 0
assert_eq "$out" other.example "hostname with --hostname"

rootfs_copy "$T/machines/mybox"; root=$IT_ROOT
capture out nspawn -q -D "$root" /bin/hostname
assert_rc 0
assert_eq "$out" mybox "hostname from the directory's name"

# A directory name that is no valid hostname is cleaned up as systemd's hostname_cleanup() does.
rootfs_copy "$T/machines/my_box..2-"; root=$IT_ROOT
capture out nspawn -q -D "$root" /bin/hostname
assert_rc 0
assert_eq "$out" mybox.2 "hostname from a directory name with '_', '..' and a trailing '-'"

# The host keeps its own name.
assert_ne "$(hostname)" itbox "host hostname"
