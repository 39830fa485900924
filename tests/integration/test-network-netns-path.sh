#!/bin/bash
# --network-namespace-path=PATH: the container joins the network namespace bound at PATH instead
# of making one; without --private-network no CAP_NET_ADMIN and lo as it is (systemd-nspawn's
# rules). Refused: a file that is no network namespace, a missing one, and other network options
# beside it. The namespaces are the test's (lib-net.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"
net_setup

ns=$T/netns-joined
touch "$ns"
at_exit "umount -l '$ns' 2>/dev/null"
unshare --net="$ns" true || fail "cannot make a namespace to join"
nsenter --net="$ns" ip link add dummy-ish type veth peer name peer-ish
inside='ip -o link show | awk -F": " "{ sub(/@.*/, \"\", \$2); print \$2 }" | sort | tr "\n" " "; echo; grep ^CapBnd: /proc/self/status'
host_bnd=$(( 16#$(host_capbnd) ))

capture OUT nspawn_host -q -D "$ROOTFS" --network-namespace-path="$ns" /bin/sh -c "$inside"
assert_rc 0 "--network-namespace-path"
assert_eq "$(sed -n 1p <<< "$OUT")" "dummy-ish lo peer-ish " "the joined namespace's links"
assert_eq "$(awk '/^CapBnd:/ { print $2 }' <<< "$OUT")" "$(printf '%016x' $(( 0xfdecafff & host_bnd )))" \
        "no CAP_NET_ADMIN without --private-network"
assert_not_contains "$(nsenter --net="$ns" ip -o link show lo)" "<LOOPBACK,UP" "lo left down"

# With --private-network too: CAP_NET_ADMIN, lo up in the joined namespace (as systemd-nspawn).
capture OUT nspawn_host -q -D "$ROOTFS" --private-network --network-namespace-path="$ns" /bin/sh -c "$inside"
assert_rc 0 "--private-network --network-namespace-path"
assert_eq "$(sed -n 1p <<< "$OUT")" "dummy-ish lo peer-ish " "the joined namespace's links"
assert_eq "$(awk '/^CapBnd:/ { print $2 }' <<< "$OUT")" \
        "$(printf '%016x' $(( (0xfdecafff | (1 << 12)) & host_bnd )))" "CAP_NET_ADMIN with --private-network"
assert_contains "$(nsenter --net="$ns" ip -o link show lo)" "UP" "lo brought up"

# Refused: not a namespace, a namespace of another type, missing, with other network options.
capture OUT nspawn_host -q -D "$ROOTFS" --network-namespace-path="$ROOTFS/etc/os-release" /bin/true
assert_rc 1 "a regular file"
assert_contains "$(cat "$T/stderr")" \
        "Path $(readlink -f "$ROOTFS/etc/os-release") doesn't refer to a network namespace, refusing." "a regular file"
capture OUT nspawn_host -q -D "$ROOTFS" --network-namespace-path=/proc/self/ns/uts /bin/true
assert_rc 1 "a UTS namespace"
assert_contains "$(cat "$T/stderr")" "doesn't refer to a network namespace, refusing." "a UTS namespace"
capture OUT nspawn_host -q -D "$ROOTFS" --network-namespace-path="$T/nonexistent" /bin/true
assert_rc 1 "a missing file"
assert_contains "$(cat "$T/stderr")" "Cannot open file $T/nonexistent: No such file or directory" "a missing file"
for opt in -n --network-veth-extra=a:b --network-zone=z --network-bridge=br0; do
        capture OUT nspawn_host -q -D "$ROOTFS" --network-namespace-path="$ns" "$opt" /bin/true
        assert_rc 1 "$opt with --network-namespace-path"
        assert_contains "$(cat "$T/stderr")" \
                "--network-namespace-path= cannot be combined with other network options." "$opt"
done
