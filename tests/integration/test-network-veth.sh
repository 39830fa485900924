#!/bin/bash
# -n: a veth pair, host side ve-NAME (down), container side host0 (down), with systemd-nspawn's
# names and addresses (compared with systemd-nspawn 252's own where it is installed); lo up;
# CAP_NET_ADMIN; NETIF= in the record; the pair goes after a normal exit, a failed start and
# SIGKILL of nspawn. Long names are shortened as systemd-nspawn does. --network-veth-extra.
# Everything in a test-made "host" network namespace (lib-net.sh). The links as systemd-nspawn
# leaves them: without the address pool (Pool=no; the pool is test-network-pool.sh's).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-net.sh"
net_setup
printf 'Pool=no\n' > "$T/network.conf"
export NSPAWN_NETWORK_CONF=$T/network.conf

name=it-veth-$$
long=averyveryverylongname
before=$(host_links)
links_back() { wait_for "[[ \"\$(host_links)\" == \"\$before\" ]]" 5 || fail "links left $1: $(diff <(echo "$before") <(host_links))"; }

# Names and addresses, inside and out, as systemd-nspawn's: -n, a long name, extra pairs.
for opts in "-M $name -n" "-M $long -n" "-M $name --network-veth-extra=ex0:in0 --network-veth-extra=ex1" \
            "-M $long -n --network-veth-extra=ex0:in0"; do
        # shellcheck disable=SC2086
        ours=$(link_table "$NET_HOST" "${NSPAWN_CMD[@]}" -q --read-only -D "$ROOTFS" $opts)
        log "$opts:"$'\n'"$ours"
        [[ -n $ours ]] || fail "$opts: no links: $(cat "$T/link-table.err")"
        # shellcheck disable=SC2086
        ref=$(reference_table $opts)
        if [[ -n $ref ]]; then
                assert_eq "$ours" "$ref" "links of $opts against systemd-nspawn 252's"
        fi
        links_back "after $opts"
done
[[ -n $ref ]] || log "systemd-nspawn is not installed: names and addresses not compared with it"
assert_line "$(link_table "$NET_HOST" "${NSPAWN_CMD[@]}" -q -D "$ROOTFS" -M "$long" -n | cut -d' ' -f1,2)" \
        "host ve-averyverUARo" "the shortened name"
assert_contains "$(cat "$T/link-table.err")" \
        "Network interface name 've-$long' has been changed to 've-averyverUARo' to fit length constraints." \
        "the shortening warning"
links_back "after the long name"

# While it runs: host0 and ve-NAME down, lo up, CAP_NET_ADMIN, the full name as altname, NETIF=.
nspawn_host_bg "$T/out" -q -D "$ROOTFS" -M "$long" -n /bin/sh -c \
        'echo "host0=$(cat /sys/class/net/host0/flags) lo=$(cat /sys/class/net/lo/flags)
$(grep ^CapBnd: /proc/self/status)"; sleep 100'
wait_for "grep -q ^CapBnd: $T/out && in_host ip link show ve-averyverUARo >/dev/null 2>&1" 10 ||
        fail "no start: $(cat "$T/out")"
flags=$(grep ^host0= "$T/out" | tr -d "\r")
assert_match "$flags" '^host0=0x[0-9a-f]*[02468ace] lo=0x[0-9a-f]*[13579bdf]$' "host0 down (IFF_UP clear), lo up"
bnd=$(tr -d "\r" < "$T/out" | awk '/^CapBnd:/ { print $2 }')
assert_eq "$(( (16#$bnd >> 12) & 1 ))" 1 "CAP_NET_ADMIN with -n (CapBnd $bnd)"
assert_eq "$(link_attr ve-averyverUARo state)" "BROADCAST,MULTICAST" "ve- is down"
assert_contains "$(in_host ip link show ve-averyverUARo)" "altname ve-$long" "the long name as altname"
if [[ $IT_REFERENCE == 0 ]]; then
        assert_line "$(cat /run/nspawn/machines/"$long")" "NETIF=$(link_attr ve-averyverUARo ifindex)" \
                "the record's NETIF="
fi
if [[ $IT_REFERENCE == 0 ]]; then
        assert_contains "$(in_host "$BUILD/nspawnctl" status "$long")" "Iface: ve-averyverUARo" "nspawnctl status"
fi
kill -TERM "$BG_PID"
wait "$BG_PID"
links_back "after SIGTERM"

# --as-pid2: PID 2 waits for the links too.
capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" -n -a /bin/sh -c 'cat /sys/class/net/host0/address'
assert_rc 0 "-n --as-pid2"
assert_match "$OUT" '^[0-9a-f:]{17}$' "host0 with --as-pid2"
links_back "after --as-pid2"

# A failed start (no such command): the pair goes too.
capture OUT nspawn_host -q -D "$ROOTFS" -M "$name" -n /nonexistent
assert_ne "$RC" 0 "a failed start"
links_back "after a failed start"

# SIGKILL of nspawn: the container's namespace dies with it, and its veth with it.
nspawn_host_bg "$T/out2" -q -D "$ROOTFS" -M "$name" -n /bin/sh -c 'echo up; sleep 100'
wait_for "[[ -s $T/out2 ]] && in_host ip link show ve-$name >/dev/null 2>&1" 10 || fail "no start: $(cat "$T/out2")"
[[ $IT_REFERENCE == 1 ]] && expect_differ "systemd-nspawn 252 leaves its ve- link and the guest when SIGKILLed"
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null
links_back "5 s after SIGKILL of nspawn"

# `ip netns exec` mounts a fresh sysfs on /sys, so /sys/fs/cgroup is empty there: nspawn copes
# (it finds the cgroup hierarchies through its own mounts).
capture OUT net_fresh_sysfs "${NSPAWN_CMD[@]}" -q -D "$ROOTFS" -M "$name" -n /bin/sh -c 'echo ok'
if [[ $IT_REFERENCE == 1 ]]; then
        log "systemd-nspawn 252 under a fresh sysfs: exit status $RC"
else
        assert_rc 0 "-n under a fresh sysfs (as ip netns exec)"
        assert_eq "$OUT" ok "-n under a fresh sysfs"
fi
links_back "after the fresh sysfs"
