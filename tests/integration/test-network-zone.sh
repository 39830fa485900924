#!/bin/bash
# --network-bridge: the host side is vb-NAME, up, a port of the given bridge (the bridge's state is
# the user's). --network-zone: the bridge vz-ZONE is made on demand, shared by the containers of
# the zone, and removed with its last one — also when nspawn is SIGKILLed, and when nspawn and
# its helper both are (then the guard removes it). Bad input: a missing bridge, a zone name too
# long, both options, a "bridge" that is not one. In a test-made "host" network namespace
# (lib-net.sh).
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"
net_setup

a=itza-$$ b=itzb-$$
in_host ip link add br0 type bridge || fail "cannot make a bridge"
before=$(host_links)
links_back() { wait_for "[[ \"\$(host_links)\" == \"\$before\" ]]" "${2:-5}" || fail "links left $1: $(diff <(echo "$before") <(host_links))"; }
# start NAME OPTIONS...: a container that sleeps in the host namespace; its nspawn's PID in PID_NAME
start() {
        local n=$1; shift
        nspawn_host_bg "$T/$n.out" -q --read-only -D "$ROOTFS" -M "$n" "$@" /bin/sh -c 'echo up; sleep 100'
        printf -v "PID_${n//-/_}" '%s' "$BG_PID"
        wait_for "grep -q up $T/$n.out" 10 || fail "$n did not start: $(cat "$T/$n.out")"
}
pid_of() { local v="PID_${1//-/_}"; echo "${!v}"; }
stop() { kill -TERM "$(pid_of "$1")"; wait "$(pid_of "$1")"; }

# Names and addresses as systemd-nspawn's.
ours=$(link_table "$NET_HOST" "${NSPAWN_CMD[@]}" -q --read-only -D "$ROOTFS" -M "$a" --network-bridge=br0)
ref=$(reference_table -M "$a" --network-bridge=br0)
[[ -z $ref ]] || assert_eq "$ours" "$ref" "--network-bridge links against systemd-nspawn 252's"
assert_match "$ours" "host vb-itza-[^ ]+ [0-9a-f:]+ br0" "vb- in br0"
links_back "after --network-bridge"
ours=$(link_table "$NET_HOST" "${NSPAWN_CMD[@]}" -q --read-only -D "$ROOTFS" -M "$a" --network-zone=itz)
ref=$(reference_table -M "$a" --network-zone=itz)
[[ -z $ref ]] || assert_eq "$ours" "$ref" "--network-zone links against systemd-nspawn 252's"
assert_line "$(cut -d' ' -f1,2 <<< "$ours")" "host vz-itz" "the zone bridge"
[[ $IT_REFERENCE == 1 ]] &&
        expect_differ "systemd-nspawn 252 looks for the zone's ports in /sys, which shows another namespace here: it never removes vz-"
links_back "after --network-zone"

# --network-bridge: vb- is up and a port; the bridge stays as it was.
start "$a" --network-bridge=br0
vb=$(host_links | grep '^vb-')
assert_eq "$(link_attr "$vb" master)" br0 "$vb's master"
assert_match "$(link_attr "$vb" state)" '(^|,)UP(,|$)' "$vb is up"
assert_eq "$(link_attr br0 state)" "BROADCAST,MULTICAST" "br0 stays down"
stop "$a"
links_back "after the bridged container"

# A zone shared by two containers; it goes with the last.
start "$a" --network-zone=itz
start "$b" --network-zone=itz
assert_eq "$(link_attr "$(host_links | grep "^vb-$a")" master)" vz-itz "a's port"
assert_eq "$(link_attr "$(host_links | grep "^vb-$b")" master)" vz-itz "b's port"
stop "$a"
sleep 0.5
assert_line "$(host_links)" vz-itz "the zone stays while b is in it"
stop "$b"
links_back "after both zone members"
assert_eq "$(ls /run/systemd/nspawn-network-zone 2>/dev/null)" "" "the zone lock is removed with its last holder"

# SIGKILL of nspawn: its helper removes the zone.
start "$a" --network-zone=itz
kill -KILL "$(pid_of "$a")"
wait "$(pid_of "$a")" 2>/dev/null
links_back "5 s after SIGKILL of nspawn"

if [[ $IT_REFERENCE == 0 ]]; then
        # SIGKILL of nspawn and its helper at once: the guard runs the helper's undo.
        start "$a" --network-zone=itz
        net=$(pgrep -P "$(pid_of "$a")" -x nspawn-net)
        [[ -n $net ]] || fail "no nspawn-net beside nspawn"
        kill -KILL "$(pid_of "$a")" "$net"
        wait "$(pid_of "$a")" 2>/dev/null
        links_back "5 s after SIGKILL of nspawn and nspawn-net" 10

        # Killed at any moment of its start: nothing stays.
        for delay in 0 0.001 0.002 0.003 0.005 0.008 0.01 0.02 0.05; do
                nspawn_host_bg "$T/kill.out" -q --read-only -D "$ROOTFS" -M "$a" --network-zone=itz /bin/true
                sleep "$delay"
                kill -KILL "$BG_PID" 2>/dev/null
                wait "$BG_PID" 2>/dev/null
        done
        links_back "after kills during start-up" 10
fi

# Bad input: a missing bridge, one that is no bridge, a zone name too long, both options.
capture OUT nspawn_host -q -D "$ROOTFS" -M "$a" --network-bridge=nosuch /bin/true
assert_rc 1 "a missing bridge"
assert_contains "$(cat "$T/stderr")" "Failed to add interface vb-$a" "the message for a missing bridge"
assert_contains "$(cat "$T/stderr")" "to bridge nosuch: No such device" "the message for a missing bridge"
capture OUT nspawn_host -q -D "$ROOTFS" -M "$a" --network-bridge=uplink0 /bin/true
assert_rc 1 "a bridge that is no bridge"
assert_contains "$(cat "$T/stderr")" "Failed to add interface vb-$a to bridge uplink0: Operation not supported" \
        "the message for a bridge that is no bridge"
capture OUT nspawn_host -q -D "$ROOTFS" -M "$a" --network-zone=averylongzonename /bin/true
assert_rc 1 "a zone name too long"
assert_contains "$(cat "$T/stderr")" "averylongzonename" "the message for a long zone name"
capture OUT nspawn_host -q -D "$ROOTFS" -M "$a" --network-zone=z --network-bridge=br0 /bin/true
assert_rc 1 "bridge and zone"
assert_contains "$(cat "$T/stderr")" "--network-bridge= and --network-zone= may not be combined." \
        "the message for bridge and zone"
links_back "after bad input"
