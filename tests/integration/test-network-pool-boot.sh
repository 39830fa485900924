#!/bin/bash
# timeout: 240
# A booted Debian guest under -U -n (systemd-nspawn@.service's options) whose systemd-networkd runs
# DHCP on host0 (80-container-host0.network) gets its address from the pool's DHCP server: the
# gateway as router and DNS, and traffic out through the masquerade. Afterwards no link, nft
# table, claim or forwarding sysctl is left. All in test-made namespaces (lib-net.sh).
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"
. "$IT_DIR/lib-net.sh"
require python3 nft
net_setup
NET=$IT_DIR/net

in_host ip addr add 192.0.2.1/24 dev uplink0 && in_host ip link set uplink0 up
in_outside ip addr add 192.0.2.2/24 dev uplink1 && in_outside ip link set uplink1 up
in_host ip route add default via 192.0.2.2
printf 'Pool=yes\nIPv4Pool=10.231.0.0/16\nIPv6Pool=no\n' > "$T/network.conf"
export NSPAWN_NETWORK_CONF=$T/network.conf
fwd_before=$(in_host sysctl -n net.ipv4.ip_forward)
links_before=$(host_links)
cookie_dirs() { ls /run/nspawn/network 2>/dev/null | grep -v '^lock$' | sort; }
dirs_before=$(cookie_dirs)

image=$(boot_image systemd) || exit
boot_root_copy "$image" "$T/systemd"
root=$T/systemd
# networkd on (the test image masks it), and a unit that reports the lease and a connection out,
# then powers off
rm -f "$root/etc/systemd/system/systemd-networkd.service" "$root/etc/systemd/system/systemd-networkd.socket"
ln -s /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/"
cat > "$root/etc/systemd/system/nettest.service" <<'X'
[Unit]
After=systemd-networkd.service
[Service]
Type=oneshot
StandardOutput=file:/root/net.out
ExecStart=-/bin/bash -c 'for i in $(seq 150); do ls /run/systemd/netif/leases/* >/dev/null 2>&1 && break; sleep 0.2; done; \
  cat /run/systemd/netif/leases/*; hostname -I; \
  exec 3<>/dev/tcp/192.0.2.2/7000 && read -t 5 -r line <&3 && echo "OUT=$line"; \
  networkctl --no-pager status host0; journalctl --no-pager -b -u systemd-networkd | tail -n 20'
ExecStartPost=/bin/systemctl poweroff --no-block
[Install]
WantedBy=multi-user.target
X
ln -s ../nettest.service "$root/etc/systemd/system/multi-user.target.wants/nettest.service"

( exec nsenter --net="$NET_OUTSIDE" python3 "$NET/peer.py" tcp-peer 7000 > "$T/peer.out" ) & peer=$!
at_exit "{ kill -KILL $peer; wait $peer; } 2>/dev/null"
wait_for "grep -q listening $T/peer.out" 5
IT_CMD_TIMEOUT=120 capture OUT nspawn_host -q -M "pb-$$" -D "$root" -b -U -n --console=passive
net=$(cat "$root/root/net.out" 2>/dev/null)
sed 's/^/# net.out: /' <<< "$net" >&2
[[ $RC == 0 ]] || { tail -n 40 <<< "$OUT" | sed 's/^/# console: /' >&2; sed 's/^/# stderr: /' "$T/stderr" >&2; }
assert_rc 0 "the guest powered off"
addr=$(sed -n 's/^ADDRESS=//p' <<< "$net") router=$(sed -n 's/^ROUTER=//p' <<< "$net")
[[ $addr =~ ^10\.231\.[0-9]+\.[0-9]+$ ]] || fail "no lease from the pool: $net"
assert_eq "${addr%.*}.$(( ${addr##*.} - 1 ))" "$router" "the gateway (the host end, .1 of the /28) is the router"
assert_line "$net" "DNS=$router" "the gateway answers DNS"
grep -qE "^${addr//./\\.} *\$" <<< "$net" || fail "host0 does not have the leased address $addr"
assert_line "$net" "OUT=seen" "the guest reaches the outside"
wait "$peer"
assert_eq "$(tail -n1 "$T/peer.out")" "192.0.2.1" "masqueraded as the host"

wait_for "[[ \"\$(host_links)\" == \"\$links_before\" ]]" 5 || fail "links left: $(host_links)"
wait_for "[[ -z \"\$(in_host nft list tables)\" ]]" 5 || fail "nft tables left: $(in_host nft list tables)"
wait_for "[[ \"\$(cookie_dirs)\" == \"\$dirs_before\" ]]" 5 || fail "claims left: $(ls -R /run/nspawn/network)"
assert_eq "$(in_host sysctl -n net.ipv4.ip_forward)" "$fwd_before" "ip_forward back"
