#!/bin/bash
# nspawnctl and the machines only systemd-machined knows (src/nspawnctl/machined-machines.h),
# tested where systemd really is PID 1: a Debian guest with systemd-machined (tests/rootfs/debian.sh
# systemd-machined) is booted with our nspawn; in it nspawnctl (with nspawn-sdbus beside it) sees
#   - "mdonly": a machine registered with machined only (busctl RegisterMachine, its leader a
#     bash that logs the signals it gets, run as the unit mdonly.service): list (OS and VERSION
#     from machined), show (the same lines as machinectl show), status (leader, unit, OS and the
#     unit's process tree), kill --kill-whom=all|leader, poweroff (SIGRTMIN+4), reboot (SIGINT),
#     copy-to, copy-from and bind through machined's methods (machined's own refusal of a bind
#     into a machine without nspawn's propagation directory comes back), shell refused with a
#     message, terminate (the unit is stopped, the machine gone);
#   - "ours": a container of our nspawn (nested, on a busybox root), which machined knows too:
#     listed once, with our record's service "nspawn";
#   - with machined stopped (and masked, so that nothing activates it again): our machine alone,
#     and unknown names are unknown, as before.
# On this host (no systemd as PID 1) nspawnctl never starts its D-Bus helper: a copy of nspawnctl
# with a helper that leaves a mark runs list, status, show, kill and shell.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"

[[ $IT_REFERENCE == 1 ]] && skip "tests nspawnctl's machined backend (copies the binaries into the guest)"
bin=$(command -v "${NSPAWN_CMD[0]}") || fail "cannot find ${NSPAWN_CMD[0]}"
build=$(dirname "$bin")
[[ -x $build/nspawnctl ]] || fail "nspawnctl is not built in $build"

# On this host: no systemd as PID 1, so no helper is ever started.
if [[ ! -d /run/systemd/system ]]; then
        mkdir -p "$T/bin"
        cp "$build/nspawnctl" "$T/bin/nspawnctl"
        printf '#!/bin/sh\ntouch %s/helper-ran\n' "$T" > "$T/bin/nspawn-sdbus"
        chmod 0755 "$T/bin/nspawn-sdbus"
        "$T/bin/nspawnctl" list > /dev/null
        RC=$?
        assert_rc 0 "nspawnctl list without systemd"
        for verb in status show kill shell copy-to; do
                out=$("$T/bin/nspawnctl" "$verb" "nosuch-$$" /x 2>&1)
                RC=$?
                assert_rc 1 "nspawnctl $verb of an unknown machine without systemd"
                assert_match "$out" "No machine 'nosuch-$$' known" "nspawnctl $verb of an unknown machine without systemd"
        done
        [[ ! -e $T/helper-ran ]] || fail "nspawnctl started its D-Bus helper on a host without systemd"
fi

[[ $("$bin" --version) == *+SD-BUS* ]] || skip "nspawn is built without sd-bus (meson -Dsd-bus=disabled)"
[[ -x $build/nspawn-sdbus ]] || fail "nspawn is built with sd-bus, but its helper $build/nspawn-sdbus is missing"
jansson=$(ldd "$build/nspawnctl" | awk '/libjansson/ { print $3 }')
[[ -n $jansson && -f $jansson ]] || skip "cannot find nspawnctl's libjansson to copy into the guest"

image=$(boot_image systemd-machined) || exit
for tool in busctl machinectl systemd-run; do
        [[ -x $image/usr/bin/$tool ]] || skip "the machined image has no $tool"
done
[[ -f $image/lib/systemd/systemd-machined || -f $image/usr/lib/systemd/systemd-machined ]] ||
        skip "the machined image has no systemd-machined"
root=$T/guest
boot_root_copy "$image" "$root"
for b in nspawn nspawn-guard nspawn-sdbus nspawnctl; do
        cp "$build/$b" "$root/usr/local/bin/$b"
done
cp -L "$jansson" "$root/usr/lib/x86_64-linux-gnu/"
cp -a "$ROOTFS" "$root/busybox-root"

# the leader of the machine only machined knows: logs what it is sent
cat > "$root/usr/local/bin/md-leader" <<'EOF'
#!/bin/bash
for s in USR1 USR2 INT RTMIN+4; do trap "echo $s >> /md-signals" $s; done
echo ready >> /md-signals
while :; do sleep 1 & wait $!; done
EOF
cat > "$root/usr/local/bin/md-test" <<'EOF'
#!/bin/bash
exec 2> /md-test.log
res=/md-test.result
say() { echo "$1=$2" >> $res; }
sig() { grep -c -x "$1" /md-signals 2>/dev/null; }
waitfor() { local i; for i in $(seq 50); do eval "$1" && return 0; sleep 0.1; done; return 1; }
mdlisted() { machinectl list --no-legend 2>/dev/null | grep -q "^$1 "; }
# out CMD...: its stdout and stderr on one line, then its exit status
out() { local o rc; o=$("$@" 2>&1); rc=$?; echo "$(tr '\n' ' ' <<< "$o")$rc"; }
set -x

