#!/bin/bash
# systemd integration (cgroup-scope.c, machined.c), tested where systemd really is PID 1: a Debian
# bookworm guest with systemd-machined (tests/rootfs/debian.sh systemd-machined) is booted with
# our nspawn, and a unit in it runs our nspawn again (nested) on a busybox root:
#   1. default --register (auto): machined creates machine-inner.scope (CreateMachineWithNetwork);
#      `machinectl list` shows "inner", the scope is active, delegated, with the --property= limit
#      and the container in its payload/ cgroup; after exit machine and scope are gone.
#   2. --register=no: the scope comes from systemd directly (StartTransientUnit), machined does
#      not know the machine; gone after exit.
#   3. --keep-unit --register=yes: no scope, the running unit is registered (RegisterMachine…);
#      the container runs in the unit's payload/ cgroup.
#   4. nspawn killed with SIGKILL while it starts (as soon as machined lists the machine, before
#      systemd has moved PID 1 into the scope: the scope would stay active, empty, for ever) and
#      once the container runs, with and without --register: container, machine, scope and the
#      D-Bus helper are gone.
#   5. On this host (no systemd): --register=yes fails with "Failed to register machine: …", 1;
#      the D-Bus helper nspawn-sdbus is never started.
# nspawn is linked statically; what it says to systemd goes through its helper nspawn-sdbus
# (src/systemd/sdbus-protocol.h), copied into the guest next to it.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"

[[ $IT_REFERENCE == 1 ]] && skip "tests nspawn's own systemd integration (copies the binary into the guest)"

# 5. On this host: no systemd as PID 1.
if [[ ! -d /run/systemd/system ]]; then
        out=$(nspawn -q --register=yes -M "mreg-$$" -D "$ROOTFS" /bin/true 2>&1)
        RC=$?
        assert_rc 1 "--register=yes without systemd"
        assert_match "$out" "^Failed to register machine: " "--register=yes without systemd"
        out=$(nspawn -q -M "mreg-$$" -D "$ROOTFS" /bin/echo ran 2>&1)
        RC=$?
        assert_rc 0 "default --register without systemd"
        assert_match "$(tr -d "\r" <<< "$out")" "^ran$" "default --register without systemd runs quietly"
        # a copy of nspawn whose "helper" leaves a mark: no start may run it here
        mkdir -p "$T/bin"
        cp "$(command -v "${NSPAWN_CMD[0]}")" "$T/bin/nspawn"
        cp "$(dirname "$(command -v "${NSPAWN_CMD[0]}")")/nspawn-guard" "$T/bin/nspawn-guard"
        printf '#!/bin/sh\ntouch %s/helper-ran\n' "$T" > "$T/bin/nspawn-sdbus"
        chmod 0755 "$T/bin/nspawn-sdbus"
        for reg in "" --register=no --keep-unit; do
                timeout 20 "$T/bin/nspawn" -q $reg -M "mreg-$$" -D "$ROOTFS" /bin/true < /dev/null
                RC=$?
                assert_rc 0 "a start ($reg) with a marking helper"
        done
        [[ ! -e $T/helper-ran ]] || fail "nspawn started its D-Bus helper on a host without systemd"
fi

bin=$(command -v "${NSPAWN_CMD[0]}") || fail "cannot find ${NSPAWN_CMD[0]}"
[[ $("$bin" --version) == *+SD-BUS* ]] || skip "nspawn is built without sd-bus (meson -Dsd-bus=disabled)"

helper=$(dirname "$bin")/nspawn-sdbus
[[ -x $helper ]] || fail "nspawn is built with sd-bus, but its helper $helper is missing"

image=$(boot_image systemd-machined) || exit
root=$T/guest
boot_root_copy "$image" "$root"
# nspawn is static; its helper links libsystemd, which bookworm's systemd image has.
cp "$bin" "$root/usr/local/bin/nspawn"
# its guard and D-Bus helper beside it, where nspawn looks first
cp "$(dirname "$bin")/nspawn-guard" "$root/usr/local/bin/nspawn-guard"
cp "$helper" "$root/usr/local/bin/nspawn-sdbus"
cp -a "$ROOTFS" "$root/busybox-root"

