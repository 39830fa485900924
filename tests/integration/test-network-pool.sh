#!/bin/bash
# The address pool (/etc/nspawn/network.conf; here $NSPAWN_NETWORK_CONF) with -n and zones, where
# nothing else manages the host side: the payload has its address, default route and resolv.conf
# before it starts; its traffic leaves masqueraded (IPv4 and IPv6); DNS answers from inside
# through the host's name server on 127.0.0.53 (which the guest cannot reach itself); -p forwards
# TCP and UDP from the host's 127.0.0.1, from the outside (IPv4 and IPv6) and from another
# container; two members of a zone reach each other; the DHCP server gives a DHCP client the same
# address. Afterwards, and after SIGKILL of nspawn (and of nspawn and its helper), no nft table,
# claim or address is left and the forwarding sysctls are back. -n works under -U. Bad input (a bad
# -p, a used-up pool, a bad line of network.conf) fails naming it and leaves nothing behind.
# Pool=no and a running systemd-networkd leave the links unconfigured. All in test-made namespaces
# (lib-net.sh): the host's sysctls are the test namespace's. (A booted guest's DHCP client:
# test-network-pool-boot.sh.)
# timeout: 180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"
require nft python3
net_setup
NET=$IT_DIR/net

in_host ip addr add 192.0.2.1/24 dev uplink0 && in_host ip link set uplink0 up
in_host ip -6 addr add 2001:db8::1/64 dev uplink0 nodad
in_outside ip addr add 192.0.2.2/24 dev uplink1 && in_outside ip link set uplink1 up
in_outside ip -6 addr add 2001:db8::2/64 dev uplink1 nodad
in_host ip route add default via 192.0.2.2
in_host ip -6 route add default via 2001:db8::2
# the host's name server: 127.0.0.53 in the host namespace, named by its resolv.conf
in_host ip addr add 127.0.0.53/8 dev lo
# background processes (their own PIDs, nsenter execs them) are killed at the end, also when the
# test fails half-way
bg() { ( exec nsenter --net="$1" "${@:2}" ) & BG_PID=$!; at_exit "{ kill -KILL $BG_PID; wait $BG_PID; } 2>/dev/null"; }
bg "$NET_HOST" python3 "$NET/fake-dns.py" 127.0.0.53 198.51.100.9
echo "nameserver 127.0.0.53" > "$T/resolv.conf"
printf 'Pool=yes\nIPv4Pool=10.231.0.0/16\nIPv6Pool=fd42:4242:4242::/48\n' > "$T/network.conf"
export NSPAWN_NETWORK_CONF=$T/network.conf
fwd() { in_host sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding | tr '\n' ' '; }
fwd_before=$(fwd)
links_before=$(host_links)
cookie_dirs() { ls /run/nspawn/network 2>/dev/null | grep -v '^lock$' | sort; }
dirs_before=$(cookie_dirs)
# nspawn in the host namespace with the fake resolv.conf (a mount namespace of its own)
pool_nspawn() {
        timeout -k 5 "${IT_CMD_TIMEOUT:-20}" nsenter --net="$NET_HOST" unshare -m --propagation private sh -c \
                'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$T/resolv.conf" "${NSPAWN_CMD[@]}" "$@" < /dev/null
}
pool_nspawn_bg() {
        local out=$1; shift
        ( exec nsenter --net="$NET_HOST" unshare -m --propagation private sh -c \
                'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$T/resolv.conf" "${NSPAWN_CMD[@]}" "$@" < /dev/null > "$out" 2>&1 ) &
        BG_PID=$!
        at_exit "{ kill -KILL $BG_PID; wait $BG_PID; } 2>/dev/null"
}
all_clean() {
        wait_for "[[ \"\$(host_links)\" == \"\$links_before\" ]]" 5 || fail "links left $1: $(diff <(echo "$links_before") <(host_links))"
        wait_for "[[ -z \"\$(in_host nft list tables)\" ]]" 5 || fail "nft tables left $1: $(in_host nft list tables)"
        wait_for "[[ \"\$(fwd)\" == \"\$fwd_before\" ]]" 5 || fail "forwarding sysctls $1: $(fwd), before: $fwd_before"
        wait_for "[[ \"\$(cookie_dirs)\" == \"\$dirs_before\" ]]" 5 || fail "claims left $1: $(ls -R /run/nspawn/network)"
}

# ---- a payload: its address before it starts, NAT out, DNS ----
( exec nsenter --net="$NET_OUTSIDE" python3 "$NET/peer.py" tcp-peer 7000 > "$T/peer4.out" ) & peer=$!
at_exit "{ kill -KILL $peer; wait $peer; } 2>/dev/null"
wait_for "grep -q listening $T/peer4.out" 5
capture OUT pool_nspawn -q -x -D "$ROOTFS" -M pool-a -n /bin/sh -c \
        'ip -4 -o addr show host0; ip -6 -o addr show host0 scope global; ip route; cat /etc/resolv.conf;
         echo x | nc 192.0.2.2 7000; nslookup outside.test; ping -c1 -W3 2001:db8::2 >/dev/null && echo ping6-ok'
assert_rc 0 "the payload"
assert_match "$OUT" "host0 +inet 10\.231\.[0-9]+\.[0-9]+/28" "an IPv4 address of the pool before the payload ran"
assert_match "$OUT" "host0 +inet6 fd42:4242:4242:[0-9a-f]*::2/64" "an IPv6 address of the pool"
gw=$(sed -n 's/^default via \([0-9.]*\) .*/\1/p' <<< "$OUT")
[[ -n $gw ]] || fail "no default route: $OUT"
assert_line "$OUT" "nameserver $gw" "resolv.conf names the gateway"
assert_contains "$OUT" "seen" "the outside answered"
wait "$peer"
assert_eq "$(tail -n1 "$T/peer4.out")" "192.0.2.1" "the outside sees the host's address (masquerade)"
assert_match "$OUT" "Address:? +198\.51\.100\.9" "DNS from inside, through the host's 127.0.0.53"
assert_contains "$OUT" "ping6-ok" "IPv6 out through NAT66"
all_clean "after a payload"

# ---- -p: TCP and UDP from the host's 127.0.0.1, the outside (IPv4, IPv6), another container ----
DEB=${DEBIAN_IMAGES:-$BUILD/tests}/rootfs-debian-systemd
[[ -x $DEB/usr/bin/perl ]] || skip "no Debian image with perl in $DEB (the ports' servers; DEBIAN_IMAGES)"
# TCP "tcp-hi" on 80, UDP echo on 53, in the guest (perl, core modules only)
servers='use Socket qw(:all); socket(T,PF_INET6,SOCK_STREAM,0); setsockopt(T,SOL_SOCKET,SO_REUSEADDR,1);
  setsockopt(T,IPPROTO_IPV6,IPV6_V6ONLY,0); bind(T,pack_sockaddr_in6(80,IN6ADDR_ANY)) or die; listen(T,5);
  socket(U,PF_INET6,SOCK_DGRAM,0); setsockopt(U,IPPROTO_IPV6,IPV6_V6ONLY,0); bind(U,pack_sockaddr_in6(53,IN6ADDR_ANY)) or die;
  $|=1; print "up\n"; if (fork) { while (accept(C,T)) { syswrite(C,"tcp-hi\n"); close C } }
  else { while ($a = recv(U,$m,512,0)) { send(U,"udp-$m",0,$a) } }'
pool_nspawn_bg "$T/ports.out" -q --read-only -D "$DEB" -M pool-p -n -p 8080:80 -p udp:5353:53 \
        /bin/sh -c "perl -e '$servers' & sleep 60"
ports_pid=$BG_PID
wait_for "grep -q up $T/ports.out" 15 || fail "the ports' container did not start: $(cat "$T/ports.out")"
assert_eq "$(in_host python3 "$NET/peer.py" tcp 127.0.0.1 8080)" "tcp-hi" "TCP from the host's 127.0.0.1"
assert_eq "$(in_host python3 "$NET/peer.py" udp 127.0.0.1 5353 a)" "udp-a" "UDP from the host's 127.0.0.1"
assert_eq "$(in_outside python3 "$NET/peer.py" tcp 192.0.2.1 8080)" "tcp-hi" "TCP from the outside"
assert_eq "$(in_outside python3 "$NET/peer.py" udp 192.0.2.1 5353 b)" "udp-b" "UDP from the outside"
assert_eq "$(in_outside python3 "$NET/peer.py" tcp 2001:db8::1 8080)" "tcp-hi" "TCP from the outside over IPv6"
assert_eq "$(in_outside python3 "$NET/peer.py" udp 2001:db8::1 5353 c)" "udp-c" "UDP from the outside over IPv6"
capture OUT pool_nspawn -q --read-only -D "$ROOTFS" -M pool-c -n /bin/sh -c 'nc 192.0.2.1 8080 </dev/null'
assert_eq "$OUT" "tcp-hi" "TCP from another container"
kill -TERM "$ports_pid"; wait "$ports_pid"
all_clean "after -p"

# ---- a zone: two members reach each other; DHCP gives a client its address ----
pool_nspawn_bg "$T/za.out" -q --read-only -D "$ROOTFS" -M pool-za --network-zone=pz /bin/sh -c \
        'ip -4 -o addr show host0; nc -ll -p 80 -e echo zone-hi & sleep 60'
za=$BG_PID
wait_for "grep -q inet $T/za.out" 10 || fail "za did not start: $(cat "$T/za.out")"
addr_a=$(sed -n 's/.* inet \([0-9.]*\)\/24 .*/\1/p' "$T/za.out")
[[ -n $addr_a ]] || fail "za has no /24 of the zone: $(cat "$T/za.out")"
capture OUT pool_nspawn -q --read-only -D "$ROOTFS" -M pool-zb --network-zone=pz /bin/sh -c \
        "nc $addr_a 80 </dev/null; ip -4 -o addr show host0 | sed 's/.* inet \([0-9.]*\).*/\1/' > /tmp/mine
         ip addr flush dev host0
         printf '#!/bin/sh\n[ \"\$1\" = bound ] && echo lease \$ip \$router \$dns\n' > /tmp/s; chmod +x /tmp/s
         udhcpc -i host0 -n -q -f -t 3 -s /tmp/s; echo mine \$(cat /tmp/mine)"
assert_rc 0 "the second zone member"
assert_line "$OUT" "zone-hi" "one zone member reaches the other"
mine=$(sed -n 's/^mine //p' <<< "$OUT")
[[ -n $mine ]] || fail "zb has no address: $OUT"
zgw=${addr_a%.*}.1
assert_line "$OUT" "lease $mine $zgw $zgw" "DHCP gives the same address, the gateway as router and DNS"
assert_eq "$(in_host nft list tables | sort | tr '\n' ' ')" "table inet nspawn-vb-pool-za " "one table a member (zb's went with it)"
kill -TERM "$za"; wait "$za"
all_clean "after the zone"

# ---- SIGKILL: of nspawn; of nspawn and its helper (then the guard's undo) ----
for victims in nspawn both; do
        pool_nspawn_bg "$T/k.out" -q --read-only -D "$ROOTFS" -M pool-k -n -p 8081:80 /bin/sh -c 'echo up; sleep 60'
        wait_for "grep -q up $T/k.out" 10 || fail "pool-k did not start: $(cat "$T/k.out")"
        assert_eq "$(in_host sysctl -n net.ipv4.ip_forward)" 1 "forwarding on while it runs"
        helper=$(pgrep -P "$BG_PID" -x nspawn-net)
        [[ $victims == both && -n $helper ]] && kill -KILL "$helper"
        kill -KILL "$BG_PID"; wait "$BG_PID" 2>/dev/null
        all_clean "after SIGKILL of $victims"
done

# ---- under -U (systemd-nspawn@.service's -U -n): the same address, NAT out, -p in ----
( exec nsenter --net="$NET_OUTSIDE" python3 "$NET/peer.py" tcp-peer 7000 > "$T/peer4u.out" ) & peer=$!
at_exit "{ kill -KILL $peer; wait $peer; } 2>/dev/null"
wait_for "grep -q listening $T/peer4u.out" 5
pool_nspawn_bg "$T/u.out" -q --read-only -U -D "$ROOTFS" -M pool-u -n -p 8083:80 /bin/sh -c \
        'echo uid_map $(cat /proc/self/uid_map); ip -4 -o addr show host0; echo x | nc 192.0.2.2 7000;
         nc -ll -p 80 -e echo userns-hi & sleep 60'
u=$BG_PID
wait_for "grep -q seen $T/u.out" 10 || fail "pool-u did not reach the outside: $(cat "$T/u.out")"
assert_match "$(cat "$T/u.out")" "uid_map 0 [1-9][0-9]* 65536" "pool-u runs in a user namespace"
assert_match "$(cat "$T/u.out")" "host0 +inet 10\.231\.[0-9]+\.[0-9]+/28" "an address of the pool under -U"
wait "$peer"
assert_eq "$(tail -n1 "$T/peer4u.out")" "192.0.2.1" "masquerade under -U"
assert_eq "$(in_host python3 "$NET/peer.py" tcp 127.0.0.1 8083)" "userns-hi" "-p under -U"
kill -TERM "$u"; wait "$u"
all_clean "after -U"

# ---- bad input: a clear error, a non-zero exit, nothing left ----
# our namespace's claims (the lock files under its cookie's directory)
claims() { local d; for d in $(comm -13 <(echo "$dirs_before") <(cookie_dirs)); do ls "/run/nspawn/network/$d"; done; }
for bad in sctp:80 0 80:65536 tcp:; do
        capture OUT pool_nspawn -q --read-only -D "$ROOTFS" -M pool-bad -n -p "$bad" /bin/true
        assert_eq "$RC" 1 "-p $bad: exit status"
        assert_contains "$(cat "$T/stderr")" "Invalid value '$bad' for --port" "-p $bad: the message names it"
        all_clean "after -p $bad"
done
# a pool with room for one -n container (routes of the host's cover the rest of the /24): the
# second one fails, the first one's state stays
printf 'IPv4Pool=10.231.5.0/24\nIPv6Pool=no\n' > "$T/network.conf"
taken=(10.231.5.0/25 10.231.5.128/26 10.231.5.192/27 10.231.5.224/28)
for r in "${taken[@]}"; do in_host ip route add "$r" dev uplink0; done
pool_nspawn_bg "$T/x1.out" -q --read-only -D "$ROOTFS" -M pool-x1 -n -p 8084:80 /bin/sh -c 'echo up; sleep 60'
x1=$BG_PID
wait_for "grep -q up $T/x1.out" 10 || fail "pool-x1 did not start: $(cat "$T/x1.out")"
held=$(claims | sort)
capture OUT pool_nspawn -q --read-only -D "$ROOTFS" -M pool-x2 -n -p 8085:80 /bin/true
assert_eq "$RC" 1 "a used-up pool: exit status"
assert_contains "$(cat "$T/stderr")" "used up: no free /28 left in IPv4Pool=10.231.5.0/24 for ve-pool-x2 ($T/network.conf)." \
        "a used-up pool: the message names the pool and the file"
wait_link_gone ve-pool-x2 || fail "ve-pool-x2 left behind"
assert_eq "$(in_host nft list tables)" "table inet nspawn-ve-pool-x1" "no table of pool-x2's"
assert_eq "$(claims | sort)" "$held" "pool-x2 left no claim"
assert_eq "$(in_host sysctl -n net.ipv4.ip_forward)" 1 "forwarding still on for pool-x1"
assert_match "$(in_host ip -4 -o addr show ve-pool-x1)" "inet 10\.231\.5\.241/28" "pool-x1 has the free /28"
kill -TERM "$x1"; wait "$x1"
for r in "${taken[@]}"; do in_host ip route del "$r" dev uplink0; done
all_clean "after a used-up pool"
# bad lines of network.conf, named by file and line
for text in 'Pool=yes\nIPv4Pool=10.0.0.0/33' 'Pool=yes\nBogus=1' 'Pool=maybe' 'Pool'; do
        printf "$text\n" > "$T/network.conf"
        line=$(printf "$text\n" | wc -l)
        capture OUT pool_nspawn -q --read-only -D "$ROOTFS" -M pool-n -n -p 80 /bin/true
        assert_eq "$RC" 1 "network.conf '$text': exit status"
        assert_contains "$(cat "$T/stderr")" "$T/network.conf:$line:" "network.conf '$text': the message names the file and line"
        all_clean "after network.conf '$text'"
done

# ---- Pool=no, and systemd-networkd in the namespace: links as systemd-nspawn leaves them ----
printf 'Pool=no\n' > "$T/network.conf"
capture OUT pool_nspawn -q --read-only -D "$ROOTFS" -M pool-n -n /bin/sh -c 'ip -o addr show host0 | grep -c inet'
assert_eq "$OUT" "0" "Pool=no: host0 unconfigured"
capture OUT pool_nspawn -q --read-only -D "$ROOTFS" -M pool-n -n -p 80 /bin/true
assert_ne "$RC" 0 "-p without the pool"
assert_contains "$(cat "$T/stderr")" "not supported yet" "-p without the pool says so"
printf 'Pool=auto\n' > "$T/network.conf"
cp /bin/sleep "$T/systemd-networkd"
capture OUT nsenter --net="$NET_HOST" unshare -m --propagation private sh -c \
        'mount -t tmpfs tmpfs /run/systemd 2>/dev/null || { mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd; }
         mkdir /run/systemd/netif; "$0" 30 & n=$!; '"$(printf '%q ' "${NSPAWN_CMD[@]}")"' -q --read-only -D "$1" -M pool-n -n \
         /bin/sh -c "ip -o addr show host0 | grep -c inet"; kill $n' "$T/systemd-networkd" "$ROOTFS"
assert_eq "$OUT" "0" "Pool=auto stays out of a running systemd-networkd's way"
all_clean "at the end"