# our container: machined knows it too (nspawn registers it)
nspawn -q -M ours -D /busybox-root /bin/sleep 300 < /dev/null &
ours=$!
waitfor "mdlisted ours"
# the machine only machined knows
systemd-run -q --unit=mdonly /usr/local/bin/md-leader
waitfor "grep -q ready /md-signals"
leader=$(systemctl show -p MainPID --value mdonly.service)
id=$(tr -d - < /proc/sys/kernel/random/uuid | sed 's/../0x& /g')
busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager \
        RegisterMachine sayssus mdonly 16 $id mdtest container "$leader" /
say REGISTER $?
say LEADER "$leader"

SYSTEMD_LOG_LEVEL=debug nspawnctl list > /list.out 2> /list.err
say LIST_RC $?
say LIST_ERR "$(tr '\n' ' ' < /list.err)"
say LIST_ALL "$(nspawnctl list --all --no-legend | cut -d' ' -f1 | tr '\n' ' ')"
say LIST_MDONLY "$(grep '^mdonly ' /list.out | tr -s ' ')"
say LIST_OURS "$(grep -c '^ours ' /list.out) $(grep '^ours ' /list.out | tr -s ' ' | cut -d' ' -f3)"
say LIST_FOOTER "$(tail -n 1 /list.out)"
say JSON "$(nspawnctl list -o json | grep -o '{"machine":"mdonly"[^}]*}')"
nspawnctl show mdonly > /show.out
say SHOW_RC $?
machinectl show mdonly > /show.machinectl
say SHOW_DIFF "$(diff /show.machinectl /show.out | tr '\n' ' ')"
say SHOW_SERVICE "$(nspawnctl show -p Service --value mdonly)"
say SHOW_LEADER "$(nspawnctl show -p Leader --value mdonly)"
say SHOW_OURS_SERVICE "$(nspawnctl show -p Service --value ours)"
nspawnctl status mdonly > /status.out
say STATUS_RC $?
say STATUS_LEADER "$(sed -n 's/^\t  Leader: //p' /status.out)"
say STATUS_UNIT "$(sed -n 's/^\t    Unit: //p' /status.out)"
say STATUS_OS "$(sed -n 's/^\t      OS: //p' /status.out)"
say STATUS_TREE "$(grep -c 'sleep 1$' /status.out)"

nspawnctl kill --signal=SIGUSR1 mdonly
say KILL_RC $?
nspawnctl kill --kill-whom=leader -s USR2 mdonly
say KILL_LEADER_RC $?
nspawnctl poweroff mdonly
say POWEROFF_RC $?
nspawnctl reboot mdonly
say REBOOT_RC $?
waitfor "[[ \$(sig USR1) -ge 1 && \$(sig USR2) == 1 && \$(sig RTMIN+4) == 1 && \$(sig INT) == 1 ]]"
say SIGNALS "$(sig USR1) $(sig USR2) $(sig RTMIN+4) $(sig INT)"
say KILL_BOGUS "$(out nspawnctl kill --kill-whom=bogus mdonly)"

echo hello > /md-src
nspawnctl copy-to mdonly /md-src /tmp/md-copied
say COPY_TO "$? $(cat /tmp/md-copied)"
nspawnctl copy-from mdonly /tmp/md-copied /md-back
say COPY_FROM "$? $(cat /md-back)"
say COPY_EXISTS "$(out nspawnctl copy-to mdonly /md-src /tmp/md-copied)"
mkdir -p /srv/md-bind
say BIND "$(out nspawnctl bind mdonly /srv/md-bind /mnt)"
say SHELL "$(out nspawnctl shell mdonly /bin/true)"
say LOGIN "$(out timeout 5 nspawnctl login mdonly < /dev/null)"

nspawnctl terminate mdonly
say TERMINATE_RC $?
waitfor "! mdlisted mdonly"
say TERMINATE_LISTED "$(mdlisted mdonly && echo yes || echo no)"
say TERMINATE_UNIT "$(systemctl show -p ActiveState --value mdonly.service)"
say AFTER "$(out nspawnctl status mdonly)"
say AFTER_KILL "$(out nspawnctl kill mdonly)"
say AFTER_TERMINATE "$(out nspawnctl terminate mdonly)"

# machined gone (masked: a bus call must not start it again), with a machine of its own: our
# records alone
systemd-run -q --unit=mdonly2 /usr/local/bin/md-leader
sleep 0.5
busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager \
        RegisterMachine sayssus mdonly2 0 mdtest container "$(systemctl show -p MainPID --value mdonly2.service)" /
