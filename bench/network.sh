#!/bin/bash
# What the network modes cost at start-up: `nspawn -n /bin/true` against a plain start and
# `--private-network`, and against systemd-nspawn 252's `-n` (--register=no --keep-unit), in one
# run, contenders taking turns. Everything runs in a network namespace the benchmark makes (bound
# to a file in its scratch dir, entered by fd): no link of the real host's is touched. See
# bench/README.md.
#   bench/network.sh [-n RUNS] [-r ROOT] [-b NSPAWN-BINARY] [-s SETTLE-SECONDS]
# Environment: BUILD (default <repo>/build), NSPAWN (default $BUILD/nspawn). Needs root.
set -u

. "$(dirname "$0")/lib.sh"
# A run's pool and links go after nspawn has exited (its helper, then its guard), and every
# contender reuses the name "bench": 0.3 s between runs, so that no start waits for the last one's.
settle=0.3
bench_options 2,8 "$@"

work=$(mktemp -d /tmp/nspawn-bench-net.XXXXXX)
netns=$work/netns
cleanup() { umount -l "$netns" 2>/dev/null; rm -rf --one-file-system "$work"; }
trap cleanup EXIT
touch "$netns"
unshare --net="$netns" true || { echo "cannot make a network namespace" >&2; exit 1; }
bench_root
helper=$(dirname "$(command -v "${nspawn%% *}")")/nspawn-net

# ---- the contenders: name and command, run with `nsenter --net=NETNS` ----
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
q() { printf '%q ' "$@"; }
# -M bench: a short name, so no shortening (and its extra request) is measured
add "nspawn" "$(q "$nspawn") -q -D $(q "$root") -M bench /bin/true"
add "nspawn --private-network" "$(q "$nspawn") -q -D $(q "$root") -M bench --private-network /bin/true"
printf 'Pool=no\n' > "$work/pool-no.conf"
add "nspawn -n (Pool=no)" "NSPAWN_NETWORK_CONF=$work/pool-no.conf $(q "$nspawn") -q -D $(q "$root") -M bench -n /bin/true"
add "nspawn -n" "$(q "$nspawn") -q -D $(q "$root") -M bench -n /bin/true"
[[ -x $helper ]] && add "nspawn-net start alone" "$(q "$helper") --version"
# every sample forks bash and nsenter: what that costs alone
add "floor (/bin/true)" "/bin/true"
if command -v systemd-nspawn > /dev/null; then
        v=$(systemd-nspawn --version | awk 'NR == 1 { print $2 }')
        sd="systemd-nspawn --register=no --keep-unit -q -D $(q "$root") -M bench"
        add "systemd-nspawn $v" "$sd /bin/true"
        add "systemd-nspawn $v -n" "$sd -n /bin/true"
fi

run() { nsenter --net="$netns" bash -c "$1" < /dev/null > /dev/null 2>&1; }
sample() {
        local t0 t1
        t0=${EPOCHREALTIME/./}
        run "$1"
        t1=${EPOCHREALTIME/./}
        echo $(( t1 - t0 ))
        sleep "$settle"
}

turns=()
for k in "${!names[@]}"; do
        # nspawn-net --version fails on purpose (it is only ever started by nspawn): exec and load
        if [[ ${names[k]} == "nspawn-net start alone" ]] || run "${cmds[k]}"; then
                for _ in 1 2 3; do run "${cmds[k]}"; done
                turns+=("$k")
        else
                echo "note: ${names[k]} failed here, skipped" >&2
        fi
done
# bash's fork and exec of nsenter are part of every sample: the same for all
for (( i = 0; i < runs; i++ )); do
        for k in "${turns[@]}"; do sample "${cmds[k]}" >> "$work/samples.$k"; done
done

declare -A med p10 p90
for k in "${turns[@]}"; do
        ms() { awk '{ printf "%.3f\n", $1 / 1000 }' "$work/samples.$k"; }
        med[$k]=$(ms | median)
        p10[$k]=$(ms | pct 10)
        p90[$k]=$(ms | pct 90)
done
find_med() { for k in "${turns[@]}"; do [[ ${names[k]} == "$1" ]] && echo "${med[$k]}"; done; }

echo
echo "Network start-up cost, /bin/true, $runs runs each, root $root ($(nproc) CPUs, $(uname -r))"
printf '%-30s %10s %10s %10s\n' "" "median ms" "p10 ms" "p90 ms"
for k in "${turns[@]}"; do
        printf '%-30s %10.2f %10.2f %10.2f\n' "${names[k]}" "${med[$k]}" "${p10[$k]}" "${p90[$k]}"
done
plain=$(find_med nspawn) veth=$(find_med "nspawn -n") priv=$(find_med "nspawn --private-network")
bare=$(find_med "nspawn -n (Pool=no)")
sdn=$(for k in "${turns[@]}"; do [[ ${names[k]} == systemd-nspawn*-n ]] && echo "${med[$k]}"; done)
helper_med=$(find_med "nspawn-net start alone") floor=$(find_med "floor (/bin/true)")
echo
[[ -n $helper_med && -n $floor ]] &&
        awk -v h="$helper_med" -v f="$floor" 'BEGIN { printf "nspawn-net exec + libmnl load (over the floor): %.2f ms, overlapped with the start\n", h - f }'
[[ -n $plain && -n $veth ]] &&
        awk -v v="$veth" -v p="$plain" -v q="$priv" -v b="$bare" 'BEGIN { printf "-n over a plain start: %+.2f ms (over --private-network: %+.2f ms; the pool over Pool=no: %+.2f ms)\n", v - p, v - q, v - b }'
[[ -n $veth && -n $sdn ]] &&
        awk -v v="$veth" -v s="$sdn" 'BEGIN { printf "nspawn -n / systemd-nspawn -n: %.2fx\n", v / s }'

