#!/bin/bash
# timeout: 240
# Debian bookworm with systemd booted under -U, as systemd-nspawn@.service runs it: the guest's root
# is a picked range, the tree is id-mapped (nothing changes on disk), the guest's systemd manages
# its delegated cgroup and reaches a running state; poweroff ends nspawn with 0, a reboot in place
# comes back in the same range (the lease is kept across it), and the lease is gone afterwards.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"
require python3

image=$(boot_image systemd) || exit
boot_root_copy "$image" "$T/systemd"
root=$T/systemd
name=sdu-$$
guest=(-q -M "$name" -D "$root" -b -U)
login="expect $name login: \$
send root
expect root@$name:[^#]*# "

before=$(stat -c %u:%g "$root/etc/passwd")
cat > "$T/steps" <<X
$login
send s=\$(systemctl is-system-running --wait); echo "STATE=\$s FAILED=[\$(systemctl list-units --failed --plain --no-legend | awk '{ printf "%s ", \$1 }')]"
expect STATE=[a-z]+ FAILED=\\[
send echo "MAP=\$(awk '{ print \$1 ":" \$3 }' /proc/self/uid_map) OWNER=\$(stat -c %u:%g /etc/passwd) CG=\$(ls -d /sys/fs/cgroup/systemd/system.slice /sys/fs/cgroup/unified/system.slice 2>/dev/null | wc -l)"
expect MAP=[0-9:]+ OWNER=[0-9:]+ CG=[0-9]
send [ -e /root/rebooted ] || { touch /root/rebooted; echo "BASE1=\$(awk '{ print \$2 }' /proc/self/uid_map)"; systemctl reboot; }
$login
send echo "BASE2=\$(awk '{ print \$2 }' /proc/self/uid_map)"
expect BASE2=[0-9]+
send systemctl poweroff
X
boot_console 180 "$T/console" "$T/steps" -- "${guest[@]}"
console=$(tr -d '\r' < "$T/console")
grep -E 'STATE=|MAP=|BASE[12]=|Failed|failed' <<< "$console" | sed 's/^/# console: /' >&2
assert_rc 0 "exit code after a reboot in place and a poweroff"
boot_check_host "the systemd guest under -U"
state=$(grep -o 'STATE=[a-z]* FAILED=\[[^]]*\]' <<< "$console" | head -n 1)
assert_match "$state" "^STATE=running" "systemctl is-system-running under -U"
assert_match "$console" "MAP=0:65536 OWNER=0:0 CG=[12]" "the guest's view: its range, its files, its cgroups"
b1=$(grep -o 'BASE1=[0-9]\+' <<< "$console" | head -n 1) b2=$(grep -o 'BASE2=[0-9]\+' <<< "$console" | tail -n 1)
assert_eq "${b2#BASE2=}" "${b1#BASE1=}" "the range after a reboot in place"
assert_eq "$(stat -c %u:%g "$root/etc/passwd")" "$before" "the tree's owners on disk (id-mapped, not chowned)"
wait_for "[[ ! -e /run/systemd/nspawn-uid/${b1#BASE1=} ]]" 10 || fail "the lease stays after the container's end"
