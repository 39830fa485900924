#!/bin/bash
# Debian bookworm with sysvinit + OpenRC (tests/rootfs/debian.sh openrc), booted with -b on the
# interactive console: agetty shows a login prompt, root logs in with its empty password, runs a
# command, and `poweroff` ends nspawn with 0. Then: SIGTERM to nspawn with --kill-signal=SIGINT
# (sysvinit's ctrlaltdel, a poweroff in the test image) ends it with 0 too. After each boot the
# host is checked: root still rw, links and addresses as before, clock not set.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"
require python3

image=$(boot_image openrc) || exit
boot_root_copy "$image" "$T/openrc"
root=$T/openrc

# A name of its own: a concurrent run of this test elsewhere must not share the machine's cgroups.
name=rc-$$
cat > "$T/steps" <<X
expect $name login: \$
send root
expect root@$name:[^#]*# 
send echo "answer=\$((6 * 7)) init=\$(cat /proc/1/comm) tty=\$(tty)"
expect answer=42 init=init tty=/dev/
send poweroff
X
boot_console 60 "$T/console" "$T/steps" -- -q -M "$name" -D "$root" -b
tr -d '\r' < "$T/console" | sed 's/^/# console: /' >&2
assert_rc 0 "exit code after poweroff on the console"
boot_check_host "the OpenRC guest (poweroff)"

# The kill signal from outside: SIGTERM to nspawn sends SIGINT to init once the guest is up.
cat > "$T/steps" <<X
expect $name login: \$
signal TERM
expect Will now halt
X
boot_console 60 "$T/console" "$T/steps" -- -q -M "$name" -D "$root" -b --kill-signal=SIGINT
tr -d '\r' < "$T/console" | sed 's/^/# console: /' >&2
assert_rc 0 "exit code after SIGTERM with --kill-signal=SIGINT"
boot_check_host "the OpenRC guest (SIGINT)"
