#!/bin/bash
# /proc/sys and /sys are read-only inside; host values cannot be changed through them.
. "$(dirname "$0")/lib.sh"

# kernel/hostname is per UTS namespace, so the attempt could never touch the host.
run_sh -- 'echo changed > /proc/sys/kernel/hostname 2>&1; echo rc=$?; hostname'
assert_contains "$OUT" "Read-only file system" "write to /proc/sys/kernel/hostname"
assert_contains "$OUT" "rc=1"
assert_not_contains "$OUT" "changed" "hostname"

run_sh -- 'mkdir /sys/it-test 2>&1; echo rc=$?'
assert_contains "$OUT" "Read-only file system" "mkdir in /sys"

# /proc itself stays writable where it is per process.
run_sh -- 'echo 0 > /proc/self/oom_score_adj && echo ok'
assert_rc 0
assert_eq "$OUT" ok "write to /proc/self/oom_score_adj"
