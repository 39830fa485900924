#!/bin/bash
# How long `nspawnctl shell NAME /bin/true` takes in a running busybox container (not booted),
# from nspawnctl's start to its exit: the request, the session process entering the container,
# nspawn-enter, /bin/true, the exit status back. Also as a user other than root (two runs of the
# guest's getent, as -u does) and, for scale, `nsenter -a` running the same command (no cgroup,
# no security context, no user lookup). machinectl shell needs systemd on the host and systemd and
# D-Bus in the guest: compared only where systemd is PID 1 and MACHINECTL_GUEST names a running
# machine of systemd-machined (a booted Debian guest), else skipped with the reason. Reports the
# median and the 90th percentile of N runs. Not a test; see bench/README.md.
#   bench/nspawnctl-shell.sh [-n RUNS] [-r ROOT]
# Environment: BUILD (default <repo>/build). Needs root. On a shared machine run it under the
# integration tests' lock (flock /tmp/nspawn-it.lock bench/nspawnctl-shell.sh).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
BUILD=${BUILD:-$repo/build}
runs=100 root=
while getopts n:r:h opt; do
        case $opt in
        n) runs=$OPTARG ;;
        r) root=$OPTARG ;;
        *) sed -n '2,12p' "$0"; exit 2 ;;
        esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "runs must be a positive number" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench/nspawnctl-shell.sh must run as root" >&2; exit 1; }
if [[ -z $root ]]; then
        root=$BUILD/tests/rootfs-busybox
        "$repo/tests/rootfs/busybox.sh" "$root" > /dev/null || exit 1
fi

name=bench-shell-$$
"$BUILD/nspawn" -q -M "$name" -D "$root" --read-only --private-network /bin/sleep 1000 \
        < /dev/null > /dev/null 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for ((w = 0; w < 100; w++)); do
        [[ -S /run/nspawn/control/$name/socket ]] && break
        sleep 0.1
done
"$BUILD/nspawnctl" shell -q "$name" /bin/true < /dev/null || { echo "the machine did not come up" >&2; exit 1; }
leader=$("$BUILD/nspawnctl" show -p Leader --value "$name")

# time WHAT CMD...: RUNS runs of CMD (stdin /dev/null, output to /dev/null); prints median and p90
time_runs() {
        local what=$1 t=() s e i
        shift
        for ((i = 0; i < runs; i++)); do
                s=$EPOCHREALTIME
                "$@" < /dev/null > /dev/null 2>&1 || { echo "$what failed" >&2; return 1; }
                e=$EPOCHREALTIME
                t+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", (e - s) * 1000 }')")
        done
        printf '%s\n' "${t[@]}" | sort -n | awk -v what="$what" '{ v[NR] = $1 } END {
                printf "%-44s median %7.2f ms   p90 %7.2f ms\n", what, v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)] }'
}

echo "$runs runs each, busybox container $name (not booted), $(nproc) CPUs"
time_runs "nspawnctl shell NAME /bin/true" "$BUILD/nspawnctl" shell -q "$name" /bin/true
time_runs "nspawnctl shell test@NAME /bin/true (getent)" "$BUILD/nspawnctl" shell -q "test@$name" /bin/true
time_runs "nsenter -a -t LEADER /bin/true (floor)" nsenter -a -t "$leader" /bin/true
if [[ -d /run/systemd/system && -n ${MACHINECTL_GUEST:-} ]] && command -v machinectl > /dev/null; then
        time_runs "machinectl shell $MACHINECTL_GUEST /bin/true" machinectl shell -q "$MACHINECTL_GUEST" /bin/true
else
        echo "machinectl shell: skipped (needs systemd as PID 1 on the host and MACHINECTL_GUEST, a machine"
        echo "  of systemd-machined with systemd and D-Bus inside; this host's PID 1 is $(cat /proc/1/comm))"
fi
