#!/bin/bash
# pull-tar's throughput against `curl | tar -x` on the same file: a tree (the Debian OpenRC test
# image where DEBIAN_IMAGES has it, else the busybox root) tarred uncompressed, with gzip and with
# xz, served from 127.0.0.1 (tests/integration/http-server.py); each is pulled RUNS times with
# `nspawnctl pull-tar --verify=no` into a pool under -d, and fetched as many times with
# `curl -s URL | tar [-z|-J] --numeric-owner --xattrs -xpf - -C DIR`. Medians in seconds and MB/s of the
# file as served. A report, not a test. See bench/README.md.
#   bench/pull-tar.sh [-n RUNS] [-d DIR] [-c NSPAWNCTL-BINARY] [-t TREE]
# Environment: BUILD (default <repo>/build), DEBIAN_IMAGES. Needs root, python3, curl.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
BUILD=${BUILD:-$repo/build}
runs=5 dir=/var/tmp tree=
ctl=$BUILD/nspawnctl

while getopts n:d:c:t:h opt; do
        case $opt in
        n) runs=$OPTARG ;;
        d) dir=$OPTARG ;;
        c) ctl=$OPTARG ;;
        t) tree=$OPTARG ;;
        *) sed -n '2,9p' "$0"; exit 2 ;;
        esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "runs must be a number" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench/pull-tar.sh must run as root" >&2; exit 1; }
[[ -x $ctl ]] || { echo "$ctl not found (build first)" >&2; exit 1; }
for c in python3 curl xz gzip; do
        command -v "$c" > /dev/null || { echo "$c is not installed" >&2; exit 1; }
done
if [[ -z $tree ]]; then
        tree=${DEBIAN_IMAGES:-$BUILD/tests}/rootfs-debian-openrc
        if [[ ! -d $tree ]]; then
                tree=$BUILD/tests/rootfs-busybox
                "$repo/tests/rootfs/busybox.sh" "$tree" > /dev/null || exit 1
        fi
fi

work=$(mktemp -d "$dir/nspawn-bench-pull.XXXXXX")
server=
cleanup() {
        [[ -n $server ]] && kill "$server" 2>/dev/null
        rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mkdir -p "$work/www" "$work/pool" "$work/curl"

tar --numeric-owner --xattrs --xattrs-include='*' -C "$tree" -cf "$work/www/img.tar" . || exit 1
gzip -k -6 "$work/www/img.tar"
xz -k -T0 -6 "$work/www/img.tar"
python3 "$repo/tests/integration/http-server.py" "$work/www" "$work/port" &
server=$!
for _ in $(seq 50); do [[ -s $work/port ]] && break; sleep 0.1; done
base=http://127.0.0.1:$(cat "$work/port")

now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "tree: $tree ($(du -sh --apparent-size "$tree" | cut -f1) in $(find "$tree" | wc -l) entries), $runs runs each"
printf '%-10s %10s %-22s %-22s %s\n' file size "nspawnctl pull-tar" "curl | tar -x" ratio
for f in img.tar img.tar.gz img.tar.xz; do
        case $f in *.gz) z=-z ;; *.xz) z=-J ;; *) z= ;; esac
        size=$(stat -c %s "$work/www/$f")
        ours=() theirs=()
        for ((i = 0; i < runs; i++)); do
                t0=$(now)
                NSPAWN_IMAGE_PATH=$work/pool "$ctl" -q --verify=no pull-tar "$base/$f" bench > /dev/null || exit 1
                t1=$(now)
                ours+=("$(echo "$t1 - $t0" | bc)")
                NSPAWN_IMAGE_PATH=$work/pool "$ctl" -q remove bench || exit 1

                mkdir "$work/curl/x"
                t0=$(now)
                curl -s "$base/$f" | tar $z --numeric-owner --xattrs --xattrs-include='*' -xpf - -C "$work/curl/x" || exit 1
                t1=$(now)
                theirs+=("$(echo "$t1 - $t0" | bc)")
                rm -rf "$work/curl/x"
        done
        o=$(printf '%s\n' "${ours[@]}" | median)
        c=$(printf '%s\n' "${theirs[@]}" | median)
        printf '%-10s %9.1fM %6.3f s %7.1f MB/s   %6.3f s %7.1f MB/s   %.2f\n' "$f" "$(echo "$size / 1048576" | bc -l)" \
                "$o" "$(echo "$size / $o / 1000000" | bc -l)" "$c" "$(echo "$size / $c / 1000000" | bc -l)" \
                "$(echo "$o / $c" | bc -l)"
done
