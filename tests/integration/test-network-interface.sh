#!/bin/bash
# --network-interface=IF[:NAME]: the host's link is moved into the container (renamed NAME there)
# and back out, with its own name, when the container ends — a normal end, SIGKILL of nspawn (its
# helper moves it), SIGKILL of nspawn and its helper (the guard does), or a kill at any moment of
# the start. --network-macvlan: mv-IF in the container on the host's IF. Unknown interfaces are
# refused. The host is a test-made network
# namespace (lib-net.sh); the link moved is its uplink to the test's "outside" namespace.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"
expect_differ "systemd-nspawn 252 without udev refuses interfaces: \"Network interface … is not initialized yet.\""
net_setup

name=itif-$$
before=$(host_links)
links_back() { wait_for "[[ \"\$(host_links)\" == \"\$before\" ]]" "${2:-5}" || fail "links not as before $1: $(diff <(echo "$before") <(host_links))"; }
uplink_mac=$(link_attr uplink0 address)
inside='ip -o link show | awk -F": " "{ sub(/@.*/, \"\", \$2); print \$2 }" | sort | tr "\n" " "'

capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" --network-interface=uplink0 /bin/sh -c "$inside"
assert_rc 0 "--network-interface=uplink0"
assert_eq "$OUT" "lo uplink0 " "links inside"
links_back "after the container (uplink0 back)"
assert_eq "$(link_attr uplink0 address)" "$uplink_mac" "the same uplink0 back"

# Renamed inside, and back to its own name outside; it still reaches the outside's end.
in_outside ip addr add 198.18.0.1/30 dev uplink1
in_outside ip link set uplink1 up
capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" --network-interface=uplink0:eth7 /bin/sh -c \
        "$inside; ip addr add 198.18.0.2/30 dev eth7 && ip link set eth7 up && ping -c 1 -W 5 198.18.0.1 >/dev/null && echo reached"
assert_rc 0 "--network-interface=uplink0:eth7"
assert_eq "$OUT" "eth7 lo reached" "links inside, and the outside reached through eth7"
links_back "after the renamed interface"

# A failed start (no such command): back too.
capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" --network-interface=uplink0 --network-zone=itf /nonexistent
assert_ne "$RC" 0 "a failed start"
links_back "after a failed start"

# A guest that renames it does not keep it.
capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" --network-interface=uplink0 /bin/sh -c 'ip link set uplink0 name other'
assert_rc 0 "renamed by the guest"
links_back "after the guest renamed it"

# SIGKILL of nspawn (its helper moves it back), then of nspawn and its helper (the guard does).
for victims in nspawn nspawn+helper; do
        nspawn_host_bg "$T/out" -q -D "$ROOTFS" -M "$name" --network-interface=uplink0:eth7 /bin/sh -c 'echo up; sleep 100'
        wait_for "grep -q up $T/out" 10 || fail "no start: $(cat "$T/out")"
        assert_eq "$(host_links | grep -c uplink0)" 0 "uplink0 is inside"
        pids=$BG_PID
        [[ $victims == nspawn+helper ]] && pids+=" $(pgrep -P "$BG_PID" -x nspawn-net)"
        # shellcheck disable=SC2086
        kill -KILL $pids
        wait "$BG_PID" 2>/dev/null
        links_back "5 s after SIGKILL of $victims" 10
done

# A restart (the payload reboots the container): the interface comes back and goes in again, the
# veth and the zone's port are made anew.
mkdir -p "$T/state"
capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" --network-zone=itr --network-interface=uplink0:eth7 \
        --bind="$T/state:/state" /bin/sh -c "$inside; echo; [ -e /state/once ] && exit 0; touch /state/once; reboot -f"
assert_rc 0 "a restart with links"
assert_eq "$OUT" "eth7 host0 lo 
eth7 host0 lo " "the links in both runs"
links_back "after the restart"

# Killed at any moment of its start: the interface always comes back.
for delay in 0 0.001 0.002 0.003 0.004 0.006 0.008 0.01 0.015 0.02 0.05; do
        nspawn_host_bg "$T/kill.out" -q -D "$ROOTFS" -M "$name" --network-interface=uplink0:eth7 /bin/true
        sleep "$delay"
        kill -KILL "$BG_PID" 2>/dev/null
        wait "$BG_PID" 2>/dev/null
        links_back "after a kill $delay s into the start" 10
done

# --network-macvlan: mv-uplink0 in the container, locally administered address; uplink0 stays.
capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" --network-macvlan=uplink0 /bin/sh -c \
        "$inside; cat /sys/class/net/mv-uplink0/address"
assert_rc 0 "--network-macvlan=uplink0"
mv_mac=${OUT#lo mv-uplink0 }
assert_eq "$OUT" "lo mv-uplink0 $mv_mac" "links inside with a macvlan"
assert_match "$mv_mac" '^[0-9a-f][26ae](:[0-9a-f]{2}){5}$' "the macvlan's address"
capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" --network-macvlan=uplink0:mymv /bin/sh -c \
        "$inside; cat /sys/class/net/mymv/address"
assert_eq "$OUT" "lo mymv $mv_mac" "a named macvlan, the same address (the machine's first)"
links_back "after the macvlans"

# Unknown interfaces.
for opt in --network-interface --network-macvlan --network-ipvlan; do
        capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" "$opt=nosuch0" /bin/true
        assert_rc 1 "$opt=nosuch0"
        assert_contains "$(cat "$T/stderr")" "Failed to get device nosuch0: No such device" "$opt=nosuch0"
done
capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" --network-interface=averyveryverylongname /bin/true
assert_rc 1 "an interface name too long"
assert_contains "$(cat "$T/stderr")" "not a valid network interface name" "an interface name too long"
links_back "after bad input"
