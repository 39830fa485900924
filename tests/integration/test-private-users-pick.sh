#!/bin/bash
# --private-users=pick leases: containers started at the same time get distinct 64K ranges, each
# held as a locked /run/systemd/nspawn-uid/BASE (as systemd-nspawn's) while the container runs;
# the lease is gone after a normal exit and after SIGKILL of nspawn (the guard removes it); a lease
# file left unlocked (nspawn and its guard both killed) is taken over by the next pick.
. "$(dirname "$0")/lib.sh"
leases=/run/systemd/nspawn-uid

require python3
# ofd_lock < FILE: take a write lock of the open file description of stdin (F_OFD_SETLK, as
# systemd-nspawn's leases): it stays with the open file, after python exits, while the shell holds
# it; fails if someone else holds one.
ofd_lock() {
        python3 -c 'import fcntl, struct; fcntl.fcntl(0, 37, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0))'
}

# base_of PID: the uid_map base of the container of nspawn PID (its leader's), once it runs.
base_of() {
        local c
        wait_for "[[ -n \$(container_leader $1) ]]" 20 || return 1
        c=$(container_leader "$1")
        wait_for "[[ -n \$(cat /proc/$c/uid_map) ]]" 5 && awk '{ print $2 }' "/proc/$c/uid_map"
}

# ---- concurrent starts: distinct ranges, each leased ----
n=6
pids=()
for i in $(seq $n); do
        nspawn_bg "$T/out$i" -q -M "pick-$$-$i" -D "$ROOTFS" --read-only -U /bin/sleep 30
        pids+=("$BG_PID")
done
bases=()
for p in "${pids[@]}"; do
        b=$(base_of "$p") || fail "a container did not start: $(cat "$T"/out*)"
        bases+=("$b")
done
log "bases: ${bases[*]}"
[[ $(printf '%s\n' "${bases[@]}" | sort -u | wc -l) == "$n" ]] || fail "two containers share a range: ${bases[*]}"
for b in "${bases[@]}"; do
        [[ -f $leases/$b ]] || fail "no lease file for $b"
        if ofd_lock < "$leases/$b" 2>/dev/null; then
                fail "the lease of $b is not locked"
        fi
done

# ---- SIGKILL of one nspawn: its lease is removed (by its guard) ----
kill -KILL "${pids[0]}"
{ wait "${pids[0]}"; } 2>/dev/null
wait_for "[[ ! -e $leases/${bases[0]} ]]" 10 || fail "the lease of a SIGKILLed nspawn stays"
# the others end normally: their leases go
for p in "${pids[@]:1}"; do kill -TERM "$p"; done
for p in "${pids[@]:1}"; do wait "$p" 2>/dev/null; done
for b in "${bases[@]:1}"; do
        wait_for "[[ ! -e $leases/$b ]]" 10 || fail "the lease $b stays after the container's end"
done

# ---- a stale lease (nobody holds it) is taken over; a held one is skipped ----
rootfs_copy "$T/root"
chown -R 1610612736:1610612736 "$IT_ROOT" # the tree's own range comes first
mkdir -p "$leases"
: > "$leases/1610612736"
at_exit "rm -f $leases/1610612736"
run_sh -U -- 'awk "{ print \$2 }" /proc/self/uid_map'
assert_rc 0
assert_eq "$OUT" 1610612736 "-U on a tree in a range whose stale lease nobody holds"
wait_for "[[ ! -e $leases/1610612736 ]]" 10 || fail "the taken-over lease stays after the run" # the guard removes it, after nspawn
: > "$leases/1610612736"
exec {held}<> "$leases/1610612736"
ofd_lock <&$held || fail "cannot lock a lease file" # held by this shell's open file from here
run_sh -U -- 'awk "{ print \$2 }" /proc/self/uid_map'
assert_rc 0
assert_ne "$OUT" 1610612736 "-U while another holds the tree's range"
exec {held}>&-
