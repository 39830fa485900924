#!/bin/bash
# What -x/--ephemeral costs at start-up: `-x -D TREE /bin/true` against a plain `-D TREE /bin/true`,
# on a small tree (busybox) and on the Debian systemd test image, for nspawn (an overlay or a btrfs
# snapshot: the cost must not grow with the tree) and for systemd-nspawn (copies the tree unless
# it is a btrfs subvolume; few runs). See bench/README.md.
#   bench/ephemeral.sh [-n RUNS] [-m SYSTEMD-NSPAWN-RUNS] [-i IMAGE] [-b NSPAWN-BINARY] [-s SYSTEMD-NSPAWN-BINARY]
# Environment: BUILD (default <repo>/build), NSPAWN (default $BUILD/nspawn), DEBIAN_IMAGES
#   (default $BUILD/tests). Needs root.
set -u

. "$(dirname "$0")/lib.sh"
runs=20
sdruns=3
image=
sdnspawn=systemd-nspawn

while getopts n:m:i:b:s:h opt; do
        case $opt in
        n) runs=$OPTARG ;;
        m) sdruns=$OPTARG ;;
        i) image=$OPTARG ;;
        b) nspawn=$OPTARG ;;
        s) sdnspawn=$OPTARG ;;
        *) sed -n '2,8p' "$0"; exit 2 ;;
        esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $sdruns =~ ^[0-9]+$ ]] || { echo "runs must be numbers" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench/ephemeral.sh must run as root" >&2; exit 1; }

bench_trees ephemeral

# The trees are copies in a directory of ours: systemd-nspawn's throw-away copies (.#machine.*
# siblings) land there too.
trees=(busybox debian)

bench_nspawn_cmd
sd=
if (( sdruns > 0 )) && command -v "$sdnspawn" >/dev/null; then
        sd="$(printf %q "$sdnspawn") --register=no --keep-unit -q"
        sdname="systemd-nspawn $("$sdnspawn" --version | awk 'NR == 1 { print $2 }')"
fi

# ---- measure ----

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

# series TAG RUNS PLAIN-CMD EPHEMERAL-CMD: check and warm up both, then RUNS rounds of one plain
# and one -x run (interleaved, so that a change of the machine's load hits both alike).
series() {
        local tag=$1 n=$2 plain=$3 eph=$4 i
        for i in 1 2; do
                once "$plain" /dev/null && once "$eph" /dev/null || return 1
        done
        : > "$work/$tag.plain"
        : > "$work/$tag.x"
        for (( i = 0; i < n; i++ )); do
                once "$plain" "$work/$tag.plain"
                once "$eph" "$work/$tag.x"
        done
}

declare -A size files
for t in "${trees[@]}"; do
        size[$t]=$(du -sm "$work/$t" | cut -f1)
        files[$t]=$(find "$work/$t" -xdev | wc -l)
        root=$(printf %q "$work/$t")
        series "ns-$t" "$runs" "$ns -D $root /bin/true" "$ns -x -D $root /bin/true" ||
                echo "note: nspawn on $t failed" >&2
        printf '  measured nspawn on %s\n' "$t" >&2
        if [[ -n $sd ]]; then
                series "sd-$t" "$sdruns" "$sd -D $root /bin/true" "$sd -x -D $root /bin/true" ||
                        echo "note: $sdname on $t failed" >&2
                printf '  measured %s on %s\n' "$sdname" "$t" >&2
        fi
done

# ---- report ----
# row NAME TAG TREE RUNS TARGET
row() {
        local p x
        p=$(median < "$work/$2.plain" 2>/dev/null || echo nan)
        x=$(median < "$work/$2.x" 2>/dev/null || echo nan)
        printf '%-22s %-8s %8s %8s %6s %12.1f %12.1f %12s %12s\n' "$1" "$3" "${size[$3]}" "${files[$3]}" "$4" "$p" "$x" \
                "$(awk -v a="$x" -v b="$p" 'BEGIN { printf "%+.1f", a - b }')" "$5"
}
echo
echo "Start-up cost of -x/--ephemeral (/bin/true), medians ($(nproc) CPUs, $(uname -r), trees on $(stat -f -c %T "$work"))"
printf '%-22s %-8s %8s %8s %6s %12s %12s %12s %12s\n' runtime tree MiB files runs "plain ms" "-x ms" "-x adds ms" target
for t in "${trees[@]}"; do
        row nspawn "ns-$t" "$t" "$runs" "< 10"
done
if [[ -n $sd ]]; then
        for t in "${trees[@]}"; do
                row "$sdname" "sd-$t" "$t" "$sdruns" ""
        done
fi
