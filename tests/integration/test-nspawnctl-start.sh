#!/bin/bash
# nspawnctl start on a host without systemd as PID 1: nspawnctl's own supervisor runs nspawn as
# nspawn@.service would (src/nspawnctl/supervise.c), for a busybox image in /var/lib/machines.
#   start returns once the machine runs; the supervisor is detached (own session, /dev/null), nspawn
#   runs with the unit's arguments and a clean environment in /machine.slice/nspawn@NAME.service
#   (TasksMax=16384), the container in its payload/, the console in /var/log/nspawn/NAME.log;
#   a second start changes nothing; a reboot (exit 133) starts nspawn again; poweroff, terminate
#   and SIGTERM to the supervisor end nspawn and the supervision (no restart); a failing start
#   prints nspawn's error and exits with its status; unknown and invalid names start nothing;
#   the log is kept below 4 MiB (moved to NAME.log.1).
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"

[[ $IT_REFERENCE == 1 ]] && skip "tests nspawnctl's own supervisor"
[[ -d /run/systemd/system ]] && skip "systemd is PID 1 here: start goes through systemctl (test-nspawnctl-service-systemd)"

name=it-start-$$
# --network-veth (as nspawn@.service): ve-NAME, the address pool's claims, nft table and forwarding
# sysctls must not land in the real host's network namespace: the supervisor (and so nspawn) is
# started in one of this test's own, entered by fd
netns=$T/netns
touch "$netns" && unshare --net="$netns" true || fail "cannot make a network namespace"
at_exit "umount -l $netns"
ctl_start() { timeout -k 5 "${IT_CMD_TIMEOUT:-20}" nsenter --net="$netns" "$NSPAWNCTL" --no-pager start "$@" < /dev/null; }
machines=/var/lib/machines logdir=/var/log/nspawn servicedir=/run/nspawn/service
unit="nspawn@$name.service"
img=$machines/$name log=$logdir/$name.log state=$servicedir/$name
for d in $machines $logdir $servicedir; do
        [[ -d $d ]] || at_exit "rmdir $d 2>/dev/null"
done
mkdir -p $machines
at_exit "rm -rf --one-file-system $img $img-bad $img-log $img.nspawn $log* $logdir/$name-bad.log* $logdir/$name-log.log*"

# service_end NAME: end a supervision this test started, whatever state the test failed in
service_end() {
        local st=$servicedir/$1 sv main
        [[ -f $st ]] || return 0
        sv=$(sed -n 's/^SUPERVISOR=//p' "$st") main=$(sed -n 's/^MAIN=//p' "$st")
        kill -TERM "$sv" 2>/dev/null
        wait_for "[[ ! -e $st ]]" 10 && return 0
        kill -KILL "$main" "$sv" 2>/dev/null # the container dies with nspawn
        rm -f "$st"
        sleep 1
        rmdir /sys/fs/cgroup/*/machine.slice/nspawn@"$1".service 2>/dev/null
        return 0
}
at_exit "service_end $name; service_end $name-log"

cp -a "$ROOTFS" "$img"
IT_ROOTS+=("$img")
mkdir -p "$img/var/log"
cat > "$img/etc/inittab" <<'X'
::sysinit:/bin/sh -c 'echo boot >> /var/log/events; echo Booted busybox'
::respawn:/bin/sleep 1000
::shutdown:/bin/sh -c 'echo shutdown >> /var/log/events'
X
count() { grep -c -x "$1" "$img/var/log/events" 2>/dev/null; }
field() { sed -n "s/^$1=//p" "$state" 2>/dev/null; }
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
unit_cgroups() { ls -d /sys/fs/cgroup/*/machine.slice/"$unit" /sys/fs/cgroup/machine.slice/"$unit" 2>/dev/null; }