# The nested test: one KEY=VALUE a line in /machined-test.result, the whole trace in .log.
cat > "$root/usr/local/bin/machined-test" <<'EOF'
#!/bin/bash
exec 2> /machined-test.log
res=/machined-test.result
say() { echo "$1=$2" >> $res; }
# wait_listed NAME: up to 5 s for machined to list NAME
wait_listed() {
        local i
        for i in $(seq 50); do
                machinectl list --no-legend 2>/dev/null | grep -q "^$1 " && return 0
                sleep 0.1
        done
        return 1
}
listed() { machinectl list --no-legend 2>/dev/null | grep -q "^$1 " && echo yes || echo no; }
helpers() { grep -lx nspawn-sdbus /proc/[0-9]*/comm 2>/dev/null | wc -l; }
scope() { systemctl show -p "$2" --value "$1" 2>/dev/null; }
leader_cgroup() { # the container's PID 1: the child of nspawn that is PID 1 in its PID namespace
        local c
        for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
                [[ $(awk '/^NSpid:/ { print $NF }' "/proc/$c/status") == 1 ]] || continue
                grep -E '^(0::|[0-9]+:name=systemd:)' "/proc/$c/cgroup" | head -n 1 | cut -d: -f3
                return
        done
}
set -x

# 1. default: machined creates the scope
nspawn -q -M inner -D /busybox-root --property=TasksMax=1234 /bin/sleep 4 &
pid=$!
wait_listed inner
say LISTED "$(listed inner)"
say SCOPE_STATE "$(scope machine-inner.scope ActiveState)"
say SCOPE_DELEGATE "$(scope machine-inner.scope Delegate)"
say SCOPE_TASKSMAX "$(scope machine-inner.scope TasksMax)"
say SCOPE_DEVICEPOLICY "$(scope machine-inner.scope DevicePolicy)"
say MACHINE_UNIT "$(machinectl show -p Unit --value inner 2>/dev/null)"
say LEADER_CGROUP "$(leader_cgroup $pid)"
say HELPERS "$(helpers)"
systemctl status --no-pager machine-inner.scope >&2
wait $pid
say RC $?
say AFTER_HELPERS "$(helpers)"
sleep 1
say AFTER_LISTED "$(listed inner)"
say AFTER_SCOPE "$(scope machine-inner.scope LoadState)"

# 2. --register=no: the scope from StartTransientUnit
nspawn -q -M inner2 --register=no -D /busybox-root /bin/sleep 3 &
pid=$!
for i in $(seq 50); do [[ $(scope machine-inner2.scope ActiveState) == active ]] && break; sleep 0.1; done
say NOREG_SCOPE_STATE "$(scope machine-inner2.scope ActiveState)"
say NOREG_DESCRIPTION "$(scope machine-inner2.scope Description)"
say NOREG_LISTED "$(listed inner2)"
say NOREG_LEADER_CGROUP "$(leader_cgroup $pid)"
wait $pid
say NOREG_RC $?
sleep 1
say NOREG_AFTER_SCOPE "$(scope machine-inner2.scope LoadState)"

# 3. --keep-unit --register=yes: this unit is registered
nspawn -q -M inner3 --keep-unit --register=yes -D /busybox-root /bin/sleep 3 &
pid=$!
wait_listed inner3
say KEEP_LISTED "$(listed inner3)"
say KEEP_UNIT "$(machinectl show -p Unit --value inner3 2>/dev/null)"
say KEEP_LEADER_CGROUP "$(leader_cgroup $pid)"
wait $pid
say KEEP_RC $?
sleep 1
say KEEP_AFTER_LISTED "$(listed inner3)"

# 4. nspawn killed with SIGKILL: the container dies with it, systemd and machined forget it.
# gone NAME: up to 10 s for its scope, its machine and the helper to go; then what is left (the
# time it took, in tenths of a second, goes to the log)
gone() {
        local i
        for i in $(seq 100); do
                [[ $(scope machine-$1.scope LoadState) == not-found && $(listed $1) == no &&
                   $(helpers) == 0 ]] && break
                sleep 0.1
        done
        echo "scope=$(scope machine-$1.scope LoadState) listed=$(listed $1) helpers=$(helpers)"
        echo "$1 went in ${i}ds" >&2
        if [[ $(scope machine-$1.scope LoadState) != not-found ]]; then
                systemctl status --no-pager machine-$1.scope >&2
                journalctl -b --no-pager -o short-monotonic -u machine-$1.scope -u systemd-machined.service >&2
        fi
}
# 4a. while it starts: machined lists the machine before systemd has moved PID 1 into the scope
nspawn -q -M inner4 -D /busybox-root /bin/sleep 60 &
pid=$!
wait_listed inner4
say KILL_LISTED "$(listed inner4)"
kill -KILL $pid
wait $pid
say KILL_AFTER "$(gone inner4)"
# 4b. once the container runs (in its payload/ cgroup)
nspawn -q -M inner5 -D /busybox-root /bin/sleep 60 &
pid=$!
for i in $(seq 50); do [[ $(leader_cgroup $pid) == */payload ]] && break; sleep 0.1; done
say KILL_RUNNING_CGROUP "$(leader_cgroup $pid)"
kill -KILL $pid
wait $pid
say KILL_RUNNING_AFTER "$(gone inner5)"
# 4c. --register=no: the scope is the helper's own (StartTransientUnit), killed as it comes up
nspawn -q -M inner6 --register=no -D /busybox-root /bin/sleep 60 &
pid=$!
for i in $(seq 50); do [[ $(scope machine-inner6.scope ActiveState) == active ]] && break; sleep 0.02; done
kill -KILL $pid
wait $pid
say KILL_NOREG_AFTER "$(gone inner6)"
say KILL_SLEEPERS "$(grep -l '^sleep$' /proc/[0-9]*/comm 2>/dev/null | wc -l)"
say LEFT_SCOPES "$(systemctl list-units --all --plain --no-legend 'machine-*' | wc -l)"
say DONE yes
systemctl poweroff --no-block
EOF
chmod 0755 "$root/usr/local/bin/machined-test"
cat > "$root/etc/systemd/system/machined-test.service" <<'EOF'
[Unit]
Description=Nested nspawn test (tests/integration/test-machined.sh)
After=multi-user.target dbus.service
[Service]
Type=oneshot
ExecStart=/usr/local/bin/machined-test
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -s ../machined-test.service "$root/etc/systemd/system/multi-user.target.wants/machined-test.service"

