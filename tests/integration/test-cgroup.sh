#!/bin/bash
# The container's cgroups: its own cgroup in every hierarchy (no process in a cgroup v1 root:
# CVE-2022-0492), a cgroup namespace ("…:/" inside), /sys/fs/cgroup as systemd-nspawn 252 lays it
# out, --property limits, --slice, --keep-unit, and nothing left after the container exits.
. "$(dirname "$0")/lib.sh"

mode=$(stat -f -c %T /sys/fs/cgroup)
[[ $mode == cgroup2fs || $mode == tmpfs ]] || skip "no cgroup file system at /sys/fs/cgroup"
M=cgtest$$
SCOPE="machine-$M.scope"
if [[ $mode == cgroup2fs ]]; then HIERS=(/sys/fs/cgroup); MAIN=/sys/fs/cgroup
else
        HIERS=()
        for d in /sys/fs/cgroup/*/; do
                d=${d%/}
                [[ $(stat -f -c %T "$d") == cgroup* && ! -L $d ]] && HIERS+=("$d")
        done
        MAIN=/sys/fs/cgroup/systemd; [[ -d /sys/fs/cgroup/unified ]] && MAIN=/sys/fs/cgroup/unified
fi

# 1. inside: every hierarchy shows the namespace root
run_sh -M "$M" -- 'cat /proc/self/cgroup'
assert_rc 0
while IFS= read -r l; do
        [[ $l == *:/ ]] || fail "not in its own cgroup namespace: $l"
done <<< "$OUT"

# 2. on the host, while it runs: its own cgroup in every hierarchy, none of them a root
mkdir -p "$T/m"
nspawn_bg "$T/out" -q -D "$ROOTFS" -M "$M" --bind="$T/m:/m" --property=TasksMax=20 --property=MemoryMax=256M \
        /bin/sh -c 'echo $$ > /m/started; exec sleep 1000'
wait_for "[[ -s $T/m/started ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not start: $(cat "$T/out")"; }
pids=$(cat "$MAIN/machine.slice/$SCOPE/payload/cgroup.procs" 2>/dev/null)
[[ -n $pids ]] || { kill -KILL "$BG_PID"; fail "no process in $MAIN/machine.slice/$SCOPE/payload"; }
for pid in $pids; do
        while IFS=: read -r id ctrl path; do
                [[ $path == /machine.slice/$SCOPE || $path == /machine.slice/$SCOPE/* ]] ||
                        { kill -KILL "$BG_PID"; fail "pid $pid is in $id:$ctrl:$path, not in its own cgroup"; }
        done < "/proc/$pid/cgroup"
done
log "container cgroups: $(tr '\n' ' ' < "/proc/${pids%% *}/cgroup")"
if [[ $mode == tmpfs ]]; then
        assert_eq "$(cat "/sys/fs/cgroup/pids/machine.slice/$SCOPE/pids.max")" 20 "pids.max"
        assert_eq "$(cat "/sys/fs/cgroup/memory/machine.slice/$SCOPE/memory.limit_in_bytes")" 268435456 "memory limit"
        # the limits sit above the container's namespace root: not writable from inside
        [[ -d /sys/fs/cgroup/pids/machine.slice/$SCOPE/payload ]] || fail "pids: the container is not below the limit"
else
        assert_eq "$(cat "/sys/fs/cgroup/machine.slice/$SCOPE/pids.max" 2>/dev/null || echo none)" 20 "pids.max"
fi
kill -TERM "$BG_PID"
wait "$BG_PID"
# removed by the guard a moment after nspawn exits
for h in "${HIERS[@]}"; do
        wait_for "[[ ! -e $h/machine.slice/$SCOPE ]]" 5 || fail "$h/machine.slice/$SCOPE remains 5 s after exit"
done

# 3. /sys/fs/cgroup inside
run_sh -M "$M" -- 'cat /proc/self/mountinfo; mkdir /sys/fs/cgroup/systemd/sub 2>/dev/null || mkdir /sys/fs/cgroup/sub && echo SUBOK;
        mkdir /sys/fs/cgroup/memory/x 2>/dev/null && echo MEMORY-WRITABLE; echo $$ > /sys/fs/cgroup/memory/cgroup.procs 2>/dev/null && echo PROCS-WRITABLE; true'
assert_rc 0
assert_contains "$OUT" SUBOK "a sub-cgroup of the container's own"
assert_not_contains "$OUT" MEMORY-WRITABLE
if [[ $mode == tmpfs ]]; then
        assert_match "$(mount_entry "$OUT" /sys/fs/cgroup)" "^ro,.* tmpfs" "/sys/fs/cgroup"
        assert_match "$(mount_entry "$OUT" /sys/fs/cgroup/systemd)" "^rw,.* cgroup" "name=systemd"
        assert_match "$(mount_entry "$OUT" /sys/fs/cgroup/memory)" "^ro,.* cgroup" "memory"
        [[ -d /sys/fs/cgroup/unified ]] && assert_match "$(mount_entry "$OUT" /sys/fs/cgroup/unified)" "^rw,.* cgroup2" "unified"
else
        assert_match "$(mount_entry "$OUT" /sys/fs/cgroup)" "^rw,.* cgroup2" "/sys/fs/cgroup"
fi

# 4. TasksMax caps a fork bomb (a small, bounded one: 40 sleeps against a limit of 15; the
#    inner shell gives up at the first failed fork, the sleeps end with the container)
run_sh -M "$M" --property=TasksMax=15 -- 'sh -c "i=0; while [ \$i -lt 40 ]; do sleep 3 & i=\$((i+1)); done" 2>/dev/null
        f=/sys/fs/cgroup/pids/pids.current; [ -e $f ] || f=/sys/fs/cgroup/pids.current
        read c < $f; echo current=$c'
log "$OUT"
procs=${OUT##*current=}
[[ $procs =~ ^[0-9]+$ ]] && (( procs <= 15 && procs >= 5 )) || fail "TasksMax=15 did not cap the processes: $OUT"

# 5. --slice and --keep-unit
run_sh -M "$M" --slice=cgt-a -- 'cat /proc/self/cgroup >/dev/null; sleep 0.2'
assert_rc 0
run_sh -M "$M" --keep-unit -- 'true'
assert_rc 0
for h in "${HIERS[@]}"; do
        wait_for "[[ ! -e $h/cgt.slice ]]" 5 || fail "$h/cgt.slice remains"
done

# 6. --keep-unit started from inside a unit's cgroup: the container is that cgroup's payload/
# (systemd-nspawn's layout), and the unit's cgroup is left as it was.
unit=it-keep-unit-$$
mkdir "$MAIN/$unit"
at_exit "rmdir '$MAIN/$unit' 2>/dev/null"
bash -c "echo \$\$ > '$MAIN/$unit/cgroup.procs'; exec $(printf '%q ' "${NSPAWN_CMD[@]}") -q --keep-unit -M '$M' -D '$ROOTFS' sleep 3" </dev/null >/dev/null 2>&1 &
kpid=$!
wait_for "grep -q . $MAIN/$unit/payload/cgroup.procs 2>/dev/null" 10 || fail "the container is not in $MAIN/$unit/payload"
wait $kpid || fail "--keep-unit run failed"
wait_for "[[ ! -e $MAIN/$unit/payload ]]" 5 || fail "--keep-unit left $MAIN/$unit/payload behind"
[[ -d $MAIN/$unit ]] || fail "--keep-unit removed the unit's own cgroup $MAIN/$unit"
exit 0
