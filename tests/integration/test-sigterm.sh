#!/bin/bash
# SIGTERM or SIGINT to nspawn (no --kill-signal): the container is killed, nspawn exits,
# nothing remains on the host (the host check looks for processes in the image).
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/m"
for sig in TERM INT; do
        rm -f "$T/m/started"
        nspawn_bg "$T/out" -q -D "$ROOTFS" --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000'
        wait_for "[[ -e $T/m/started ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not start: $(cat "$T/out")"; }
        kill -"$sig" "$BG_PID"
        wait_for "! kill -0 $BG_PID 2>/dev/null" 10 || { kill -KILL "$BG_PID"; fail "nspawn still runs 10 s after SIG$sig"; }
        wait "$BG_PID"
        rc=$?
        log "exit code after SIG$sig: $rc"
        [[ $rc != 0 ]] || fail "exit code 0 after SIG$sig killed the payload"
        wait_for "! pgrep -f 'sleep 1000' >/dev/null || [[ -z \$(it_root_processes) ]]" 5 ||
                fail "container processes remain after SIG$sig: $(it_root_processes)"
done
