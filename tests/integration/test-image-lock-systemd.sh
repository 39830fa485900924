#!/bin/bash
# nspawn takes systemd's lock of the tree as well (/run/systemd/nspawn/locks/inode-DEV:INO), so it
# and systemd-nspawn 252 (and machined, and nspawnctl) never run one tree read-write at once:
# whichever comes second is refused as busy; read-only runs share it. The lock file goes with its
# last holder, also when nspawn is SIGKILLed (its guard removes it).
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"
[[ $IT_REFERENCE == 1 ]] && skip "this test runs nspawn and systemd-nspawn side by side"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn is not installed"
SD_NSPAWN=(systemd-nspawn --register=no --keep-unit -q)

# systemd-nspawn --keep-unit makes payload/ and supervisor/ below its own cgroup and leaves
# payload/ behind: it runs in a cgroup of this test's (in the hierarchies it uses), removed at exit.
sd_cg=it-image-lock-$$
sd_hierarchies=(/sys/fs/cgroup)
[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] || sd_hierarchies=(/sys/fs/cgroup/systemd /sys/fs/cgroup/unified)
for h in "${sd_hierarchies[@]}"; do
        [[ -d $h ]] || continue
        mkdir "$h/$sd_cg" || fail "cannot make the cgroup $h/$sd_cg"
        at_exit "rmdir $h/$sd_cg/payload $h/$sd_cg/supervisor 2>/dev/null; rmdir $h/$sd_cg"
done
sd_nspawn() {   # sd_nspawn ARGS...: systemd-nspawn in the test's cgroup, time-limited
        local h
        for h in "${sd_hierarchies[@]}"; do
                [[ -d $h/$sd_cg ]] && echo "$BASHPID" > "$h/$sd_cg/cgroup.procs"
        done
        exec timeout 60 "${SD_NSPAWN[@]}" "$@" < /dev/null
}

rootfs_copy "$T/pool/tree"; tree=$IT_ROOT
export NSPAWN_IMAGE_PATH=$T/pool
lock=/run/systemd/nspawn/locks/inode-$(stat -c %d:%i "$tree")
mkdir -p "$T/m"
started() { wait_for "[[ -e $T/m/started ]]" 20; }

# nspawn first: systemd-nspawn and nspawnctl are refused while it runs
nspawn_bg "$T/out" -q -D "$tree" --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000'
at_exit "kill -KILL \$BG_PID 2>/dev/null; wait \$BG_PID 2>/dev/null"
started || fail "nspawn did not start: $(cat "$T/out")"
[[ -f $lock ]] || fail "no lock file $lock while nspawn runs"
capture OUT sd_nspawn -D "$tree" /bin/true
assert_rc 1 "systemd-nspawn on a tree nspawn runs"
assert_contains "$(cat "$T/stderr")" "is currently busy" "systemd-nspawn's message"
kill -TERM "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ ! -e $lock ]]" 5 || fail "the lock file outlived nspawn"

# systemd-nspawn first: nspawn and nspawnctl are refused while it runs
rm -f "$T/m/started"
( sd_nspawn -D "$tree" --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000' > "$T/sd.out" 2>&1 ) &
SD_PID=$!
at_exit "kill -KILL $SD_PID 2>/dev/null; wait $SD_PID 2>/dev/null"
started || fail "systemd-nspawn did not start: $(cat "$T/sd.out")"
capture OUT nspawn -q -D "$tree" /bin/true
assert_rc 1 "nspawn on a tree systemd-nspawn runs"
assert_eq "$(cat "$T/stderr")" "Directory tree $tree is currently busy." "nspawn's message"
capture OUT ctl remove tree
assert_rc 1 "nspawnctl remove of a tree systemd-nspawn runs"
assert_eq "$(cat "$T/stderr")" "Could not remove image: Device or resource busy" "nspawnctl's message"
kill -TERM "$SD_PID"
wait "$SD_PID" 2>/dev/null
wait_for "[[ ! -e $lock && ! -e $T/pool/.#tree.lck ]]" 10 || fail "systemd-nspawn's lock files remain"

# read-only runs share the lock: nspawn --read-only beside systemd-nspawn --read-only
rm -f "$T/m/started"
nspawn_bg "$T/out" -q -D "$tree" --read-only --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000'
started || fail "nspawn --read-only did not start: $(cat "$T/out")"
capture OUT sd_nspawn -D "$tree" --read-only /bin/true
assert_rc 0 "systemd-nspawn --read-only beside nspawn --read-only"
capture OUT nspawn -q -D "$tree" /bin/true
assert_rc 1 "nspawn read-write beside a read-only run"
[[ -f $lock ]] || fail "the shared lock file went while nspawn still holds it"

# nspawn SIGKILLed: its guard removes the lock file
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ ! -e $lock ]]" 10 || fail "the lock file of a SIGKILLed nspawn remains"
capture OUT nspawn -q -D "$tree" /bin/true
assert_rc 0 "nspawn after the killed one"
