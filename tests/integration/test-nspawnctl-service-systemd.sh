#!/bin/bash
# nspawn@.service under a real systemd: a Debian guest with systemd-machined (tests/rootfs/debian.sh
# systemd-machined) is booted with our nspawn; in it, nspawnctl start/enable/disable go through
# systemctl and the unit runs our nspawn again (nested) on a busybox image:
#   start: the unit is active (Type=notify: when start returns), its cgroup holds nspawn and the
#   container in payload/ (Delegate=yes), TasksMax 16384, DevicePolicy closed, the machine is
#   registered with machined for the unit; a second start changes nothing; reboot: nspawn exits
#   133 and systemd starts it again (RestartForceExitStatus=133); poweroff: the unit ends with
#   success (no restart) and nothing of the machine is left (no stale record: nspawn's guard is
#   not killed, KillMode=process); systemctl stop; a failing start fails the unit and start;
#   unknown and invalid names start nothing; enable/disable: systemctl's links and messages.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"

[[ $IT_REFERENCE == 1 ]] && skip "tests nspawn's unit (copies the binaries into the guest)"
bin=$(command -v "${NSPAWN_CMD[0]}") || fail "cannot find ${NSPAWN_CMD[0]}"
build=$(dirname "$bin")
unit_file=$build/units/nspawn@.service
[[ -f $unit_file && -x $build/nspawnctl ]] || fail "the unit or nspawnctl is not built in $build"
# the unit runs nspawn where it was configured to be installed: the binaries go there in the guest
bindir=$(sed -n 's|^ExecStart=\(/[^ ]*\)/nspawn .*|\1|p' "$unit_file")
[[ -n $bindir ]] || fail "no ExecStart= in $unit_file"
[[ -f /lib/x86_64-linux-gnu/libjansson.so.4 || -f /usr/lib/x86_64-linux-gnu/libjansson.so.4 ]] ||
        skip "nspawnctl's libjansson.so.4 is not where this test copies it from"

image=$(boot_image systemd-machined) || exit
root=$T/guest
boot_root_copy "$image" "$root"
mkdir -p "$root$bindir" "$root/usr/local/lib/systemd/system" "$root/var/lib/machines"
for b in nspawn nspawn-guard nspawn-sdbus nspawnctl; do
        [[ -x $build/$b ]] && cp "$build/$b" "$root$bindir/$b"
done
cp -L /lib/x86_64-linux-gnu/libjansson.so.4 "$root/usr/lib/x86_64-linux-gnu/" # nspawnctl's
cp "$unit_file" "$root/usr/local/lib/systemd/system/"
# no user namespace for the machine (the unit's -U, overridden by its trusted settings): nested in a
# container whose /proc has masks and read-only binds, a user namespace's root may not mount a
# fresh /proc (the kernel's "too revealing" rule; systemd-nspawn's too)
mkdir -p "$root/etc/systemd/nspawn"
# (the first settings file found is the one used: it has the kill signal too)
printf '[Exec]\nPrivateUsers=no\nKillSignal=SIGUSR2\n[Network]\nVirtualEthernet=no\n' > "$root/etc/systemd/nspawn/bb.nspawn"
cp -a "$ROOTFS" "$root/var/lib/machines/bb"
cat > "$root/var/lib/machines/bb/etc/inittab" <<'X'
::sysinit:/bin/sh -c 'echo boot >> /events'
::respawn:/bin/sleep 1000
::shutdown:/bin/sh -c 'echo shutdown >> /events'
X
# busybox init powers off on SIGUSR2: what nspawn sends for systemctl stop
printf '[Exec]\nKillSignal=SIGUSR2\n' > "$root/var/lib/machines/bb.nspawn"
mkdir -p "$root/var/lib/machines/bad/usr" # no os-release: nspawn refuses it

