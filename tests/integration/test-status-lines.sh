#!/bin/bash
# nspawn's own status lines, as systemd-nspawn prints them, and none with -q.
. "$(dirname "$0")/lib.sh"

capture OUT nspawn -D "$ROOTFS" -M itstatus /bin/true
assert_rc 0
err=$(cat "$T/stderr")
assert_contains "$err" "Spawning container itstatus on $ROOTFS." "stderr"
assert_contains "$err" "Container itstatus exited successfully." "stderr"

capture OUT nspawn -D "$ROOTFS" -M itstatus /bin/sh -c 'exit 7'
assert_rc 7
assert_contains "$(cat "$T/stderr")" "Container itstatus failed with error code 7." "stderr"

capture OUT nspawn -q -D "$ROOTFS" -M itstatus /bin/true
assert_not_contains "$(cat "$T/stderr")" "Spawning container" "stderr with -q"
assert_not_contains "$(cat "$T/stderr")" "exited successfully" "stderr with -q"
