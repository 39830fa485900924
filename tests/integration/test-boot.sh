#!/bin/bash
# -b boots the image's init (busybox init here); poweroff inside ends the container with 0,
# reboot with 133; SIGTERM to nspawn with --kill-signal=SIGUSR2 (busybox's poweroff signal)
# shuts it down cleanly.
. "$(dirname "$0")/lib.sh"

rootfs_copy "$T/root"; root=$IT_ROOT
cat > "$root/etc/inittab" <<'X'
::sysinit:/bin/echo Booted busybox
::sysinit:/etc/it-action
::shutdown:/bin/echo Shutting down
X
action() { printf '#!/bin/sh\n%s\n' "$1" > "$root/etc/it-action"; chmod +x "$root/etc/it-action"; }

action 'echo init is PID $PPID; poweroff'
capture OUT nspawn -q -D "$root" -b
assert_rc 0 "exit code after poweroff"
assert_contains "$OUT" "Booted busybox"
assert_contains "$OUT" "init is PID 1"
assert_contains "$OUT" "Shutting down"

action 'reboot'
capture OUT nspawn -q -D "$root" -b --keep-unit
assert_rc 133 "exit code after reboot with --keep-unit"

# Without --keep-unit a reboot restarts the container in place: the first boot reboots, the
# second (seeing the mark on the bind mount) powers off.
mkdir -p "$T/r"
action 'if [ -e /r/once ]; then echo second boot; poweroff; else touch /r/once; reboot; fi'
capture OUT nspawn -q -D "$root" -b --bind="$T/r:/r"
assert_rc 0 "exit code after reboot and poweroff"
assert_contains "$OUT" "second boot"

# Stopped from outside: SIGTERM to nspawn sends the kill signal to init.
mkdir -p "$T/m"
action 'touch /m/booted'
nspawn_bg "$T/out" -q -D "$root" -b --kill-signal=SIGUSR2 --bind="$T/m:/m"
pid=$BG_PID
wait_for "[[ -e $T/m/booted ]]" 20 || { kill -KILL $pid; fail "the container did not boot: $(cat "$T/out")"; }
kill -TERM $pid
wait_for "! kill -0 $pid 2>/dev/null" 20 || { kill -KILL $pid; fail "nspawn did not stop after SIGTERM"; }
wait $pid
RC=$?
assert_rc 0 "exit code after SIGTERM with --kill-signal=SIGUSR2"
assert_contains "$(tr -d '\r' < "$T/out")" "Shutting down"

# An image without os-release cannot be booted.
rm -f "$root/etc/os-release" "$root/usr/lib/os-release"
capture OUT nspawn -q -D "$root" -b
assert_rc 1 "boot without os-release"
