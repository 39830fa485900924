#!/bin/bash
# --inaccessible=PATH: the path is there but cannot be read, whatever the host has.
. "$(dirname "$0")/lib.sh"
rootfs_copy "$T/root"   # mount points get created in the image
[[ -d /run/systemd/inaccessible ]] || expect_differ "systemd-nspawn 252 needs the host's /run/systemd/inaccessible (made by systemd as PID 1)"

# Root (with CAP_DAC_OVERRIDE) may open the mode-000 node over it, but sees nothing of the image.
run_sh --inaccessible=/etc/passwd --inaccessible=/home -- 'cat /etc/passwd 2>&1; echo rc=$?; ls /home 2>&1; echo rc=$?; grep -E " /(etc/passwd|home) " /proc/self/mountinfo | wc -l'
assert_rc 0
assert_not_contains "$OUT" "root:x:0:0" "content of an inaccessible file"
assert_not_contains "$OUT" "test" "listing of an inaccessible directory"
assert_eq "$(tail -n1 <<< "$OUT")" 2 "mounts over the inaccessible paths"
# Anyone else is refused.
run_sh --inaccessible=/etc/os-release --inaccessible=/home -u test -- 'cat /etc/os-release 2>&1; ls /home 2>&1; true'
assert_contains "$OUT" "Permission denied" "reading an inaccessible path as a user"
assert_not_contains "$OUT" "busybox-test" "content of an inaccessible file"
[[ -s $IT_ROOT/etc/passwd && -d $IT_ROOT/home/test ]] || fail "the image was changed"
