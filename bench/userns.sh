#!/bin/bash
# What a user namespace costs at start-up: `-U --private-users-ownership=map -D TREE /bin/true`
# against a plain `-D TREE /bin/true`, on the busybox tree and on the Debian systemd test image
# (the id map is O(1): the cost must not grow with the tree), and the one-time alternative,
# --private-users-ownership=chown of the Debian tree (a recursive chown, timed once per round on
# a fresh copy). See bench/README.md.
#   bench/userns.sh [-n RUNS] [-c CHOWN-RUNS] [-i IMAGE] [-b NSPAWN-BINARY]
# Environment: BUILD (default <repo>/build), NSPAWN (default $BUILD/nspawn), DEBIAN_IMAGES
#   (default $BUILD/tests). Needs root.
set -u

. "$(dirname "$0")/lib.sh"
runs=30
chown_runs=3
image=

while getopts n:c:i:b:h opt; do
        case $opt in
        n) runs=$OPTARG ;;
        c) chown_runs=$OPTARG ;;
        i) image=$OPTARG ;;
        b) nspawn=$OPTARG ;;
        *) sed -n '2,9p' "$0"; exit 2 ;;
        esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $chown_runs =~ ^[0-9]+$ ]] || { echo "runs must be numbers" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench/userns.sh must run as root" >&2; exit 1; }

bench_trees userns
trees=(busybox debian)

bench_nspawn_cmd


# once CMD FILE: one run of CMD (wall time in ms appended to FILE); non-zero if CMD failed.
once() {
        local t0 t1 rc
        t0=$EPOCHREALTIME
        eval "$1" < /dev/null > "$work/out" 2>&1
        rc=$?
        t1=$EPOCHREALTIME
        [[ $rc == 0 ]] || { echo "note: '$1' failed ($rc): $(head -c 300 "$work/out")" >&2; return 1; }
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }' >> "$2"
}

# series TAG PLAIN-CMD USERNS-CMD: both checked and warmed up, then $runs interleaved rounds (a
# change of the machine's load hits both alike). A pause after each run: the guard's clean-up of
# the previous run is not charged to the next.
series() {
        local i
        for i in 1 2; do
                once "$2" /dev/null && once "$3" /dev/null || return 1
        done
        : > "$work/$1.plain"
        : > "$work/$1.map"
        for (( i = 0; i < runs; i++ )); do
                once "$2" "$work/$1.plain"; sleep 0.02
                once "$3" "$work/$1.map"; sleep 0.02
        done
}

declare -A size files
for t in "${trees[@]}"; do
        size[$t]=$(du -sm "$work/$t" | cut -f1)
        files[$t]=$(find "$work/$t" -xdev | wc -l)
        root=$(printf %q "$work/$t")
        series "$t" "$ns -D $root /bin/true" "$ns -U --private-users-ownership=map -D $root /bin/true" ||
                echo "note: nspawn on $t failed" >&2
        printf '  measured %s\n' "$t" >&2
done

# chown: a fresh copy each round (the shift happens once per tree), identity to a fixed range and
# the container started: what the first -U --private-users-ownership=chown costs.
: > "$work/chown"
for (( i = 0; i < chown_runs; i++ )); do
        rm -rf --one-file-system "$work/chowned"
        cp -a --reflink=auto "$image" "$work/chowned" || exit 1
        sync
        once "$ns --private-users=1879048192 --private-users-ownership=chown -D $(printf %q "$work/chowned") /bin/true" "$work/chown"
done
rm -rf --one-file-system "$work/chowned"

echo
echo "Start-up cost of a user namespace (/bin/true), medians ($(nproc) CPUs, $(uname -r), trees on $(stat -f -c %T "$work"))"
printf '%-10s %8s %8s %6s %12s %12s %12s %10s\n' tree MiB files runs "plain ms" "-U map ms" "map adds ms" target
for t in "${trees[@]}"; do
        p=$(median < "$work/$t.plain") m=$(median < "$work/$t.map")
        printf '%-10s %8s %8s %6s %12.1f %12.1f %12s %10s\n' "$t" "${size[$t]}" "${files[$t]}" "$runs" "$p" "$m" \
                "$(awk -v a="$m" -v b="$p" 'BEGIN { printf "%+.1f", a - b }')" "<= +2"
done
if (( chown_runs > 0 )); then
        echo
        printf 'first start with --private-users-ownership=chown of debian (%s MiB, %s files): %.1f ms (median of %s)\n' \
                "${size[debian]}" "${files[debian]}" "$(median < "$work/chown")" "$chown_runs"
fi
