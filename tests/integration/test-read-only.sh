#!/bin/bash
# --read-only: the image cannot be written; /tmp, /run, /dev still can; the host's file
# systems keep their options (the host check compares mountinfo).
. "$(dirname "$0")/lib.sh"

rootfs_copy "$T/root"; root=$IT_ROOT
before=$(cd "$root" && find . | sort)
run_sh --read-only -- 'touch /it-file 2>&1; echo rc=$?; touch /etc/it-file 2>&1; echo rc=$?; echo a > /tmp/a && echo b > /run/b && echo tmp-ok'
assert_rc 0
assert_contains "$OUT" "Read-only file system" "touch /it-file"
assert_not_contains "$OUT" "rc=0" "touch in the image"
assert_contains "$OUT" tmp-ok "write to /tmp and /run"
assert_eq "$(cd "$root" && find . | sort)" "$before" "files of the image"

# Without it the image is writable.
run_sh -- 'touch /it-file && echo ok'
assert_eq "$OUT" ok "touch without --read-only"
[[ -e $root/it-file ]] || fail "the write did not reach the image"
