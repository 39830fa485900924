#!/bin/bash
# User namespaces are the next issue's: until then --private-users=pick says so and fails.
. "$(dirname "$0")/lib.sh"
expect_differ "systemd-nspawn 252 implements --private-users; ours refuses it until it is built"

capture OUT nspawn -q -D "$ROOTFS" --private-users=pick /bin/true
assert_rc 1 "--private-users=pick"
assert_contains "$(cat "$T/stderr")" "not supported yet" "message"
