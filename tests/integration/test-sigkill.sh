#!/bin/bash
# SIGKILL to nspawn: the container dies with it within a few seconds and nothing remains.
. "$(dirname "$0")/lib.sh"
expect_differ "systemd-nspawn 252 without systemd orphans the container when it is SIGKILLed"

mkdir -p "$T/m"
nspawn_bg "$T/out" -q -D "$ROOTFS" --bind="$T/m:/m" /bin/sh -c 'touch /m/started; sleep 1000 & exec sleep 1001'
wait_for "[[ -e $T/m/started ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not start: $(cat "$T/out")"; }
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ -z \$(it_root_processes) ]]" 5 || fail "container processes remain 5 s after SIGKILL of nspawn:
$(it_root_processes)"
