#!/bin/bash
# Churn: many starts of one machine, each nspawn killed 0-50 ms after it was started (SIGKILL and
# SIGTERM taking turns), i.e. at every moment of its start-up. Whatever moment nspawn dies at,
# nothing of it may remain: no cgroup in any hierarchy, no registry record, no process, no mount.
# CHURN_CYCLES (default 1000) sets the number of starts.
# timeout: 240
. "$(dirname "$0")/lib.sh"
expect_differ "systemd-nspawn 252 without systemd orphans the container when it is SIGKILLed"

cycles=${CHURN_CYCLES:-1000}
name=it-churn-$$

# The machine's cgroups in every hierarchy, and its record.
leftovers() {
        find /sys/fs/cgroup -maxdepth 5 -type d -name "machine-${name//-/\\\\x2d}.scope" 2>/dev/null
        [[ -e /run/nspawn/machines/$name ]] && echo "/run/nspawn/machines/$name"
}

started=0 killed=0 termed=0
for ((i = 0; i < cycles; i++)); do
        nspawn_bg /dev/null -q -D "$ROOTFS" -M "$name" --register=no /bin/sleep 30
        # 0-50 ms: before, during and after the container's start-up
        sleep "0.0$(printf '%02d' $((RANDOM % 50)))"
        if ((i % 2)); then
                kill -KILL "$BG_PID" 2>/dev/null && killed=$((killed + 1))
        else
                kill -TERM "$BG_PID" 2>/dev/null && termed=$((termed + 1))
        fi
        wait "$BG_PID" 2>/dev/null
        started=$((started + 1))
        # a start may meet the previous run's guard at work (it waits for it); never a leak
done
log "$started starts: $killed SIGKILLed, $termed SIGTERMed"

# The guards work after their nspawn is gone (and wait for the container to die): a moment.
wait_for "[[ -z \$(leftovers) && -z \$(it_root_processes) ]]" 20 ||
        fail "left behind after $started killed starts:
$(leftovers)
$(it_root_processes)"
