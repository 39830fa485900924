#!/bin/bash
# The OpenRC script under a real OpenRC: a Debian sysvinit + OpenRC guest (tests/rootfs/debian.sh
# openrc) is booted with our nspawn; in it (after the default runlevel), nspawnctl and the script
# run our nspawn again (nested) on busybox images:
#   enable: /etc/init.d/nspawn.bb → nspawn and rc-update's runlevel entry; rc-service nspawn.bb
#   start returns with the machine running, nspawn (the pid file's) with the unit's arguments but
#   --keep-unit, the console in /var/log/nspawn/bb.log; a reboot is done by nspawn in place; stop
#   powers the guest off; a guest that ignores poweroff and nspawn's kill signal is terminated, then
#   killed after the conf.d timeouts; the script refuses to run unlinked; disable undoes enable.
#   nspawnctl start there (OpenRC is not systemd): its own supervisor.
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"

[[ $IT_REFERENCE == 1 ]] && skip "tests nspawn's OpenRC script (copies the binaries into the guest)"
bin=$(command -v "${NSPAWN_CMD[0]}") || fail "cannot find ${NSPAWN_CMD[0]}"
build=$(dirname "$bin")
script=$build/openrc/nspawn
[[ -f $script && -x $build/nspawnctl ]] || fail "the OpenRC script or nspawnctl is not built in $build"
bindir=$(sed -n 's|^command="\(/.*\)/nspawn"$|\1|p' "$script")
[[ -n $bindir ]] || fail "no command= in $script"
[[ -f /lib/x86_64-linux-gnu/libjansson.so.4 || -f /usr/lib/x86_64-linux-gnu/libjansson.so.4 ]] ||
        skip "nspawnctl's libjansson.so.4 is not where this test copies it from"

image=$(boot_image openrc) || exit
root=$T/guest
boot_root_copy "$image" "$root"
mkdir -p "$root$bindir" "$root/var/lib/machines" "$root/etc/conf.d"
for b in nspawn nspawn-guard nspawnctl; do cp "$build/$b" "$root$bindir/$b"; done
cp -L /lib/x86_64-linux-gnu/libjansson.so.4 "$root/usr/lib/x86_64-linux-gnu/" # nspawnctl's
install -m 0755 "$script" "$root/etc/init.d/nspawn"
# no user namespace for the machines (the script's -U, overridden by their trusted settings): nested
# in a container whose /proc has masks and read-only binds, a user namespace's root may not mount a
# fresh /proc (the kernel's "too revealing" rule; systemd-nspawn's too)
mkdir -p "$root/etc/systemd/nspawn"
for m in bb stubborn; do printf '[Exec]\nPrivateUsers=no\n[Network]\nVirtualEthernet=no\n' > "$root/etc/systemd/nspawn/$m.nspawn"; done
for m in bb stubborn; do cp -a "$ROOTFS" "$root/var/lib/machines/$m"; done
cat > "$root/var/lib/machines/bb/etc/inittab" <<'X'
::sysinit:/bin/sh -c 'echo boot >> /events; echo Booted busybox'
::respawn:/bin/sleep 1000
::shutdown:/bin/sh -c 'echo shutdown >> /events'
X
# an init that ignores every way of asking it to stop
rm "$root/var/lib/machines/stubborn/sbin/init"
printf '#!/bin/sh\ntrap "" TERM INT USR1 USR2 HUP\nwhile :; do sleep 1; done\n' > "$root/var/lib/machines/stubborn/sbin/init"
chmod 0755 "$root/var/lib/machines/stubborn/sbin/init"
printf 'NSPAWN_POWEROFF_TIMEOUT=1\nNSPAWN_TERMINATE_TIMEOUT=1\n' > "$root/etc/conf.d/nspawn.stubborn"

cat > "$root/usr/local/bin/service-test" <<'EOF'
#!/bin/bash
exec 2> /service-test.log
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
res=/service-test.result
say() { echo "$1=$2" >> $res; }
leader() { nspawnctl show -p Leader --value "$1" 2>/dev/null; }
events() { grep -c -x "$1" /var/lib/machines/bb/events 2>/dev/null; }
set -x

nspawnctl enable bb > /enable.out 2>&1
say ENABLE "$? $(tr '\n' ' ' < /enable.out)"
say INITD_LINK "$(readlink /etc/init.d/nspawn.bb)"
say RUNLEVEL_LINK "$(readlink /etc/runlevels/default/nspawn.bb)"

rc-service nspawn.bb start
say START_RC $?
say STATE "$(nspawnctl show -p State --value bb)"
pid=$(cat /run/nspawn.bb.pid)
say PIDFILE_EXE "$(readlink /proc/$pid/exe)"
say CMDLINE "$(tr '\0' ' ' < /proc/$pid/cmdline)"
say STATUS "$(rc-service nspawn.bb status 2>&1 | tr -d ' *')"
sleep 0.5
say LOG "$(grep -c '^Booted busybox' /var/log/nspawn/bb.log)"