# ---- start: returns once the machine runs ----
capture out ctl_start "$name"
assert_rc 0 "start"
assert_eq "$out$(cat "$T/stderr")" "" "start's output"
assert_eq "$(ctl show -p State --value "$name")" running "the machine when start returned"
LEADER=$(ctl_leader "$name")
sv=$(field SUPERVISOR) main=$(field MAIN)
assert_eq "$(field UNIT)" "$unit" "the state file's unit"
assert_eq "$(field STATE)" running "the state file's state"

# the supervisor: detached from start, in a session of its own, nspawn its child
[[ -n $sv && -d /proc/$sv ]] || fail "no supervisor ($sv)"
assert_eq "$(ps -o sid= -p "$sv" | tr -d ' ')" "$sv" "the supervisor's session"
assert_eq "$(readlink "/proc/$sv/fd/0")" /dev/null "the supervisor's stdin"
assert_eq "$(readlink "/proc/$sv/cwd")" / "the supervisor's working directory"
assert_eq "$(ps -o ppid= -p "$main" | tr -d ' ')" "$sv" "nspawn's parent"
assert_eq "$(ps -o sid= -p "$main" | tr -d ' ')" "$main" "nspawn's session"
pgrep -P "$main" | grep -qx "$LEADER" || fail "the leader $LEADER is not nspawn's child"
# nspawn@.service's command line and a service's environment
assert_eq "$(tr '\0' ' ' < "/proc/$main/cmdline")" \
        "$BUILD/nspawn --quiet --keep-unit --boot --link-journal=try-guest --network-veth -U --settings=override --machine=$name " \
        "nspawn's command line"
# --network-veth: the host end in the supervisor's network namespace (this test's), with the
# address pool's gateway address (a booted guest takes its own by DHCP); host0 in the guest
assert_eq "$(nsenter --net="$netns" ip -o link show | grep -c ': ve-')" 1 "ve- links in the test's namespace"
assert_match "$(nsenter --net="$netns" ip -4 -o addr show | grep ': ve-')" "inet 10\." \
        "the host end has the pool's gateway address"
nsenter --net="/proc/$LEADER/ns/net" ip link show dev host0 > /dev/null || fail "no host0 in the guest"
env=$(tr '\0' '\n' < "/proc/$main/environ" | sort)
assert_match "$env" "^NOTIFY_SOCKET=@nspawnctl/$name/[0-9a-f]{16}"$'\n'"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin$" \
        "nspawn's environment"
# the unit's cgroup, the container in its payload/
if [[ -n $(cgroup_of "$main") ]]; then
        assert_eq "$(cgroup_of "$main")" "/machine.slice/$unit" "nspawn's cgroup"
        assert_eq "$(cgroup_of "$LEADER")" "/machine.slice/$unit/payload" "the container's cgroup"
fi
for f in /sys/fs/cgroup/pids/machine.slice/"$unit"/pids.max /sys/fs/cgroup/machine.slice/"$unit"/pids.max; do
        [[ -f $f ]] && assert_eq "$(cat "$f")" 16384 "TasksMax ($f)"
done
capture out ctl status "$name"
assert_line "$out" $'\t    Unit: '"$unit" "status: the unit"
assert_match "$out" $'\n\t\t  ├─ *'"$main $BUILD/nspawn --quiet --keep-unit" "status: nspawn in the unit"
# the console goes to the log
wait_for "grep -q '^Booted busybox' $log" 5 || fail "the guest's console is not in $log: $(cat "$log")"

# the bash completion offers the images for start
capture out bash -c '. "$1"; COMP_WORDS=(nspawnctl start it-start-); COMP_CWORD=2; _nspawnctl; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$BUILD/nspawnctl.bash"
assert_line "$out" "$name" "the completion of start's operand"

# ---- a second start changes nothing ----
capture out ctl_start "$name"
assert_rc 0 "a second start"
assert_eq "$out$(cat "$T/stderr")" "" "a second start's output"
assert_eq "$(field SUPERVISOR)" "$sv" "the supervisor after a second start"
assert_eq "$(ctl_leader "$name")" "$LEADER" "the leader after a second start"
assert_eq "$(count boot)" 1 "boots after a second start"

