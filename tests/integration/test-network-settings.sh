#!/bin/bash
# The [Network] keys of .nspawn files: from a trusted file (/run/systemd/nspawn) they apply —
# VirtualEthernet=, Zone=, VirtualEthernetExtra=, Interface= — and imply a private network; the
# command line's network options win over the file's as a whole (--settings=override: the file's);
# in an untrusted file (next to the image) every one of them is ignored with a warning, as
# systemd-nspawn does. In a test-made "host" network namespace (lib-net.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"
net_setup

name=itset-$$
dir=/run/systemd/nspawn
[[ -d $dir ]] || { mkdir -p "$dir" && at_exit "rmdir $dir 2>/dev/null"; }
at_exit "rm -f $dir/$name.nspawn"
before=$(host_links)
links_back() { wait_for "[[ \"\$(host_links)\" == \"\$before\" ]]" 5 || fail "links not as before $1: $(diff <(echo "$before") <(host_links))"; }
inside='ip -o link show | awk -F": " "{ sub(/@.*/, \"\", \$2); print \$2 }" | sort | tr "\n" " "'

cat > "$dir/$name.nspawn" <<X
[Network]
VirtualEthernet=no
Zone=itset
VirtualEthernetExtra=ex0:in0
X
nspawn_host_bg "$T/out" -q --read-only -D "$ROOTFS" -M "$name" /bin/sh -c "$inside; echo; grep ^CapBnd: /proc/self/status; sleep 100"
wait_for "grep -q CapBnd $T/out" 10 || fail "no start: $(cat "$T/out")"
assert_eq "$(head -n1 "$T/out" | tr -d '\r')" "host0 in0 lo " "links inside from the file (Zone= means a veth)"
assert_eq "$(link_attr "vb-$name" master)" vz-itset "the zone from the file"
assert_line "$(host_links)" ex0 "the extra veth from the file"
bnd=$(tr -d '\r' < "$T/out" | awk '/^CapBnd:/ { print $2 }')
assert_eq "$(( (16#$bnd >> 12) & 1 ))" 1 "CAP_NET_ADMIN from the file's private network"
kill -TERM "$BG_PID"
wait "$BG_PID"
links_back "after the trusted file's container"

# Interface= from the file; and "Private=no" after it does not undo the private network.
printf '[Network]\nInterface=uplink0:eth9\nPrivate=no\n' > "$dir/$name.nspawn"
capture OUT nspawn_host -q --read-only -D "$ROOTFS" -M "$name" /bin/sh -c "$inside"
assert_rc 0 "Interface= from the file"
assert_eq "$OUT" "eth9 lo " "the file's interface inside"
links_back "after the file's interface"

# The command line's network options replace the file's (its extra veth is not made)...
printf '[Network]\nVirtualEthernetExtra=ex0:in0\n' > "$dir/$name.nspawn"
capture OUT nspawn_host -q --read-only -D "$ROOTFS" -M "$name" -n /bin/sh -c "$inside"
assert_eq "$OUT" "host0 lo " "-n over the file's network"
links_back "after the command line's network"
# ...unless --settings=override.
capture OUT nspawn_host -q --read-only -D "$ROOTFS" -M "$name" -n --settings=override /bin/sh -c "$inside"
assert_eq "$OUT" "in0 lo " "--settings=override: the file's network"
links_back "after --settings=override"
rm "$dir/$name.nspawn"

# Untrusted (next to the image): every [Network] key is ignored, with a warning.
rootfs_copy "$T/images/$name"
for key in "Private=yes" "VirtualEthernet=yes" "Zone=itset" "Bridge=uplink0" "VirtualEthernetExtra=ex0:in0" \
           "Interface=uplink0" "MACVLAN=uplink0" "IPVLAN=uplink0"; do
        printf '[Network]\n%s\n' "$key" > "$T/images/$name.nspawn"
        capture OUT nspawn_host -q -D "$IT_ROOT" /bin/sh -c "$inside"
        assert_rc 0 "untrusted $key"
        assert_eq "$OUT" "lo uplink0 " "untrusted $key: the host's links, nothing made"
        assert_contains "$(cat "$T/stderr")" "is not trusted" "the warning for untrusted $key"
        links_back "after untrusted $key"
done
# --settings=trusted trusts it.
printf '[Network]\nVirtualEthernet=yes\n' > "$T/images/$name.nspawn"
capture OUT nspawn_host -q -D "$IT_ROOT" --settings=trusted /bin/sh -c "$inside"
assert_eq "$OUT" "host0 lo " "--settings=trusted"
links_back "after --settings=trusted"
