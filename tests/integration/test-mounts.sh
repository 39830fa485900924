#!/bin/bash
# The default mount set seen in /proc/self/mountinfo.
. "$(dirname "$0")/lib.sh"

run_sh -- 'cat /proc/self/mountinfo'
assert_rc 0
mi=$OUT
# mount point -> file system type
declare -A want=(
        [/proc]=proc [/sys]=sysfs [/dev]=tmpfs [/dev/pts]=devpts [/dev/shm]=tmpfs
        [/dev/mqueue]=mqueue [/run]=tmpfs [/tmp]=tmpfs [/run/host]=tmpfs [/proc/sys]=proc
)
for mp in "${!want[@]}"; do
        e=$(mount_entry "$mi" "$mp")
        [[ -n $e ]] || fail "no mount on $mp in mountinfo:
$mi"
        read -r opts type src <<< "$e"
        assert_eq "$type" "${want[$mp]}" "file system type of $mp"
done
assert_match "$(mount_entry "$mi" /sys)" '^ro[, ]' "/sys"
assert_match "$(mount_entry "$mi" /proc/sys)" '^ro[, ]' "/proc/sys"
assert_match "$(mount_entry "$mi" /run/host)" '^ro[, ]' "/run/host"
# The host's os-release is bound in: opening it for writing (without writing) must fail.
run_sh -- '( : >> /run/host/os-release ) 2>&1; echo rc=$?'
assert_contains "$OUT" "Read-only file system" "open /run/host/os-release for writing"
for mp in /proc /dev /dev/shm /tmp /run; do
        assert_match "$(mount_entry "$mi" "$mp")" '(^|,)nosuid(,| )' "$mp is nosuid"
done
# / is the image, read-write by default.
assert_match "$(mount_entry "$mi" /)" '^rw[, ]' "/"

# The host's mount points are not visible as such: no mount point carries the image's host path.
if awk '{ print $5 }' <<< "$mi" | grep -q "^$ROOTFS"; then fail "a host path is a mount point inside"; fi
