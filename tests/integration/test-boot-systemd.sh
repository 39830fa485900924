#!/bin/bash
# Debian bookworm with systemd (tests/rootfs/debian.sh systemd), booted with -b on the interactive
# console (console-getty): root logs in; the guest reaches multi-user.target;
# `systemctl is-system-running` says running (degraded only for the units in $expected_failed);
# the journal has this boot's messages; `systemctl poweroff` ends nspawn with 0; `systemctl reboot`
# gives 133 with --keep-unit and, without it, restarts the container in place; SIGTERM to nspawn
# (SIGRTMIN+3 to systemd) shuts it down with 0. The host is checked after every boot.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"
require python3

# Units allowed to fail in this environment (none so far). A degraded state for any other unit
# fails the test.
expected_failed=""

# systemd as PID 1 manages the cgroup tree it finds. Without a cgroup of its own for the container
# (and a cgroup namespace rooted there), it would create its scopes in the HOST's hierarchy roots
# and try to move the host's processes. So: is the container's PID 1 in a cgroup other than
# nspawn's own?
container_has_own_cgroup() {
        local pid child mine theirs n=50 own=1
        nspawn_bg "$T/probe" -q -M "sd-probe-$$" -D "$ROOTFS" /bin/sleep 30
        pid=$BG_PID
        while (( n-- > 0 )); do
                child=$(container_leader "$pid")
                mine=$(grep -E '^(0::|[0-9]+:name=systemd:)' "/proc/$pid/cgroup" 2>/dev/null)
                theirs=$(grep -E '^(0::|[0-9]+:name=systemd:)' "/proc/${child:-0}/cgroup" 2>/dev/null)
                [[ -n $theirs && $mine != "$theirs" ]] && { own=0; break; }
                sleep 0.1
        done
        # SIGTERM: nspawn ends the container and cleans up after itself.
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return $own
}
container_has_own_cgroup || skip "needs the container cgroup (the payload runs in nspawn's own cgroup)"

image=$(boot_image systemd) || exit
boot_root_copy "$image" "$T/systemd"
root=$T/systemd
# A name of its own: a concurrent run of this test elsewhere must not share the machine's cgroups.
name=sd-$$
guest=(-q -M "$name" -D "$root" -b)
login="expect $name login: \$
send root
expect root@$name:[^#]*# "

# 1. Boot, state, journal, poweroff.
cat > "$T/steps" <<X
$login
send s=\$(systemctl is-system-running --wait); echo "STATE=\$s FAILED=[\$(systemctl list-units --failed --plain --no-legend | awk '{ printf "%s ", \$1 }')]"
expect STATE=[a-z]+ FAILED=\\[
send echo "MULTIUSER=\$(systemctl is-active multi-user.target) JOURNAL=\$(journalctl -b -q --no-pager | grep -c 'Reached target.*Multi-User')"
expect MULTIUSER=[a-z]+ JOURNAL=[0-9]+
send systemctl poweroff
X
boot_console 90 "$T/console" "$T/steps" -- "${guest[@]}"
console=$(tr -d '\r' < "$T/console")
sed 's/^/# console: /' <<< "$console" >&2
assert_rc 0 "exit code after systemctl poweroff"
boot_check_host "the systemd guest (poweroff)"
state=$(grep -o 'STATE=[a-z]* FAILED=\[[^]]*\]' <<< "$console" | tail -n 1)
failed=$(sed 's/.*FAILED=\[\(.*\)\]/\1/' <<< "$state" | xargs)
case $state in
STATE=running*) ;;
STATE=degraded*) [[ -n $expected_failed && $failed == "$expected_failed" ]] ||
                fail "the guest is degraded: failed units [$failed], expected [$expected_failed]" ;;
*) fail "systemctl is-system-running: $state" ;;
esac
assert_match "$console" "MULTIUSER=active JOURNAL=[1-9]" "multi-user.target and the journal"

# 2. systemctl reboot with --keep-unit: nspawn ends with 133.
cat > "$T/steps" <<X
$login
send systemctl reboot
X
boot_console 90 "$T/console" "$T/steps" -- "${guest[@]}" --keep-unit
assert_rc 133 "exit code after systemctl reboot with --keep-unit"
boot_check_host "the systemd guest (reboot, --keep-unit)"

# 3. Without --keep-unit the container restarts in place: the second boot sees the first's mark.
rm -f "$root/root/rebooted"
cat > "$T/steps" <<X
$login
send [ -e /root/rebooted ] || { touch /root/rebooted; systemctl reboot; }
$login
send echo "MARK=\$(ls /root/rebooted)"
expect MARK=/root/rebooted
send systemctl poweroff
X
boot_console 120 "$T/console" "$T/steps" -- "${guest[@]}"
tr -d '\r' < "$T/console" | grep -E 'MARK=|login:' | sed 's/^/# console: /' >&2
assert_rc 0 "exit code after a reboot in place and a poweroff"
boot_check_host "the systemd guest (reboot in place)"

# 4. SIGTERM to nspawn: SIGRTMIN+3 to systemd, an orderly poweroff.
cat > "$T/steps" <<X
expect $name login: \$
signal TERM
X
boot_console 90 "$T/console" "$T/steps" -- "${guest[@]}"
assert_rc 0 "exit code after SIGTERM (SIGRTMIN+3 to systemd)"
boot_check_host "the systemd guest (SIGTERM)"