say REGISTER2 "$? $(mdlisted mdonly2 && echo listed)"
systemctl mask --runtime -q systemd-machined.service
systemctl stop systemd-machined.service
say STOPPED_LIST "$(nspawnctl list --no-legend | cut -d' ' -f1 | tr '\n' ' ')"
say STOPPED_SHOW "$(nspawnctl show -p Name --value ours)"
say STOPPED_UNKNOWN "$(out nspawnctl status mdonly)"
start=$(date +%s%N)
nspawnctl list > /dev/null
say STOPPED_LIST_MS $((($(date +%s%N) - start) / 1000000))
systemctl stop mdonly2.service
systemctl unmask --runtime -q systemd-machined.service
kill $ours
wait $ours
say OURS_RC $?
say DONE yes
systemctl poweroff --no-block
EOF
chmod 0755 "$root/usr/local/bin/md-test" "$root/usr/local/bin/md-leader"
cat > "$root/etc/systemd/system/md-test.service" <<'EOF'
[Unit]
Description=nspawnctl and machined (tests/integration/test-nspawnctl-machined.sh)
After=multi-user.target dbus.service
[Service]
Type=oneshot
Environment=PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
ExecStart=/usr/local/bin/md-test
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -s ../md-test.service "$root/etc/systemd/system/multi-user.target.wants/md-test.service"

boot_nested 180 "mdt-$$" md-test "the machined guest"
leader=$(sed -n 's/^LEADER=//p' <<< "$result")
expect REGISTER 0 "busctl RegisterMachine"
expect LIST_RC 0 "nspawnctl list"
expect LIST_ERR "" "nspawnctl list: what it says at debug level (nothing: every machine of machined's is read)"
expect LIST_ALL ".host mdonly ours " "nspawnctl list --all: .host once, first"
expect LIST_MDONLY "mdonly container mdtest debian 12 -" "nspawnctl list: the machine only machined knows"
expect LIST_OURS "1 nspawn" "nspawnctl list: our machine, once, with our record's service"
expect LIST_FOOTER "2 machines listed." "nspawnctl list's footer"
expect JSON '\{"machine":"mdonly","class":"container","service":"mdtest","os":"debian","version":"12","addresses":null\}' \
        "nspawnctl list -o json"
expect SHOW_RC 0 "nspawnctl show"
expect SHOW_DIFF "" "nspawnctl show against machinectl show"
expect SHOW_SERVICE mdtest "nspawnctl show -p Service"
expect SHOW_LEADER "$leader" "nspawnctl show -p Leader"
expect SHOW_OURS_SERVICE nspawn "nspawnctl show of our machine: our record wins"
expect STATUS_RC 0 "nspawnctl status"
expect STATUS_LEADER "$leader \(md-leader\)" "nspawnctl status: the leader"
expect STATUS_UNIT mdonly.service "nspawnctl status: the unit"
expect STATUS_OS "Debian GNU/Linux 12 \(bookworm\)" "nspawnctl status: the OS"
expect STATUS_TREE "[1-9]" "nspawnctl status: the unit's process tree"
expect KILL_RC 0 "nspawnctl kill"
expect KILL_LEADER_RC 0 "nspawnctl kill --kill-whom=leader"
expect POWEROFF_RC 0 "nspawnctl poweroff"
expect REBOOT_RC 0 "nspawnctl reboot"
expect SIGNALS "[1-9] 1 1 1" "the signals the leader got (USR1 USR2 RTMIN+4 INT)"
expect KILL_BOGUS "Could not kill machine: Invalid kill parameter 'bogus' 1" "nspawnctl kill --kill-whom=bogus"
expect COPY_TO "0 hello" "nspawnctl copy-to"
expect COPY_FROM "0 hello" "nspawnctl copy-from"
expect COPY_EXISTS "Failed to copy: .* 1" "nspawnctl copy-to onto an existing file"
expect BIND "Failed to bind mount: .* 1" "nspawnctl bind: machined's refusal"
expect SHELL "Failed to get shell PTY: Machine 'mdonly' was not started by nspawn .*: use machinectl shell mdonly. 1" \
        "nspawnctl shell"
expect LOGIN "Failed to get login PTY: Machine 'mdonly' was not started by nspawn .*: use machinectl login mdonly. 1" \
        "nspawnctl login"
expect TERMINATE_RC 0 "nspawnctl terminate"
expect TERMINATE_LISTED no "the machine after terminate"
expect TERMINATE_UNIT "inactive|failed" "the unit after terminate"
expect AFTER "Could not get path to machine: No machine 'mdonly' known 1" "nspawnctl status after terminate"
expect AFTER_KILL "Could not kill machine: No machine 'mdonly' known 1" "nspawnctl kill after terminate"
expect AFTER_TERMINATE "Could not terminate machine: No machine 'mdonly' known 1" "nspawnctl terminate after terminate"
expect REGISTER2 "0 listed" "busctl RegisterMachine of a second machine"
expect STOPPED_LIST "ours " "nspawnctl list with machined stopped"
expect STOPPED_SHOW ours "nspawnctl show with machined stopped"
expect STOPPED_UNKNOWN "Could not get path to machine: No machine 'mdonly' known 1" "nspawnctl status with machined stopped"
exit 0
