#!/bin/bash
# The machine registry: a running container is recorded in /run/nspawn/machines/NAME (leader PID,
# root, ...); the record goes away however nspawn ends (its cgroup guard removes it a moment
# after nspawn, once the cgroups are gone; also after SIGKILL); a record left by a SIGKILLed nspawn
# whose guard died too is
# stale and the next start of the name reclaims it; a second container of a live name is refused
# and leaves the first one's record alone.
. "$(dirname "$0")/lib.sh"
[[ $IT_REFERENCE == 1 ]] && skip "/run/nspawn/machines is nspawn's own registry (systemd-nspawn uses machined)"

REG=/run/nspawn/machines
name=it-registry-$$
rec=$REG/$name
# Whatever happens, no record of ours may survive the test (the host check does not look there).
at_exit "rm -f $rec $REG/.#$name.*"

field() { sed -n "s/^$1=//p" "$rec"; }
leftovers() { ls -A "$REG" 2>/dev/null | grep -E "^(\\.#)?$name(\\.|\$)" || true; }

# start_bg OPTIONS...: a container named $name running sleep; waits until it runs.
start_bg() {
        rm -f "$T/m/started"
        nspawn_bg "$T/out" -q -D "$ROOTFS" -M "$name" --bind="$T/m:/m" "$@" \
                /bin/sh -c 'touch /m/started; exec sleep 1000'
        wait_for "[[ -e $T/m/started ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not start: $(cat "$T/out")"; }
}
mkdir -p "$T/m"

# ---- a running container is recorded ----
start_bg
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
[[ -f $rec ]] || fail "no record $rec while the container runs (registry: $(ls -A $REG 2>&1))"
leader=$(container_leader "$BG_PID")
assert_eq "$(field NAME)" "$name" "NAME"
assert_eq "$(field LEADER)" "$leader" "LEADER (the host PID of the container's PID 1)"
assert_eq "$(cat /proc/"$leader"/comm)" sleep "the leader's command"
assert_eq "$(field SUPERVISOR)" "$BG_PID" "SUPERVISOR"
assert_eq "$(field ROOT)" "$(realpath "$ROOTFS")" "ROOT"
assert_eq "$(field CLASS)" container "CLASS"
assert_eq "$(field SERVICE)" nspawn "SERVICE"
assert_eq "$(field START_MODE)" pid1 "START_MODE"
assert_eq "$(field NETIF)" "" "NETIF"
assert_match "$(field ID)" '^[0-9a-f]{32}$' "ID"
started=$(field REALTIME)
now=$(( $(date +%s) * 1000000 ))
(( started > now - 60000000 && started <= now + 1000000 )) || fail "REALTIME $started is not about now ($now)"
assert_eq "$(stat -c '%a %U' "$REG")" "755 root" "registry directory mode and owner"
assert_eq "$(stat -c '%a %U' "$rec")" "644 root" "record mode and owner"
# The supervisor holds the lock.
flock -n -x "$rec" true && fail "the record's lock is free while nspawn runs"

# ---- the same name again: refused, nothing of the first touched ----
before=$(stat -c %i "$rec"; cat "$rec")
rootfs_copy "$T/other"
capture OUT nspawn -q -D "$T/other" -M "$name" --bind="$T/m:/m" /bin/touch /m/second
assert_rc 1 "second container with the same name"
assert_line "$(cat "$T/stderr")" "Machine '$name' already exists." "message"
[[ -e $T/m/second ]] && fail "the second container ran"
assert_eq "$(stat -c %i "$rec"; cat "$rec")" "$before" "the first container's record"
kill -0 "$BG_PID" || fail "the first nspawn is gone"

# ---- removed when the container ends (SIGTERM: nspawn kills it) ----
kill -TERM "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ -z \$(leftovers) ]]" 5 || fail "left in the registry after the container ended: $(leftovers)"

# ---- other exit paths: exit code, a payload that cannot be run, --register= both ways ----
capture OUT nspawn -q -D "$ROOTFS" -M "$name" /bin/sh -c 'exit 3'
assert_rc 3 "payload's exit code"
capture OUT nspawn -q -D "$ROOTFS" -M "$name" /nonexistent
assert_rc 1 "missing payload"
capture OUT nspawn -q -D "$ROOTFS" -M "$name" --register=yes /bin/true
# --register=yes insists on systemd-machined, as systemd-nspawn (test-machined.sh tests it there)
[[ -d /run/systemd/system ]] || assert_rc 1 "--register=yes without systemd"
wait_for "[[ -z \$(leftovers) ]]" 5 || fail "left in the registry: $(leftovers)"
# --register=no only skips systemd-machined: nspawnctl still needs the record.
start_bg --register=no
[[ -f $rec ]] || fail "no record with --register=no"
assert_eq "$(field SUPERVISOR)" "$BG_PID" "SUPERVISOR with --register=no"
kill -TERM "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ -z \$(leftovers) ]]" 5 || fail "left in the registry: $(leftovers)"

# ---- -a: the start mode ----
start_bg -a
assert_eq "$(field START_MODE)" pid2 "START_MODE with -a"
kill -TERM "$BG_PID"
wait "$BG_PID" 2>/dev/null

scopes() { find /sys/fs/cgroup -name "machine-it*registry*${name##*-}.scope" 2>/dev/null; }

# ---- SIGKILL of nspawn: its guard removes the cgroups, then the record ----
start_bg
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ -z \$(it_root_processes) ]]" 5 || fail "container processes remain after SIGKILL of nspawn"
wait_for "[[ ! -e $rec ]]" 5 || fail "the SIGKILLed nspawn's record is still there 5 s later"
[[ -z $(scopes) ]] || fail "the record is gone but the cgroups remain: $(scopes)"

# ---- nspawn and its guard SIGKILLed: the record stays, stale; the next start reclaims it ----
start_bg
old_supervisor=$BG_PID
guard=$(pgrep -P "$BG_PID" -x nspawn-guard)
[[ -n $guard ]] || fail "no guard (nspawn-guard) below nspawn $BG_PID"
kill -KILL "$guard" "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ -z \$(it_root_processes) ]]" 5 || fail "container processes remain after SIGKILL of nspawn"
[[ -f $rec ]] || fail "the record of a SIGKILLed nspawn without its guard is gone (expected it stale)"
assert_eq "$(field SUPERVISOR)" "$old_supervisor" "stale record's SUPERVISOR"
flock -n -x "$rec" true || fail "the lock of a dead supervisor's record is still held"
start_bg
assert_eq "$(field SUPERVISOR)" "$BG_PID" "SUPERVISOR after the stale record was reclaimed"
assert_eq "$(field LEADER)" "$(container_leader "$BG_PID")" "LEADER after the stale record was reclaimed"
kill -TERM "$BG_PID"
wait "$BG_PID" 2>/dev/null
# the next run's guard removes its cgroups a moment after it exits
wait_for "[[ -z \$(scopes) ]]" 5 || fail "stale cgroups of the killed run remain after the next run: $(scopes)"
wait_for "[[ -z \$(leftovers) ]]" 5 || fail "left in the registry: $(leftovers)"
