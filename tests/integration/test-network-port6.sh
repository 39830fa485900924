#!/bin/bash
# -p from the host's own ::1 (nspawn-net's proxy, net-proxy.h: the kernel cannot DNAT ::1 out of
# the host): TCP and UDP reach servers in the container, also a bulk TCP echo with a half-close,
# to its IPv6 address and — without an IPv6 pool — its IPv4 one; the listeners are gone when the
# container ends. A port taken on ::1 fails the start naming the -p value and leaves nothing
# behind; a host without ::1 (IPv6 off on lo) starts without the proxy, 127.0.0.1 still forwarded.
# All in test-made namespaces (lib-net.sh).
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"
require nft python3 ss
net_setup
NET=$IT_DIR/net
DEB=${DEBIAN_IMAGES:-$BUILD/tests}/rootfs-debian-systemd
[[ -x $DEB/usr/bin/perl ]] || skip "no Debian image with perl in $DEB (the ports' servers; DEBIAN_IMAGES)"
in_host ip -6 addr show dev lo | grep -q '::1/128' || skip "no ::1 in a new network namespace (IPv6 off)"

printf 'Pool=yes\nIPv4Pool=10.231.0.0/16\nIPv6Pool=fd42:4242:4242::/48\n' > "$T/network.conf"
export NSPAWN_NETWORK_CONF=$T/network.conf
links_before=$(host_links)
cookie_dirs() { ls /run/nspawn/network 2>/dev/null | grep -v '^lock$' | sort; }
dirs_before=$(cookie_dirs)
bg() { ( exec nsenter --net="$1" "${@:2}" ) & BG_PID=$!; at_exit "{ kill -KILL $BG_PID; wait $BG_PID; } 2>/dev/null"; }
port_nspawn_bg() {
        local out=$1; shift
        ( exec nsenter --net="$NET_HOST" "${NSPAWN_CMD[@]}" "$@" < /dev/null > "$out" 2>&1 ) &
        BG_PID=$!
        at_exit "{ kill -KILL $BG_PID; wait $BG_PID; } 2>/dev/null"
}
listeners() { in_host ss -Hlntu | awk '{ print $1, $5 }' | grep -E ':(8080|8081|5353|8090|8091)$' | sort; }
all_clean() {
        wait_for "[[ \"\$(host_links)\" == \"\$links_before\" ]]" 5 || fail "links left $1: $(diff <(echo "$links_before") <(host_links))"
        wait_for "[[ -z \"\$(in_host nft list tables)\" ]]" 5 || fail "nft tables left $1: $(in_host nft list tables)"
        wait_for "[[ \"\$(cookie_dirs)\" == \"\$dirs_before\" ]]" 5 || fail "claims left $1: $(ls -R /run/nspawn/network)"
        wait_for "[[ -z \"\$(listeners)\" ]]" 5 || fail "listeners left $1: $(listeners)"
}

# TCP "tcp-hi" on 80, a TCP echo on 81 (until the client's FIN), UDP echo on 53 (perl)
servers='use Socket qw(:all); sub l { my ($t,$p)=@_; socket(my $s,PF_INET6,$t,0); setsockopt($s,SOL_SOCKET,SO_REUSEADDR,1);
  setsockopt($s,IPPROTO_IPV6,IPV6_V6ONLY,0); bind($s,pack_sockaddr_in6($p,IN6ADDR_ANY)) or die; listen($s,5) if $t==SOCK_STREAM; $s }
  $T=l(SOCK_STREAM,80); $E=l(SOCK_STREAM,81); $U=l(SOCK_DGRAM,53); $|=1; print "up\n";
  if (!fork) { while ($a = recv($U,$m,512,0)) { send($U,"udp-$m",0,$a) } exit }
  if (!fork) { while (accept(C,$E)) { if (!fork) { while (sysread(C,$b,65536)) { syswrite(C,$b) } exit } close C } exit }
  while (accept(C,$T)) { syswrite(C,"tcp-hi\n"); close C }'

# ---- IPv6 pool: the proxy connects to the container's IPv6 address ----
port_nspawn_bg "$T/p6.out" -q --read-only -D "$DEB" -M port6 -n -p 8080:80 -p 8081:81 -p udp:5353:53 \
        /bin/sh -c "perl -e '$servers' & sleep 60"
