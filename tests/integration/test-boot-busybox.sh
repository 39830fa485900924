#!/bin/bash
# busybox init booted with -b on the interactive console (a pty): a shell on /dev/console runs a
# command, `poweroff` typed there ends nspawn with 0, `reboot` with 133 (--keep-unit). The host is
# unchanged afterwards (root still rw, links and addresses as before, clock not set).
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"
require python3

rootfs_copy "$T/root"; root=$IT_ROOT
cat > "$root/etc/inittab" <<'X'
::sysinit:/bin/echo Booted busybox
::respawn:-/bin/sh
::shutdown:/bin/echo Shutting down
X

# A name of its own: a concurrent run of this test elsewhere must not share the machine's cgroups.
name=bb-$$
cat > "$T/steps" <<X
expect Booted busybox
expect $name:/[^ ]*# 
send echo "pid1=\$(cat /proc/1/comm) answer=\$((6 * 7))"
expect pid1=init answer=42
send poweroff
expect Shutting down
X
boot_console 30 "$T/console" "$T/steps" -- -q -M "$name" -D "$root" -b
cat "$T/console" | tr -d '\r' | sed 's/^/# console: /' >&2
assert_rc 0 "exit code after poweroff on the console"
boot_check_host "busybox init (poweroff)"

cat > "$T/steps" <<X
expect $name:/[^ ]*# 
send reboot
expect Shutting down
X
boot_console 30 "$T/console" "$T/steps" -- -q -M "$name" -D "$root" -b --keep-unit
assert_rc 133 "exit code after reboot on the console with --keep-unit"
boot_check_host "busybox init (reboot)"
