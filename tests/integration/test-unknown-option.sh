#!/bin/bash
# Bad command lines fail with exit 1 and a message, before anything runs.
. "$(dirname "$0")/lib.sh"

capture OUT nspawn -D "$ROOTFS" --frobnicate /bin/true
assert_rc 1 "unknown option"
assert_contains "$(cat "$T/stderr")" "frobnicate" "message for an unknown option"

capture OUT nspawn -D "$ROOTFS" --kill-signal=SIGNOPE /bin/true
assert_rc 1 "--kill-signal=SIGNOPE"

capture OUT nspawn -D "$ROOTFS" --console=loud /bin/true
assert_rc 1 "--console=loud"

# Options after the command belong to the payload.
capture OUT nspawn -q -D "$ROOTFS" /bin/echo --frobnicate -M x
assert_rc 0 "options after the command"
assert_eq "$OUT" "--frobnicate -M x" "payload arguments"

capture OUT nspawn --help
assert_rc 0 "--help"
assert_contains "$OUT" "--directory" "--help"
