#!/bin/bash
# Stopping a plain payload (no -b) from outside: without a kill signal, SIGINT or SIGTERM to
# nspawn kills the container (the payload's traps do not run) and nspawn exits 1; with
# --kill-signal, SIGTERM and SIGINT send that signal to the payload (PID 1) and nspawn ends with
# its exit code; a second SIGTERM kills at once. Nothing of the container remains afterwards.
# (test-kill-signal.sh covers -b and busybox init.)
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/m"
# start ARGS...: start nspawn in the background (BG_PID), wait for the payload's /m/started.
start() {
        rm -f "$T/m/started"
        nspawn_bg "$T/out" -D "$ROOTFS" --bind="$T/m:/m" "$@"
        at_exit "kill -KILL $BG_PID 2>/dev/null"
        wait_for "[[ -e $T/m/started ]]" 20 || fail "the container did not start: $(cat "$T/out")"
}
# finish WHAT: wait (10 s at most) for nspawn's exit; RC = its code; no container process left.
finish() {
        wait_for "! kill -0 $BG_PID 2>/dev/null" 10 || fail "nspawn still runs 10 s after $1"
        wait "$BG_PID"
        RC=$?
        log "$1: exit code $RC; $(tr -d '\r' < "$T/out" | tr '\n' '|')"
        wait_for "[[ -z \$(it_root_processes) ]]" 5 || fail "container processes remain after $1:
$(it_root_processes)"
}

for sig in INT TERM; do
        start /bin/sh -c 'trap "echo payload-got-it; exit 7" INT TERM; touch /m/started; sleep 1000 & wait'
        kill -$sig "$BG_PID"
        finish "SIG$sig without --kill-signal"
        assert_rc 1 "exit code after SIG$sig without --kill-signal"
        assert_not_contains "$(cat "$T/out")" payload-got-it "output after SIG$sig without --kill-signal"
        assert_contains "$(cat "$T/out")" "terminated by signal KILL" "status line after SIG$sig"
done

# --kill-signal=SIGTERM: the payload's trap runs and its exit code is nspawn's.
start --kill-signal=SIGTERM /bin/sh -c 'trap "echo payload-got-term; exit 5" TERM; touch /m/started; sleep 1000 & wait'
kill -TERM "$BG_PID"
finish "SIGTERM with --kill-signal=SIGTERM"
assert_rc 5 "exit code after SIGTERM with --kill-signal=SIGTERM"
assert_contains "$(tr -d '\r' < "$T/out")" payload-got-term "output"
assert_contains "$(cat "$T/out")" "Send SIGTERM again to trigger immediate termination." "status line"

# SIGINT to nspawn sends the kill signal too.
start --kill-signal=SIGUSR1 /bin/sh -c 'trap "exit 6" USR1; touch /m/started; sleep 1000 & wait'
kill -INT "$BG_PID"
finish "SIGINT with --kill-signal=SIGUSR1"
assert_rc 6 "exit code after SIGINT with --kill-signal=SIGUSR1"

# A payload that does not stop: the first SIGTERM is forwarded, the second kills at once.
start --kill-signal=SIGTERM /bin/sh -c 'trap "echo payload-ignores-it" TERM; touch /m/started; while :; do sleep 1; done'
kill -TERM "$BG_PID"
wait_for "grep -q payload-ignores-it $T/out" 10 || fail "the payload did not get the first SIGTERM: $(cat "$T/out")"
kill -0 "$BG_PID" 2>/dev/null || fail "nspawn ended after the first SIGTERM although the payload goes on"
t0=$(date +%s%N)
kill -TERM "$BG_PID"
finish "a second SIGTERM"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
assert_rc 1 "exit code after a second SIGTERM"
(( ms < 2000 )) || fail "nspawn took ${ms} ms to end after the second SIGTERM"
