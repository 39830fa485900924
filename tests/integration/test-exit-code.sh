#!/bin/bash
# The payload's exit code is nspawn's exit code; 133 is reserved (→ 1); a failed exec is 1.
. "$(dirname "$0")/lib.sh"

for code in 0 1 7 42 255; do
        capture out nspawn -q -D "$ROOTFS" /bin/sh -c "exit $code"
        assert_rc "$code" "exit $code"
done

capture out nspawn -q -D "$ROOTFS" /bin/sh -c 'exit 133'
assert_rc 1 "exit 133 (reserved for reboot)"

capture out nspawn -q -D "$ROOTFS" /bin/false
assert_rc 1 "/bin/false"

capture out nspawn -q -D "$ROOTFS" /nonexistent-binary
assert_rc 1 "exec of a missing binary"
assert_contains "$out $(cat "$T/stderr")" "nonexistent-binary" "output of a failed exec"
