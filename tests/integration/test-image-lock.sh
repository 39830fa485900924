#!/bin/bash
# Two containers cannot use the same tree read-write at the same time.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/m"
nspawn_bg "$T/out" -q -D "$ROOTFS" --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000'
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
wait_for "[[ -e $T/m/started ]]" 20 || fail "the first container did not start: $(cat "$T/out")"

capture OUT nspawn -q -D "$ROOTFS" -M second /bin/true
assert_rc 1 "second container on the same tree"
assert_contains "$(cat "$T/stderr")" "busy" "message"

kill -TERM "$BG_PID"
wait "$BG_PID" 2>/dev/null
# Free again afterwards.
capture OUT nspawn -q -D "$ROOTFS" /bin/true
assert_rc 0 "container after the first one ended"
