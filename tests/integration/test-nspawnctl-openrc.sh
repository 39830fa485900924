#!/bin/bash
# nspawnctl and a Debian sysvinit + OpenRC guest (tests/rootfs/debian.sh openrc) booted with
# nspawn -b: status shows its OS and processes; reboot asks sysvinit for runlevel 6 through the
# guest's /run/initctl (nspawn restarts the container in place); poweroff asks for runlevel 0 (no
# signal powers sysvinit off) and nspawn exits 0. The host is checked after the run.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"
. "$IT_DIR/lib-nspawnctl.sh"

image=$(boot_image openrc) || exit
boot_root_copy "$image" "$T/openrc"
root=$T/openrc

name=rc-$$
nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" -b --private-network
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$name"
# sysvinit listens on /run/initctl once it is up; the guest's boot is done when getty runs
wait_for "pgrep -f -P \$(ctl_leader $name) getty >/dev/null" 40 || fail "the guest did not finish booting"

capture out ctl status "$name"
assert_rc 0
assert_line "$out" $'\t  Leader: '"$LEADER (init)"
assert_line "$out" $'\t      OS: Debian GNU/Linux 12 (bookworm)'
assert_match "$out" $'\n\t\t    [├└]─ *'"$LEADER init"
capture out ctl list --no-legend
assert_line "$out" "$name container nspawn debian 12 -"

# reboot: runlevel 6 → OpenRC stops the services → reboot(2) → nspawn starts the guest again
capture out ctl reboot "$name"
assert_rc 0
old=$LEADER
wait_for "[[ -n \$(ctl_leader $name) && \$(ctl_leader $name) != $old ]]" 60 ||
        fail "the guest was not restarted after reboot: $(tail -n 5 "$T/nspawn.out")"
kill -0 "$BG_PID" || fail "nspawn ended on reboot (exit: $(wait "$BG_PID"; echo $?))"
ctl_wait_leader "$name"
wait_for "pgrep -f -P \$(ctl_leader $name) getty >/dev/null" 40 || fail "the guest did not boot again"

# poweroff: runlevel 0 → nspawn exits 0
capture out ctl poweroff "$name"
assert_rc 0
bg_wait 60
assert_eq "$BG_RC" 0 "nspawn's exit code after poweroff"
ctl_wait_gone "$name"
boot_check_host "the OpenRC guest"
