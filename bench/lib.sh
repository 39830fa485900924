# shellcheck shell=bash
# What the start-up benchmarks share (bench/startup.sh, bench/network.sh): their options, the
# default root, and the statistics. Source it, then call bench_options "$@".
#   bench_options USAGE-LINES "$@"  -n RUNS -r ROOT -b NSPAWN-BINARY -s SETTLE-SECONDS into
#                                   runs, root, nspawn, settle (checked); -h or a bad option
#                                   prints lines USAGE-LINES (sed's "2,6p") of the script
#   bench_root                      root made absolute; the busybox root of the tests if not given
#   median, pct P                   of numbers on stdin, one per line
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

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
pct() { sort -n | awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p / 100 + 0.5); if (i < 1) i = 1; print a[i] }'; }
