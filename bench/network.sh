#!/bin/bash
# What the network modes cost at start-up: `nspawn -n /bin/true` against a plain start and
# `--private-network`, and against systemd-nspawn 252's `-n` (--register=no --keep-unit), in one
# run, contenders taking turns. Everything runs in a network namespace the benchmark makes (bound
# to a file in its scratch dir, entered by fd): no link of the real host's is touched. See
# bench/README.md.
#   bench/network.sh [-n RUNS] [-r ROOT] [-b NSPAWN-BINARY] [-s SETTLE-SECONDS]
# Environment: BUILD (default <repo>/build), NSPAWN (default $BUILD/nspawn). Needs root.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
BUILD=${BUILD:-$repo/build}
runs=50
settle=0.02
root=
nspawn=${NSPAWN:-$BUILD/nspawn}

while getopts n:r:b:s:h opt; do
        case $opt in
        n) runs=$OPTARG ;;
        r) root=$OPTARG ;;
        b) nspawn=$OPTARG ;;
        s) settle=$OPTARG ;;
        *) sed -n '2,8p' "$0"; exit 2 ;;
        esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "runs must be a positive number" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench/network.sh must run as root" >&2; exit 1; }

work=$(mktemp -d /tmp/nspawn-bench-net.XXXXXX)
netns=$work/netns
cleanup() { umount -l "$netns" 2>/dev/null; rm -rf --one-file-system "$work"; }
trap cleanup EXIT
touch "$netns"
unshare --net="$netns" true || { echo "cannot make a network namespace" >&2; exit 1; }
if [[ -z $root ]]; then
        root=$BUILD/tests/rootfs-busybox
        "$repo/tests/rootfs/busybox.sh" "$root" > /dev/null || exit 1
fi
root=$(cd "$root" && pwd)
helper=$(dirname "$(command -v "${nspawn%% *}")")/nspawn-net

# ---- the contenders: name and command, run with `nsenter --net=NETNS` ----
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
q() { printf '%q ' "$@"; }
# -M bench: a short name, so no shortening (and its extra request) is measured
add "nspawn" "$(q "$nspawn") -q -D $(q "$root") -M bench /bin/true"
add "nspawn --private-network" "$(q "$nspawn") -q -D $(q "$root") -M bench --private-network /bin/true"
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

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
pct() { sort -n | awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p / 100 + 0.5); if (i < 1) i = 1; print a[i] }'; }
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
sdn=$(for k in "${turns[@]}"; do [[ ${names[k]} == systemd-nspawn*-n ]] && echo "${med[$k]}"; done)
helper_med=$(find_med "nspawn-net start alone") floor=$(find_med "floor (/bin/true)")
echo
[[ -n $helper_med && -n $floor ]] &&
        awk -v h="$helper_med" -v f="$floor" 'BEGIN { printf "nspawn-net exec + libmnl load (over the floor): %.2f ms, overlapped with the start\n", h - f }'
[[ -n $plain && -n $veth ]] &&
        awk -v v="$veth" -v p="$plain" -v q="$priv" 'BEGIN { printf "-n over a plain start: %+.2f ms (over --private-network: %+.2f ms)\n", v - p, v - q }'
[[ -n $veth && -n $sdn ]] &&
        awk -v v="$veth" -v s="$sdn" 'BEGIN { printf "nspawn -n / systemd-nspawn -n: %.2fx\n", v / s }'