# ---- reboot: nspawn exits 133, the supervisor starts it again ----
capture out ctl reboot "$name"
assert_rc 0 "reboot"
wait_for "[[ \$(count boot) == 2 ]]" 20 || fail "the guest did not boot again: $(tail -n 5 "$log")"
old=$LEADER
ctl_wait_leader "$name"
assert_ne "$LEADER" "$old" "the leader after reboot"
assert_eq "$(field SUPERVISOR)" "$sv" "the supervisor after reboot"
assert_ne "$(field MAIN)" "$main" "nspawn after reboot (a new one)"
grep -qxF "nspawnctl: $unit: nspawn exited with status 133: the guest rebooted, starting it again." "$log" ||
        fail "the log does not say why nspawn was started again: $(cat "$log")"

# ---- poweroff: nspawn exits 0, the supervision ends ----
capture out ctl poweroff "$name"
assert_rc 0 "poweroff"
wait_for "[[ ! -e $state ]]" 20 || fail "the supervision did not end after poweroff: $(tail -n 5 "$log")"
wait_for "[[ ! -e /proc/$sv ]]" 5 || fail "the supervisor $sv is still there"
ctl_wait_gone "$name"
assert_eq "$(count shutdown)" 2 "shutdowns after poweroff"
sleep 0.5
assert_eq "$(count boot)" 2 "boots after poweroff (no restart)"
assert_eq "$(tail -n 1 "$log")" "nspawnctl: $unit: nspawn exited with status 0." "the log's last line"
assert_eq "$(unit_cgroups)" "" "the unit's cgroups after poweroff"

# ---- terminate: nspawn halts the guest (busybox: SIGUSR2), the supervision ends ----
printf '[Exec]\nKillSignal=SIGUSR2\n' > "$img.nspawn"
capture out ctl_start "$name"
assert_rc 0 "start after poweroff"
sv=$(field SUPERVISOR)
capture out ctl terminate "$name"
assert_rc 0 "terminate"
wait_for "[[ ! -e $state ]]" 20 || fail "the supervision did not end after terminate: $(tail -n 5 "$log")"
wait_for "[[ ! -e /proc/$sv ]]" 5 || fail "the supervisor $sv is still there after terminate"
assert_eq "$(count boot)" 3 "boots after terminate (no restart)"
assert_eq "$(count shutdown)" 3 "shutdowns after terminate"

# ---- a stop: SIGTERM to the supervisor (what an init sends at shutdown) ----
capture out ctl_start "$name"
assert_rc 0 "start after terminate"
sv=$(field SUPERVISOR)
kill -TERM "$sv"
wait_for "[[ ! -e $state ]]" 20 || fail "the supervision did not end after SIGTERM: $(tail -n 5 "$log")"
ctl_wait_gone "$name"
grep -qxF "nspawnctl: $unit: Stop requested: stopping nspawn (SIGTERM)." "$log" || fail "the log does not show the stop"
assert_eq "$(count shutdown)" 4 "shutdowns after the stop"
sleep 0.5
assert_eq "$(count boot)" 4 "boots after the stop (no restart)"
assert_eq "$(unit_cgroups)" "" "the unit's cgroups after the stop"

# ---- a start that fails: nspawn's error and exit status; nothing is left ----
mkdir -p "$img-bad/usr"
capture out ctl_start "$name-bad"
assert_rc 1 "a failing start"
assert_eq "$(cat "$T/stderr")" \
        "Directory $img-bad doesn't look like an OS root directory (os-release file is missing). Refusing." \
        "a failing start's error"
[[ ! -e $servicedir/$name-bad ]] || fail "a failed start left its state file"
assert_eq "$(ls -d /sys/fs/cgroup/*/machine.slice/nspawn@"$name"-bad.service 2>/dev/null)" "" "a failed start's cgroups"

