#!/bin/bash
# TCP throughput guest → host over nspawn -n's veth against the same over a veth pair made by hand
# (issue 11: within 10%), iperf3 on both. Everything runs in network namespaces the benchmark
# makes (bound to files in its scratch dir, entered with nsenter --net=): no link of the real
# host's is touched, and traffic flows only between those namespaces. See bench/README.md.
#   bench/veth-throughput.sh [-n ROUNDS] [-b NSPAWN-BINARY] [-s PAUSE-SECONDS]
# Environment: BUILD (default <repo>/build), NSPAWN (default $BUILD/nspawn), SECONDS_PER_RUN
# (iperf3 -t, default 4; the first second is omitted). Needs root and iperf3.
set -u

. "$(dirname "$0")/lib.sh"
runs=5
bench_options 2,8 "$@"
secs=${SECONDS_PER_RUN:-4}
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "SECONDS_PER_RUN must be a positive number" >&2; exit 2; }
iperf3=$(command -v iperf3) || {
        echo "bench/veth-throughput.sh needs iperf3: apt-get install -y --no-install-recommends iperf3" >&2
        exit 1
}

work=$(mktemp -d /tmp/nspawn-bench-veth.XXXXXX)
host=$work/ns-host         # plays the host for nspawn: ve-tput's end, the iperf3 server
hand_a=$work/ns-hand-a     # the hand-made pair: server side
hand_b=$work/ns-hand-b     # the hand-made pair: client side
pids=()                    # servers and clients still running, killed on exit
cleanup() {
        local p
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
        for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
        for p in "$host" "$hand_a" "$hand_b"; do umount -l "$p" 2>/dev/null; done
        rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT TERM
for ns in "$host" "$hand_a" "$hand_b"; do
        touch "$ns"
        unshare --net="$ns" true || { echo "cannot make a network namespace" >&2; exit 1; }
done
inns() { local ns=$1; shift; nsenter --net="$ns" "$@"; }

# The container's root: a busybox tree made fresh in the scratch dir, plus iperf3 and the
# libraries it loads, at the host's paths.
tree=$work/root
"$repo/tests/rootfs/busybox.sh" "$tree" > /dev/null || exit 1
for f in "$iperf3" $(ldd "$iperf3" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
        mkdir -p "$tree$(dirname "$f")"
        cp -L "$f" "$tree$f"
done

# nspawn -n with the address pool as a user gets it (host end 10.99.0.1/28, host0 .2); IPv4
# only, so that no IPv6 set-up runs. The pool's nft table (masquerade) and forwarding sysctl land
# in $host.
printf 'Pool=yes\nIPv4Pool=10.99.0.0/24\nIPv6Pool=no\n' > "$work/network.conf"
# The hand-made pair: the same addresses, kernel defaults for everything else (as nspawn).
inns "$hand_a" ip link add veth-host type veth peer name veth-guest netns "$hand_b" &&
        inns "$hand_a" ip addr add 10.99.0.1/28 dev veth-host &&
        inns "$hand_a" ip link set veth-host up &&
        inns "$hand_b" ip addr add 10.99.0.2/28 dev veth-guest &&
        inns "$hand_b" ip link set veth-guest up ||
        { echo "cannot make the hand-made veth pair" >&2; exit 1; }

client=(-c 10.99.0.1 -t "$secs" -O 1 -f g --connect-timeout 3000)
names=("nspawn -n" "hand-made veth" "hand-made + NAT")
cmds=("$(printf '%q ' env NSPAWN_NETWORK_CONF="$work/network.conf" "$nspawn" -q -D "$tree" -M tput -n "$iperf3" "${client[@]}")"
        "$(printf '%q ' "$iperf3" "${client[@]}")" "$(printf '%q ' "$iperf3" "${client[@]}")")
server_ns=("$host" "$hand_a" "$hand_a") client_ns=("$host" "$hand_b" "$hand_b")
# The third contender: the hand-made pair with a masquerade table like the pool's in the server's
# namespace (connection tracking on every packet), there only during its runs. It tells what the
# pool's NAT costs apart from the veth.
nat='table inet bench-nat { chain postrouting { type nat hook postrouting priority srcnat; policy accept; ip saddr 10.99.0.0/28 ip daddr != 10.99.0.0/28 masquerade; }; }'


# Runs $1 in the background (so that a signal reaches the trap at once) under a time limit.
launch() { timeout -k 5 $(( secs + 30 )) "$@" & pids+=($!); }
listening() {
        for _ in $(seq 100); do
                [[ -n $(inns "$1" ss -Hltn 'sport = :5201' 2>/dev/null) ]] && return 0
                sleep 0.05
        done
        return 1
}
# One run of contender $1: a one-off server in its namespace (on all addresses: ve-tput's exists
# only while the container runs), the client; Gbit/s as the receiver saw it into $work/result.
# Not in a subshell: the trap must know the pids.
one() {
        local k=$1 out=$work/out srv cli
        (( k == 2 )) && { inns "$hand_a" nft "$nat" || return 1; }
        launch nsenter --net="${server_ns[k]}" "$iperf3" -s -1 > /dev/null 2>&1
        srv=$!
        listening "${server_ns[k]}" || { echo "iperf3 server did not start" >&2; return 1; }
        launch nsenter --net="${client_ns[k]}" bash -c "${cmds[k]}" < /dev/null > "$out" 2>&1
        cli=$!
        [[ -n ${2:-} ]] && link_of "$k" > "$work/link.$k"
        wait "$cli" || { echo "${names[k]}: the client failed:" >&2; cat "$out" >&2; kill "$srv" 2>/dev/null; return 1; }
        wait "$srv"
        pids=()
        (( k == 2 )) && inns "$hand_a" nft delete table inet bench-nat
        awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Gbits/sec") print $(i - 1) }' "$out" > "$work/result"
        [[ -s $work/result ]] || { echo "${names[k]}: no result:" >&2; cat "$out" >&2; return 1; }
}
# The veth's settings that matter for throughput (the host end), while the run is on.
link_of() {
        local dev=ve-tput
        (( $1 >= 1 )) && dev=veth-host
        for _ in $(seq 100); do
                inns "${server_ns[$1]}" ip -d -o link show dev "$dev" 2>/dev/null | grep -ow \
                        -e 'mtu [0-9]*' -e 'qlen [0-9]*' -e 'numtxqueues [0-9]*' -e 'numrxqueues [0-9]*' \
                        -e 'gso_max_size [0-9]*' -e 'gso_max_segs [0-9]*' -e 'gro_max_size [0-9]*' \
                        -e 'tso_max_size [0-9]*' | paste -sd ' ' | grep . && return
                sleep 0.05
        done
}

# A warm-up run each (it records the links' settings), then rounds that alternate who goes first.
for k in 0 1 2; do
        one "$k" link || exit 1
done
for (( i = 0; i < runs; i++ )); do
        order=(0 1 2)
        (( i % 2 )) && order=(2 1 0)
        for k in "${order[@]}"; do
                one "$k" || exit 1
                cat "$work/result" >> "$work/samples.$k"
                sleep "$settle"
        done
done

echo
echo "TCP throughput guest → host, iperf3 -t $secs (first second omitted), $runs rounds ($(nproc) CPUs, $(uname -r))"
printf '%-16s %10s %10s %10s   %s\n' "" "median" "min" "max" "Gbit/s"
declare -A med
for k in 0 1 2; do
        med[$k]=$(median < "$work/samples.$k")
        printf '%-16s %10.2f %10.2f %10.2f\n' "${names[k]}" "${med[$k]}" \
                "$(sort -n "$work/samples.$k" | head -1)" "$(sort -n "$work/samples.$k" | tail -1)"
done
for k in 0 1 2; do printf '%-16s %s\n' "${names[k]}" "$(cat "$work/link.$k")"; done
awk -v a="${med[0]}" -v b="${med[1]}" -v c="${med[2]}" 'BEGIN {
        r = a / b
        printf "nspawn -n / hand-made: %.3f (target: within 10%%, 0.90-1.10): %s\n", r, (r >= 0.9 && r <= 1.1) ? "met" : "NOT met"
        printf "nspawn -n / hand-made + NAT: %.3f; the NAT table alone: %.3f of the bare pair\n", a / c, c / b
}'
