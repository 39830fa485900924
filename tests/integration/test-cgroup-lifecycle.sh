#!/bin/bash
# The container's cgroups go away however it ends: SIGTERM to nspawn, SIGKILL to nspawn (its guard
# process removes them, as it does after a normal end, a moment after nspawn exits), and stale ones
# of a supervisor that died before it could are removed by the next start of the same machine. A
# populated cgroup of the same name means "already running"; starts of the same machine one right
# after the other all work (each waits for the previous run's guard), and so do starts of several
# machines at the same time.
. "$(dirname "$0")/lib.sh"
expect_differ "systemd-nspawn 252 without systemd leaves payload/ and supervisor/ behind"

mode=$(stat -f -c %T /sys/fs/cgroup)
[[ $mode == cgroup2fs || $mode == tmpfs ]] || skip "no cgroup file system at /sys/fs/cgroup"
M=cglife$$
SCOPE="machine-$M.scope"
if [[ $mode == cgroup2fs ]]; then MAIN=/sys/fs/cgroup; HIERS=(/sys/fs/cgroup)
else
        MAIN=/sys/fs/cgroup/systemd; [[ -d /sys/fs/cgroup/unified ]] && MAIN=/sys/fs/cgroup/unified
        HIERS=(); for d in /sys/fs/cgroup/*/; do d=${d%/}; [[ ! -L $d ]] && HIERS+=("$d"); done
fi
gone() { local h; for h in "${HIERS[@]}"; do [[ -e $h/machine.slice/$SCOPE ]] && return 1; done; return 0; }

mkdir -p "$T/m"
start() {
        rm -f "$T/m/started"
        nspawn_bg "$T/out" -q -D "$ROOTFS" -M "$M" --bind="$T/m:/m" /bin/sh -c 'touch /m/started; sleep 1000 & exec sleep 1001'
        wait_for "[[ -e $T/m/started ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not start: $(cat "$T/out")"; }
        [[ -d $MAIN/machine.slice/$SCOPE/payload ]] || { kill -KILL "$BG_PID"; fail "no cgroup $MAIN/machine.slice/$SCOPE/payload"; }
}

# SIGTERM
start
kill -TERM "$BG_PID"; wait "$BG_PID"
wait_for gone 5 || fail "cgroups remain 5 s after SIGTERM: $(ls -d /sys/fs/cgroup/*/machine.slice/"$SCOPE" 2>&1)"

# back to back: each start finds the previous run's cgroups being removed, and waits for that
for i in 1 2 3 4 5 6 7 8; do
        capture OUT nspawn -q -D "$ROOTFS" -M "$M" /bin/sh -c "cat /proc/self/cgroup | grep -c ':/\$'"
        assert_rc 0 "start $i of $M right after the previous one"
        [[ $OUT -ge 1 ]] || fail "start $i: the container is not in its own cgroup namespace: $OUT"
done
wait_for gone 5 || fail "cgroups remain 5 s after the last of the back-to-back runs"

# three machines started over and over at the same time: each one's guard removes the shared,
# then empty machine.slice while the others make their scopes in it (they start over then)
race() { local i; for i in $(seq 15); do nspawn -q --read-only -D "$ROOTFS" -M "$M-$1" /bin/true || echo "run $i of $1 failed"; done; }
race a > "$T/race-a" 2>&1 & ra=$!
race b > "$T/race-b" 2>&1 & rb=$!
race c > "$T/race-c" 2>&1
wait $ra $rb
[[ -z $(cat "$T"/race-*) ]] || fail "concurrent starts failed: $(cat "$T"/race-*)"
for m in a b c; do
        wait_for "[[ -z \$(ls -d /sys/fs/cgroup/*/machine.slice/machine-$M-$m.scope 2>/dev/null) ]]" 5 ||
                fail "machine $M-$m's cgroups remain"
done

# a second container of the same name (another tree) while the first runs: refused (by the
# machine registry or by the busy cgroup), the first is untouched
cp -a "$ROOTFS" "$T/second"
IT_ROOTS+=("$T/second")
start
at_exit "kill -KILL $BG_PID 2>/dev/null"
capture OUT2 nspawn -q -D "$T/second" -M "$M" true
assert_rc 1 "second start of $M"
assert_match "$(cat "$T/stderr")" "already (running|exists)"
[[ -n $(cat "$MAIN/machine.slice/$SCOPE/payload/cgroup.procs") ]] || fail "the running container lost its cgroup"

# SIGKILL of nspawn: the container dies with it, the guard removes its cgroups
kill -KILL "$BG_PID"; wait "$BG_PID" 2>/dev/null
wait_for gone 5 || fail "cgroups remain 5 s after SIGKILL of nspawn: $(ls -d /sys/fs/cgroup/*/machine.slice/"$SCOPE" 2>&1)"

# stale, empty cgroups of this machine (a supervisor killed before its guard ran): the next
# start removes them, sub-cgroups included
for h in "${HIERS[@]}"; do
        [[ $(stat -f -c %T "$h") == cgroup* ]] || continue
        mkdir -p "$h/machine.slice/$SCOPE/payload/stale-sub" 2>/dev/null
        [[ $h == */cpuset ]] && { cat "$h/cpuset.cpus" > "$h/machine.slice/cpuset.cpus"; cat "$h/cpuset.mems" > "$h/machine.slice/cpuset.mems"; }
done
at_exit "for h in ${HIERS[*]}; do rmdir \"\$h/machine.slice/$SCOPE/payload/stale-sub\" \"\$h/machine.slice/$SCOPE/payload\" \"\$h/machine.slice/$SCOPE\" \"\$h/machine.slice\" 2>/dev/null; done"
run_sh -M "$M" -- 'true'
assert_rc 0 "start over stale cgroups"
wait_for gone 5 || fail "stale cgroups remain after the next start: $(ls -d /sys/fs/cgroup/*/machine.slice/"$SCOPE" 2>&1)"
exit 0
