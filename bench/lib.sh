# shellcheck shell=bash
# What the benchmarks share (startup.sh and network.sh: their options; with ephemeral.sh and
# userns.sh: the trees, the nspawn command and the statistics). Source it first.
#   bench_options USAGE-LINES "$@"  -n RUNS -r ROOT -b NSPAWN-BINARY -s SETTLE-SECONDS into
#                                   runs, root, nspawn, settle (checked); -h or a bad option
#                                   prints lines USAGE-LINES (sed's "2,6p") of the script
#   bench_root                      root made absolute; the busybox root of the tests if not given
#   bench_trees NAME                work = a scratch directory (removed on exit) with copies of
#                                   the busybox root and the Debian systemd image (IMAGE, built
#                                   if need be, unless set): $work/busybox, $work/debian
#   bench_nspawn_cmd                ns = the nspawn command (NSPAWN-BINARY), quoted, with -q
#   median, pct P                   of numbers on stdin, one per line ("nan" for none)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
BUILD=${BUILD:-$repo/build}
runs=50
settle=0.02
root=
nspawn=${NSPAWN:-$BUILD/nspawn}

bench_options() {
        local usage=$1 opt OPTIND=1
        shift
        while getopts n:r:b:s:h opt; do
                case $opt in
                n) runs=$OPTARG ;;
                r) root=$OPTARG ;;
                b) nspawn=$OPTARG ;;
                s) settle=$OPTARG ;;
                *) sed -n "${usage}p" "$0"; exit 2 ;;
                esac
        done
        [[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "runs must be a positive number" >&2; exit 2; }
        [[ $settle =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "settle must be a number of seconds" >&2; exit 2; }
        [[ $(id -u) == 0 ]] || { echo "bench/$(basename "$0") must run as root" >&2; exit 1; }
}

bench_root() {
        if [[ -z $root ]]; then
                root=$BUILD/tests/rootfs-busybox
                "$repo/tests/rootfs/busybox.sh" "$root" > /dev/null || exit 1
        fi
        root=$(cd "$root" && pwd)
}

bench_trees() {
        if [[ -z ${image:-} ]]; then
                image=${DEBIAN_IMAGES:-$BUILD/tests}/rootfs-debian-systemd
                echo "building or checking the Debian systemd image $image (minutes the first time)" >&2
                "$repo/tests/rootfs/debian.sh" systemd "$image" > /dev/null || exit 1
        fi
        local busybox=$BUILD/tests/rootfs-busybox
        "$repo/tests/rootfs/busybox.sh" "$busybox" > /dev/null || exit 1
        work=$(mktemp -d "${TMPDIR:-/tmp}/nspawn-bench-$1.XXXXXX")
        # shellcheck disable=SC2064 # work is fixed now
        trap "rm -rf --one-file-system '$work'" EXIT
        # copies in a directory of ours: a tree is never run from the caches
        cp -a --reflink=auto "$busybox" "$work/busybox" && cp -a --reflink=auto "$image" "$work/debian" || exit 1
}

bench_nspawn_cmd() {
        local cmd
        read -r -a cmd <<< "$nspawn"
        command -v "${cmd[0]}" > /dev/null || { echo "$nspawn not found (build it: make build)" >&2; exit 1; }
        ns="$(printf '%q ' "${cmd[@]}") -q"
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
pct() { sort -n | awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p / 100 + 0.5); if (i < 1) i = 1; print a[i] }'; }
