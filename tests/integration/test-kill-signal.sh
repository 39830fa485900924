#!/bin/bash
# Orderly shutdown: SIGTERM to nspawn sends the kill signal to the container's PID 1
# (--kill-signal, SIGRTMIN+3 with -b); a second SIGTERM kills the container.
. "$(dirname "$0")/lib.sh"

rootfs_copy "$T/root"; root=$IT_ROOT
mkdir -p "$T/m"
cat > "$root/etc/inittab" <<'X'
::sysinit:/bin/touch /m/booted
::shutdown:/bin/echo Shutting down
X

# start OPTIONS...: boot busybox init in the background and wait until it runs.
start() {
        rm -f "$T/m/booted"
        nspawn_bg "$T/out" -q -D "$root" --bind="$T/m:/m" "$@"
        wait_for "[[ -e $T/m/booted ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not boot: $(cat "$T/out")"; }
}
finish() {   # finish: wait for nspawn; RC = its exit code
        wait_for "! kill -0 $BG_PID 2>/dev/null" 20 || { kill -KILL "$BG_PID"; fail "nspawn still runs: $(cat "$T/out")"; }
        wait "$BG_PID"; RC=$?
}

# busybox init powers off on SIGUSR2: a clean shutdown, exit code 0.
start -b --kill-signal=SIGUSR2
kill -TERM "$BG_PID"
finish
assert_rc 0 "exit code after SIGTERM with --kill-signal=SIGUSR2"
assert_contains "$(tr -d '\r' < "$T/out")" "Shutting down" "busybox init's shutdown action"

# KillSignal= from a trusted settings file works the same (SIGINT: busybox init reboots → 133).
mkdir -p /run/systemd/nspawn
at_exit 'rm -f /run/systemd/nspawn/root.nspawn; rmdir /run/systemd/nspawn 2>/dev/null'
printf '[Exec]\nKillSignal=SIGUSR2\n' > /run/systemd/nspawn/root.nspawn
start -b
kill -TERM "$BG_PID"
finish
assert_rc 0 "exit code after SIGTERM with KillSignal=SIGUSR2"
rm -f /run/systemd/nspawn/root.nspawn

# -b's default, SIGRTMIN+3, is ignored by busybox init: the first SIGTERM only asks, the second
# kills the container (exit 1), nothing is left behind.
IT_NOQUIET=1
rm -f "$T/m/booted"
nspawn_bg "$T/out" -D "$root" --bind="$T/m:/m" -b
wait_for "[[ -e $T/m/booted ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not boot"; }
kill -TERM "$BG_PID"
wait_for "grep -q 'Trying to halt container' $T/out" 5 || fail "no halt message: $(cat "$T/out")"
sleep 0.5
kill -0 "$BG_PID" 2>/dev/null || fail "nspawn ended after the first SIGTERM: $(cat "$T/out")"
kill -TERM "$BG_PID"
finish
assert_rc 1 "exit code after the second SIGTERM"

# A plain payload with --kill-signal: the shell's trap runs and sets the exit code.
rm -f "$T/m/booted"
nspawn_bg "$T/out" -q -D "$root" --bind="$T/m:/m" --kill-signal=SIGUSR1 \
        /bin/sh -c 'trap "exit 7" USR1; touch /m/booted; while :; do sleep 0.1; done'
wait_for "[[ -e $T/m/booted ]]" 20 || { kill -KILL "$BG_PID"; fail "the payload did not start"; }
kill -TERM "$BG_PID"
finish
assert_rc 7 "exit code of the payload after its kill signal"