cat > "$root/usr/local/bin/service-test" <<EOF
#!/bin/bash
exec 2> /service-test.log
PATH=$bindir:\$PATH
EOF
cat >> "$root/usr/local/bin/service-test" <<'EOF'
res=/service-test.result
say() { echo "$1=$2" >> $res; }
prop() { systemctl show -p "$2" --value "$1"; }
leader() { nspawnctl show -p Leader --value bb 2>/dev/null; }
events() { grep -c -x "$1" /var/lib/machines/bb/events 2>/dev/null; }
# records whose lock is free: left by an nspawn whose guard could not remove them
stale() { local f n=0; for f in /run/nspawn/machines/*; do [[ -f $f ]] && flock -n "$f" true && n=$((n + 1)); done; echo $n; }
set -x

nspawnctl start bb
say START_RC $?
say ACTIVE "$(prop nspawn@bb.service ActiveState)"
say STATE "$(nspawnctl show -p State --value bb)"
L=$(leader)
say LEADER_CGROUP "$(sed -n 's/^0:://p' /proc/$L/cgroup)"
say MAIN_CGROUP "$(sed -n 's/^0:://p' /proc/$(prop nspawn@bb.service MainPID)/cgroup)"
say STATUS_UNIT "$(nspawnctl status bb --no-pager | sed -n 's/^\t    Unit: //p')"
say MACHINED_UNIT "$(machinectl show -p Unit --value bb)"
say TASKSMAX "$(prop nspawn@bb.service TasksMax)"
say DEVICEPOLICY "$(prop nspawn@bb.service DevicePolicy)"
say DELEGATE "$(prop nspawn@bb.service Delegate)"
say KILLMODE "$(prop nspawn@bb.service KillMode)"
systemctl status --no-pager nspawn@bb.service >&2

nspawnctl start bb
say START2_RC $?
say START2_LEADER "$([[ $(leader) == $L ]] && echo same || echo changed)"

nspawnctl reboot bb
for i in $(seq 100); do N=$(leader); [[ -n $N && $N != $L ]] && break; sleep 0.2; done
say REBOOT_LEADER "$([[ -n $N && $N != $L ]] && echo changed || echo same)"
say REBOOT_RESTARTS "$(prop nspawn@bb.service NRestarts)"
say REBOOT_ACTIVE "$(prop nspawn@bb.service ActiveState)"
say REBOOT_BOOTS "$(events boot)"

nspawnctl poweroff bb
for i in $(seq 100); do [[ $(prop nspawn@bb.service ActiveState) == inactive ]] && break; sleep 0.2; done
sleep 0.5
say POWEROFF_ACTIVE "$(prop nspawn@bb.service ActiveState)"
say POWEROFF_RESULT "$(prop nspawn@bb.service Result)"
say POWEROFF_BOOTS "$(events boot)"
say POWEROFF_LISTED "$(nspawnctl list --no-legend | grep -c '^bb ')"
say POWEROFF_STALE "$(stale)"

nspawnctl start bb
systemctl stop nspawn@bb.service
say STOP_RC $?
say STOP_RESULT "$(prop nspawn@bb.service Result)"
say STOP_SHUTDOWNS "$(events shutdown)"
sleep 0.5
say STOP_STALE "$(stale)"
say GUARD_KILLED "$(journalctl -b --no-pager -u nspawn@bb.service | grep -c 'Killing process .* (nspawn-guard)')"

nspawnctl start bad 2> /bad.err
say BAD_RC $?
say BAD_ACTIVE "$(prop nspawn@bad.service ActiveState)"
say BAD_ERR "$(head -n 1 /bad.err)"
nspawnctl start nosuch 2> /nosuch.err
say NOSUCH "$? $(cat /nosuch.err)"
nspawnctl start bad/x 2> /invalid.err
say INVALID "$? $(cat /invalid.err)"

nspawnctl enable bb 2> /enable.err
say ENABLE "$? $(cat /enable.err | tr '\n' ' ')"
say ENABLED "$(systemctl is-enabled nspawn@bb.service machines.target | tr '\n' ' ')"
nspawnctl enable bb 2> /enable.err
say ENABLE_AGAIN "$? $(cat /enable.err)"
nspawnctl disable bb 2> /disable.err
say DISABLE "$? $(cat /disable.err)"
say DISABLED "$(systemctl is-enabled nspawn@bb.service)"
say DONE yes
systemctl poweroff --no-block
EOF
chmod 0755 "$root/usr/local/bin/service-test"
cat > "$root/etc/systemd/system/service-test.service" <<'EOF'
[Unit]
Description=nspawn@.service test (tests/integration/test-nspawnctl-service-systemd.sh)
After=multi-user.target dbus.service
[Service]
Type=oneshot
ExecStart=/usr/local/bin/service-test
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -s ../service-test.service "$root/etc/systemd/system/multi-user.target.wants/service-test.service"

boot_nested 180 "svc-$$" service-test "the systemd guest"
expect START_RC 0 "nspawnctl start"
expect ACTIVE active "the unit when start returned (Type=notify)"
expect STATE running "the machine when start returned"
expect LEADER_CGROUP /machine.slice/nspawn@bb.service/payload "the container's cgroup"
expect MAIN_CGROUP /machine.slice/nspawn@bb.service "nspawn's cgroup"
expect STATUS_UNIT nspawn@bb.service "nspawnctl status: the unit"
expect MACHINED_UNIT nspawn@bb.service "machined's unit of the machine"
expect TASKSMAX 16384 "TasksMax="
expect DEVICEPOLICY closed "DevicePolicy="
expect DELEGATE yes "Delegate="
expect KILLMODE process "KillMode="
expect START2_RC 0 "a second start"
expect START2_LEADER same "the machine after a second start"
expect REBOOT_LEADER changed "the leader after reboot"
expect REBOOT_RESTARTS 1 "systemd's restarts after reboot (exit 133)"
expect REBOOT_ACTIVE active "the unit after reboot"
expect REBOOT_BOOTS 2 "the guest's boots after reboot"
expect POWEROFF_ACTIVE inactive "the unit after poweroff"
expect POWEROFF_RESULT success "the unit's result after poweroff"
expect POWEROFF_BOOTS 2 "the guest's boots after poweroff (no restart)"
expect POWEROFF_LISTED 0 "the machine after poweroff"
expect POWEROFF_STALE 0 "stale records after poweroff"
expect STOP_RC 0 "systemctl stop"
expect STOP_RESULT success "the unit's result after systemctl stop"
expect STOP_SHUTDOWNS 3 "the guest's shutdowns (reboot, poweroff, stop)"
expect STOP_STALE 0 "stale records after systemctl stop"
expect GUARD_KILLED 0 "nspawn's guard killed by systemd"
expect BAD_RC 1 "start of a machine that fails"
expect BAD_ACTIVE failed "the unit of a machine that fails"
expect BAD_ERR "Job for nspawn@bad.service failed.*" "start of a machine that fails: systemctl's message"
expect NOSUCH "1 Machine image 'nosuch' does not exist." "start of an unknown machine"
expect INVALID "1 Invalid machine name bad/x." "start with an invalid name"
expect ENABLE "0 Created symlink /etc/systemd/system/machines.target.wants/nspawn@bb.service → /usr/local/lib/systemd/system/nspawn@.service. " \
        "enable"
expect ENABLED "enabled enabled " "systemctl is-enabled after enable"
expect ENABLE_AGAIN "0 " "enable again"
expect DISABLE "0 Removed \"/etc/systemd/system/machines.target.wants/nspawn@bb.service\"." "disable"
expect DISABLED disabled "systemctl is-enabled after disable"
exit 0