# ---- what start does with nspawn's end before it ran: a stand-in nspawn next to a copy of
# nspawnctl (where nspawnctl looks first) ----
mkdir -p "$T/bin"
cp "$NSPAWNCTL" "$T/bin/nspawnctl"
cat > "$T/bin/nspawn" <<X
#!/bin/sh
echo "\$*" >> $T/fake.args
echo "fake nspawn fails"
exit 7
X
chmod 0755 "$T/bin/nspawn"
capture out timeout 20 nsenter --net="$netns" "$T/bin/nspawnctl" start "$name"
assert_rc 7 "start when nspawn exits 7"
assert_eq "$(cat "$T/stderr")" "fake nspawn fails" "start when nspawn exits 7: its output"
assert_eq "$(cat "$T/fake.args")" \
        "--quiet --keep-unit --boot --link-journal=try-guest --network-veth -U --settings=override --machine=$name" "nspawn's arguments"
wait_for "[[ ! -e $state ]]" 5 || fail "the supervision of a failed start did not end"
# exit 133 over and over: started again, until the start limit (5 in 10 s)
sed -i 's/^exit 7/exit 133/' "$T/bin/nspawn"
: > "$T/fake.args"
capture out timeout 20 nsenter --net="$netns" "$T/bin/nspawnctl" start "$name"
assert_rc 1 "start when nspawn exits 133 at once"
assert_eq "$(wc -l < "$T/fake.args")" 5 "starts of nspawn up to the start limit"
assert_contains "$(cat "$T/stderr")" "Machine $name ended before it ran; see $log." "the start limit"
grep -qxF "nspawnctl: $unit: Start request repeated too quickly: not starting nspawn again." "$log" ||
        fail "the log does not name the start limit: $(tail -n 3 "$log")"
wait_for "[[ ! -e $state ]]" 5 || fail "the supervision did not end at the start limit"
assert_eq "$(unit_cgroups)" "" "the unit's cgroups after the start limit"

# ---- bad names start nothing ----
capture out ctl_start "nosuch-$$"
assert_rc 1 "start of an unknown machine"
assert_eq "$(cat "$T/stderr")" "Machine image 'nosuch-$$' does not exist." "start of an unknown machine"
capture out ctl_start "$name" "bad/x"
assert_rc 1 "start with an invalid name"
assert_eq "$(cat "$T/stderr")" "Invalid machine name bad/x." "start with an invalid name"
capture out ctl_start "$name" "nosuch-$$"
assert_rc 1 "start of a known and an unknown machine"
[[ ! -e $state ]] || fail "a start with an unknown name started $name"
assert_eq "$(count boot)" 4 "boots after starts with bad names"

# ---- the log is kept below 4 MiB ----
cp -a "$ROOTFS" "$img-log"
IT_ROOTS+=("$img-log")
cat > "$img-log/etc/inittab" <<'X'
::sysinit:/bin/sh -c 'yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -c 6000000'
::respawn:/bin/sleep 1000
X
capture out ctl_start "$name-log"
assert_rc 0 "start of a chatty guest"
wait_for "[[ -f $logdir/$name-log.log.1 ]]" 20 || fail "the log was not moved: $(ls -l "$logdir")"
(( $(stat -c %s "$logdir/$name-log.log.1") > 4 * 1024 * 1024 )) || fail "the old log is too small: $(ls -l "$logdir")"
(( $(stat -c %s "$logdir/$name-log.log") < 4 * 1024 * 1024 )) || fail "the log is still too big: $(ls -l "$logdir")"
capture out ctl poweroff "$name-log"
assert_rc 0 "poweroff of the chatty guest"
wait_for "[[ ! -e $servicedir/$name-log ]]" 20 || fail "the chatty guest's supervision did not end"
