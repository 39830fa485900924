#!/bin/bash
# nspawnctl and a Debian systemd guest (tests/rootfs/debian.sh systemd) booted with nspawn -b:
# status shows its OS and its cgroup tree (init.scope, system.slice ...); kill --kill-whom=leader
# reaches systemd; reboot (SIGINT, systemd's ctrl-alt-del) restarts the container in place;
# poweroff (SIGRTMIN+4) ends nspawn with 0. The host is checked after the run.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"
. "$IT_DIR/lib-nspawnctl.sh"

image=$(boot_image systemd) || exit
boot_root_copy "$image" "$T/systemd"
root=$T/systemd

name=sd-$$
nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" -b --private-network
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$name"
booted() {
        local s
        s=$(timeout 10 nsenter -t "$(ctl_leader "$name")" -a systemctl is-system-running 2>/dev/null)
        [[ $s == running || $s == degraded ]]
}
wait_for booted 60 || fail "the guest did not finish booting"

capture out ctl status "$name"
assert_rc 0
assert_line "$out" $'\t  Leader: '"$LEADER (systemd)"
assert_line "$out" $'\t      OS: Debian GNU/Linux 12 (bookworm)'
assert_match "$out" $'\n\t\t    [├└]─init.scope\n' "status: the guest's own cgroups"
assert_match "$out" "─ *$LEADER /[a-z/]*(systemd|init)" "status: systemd in the tree"
capture out ctl show -p State --value "$name"
assert_eq "$out" running

# reboot: SIGINT → systemd's ctrl-alt-del.target → reboot → nspawn restarts it in place
capture out ctl reboot "$name"
assert_rc 0
old=$LEADER
wait_for "[[ -n \$(ctl_leader $name) && \$(ctl_leader $name) != $old ]]" 60 ||
        fail "the guest was not restarted after reboot: $(tail -n 5 "$T/nspawn.out")"
kill -0 "$BG_PID" || fail "nspawn ended on reboot"
ctl_wait_leader "$name"
wait_for booted 60 || fail "the guest did not boot again"

# poweroff: SIGRTMIN+4 → nspawn exits 0
capture out ctl poweroff "$name"
assert_rc 0
bg_wait 60
assert_eq "$BG_RC" 0 "nspawn's exit code after poweroff"
ctl_wait_gone "$name"
boot_check_host "the systemd guest"