L=$(leader bb)
nspawnctl reboot bb
for i in $(seq 100); do N=$(leader bb); [[ -n $N && $N != $L ]] && break; sleep 0.2; done
say REBOOT_LEADER "$([[ -n $N && $N != $L ]] && echo changed || echo same)"
say REBOOT_NSPAWN "$([[ $(cat /run/nspawn.bb.pid) == $pid && -d /proc/$pid ]] && echo same || echo changed)"

rc-service nspawn.bb stop
say STOP_RC $?
say STOP_LISTED "$(nspawnctl list --no-legend | grep -c '^bb ')"
say STOP_NSPAWN "$([[ -d /proc/$pid || -e /run/nspawn.bb.pid ]] && echo left || echo gone)"
say STOP_EVENTS "$(events boot) $(events shutdown)"

# poweroff and nspawn's kill signal ignored: terminate, then nspawn is killed
ln -s nspawn /etc/init.d/nspawn.stubborn
rc-service nspawn.stubborn start
say STUBBORN_START_RC $?
rc-service nspawn.stubborn stop > /stubborn.out 2>&1
say STUBBORN_STOP_RC $?
say STUBBORN_STOP "$(grep -o 'did not [a-z ]* in [0-9]* s' /stubborn.out | tr '\n' ',')"
say STUBBORN_LISTED "$(nspawnctl list --no-legend | grep -c '^stubborn ')"

/etc/init.d/nspawn start > /unlinked.out 2>&1
say UNLINKED "$? $(grep -c 'ln -s nspawn /etc/init.d/nspawn.NAME' /unlinked.out)"
cat /unlinked.out >&2

nspawnctl disable bb > /disable.out 2>&1
say DISABLE "$? $(tr '\n' ' ' < /disable.out)"
say DISABLED "$(ls /etc/init.d/nspawn.bb /etc/runlevels/default/nspawn.bb 2>/dev/null | wc -l)"

# not systemd: nspawnctl's own supervisor
nspawnctl start bb
say CTL_START_RC $?
say CTL_UNIT "$(nspawnctl status bb --no-pager | sed -n 's/^\t    Unit: //p')"
nspawnctl poweroff bb
for i in $(seq 100); do [[ -e /run/nspawn/service/bb ]] || break; sleep 0.2; done
say CTL_END "$([[ -e /run/nspawn/service/bb ]] && echo running || echo ended)"
say DONE yes
/sbin/poweroff
EOF
chmod 0755 "$root/usr/local/bin/service-test"
# after the default runlevel, outside any OpenRC service
echo 'st:2:once:/usr/local/bin/service-test' >> "$root/etc/inittab"

boot_nested 150 "svc-$$" service-test "the OpenRC guest"
expect ENABLE "0 Created symlink /etc/init.d/nspawn.bb → nspawn.  \* service nspawn.bb added to runlevel default " "enable"
expect INITD_LINK nspawn "the script's link"
expect RUNLEVEL_LINK /etc/init.d/nspawn.bb "the runlevel's link"
expect START_RC 0 "rc-service nspawn.bb start"
expect STATE running "the machine when rc-service start returned"
expect PIDFILE_EXE "$bindir/nspawn" "the pid file's process"
expect CMDLINE "$bindir/nspawn --quiet --boot --link-journal=try-guest --network-veth -U --settings=override --machine=bb " "nspawn's command line"
expect STATUS "status:started" "rc-service nspawn.bb status"
expect LOG 1 "the console in the log"
expect REBOOT_LEADER changed "the leader after reboot"
expect REBOOT_NSPAWN same "nspawn after reboot (restarted in place)"
expect STOP_RC 0 "rc-service nspawn.bb stop"
expect STOP_LISTED 0 "the machine after stop"
expect STOP_NSPAWN gone "nspawn and its pid file after stop"
expect STOP_EVENTS "2 2" "boots and shutdowns (reboot, stop: powered off)"
expect STUBBORN_START_RC 0 "start of a guest that ignores poweroff"
expect STUBBORN_STOP_RC 0 "stop of a guest that ignores poweroff"
expect STUBBORN_STOP "did not power off in 1 s,did not end in 1 s," "stop of a guest that ignores poweroff: terminate, then kill"
expect STUBBORN_LISTED 0 "a guest that ignored poweroff after stop"
expect UNLINKED "1 1" "the script run as itself"
expect DISABLE "0  \* service nspawn.bb removed from runlevel default Removed \"/etc/init.d/nspawn.bb\". " "disable"
expect DISABLED 0 "links after disable"
expect CTL_START_RC 0 "nspawnctl start under OpenRC"
expect CTL_UNIT nspawn@bb.service "nspawnctl start under OpenRC: the unit"
expect CTL_END ended "the supervision after poweroff"
exit 0
