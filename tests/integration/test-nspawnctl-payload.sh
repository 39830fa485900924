#!/bin/bash
# nspawnctl and containers that were not booted: a shell script as PID 1 that logs the signals it
# gets (as the guest init of shared/reference/machinectl-behaviour.md): reboot sends SIGINT and
# poweroff SIGRTMIN+4 to it, as machinectl does (the script exits on the latter: nspawn exits
# 0); terminate makes nspawn kill a container that was not booted. --as-pid2: poweroff reaches
# the stub init, which stops the payload, and nspawn exits 0.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"

rootfs_copy "$T/root"; root=$IT_ROOT
mkdir -p "$root/var/log"
touch "$root/var/log/signals"
# 38 = SIGRTMIN+4 (glibc's SIGRTMIN is 34)
cat > "$root/trapinit.sh" <<'X'
for s in HUP USR1 TERM INT; do trap "echo $s >> /var/log/signals" $s; done
trap 'echo RTMIN+4 >> /var/log/signals; exit 0' 38
echo up >> /var/log/signals
while :; do sleep 1 & wait; done
X
logged() { grep -c -x "$1" "$root/var/log/signals"; }

name=pl-$$
nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" /bin/sh /trapinit.sh
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$name"
wait_for "[[ \$(logged up) == 1 ]]" 10 || fail "the payload did not start"

capture out ctl reboot "$name"
assert_rc 0
wait_for "[[ \$(logged INT) == 1 ]]" 5 || fail "reboot: no SIGINT at the payload"
capture out ctl kill --kill-whom=leader --signal=USR1 "$name"
assert_rc 0
wait_for "[[ \$(logged USR1) == 1 ]]" 5 || fail "kill --kill-whom=leader: no SIGUSR1 at the payload"
capture out ctl stop "$name"
assert_rc 0
bg_wait 10
assert_eq "$BG_RC" 0 "nspawn's exit code after stop (poweroff)"
assert_eq "$(logged RTMIN+4)" 1 "SIGRTMIN+4 at the payload"
ctl_wait_gone "$name"

# terminate: nspawn's SIGTERM path; without -b its kill signal is SIGKILL
nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" /bin/sh /trapinit.sh
ctl_wait_leader "$name"
capture out ctl terminate "$name"
assert_rc 0
bg_wait 10
assert_ne "$BG_RC" 124 "nspawn after terminate"
ctl_wait_gone "$name"

# --as-pid2: the stub init turns SIGRTMIN+4 into SIGTERM for the payload, then powers off
nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" --as-pid2 /bin/sleep 1000
ctl_wait_leader "$name"
capture out ctl poweroff "$name"
assert_rc 0
bg_wait 10
assert_eq "$BG_RC" 0 "nspawn's exit code after poweroff of an --as-pid2 container"
ctl_wait_gone "$name"
