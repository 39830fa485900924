#!/bin/bash
# --network-ipvlan=IF[:NAME]: iv-IF (L2 mode) in the container on the host's IF, gone with it; where
# the kernel has no ipvlan, a clear error (and the test skips, saying why). The host is a
# test-made network namespace (lib-net.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"
expect_differ "systemd-nspawn 252 without udev refuses interfaces: \"Network interface … is not initialized yet.\""
net_setup

name=itiv-$$
before=$(host_links)
links_back() { wait_for "[[ \"\$(host_links)\" == \"\$before\" ]]" 5 || fail "links not as before $1: $(diff <(echo "$before") <(host_links))"; }
inside='ip -o link show | awk -F": " "{ sub(/@.*/, \"\", \$2); print \$2 }" | sort | tr "\n" " "'

# --network-ipvlan: a clear error where the kernel has no ipvlan.
if ! in_host ip link add it-ipvlan-probe link uplink0 type ipvlan mode l2 2>/dev/null; then
        capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" --network-ipvlan=uplink0 /bin/true
        assert_rc 1 "--network-ipvlan without kernel support"
        assert_contains "$(cat "$T/stderr")" \
                "Failed to add new ipvlan interfaces: Operation not supported (the kernel has no ipvlan support)" \
                "the message without ipvlan"
        links_back "after ipvlan"
        skip "the kernel has no ipvlan: --network-ipvlan's error checked, its links not"
fi
in_host ip link del it-ipvlan-probe
capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" --network-ipvlan=uplink0 /bin/sh -c "$inside"
assert_rc 0 "--network-ipvlan=uplink0"
assert_eq "$OUT" "iv-uplink0 lo " "links inside with an ipvlan"
links_back "after the ipvlan"