p6=$BG_PID
wait_for "grep -q up $T/p6.out" 15 || fail "the container did not start: $(cat "$T/p6.out")"
assert_eq "$(in_host python3 "$NET/peer.py" tcp ::1 8080)" "tcp-hi" "TCP from the host's ::1"
assert_eq "$(in_host python3 "$NET/peer.py" udp ::1 5353 a)" "udp-a" "UDP from the host's ::1"
assert_eq "$(in_host python3 "$NET/peer.py" udp ::1 5353 b)" "udp-b" "UDP again, the same client flow"
assert_eq "$(in_host python3 "$NET/peer.py" tcp-echo ::1 8081 3000000)" "echo 3000000" \
        "3 MB through the proxy and back, half-closed"
assert_eq "$(in_host python3 "$NET/peer.py" tcp 127.0.0.1 8080)" "tcp-hi" "127.0.0.1 still by DNAT"
assert_eq "$(in_host python3 "$NET/peer.py" tcp ::1 8080)" "tcp-hi" "TCP from ::1 again"
kill -TERM "$p6"; wait "$p6"
all_clean "after the IPv6 container"
OUT=$(in_host python3 "$NET/peer.py" tcp ::1 8080 2>&1) && fail "::1:8080 still answers after the end: $OUT"

# ---- no IPv6 pool: the proxy connects to the container's IPv4 address ----
printf 'Pool=yes\nIPv4Pool=10.231.0.0/16\nIPv6Pool=no\n' > "$T/network.conf"
port_nspawn_bg "$T/p4.out" -q --read-only -D "$DEB" -M port4 -n -p 8080:80 -p udp:5353:53 \
        /bin/sh -c "perl -e '$servers' & sleep 60"
p4=$BG_PID
wait_for "grep -q up $T/p4.out" 15 || fail "the container did not start: $(cat "$T/p4.out")"
assert_eq "$(in_host python3 "$NET/peer.py" tcp ::1 8080)" "tcp-hi" "TCP from ::1 to an IPv4-only container"
assert_eq "$(in_host python3 "$NET/peer.py" udp ::1 5353 c)" "udp-c" "UDP from ::1 to an IPv4-only container"
kill -TERM "$p4"; wait "$p4"
all_clean "after the IPv4 container"

# ---- a port taken on ::1: a clear error naming -p, nothing left ----
for proto in tcp udp; do
        bg "$NET_HOST" python3 -c "import socket,time
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if '$proto' == 'tcp' else socket.SOCK_DGRAM)
s.bind(('::1', 8090)); '$proto' == 'tcp' and s.listen(1); print('bound', flush=True); time.sleep(60)" > "$T/taken.out"
        taker=$BG_PID
        wait_for "grep -q bound $T/taken.out" 5 || fail "cannot take [::1]:8090"
        capture OUT nsenter --net="$NET_HOST" timeout -k 5 20 "${NSPAWN_CMD[@]}" -q --read-only -D "$ROOTFS" \
                -M port-taken -n -p "$proto:8090:80" /bin/true
        assert_eq "$RC" 1 "$proto port taken on ::1: exit status"
        assert_contains "$(cat "$T/stderr")" "Failed to listen on [::1]:8090 for --port=$proto:8090:80: Address already in use" \
                "$proto port taken on ::1: the message names it"
        kill -KILL "$taker"; wait "$taker" 2>/dev/null
        all_clean "after a $proto port taken on ::1"
done

# ---- no ::1 (IPv6 off on lo): no proxy, no error; 127.0.0.1 still forwarded ----
in_host sysctl -qw net.ipv6.conf.lo.disable_ipv6=1
port_nspawn_bg "$T/n6.out" -q --read-only -D "$ROOTFS" -M port-no6 -n -p 8091:80 /bin/sh -c \
        'nc -ll -p 80 -e echo no6-hi & echo up; sleep 60'
n6=$BG_PID
wait_for "grep -q up $T/n6.out" 10 || fail "the container without ::1 did not start: $(cat "$T/n6.out")"
assert_eq "$(in_host python3 "$NET/peer.py" tcp 127.0.0.1 8091)" "no6-hi" "127.0.0.1 without ::1"
assert_eq "$(listeners)" "" "no proxy listener without ::1"
kill -TERM "$n6"; wait "$n6"
assert_not_contains "$(cat "$T/n6.out")" "::1" "no word about ::1 but at debug level"
in_host sysctl -qw net.ipv6.conf.lo.disable_ipv6=0
all_clean "at the end"