IT_CMD_TIMEOUT=180 nspawn -q -M "mtest-$$" -D "$root" -b --console=passive > "$T/boot.log" 2>&1
RC=$?
boot_check_host "the machined guest"
if [[ $RC != 0 || ! -f $root/machined-test.result ]]; then
        tail -n 40 "$T/boot.log" | sed 's/^/# boot: /' >&2
        [[ -f $root/machined-test.log ]] && sed 's/^/# guest: /' "$root/machined-test.log" >&2
fi
assert_rc 0 "the guest's poweroff"
result=$(cat "$root/machined-test.result" 2>/dev/null)
sed 's/^/# result: /' <<< "$result" >&2
[[ $result == *DONE=yes* ]] || { sed 's/^/# guest: /' "$root/machined-test.log" >&2; fail "the nested test did not finish"; }

expect() { # expect KEY ERE WHAT
        local v
        v=$(sed -n "s/^$1=//p" <<< "$result" | tail -n 1)
        [[ $v =~ ^$2$ ]] || { sed 's/^/# guest: /' "$root/machined-test.log" >&2; fail "$3: $1='$v', expected /$2/"; }
}
expect LISTED yes "machinectl list shows the nested container"
expect SCOPE_STATE active "machine-inner.scope"
expect SCOPE_DELEGATE yes "the scope is delegated"
expect SCOPE_TASKSMAX 1234 "--property=TasksMax= reaches the scope"
expect SCOPE_DEVICEPOLICY closed "the scope's device policy"
expect MACHINE_UNIT machine-inner.scope "machined's unit of the machine"
expect LEADER_CGROUP /machine.slice/machine-inner.scope/payload "the container's cgroup"
expect RC 0 "the nested nspawn's exit code"
expect AFTER_LISTED no "the machine after exit"
expect AFTER_SCOPE not-found "the scope after exit"
expect NOREG_SCOPE_STATE active "the scope with --register=no"
expect NOREG_DESCRIPTION "Container inner2" "the scope's description"
expect NOREG_LISTED no "machined with --register=no"
expect NOREG_LEADER_CGROUP /machine.slice/machine-inner2.scope/payload "the container's cgroup with --register=no"
expect NOREG_RC 0 "the nested nspawn's exit code with --register=no"
expect NOREG_AFTER_SCOPE not-found "the scope after exit with --register=no"
expect KEEP_LISTED yes "machinectl list with --keep-unit"
expect KEEP_UNIT machined-test.service "machined's unit with --keep-unit"
expect KEEP_LEADER_CGROUP /system.slice/machined-test.service/payload "the container's cgroup with --keep-unit"
expect KEEP_RC 0 "the nested nspawn's exit code with --keep-unit"
expect KEEP_AFTER_LISTED no "the machine after exit with --keep-unit"
expect HELPERS 1 "nspawn's D-Bus helper while the container runs"
expect AFTER_HELPERS 0 "nspawn's D-Bus helper after nspawn's exit"
expect KILL_LISTED yes "machinectl list before SIGKILL"
expect KILL_AFTER "scope=not-found listed=no helpers=0" "scope, machine and helper after nspawn was killed while it started"
expect KILL_RUNNING_CGROUP /machine.slice/machine-inner5.scope/payload "the container before SIGKILL"
expect KILL_RUNNING_AFTER "scope=not-found listed=no helpers=0" "scope, machine and helper after nspawn was killed"
expect KILL_NOREG_AFTER "scope=not-found listed=no helpers=0" "scope and helper after nspawn --register=no was killed"
expect KILL_SLEEPERS 0 "the container's processes after nspawn was killed"
expect LEFT_SCOPES 0 "machine scopes left in the guest"
exit 0
