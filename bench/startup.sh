#!/bin/bash
# Start-up latency: how long it takes to run /bin/true in a fresh container, for nspawn and for
# the runtimes it is compared with, on the same busybox root file system. See bench/README.md.
#   bench/startup.sh [-n RUNS] [-r ROOT] [-b NSPAWN-BINARY] [-s SETTLE-SECONDS]
# Environment: BUILD (default <repo>/build), NSPAWN (default $BUILD/nspawn). Needs root.
set -u

. "$(dirname "$0")/lib.sh"
bench_options 2,6 "$@"

work=$(mktemp -d /tmp/nspawn-bench.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
bench_root

# ---- the contenders: name, then the command (an array literal, evaluated per run) ----
names=() cmds=() inns=()
add() { names+=("$1"); cmds+=("$2"); inns+=("${3:-}"); }
have() { command -v "$1" >/dev/null; }

read -r -a nspawn_cmd <<< "$nspawn"
if have "${nspawn_cmd[0]}"; then
        add "nspawn" "$(printf '%q ' "${nspawn_cmd[@]}") -q -D $(printf %q "$root") /bin/true"
else
        echo "note: $nspawn not found (build it: make build); skipped" >&2
fi
if have systemd-nspawn; then
        add "systemd-nspawn $(systemd-nspawn --version | awk 'NR == 1 { print $2 }')" \
            "systemd-nspawn --register=no --keep-unit -q -D $(printf %q "$root") /bin/true"
fi
if have crun; then
        # A minimal OCI bundle over the same root: crun's default spec, no terminal, /bin/true.
        # crun refuses hybrid cgroup hosts whose cgroup2 mount has controllers; there it runs in
        # a private mount namespace (made once for all its runs) without that mount.
        ns=
        if [[ $(stat -f -c %T /sys/fs/cgroup) != cgroup2fs && -n $(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null) ]]; then
                ns=hybrid
        fi
        mkdir -p "$work/bundle"
        if ( cd "$work/bundle" && crun spec ) &&
           sed -i -e 's/"terminal": true/"terminal": false/' \
                  -e 's|^\(\s*\)"sh"$|\1"/bin/true"|' \
                  -e "s|\"path\": \"rootfs\"|\"path\": \"$root\"|" "$work/bundle/config.json"; then
                add "crun $(crun --version | awk 'NR == 1 { print $3 }')" \
                    "crun run --bundle $(printf %q "$work/bundle") nspawn-bench-\$\$-\$i" "$ns"
        else
                echo "note: could not make an OCI bundle for crun; skipped" >&2
        fi
fi
if have bwrap; then
        add "bwrap $(bwrap --version | awk '{ print $2 }')" \
            "bwrap --unshare-all --bind $(printf %q "$root") / --proc /proc --dev /dev /bin/true"
fi
if have unshare && have chroot; then
        add "unshare (floor)" "unshare --fork --mount --pid --uts --ipc --mount-proc=$(printf %q "$root")/proc chroot $(printf %q "$root") /bin/true"
fi
[[ ${#names[@]} -gt 0 ]] || { echo "nothing to measure" >&2; exit 1; }

# ---- measure ----
# Timing uses bash's $EPOCHREALTIME (no extra process per sample); one sample = fork + the
# whole container life + wait. The contenders take turns, one run each per round, so a change
# in the machine's speed during the benchmark (a VM's neighbours) hits them all alike.

# check CMD OUT: CMD works (its output in OUT.log), then 3 warm-up runs.
check() {
        local c=$1 i=check
        eval "$c" < /dev/null > "$2.log" 2>&1 || { cat "$2.log"; return 1; }
        for i in 1 2 3; do eval "$c" < /dev/null > /dev/null 2>&1; done
}
# sample CMD I: one run; prints its duration in microseconds. Then a pause, so that what a runtime
# finishes in the background after it exits (bwrap's network namespace, nspawn's cgroup guard) is
# not charged to the next one.
sample() {
        local c=$1 i=$2 t0 t1
        t0=${EPOCHREALTIME/./}
        eval "$c" < /dev/null > /dev/null 2>&1
        t1=${EPOCHREALTIME/./}
        echo $(( t1 - t0 ))
        sleep "$settle"
}
# measure CMD RUNS FILE: check, then RUNS samples of CMD alone into FILE (for a contender that
# must run apart, see crun above).
measure() {
        local i
        check "$1" "$3" || return 1
        for (( i = 0; i < $2; i++ )); do sample "$1" "$i"; done > "$3"
}

declare -A med p10 p90
turns=()
for k in "${!names[@]}"; do
        n=${names[k]} c=${cmds[k]}
        if [[ ${inns[k]} == hybrid ]]; then
                settle=$settle unshare -m --propagation private bash -c "$(declare -f check sample measure)
                        umount -l /sys/fs/cgroup/unified && measure \"\$@\"" _ "$c" "$runs" "$work/samples.$k" > "$work/err" 2>&1
        else
                check "$c" "$work/samples.$k" > "$work/err" 2>&1 && turns+=("$k")
        fi
        if [[ $? != 0 ]]; then
                echo "note: $n failed, skipped: $(head -c 300 "$work/err")" >&2
                unset 'names[k]'
        fi
done
for (( i = 0; i < runs; i++ )); do
        for k in "${turns[@]}"; do sample "${cmds[k]}" "$i" >> "$work/samples.$k"; done
done
for k in "${!names[@]}"; do
        ms() { awk '{ printf "%.3f\n", $1 / 1000 }' "$work/samples.$k"; }
        med[$k]=$(ms | median)
        p10[$k]=$(ms | pct 10)
        p90[$k]=$(ms | pct 90)
        printf '  measured %-24s median %8.2f ms\n' "${names[k]}" "${med[$k]}" >&2
done

# ---- report: medians, spread, and ratios to the floor and to nspawn ----
floor='' ours=''
for k in "${!names[@]}"; do
        [[ ${names[k]} == "unshare (floor)" ]] && floor=${med[$k]}
        [[ ${names[k]} == nspawn ]] && ours=${med[$k]}
done
echo
echo "Start-up latency of /bin/true, $runs runs each, root $root ($(nproc) CPUs, $(uname -r))"
printf '%-24s %10s %10s %10s %10s %12s\n' runtime "median ms" "p10 ms" "p90 ms" "x floor" "x nspawn"
for k in "${!names[@]}"; do
        xf=- xn=-
        [[ -n $floor ]] && xf=$(awk -v a="${med[$k]}" -v b="$floor" 'BEGIN { printf "%.1f", a / b }')
        [[ -n $ours ]] && xn=$(awk -v a="${med[$k]}" -v b="$ours" 'BEGIN { printf "%.1f", a / b }')
        printf '%-24s %10.2f %10.2f %10.2f %10s %12s\n' "${names[k]}" "${med[$k]}" "${p10[$k]}" "${p90[$k]}" "$xf" "$xn"
done
