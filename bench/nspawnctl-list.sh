#!/bin/bash
# How long `nspawnctl list` takes with many running machines (default 50): each a busybox
# container running sleep, read-only on one tree, with --private-network. Reports the median and
# the 90th percentile of N runs of `nspawnctl list`, and of `list --max-addresses=0` (without the
# per-machine address query). Not a test; see bench/README.md.
#   bench/nspawnctl-list.sh [-m MACHINES] [-n RUNS] [-r ROOT]
# Environment: BUILD (default <repo>/build). Needs root. On a shared machine run it under the
# integration tests' lock (flock /tmp/nspawn-it.lock bench/nspawnctl-list.sh): it changes the
# registry the tests compare.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
BUILD=${BUILD:-$repo/build}
machines=50 runs=30 root=
while getopts m:n:r:h opt; do
        case $opt in
        m) machines=$OPTARG ;;
        n) runs=$OPTARG ;;
        r) root=$OPTARG ;;
        *) sed -n '2,10p' "$0"; exit 2 ;;
        esac
done
[[ $machines =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || { echo "numbers, please" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench/nspawnctl-list.sh must run as root" >&2; exit 1; }
if [[ -z $root ]]; then
        root=$BUILD/tests/rootfs-busybox
        "$repo/tests/rootfs/busybox.sh" "$root" > /dev/null || exit 1
fi

pids=()
stop_all() {
        local p
        for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
        for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
trap stop_all EXIT

for ((i = 0; i < machines; i++)); do
        "$BUILD/nspawn" -q -M "bench-$$-$i" -D "$root" --read-only --private-network /bin/sleep 1000 \
                < /dev/null > /dev/null 2>&1 &
        pids+=($!)
done
listed() { "$BUILD/nspawnctl" list --no-legend --max-addresses=0 | grep -c "^bench-$$-"; }
for ((w = 0; w < 300; w++)); do
        [[ $(listed) == "$machines" ]] && break
        sleep 0.1
done
[[ $(listed) == "$machines" ]] || { echo "only $(listed) of $machines machines came up" >&2; exit 1; }

# time ARGS...: RUNS runs of nspawnctl ARGS, output to /dev/null; prints median and p90 in ms
time_runs() {
        local t=() s e i
        for ((i = 0; i < runs; i++)); do
                s=$EPOCHREALTIME
                "$BUILD/nspawnctl" "$@" > /dev/null
                e=$EPOCHREALTIME
                t+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", (e - s) * 1000 }')")
        done
        printf '%s\n' "${t[@]}" | sort -n | awk -v what="$*" '{ v[NR] = $1 } END {
                printf "%-40s median %7.2f ms   p90 %7.2f ms\n", "nspawnctl " what, v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)] }'
}
echo "$machines machines, $runs runs each"
time_runs list
time_runs list --max-addresses=0
time_runs list -o json
