#!/bin/bash
# What `nspawnctl clone` of a big image costs: an image of SIZE MiB (default 1024; random data in
# a file next to the busybox tree), as a directory, a btrfs subvolume and a raw file, cloned on
# ext4 (a directory below -d, default /var/tmp) and on btrfs (a loop file system made here, in a
# private mount namespace). A report, not a test. See bench/README.md.
#   bench/image-clone.sh [-s SIZE-MIB] [-n RUNS] [-d EXT4-DIR] [-c NSPAWNCTL-BINARY]
# Environment: BUILD (default <repo>/build). Needs root.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
BUILD=${BUILD:-$repo/build}
size=1024 runs=3 dir=/var/tmp
ctl=$BUILD/nspawnctl

while getopts s:n:d:c:h opt; do
        case $opt in
        s) size=$OPTARG ;;
        n) runs=$OPTARG ;;
        d) dir=$OPTARG ;;
        c) ctl=$OPTARG ;;
        *) sed -n '2,7p' "$0"; exit 2 ;;
        esac
done
[[ $size =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || { echo "size and runs must be numbers" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench/image-clone.sh must run as root" >&2; exit 1; }
[[ -x $ctl ]] || { echo "$ctl not found (build first)" >&2; exit 1; }

# The btrfs half runs in a private mount namespace (the loop mount is never the host's).
if [[ -z ${BENCH_UNSHARED:-} ]]; then
        root=$BUILD/tests/rootfs-busybox
        "$repo/tests/rootfs/busybox.sh" "$root" > /dev/null || exit 1
        export BENCH_ROOT=$root
        BENCH_UNSHARED=1 exec unshare -m --propagation private "$0" "$@"
fi

work=$(mktemp -d "$dir/nspawn-bench-clone.XXXXXX")
cleanup() {
        chattr -i "$work"/*/pool/* 2>/dev/null
        umount -l "$work/btrfs/mnt" 2>/dev/null
        rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# make_images POOL BTRFS: POOL/dir (a directory), POOL/sv (a subvolume, on btrfs) and POOL/raw.raw,
# each holding SIZE MiB of random data. On btrfs the data is written once and shared by reflinks
# (what a clone costs there does not depend on that; a loop file system writes slowly).
make_images() {
        local pool=$1 btrfs=$2 first=$1/dir
        if [[ $btrfs == 1 ]]; then
                btrfs -q subvolume create "$pool/sv" > /dev/null
                first=$pool/sv
        fi
        mkdir -p "$first"
        cp -a "$BENCH_ROOT/." "$first/"
        head -c "${size}M" /dev/urandom > "$first/data"
        [[ $btrfs == 1 ]] && cp -a --reflink=always "$first" "$pool/dir"
        cp --reflink=auto "$first/data" "$pool/raw.raw"
        sync
}

now() { echo "$EPOCHREALTIME"; }

# bench FS POOL IMAGE WHAT: RUNS clones of IMAGE, each removed again; prints the median seconds
bench() {
        local fs=$1 pool=$2 image=$3 what=$4 t0 t1 i times=()
        for (( i = 0; i < runs; i++ )); do
                sync
                t0=$(now)
                NSPAWN_IMAGE_PATH=$pool "$ctl" clone "$image" bench-clone || { echo "clone of $image failed" >&2; return 1; }
                sync
                t1=$(now)
                times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
                NSPAWN_IMAGE_PATH=$pool "$ctl" remove bench-clone
        done
        printf '%-6s %-10s %-34s %8s s\n' "$fs" "$image" "$what" \
                "$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
}

echo "# nspawnctl clone of a ${size} MiB image, median of $runs (wall clock, including sync)"
printf '%-6s %-10s %-34s %10s\n' fs image how time

mkdir -p "$work/ext4/pool"
echo "# making the ext4 images in $work ($(stat -f -c %T "$work"))..." >&2
make_images "$work/ext4/pool" 0
bench ext4 "$work/ext4/pool" dir "copy (no reflink on ext4)"
bench ext4 "$work/ext4/pool" raw "copy of the data (no reflink)"

mkdir -p "$work/btrfs/mnt"
truncate -s "$(( size * 4 + 1024 ))M" "$work/btrfs/img"
if ! mkfs.btrfs -q "$work/btrfs/img" > /dev/null 2>&1 || ! mount -o loop "$work/btrfs/img" "$work/btrfs/mnt"; then
        echo "# btrfs: cannot make or mount a loop file system here, skipped"
        exit 0
fi
btrfs -q subvolume create "$work/btrfs/mnt/pool" > /dev/null
echo "# making the btrfs images..." >&2
make_images "$work/btrfs/mnt/pool" 1
bench btrfs "$work/btrfs/mnt/pool" sv "snapshot"
bench btrfs "$work/btrfs/mnt/pool" dir "new subvolume, files reflinked"
bench btrfs "$work/btrfs/mnt/pool" raw "reflink"
