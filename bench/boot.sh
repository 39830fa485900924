#!/bin/bash
# Boot of a Debian bookworm systemd guest (tests/rootfs/debian.sh systemd), nspawn against
# systemd-nspawn in one run: time from the start to READY=1 (--notify-ready=yes), time from
# SIGTERM to the end, and boot + `systemctl poweroff` until the runtime exits 0. See bench/README.md.
#   bench/boot.sh [-n RUNS] [-i IMAGE] [-b NSPAWN-BINARY] [-s SYSTEMD-NSPAWN-BINARY] [-a]
#     -a: after the runs, boot each runtime once more and print the guest's systemd-analyze.
# Environment: BUILD (default <repo>/build), NSPAWN (default $BUILD/nspawn), DEBIAN_IMAGES
#   (default $BUILD/tests, as tests/run-integration.sh). Needs root.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
BUILD=${BUILD:-$repo/build}
runs=10
image=
nspawn=${NSPAWN:-$BUILD/nspawn}
sdnspawn=systemd-nspawn
analyze=
timeout=60

while getopts n:i:b:s:ah opt; do
        case $opt in
        n) runs=$OPTARG ;;
        i) image=$OPTARG ;;
        b) nspawn=$OPTARG ;;
        s) sdnspawn=$OPTARG ;;
        a) analyze=1 ;;
        *) sed -n '2,9p' "$0"; exit 2 ;;
        esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "runs must be a positive number" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench/boot.sh must run as root" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench/boot.sh needs python3 (the notify listener)" >&2; exit 1; }

if [[ -z $image ]]; then
        image=${DEBIAN_IMAGES:-$BUILD/tests}/rootfs-debian-systemd
        echo "building or checking the Debian systemd image $image (minutes the first time)" >&2
        "$repo/tests/rootfs/debian.sh" systemd "$image" > /dev/null || exit 1
fi
image=$(cd "$image" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/nspawn-bench-boot.XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT

# ---- the contenders: a name, a command prefix; each boots its own copy of the image ----
names=() cmds=() roots=()
add() { names+=("$1"); cmds+=("$2"); roots+=("$3"); }
have() { command -v "$1" >/dev/null; }

read -r -a nspawn_cmd <<< "$nspawn"
if have "${nspawn_cmd[0]}"; then
        add nspawn "$(printf '%q ' "${nspawn_cmd[@]}") -q" "$work/nspawn"
else
        echo "note: $nspawn not found (build it: make build); skipped" >&2
fi
if have "$sdnspawn"; then
        add "systemd-nspawn $("$sdnspawn" --version | awk 'NR == 1 { print $2 }')" \
            "$(printf %q "$sdnspawn") --register=no --keep-unit -q" "$work/systemd-nspawn"
else
        echo "note: $sdnspawn not found; only nspawn is measured" >&2
fi
[[ ${#names[@]} -gt 0 ]] || { echo "nothing to measure" >&2; exit 1; }

# Identical copies (the guest writes its journal, machine state… into the tree; the cached
# image is never booted). bench-poweroff.service is in both but only runs when init's command
# line says systemd.wants=bench-poweroff.service (systemd reads a container's PID 1 argv as its
# kernel command line): one tree serves both measurements.
for k in "${!names[@]}"; do
        cp -a --reflink=auto "$image" "${roots[k]}" || exit 1
        cat > "${roots[k]}/etc/systemd/system/bench-poweroff.service" <<'UNIT'
[Unit]
Description=bench: power off as soon as the default target is reached
After=default.target multi-user.target graphical.target

[Service]
Type=oneshot
ExecStart=/bin/systemctl --no-block poweroff
UNIT
        cat > "${roots[k]}/etc/systemd/system/bench-analyze.service" <<'UNIT'
[Unit]
Description=bench: record systemd-analyze, then power off
After=default.target multi-user.target graphical.target

# Type=simple: the boot is finished (systemd-analyze needs that) while this still runs.
[Service]
Type=simple
ExecStart=/bin/sh -c 'systemctl is-system-running --wait; systemctl show -p UserspaceTimestampMonotonic -p FinishTimestampMonotonic; systemd-analyze time; echo; systemd-analyze critical-chain --no-pager; echo; systemd-analyze blame --no-pager | head -n 25; systemctl --no-block poweroff'
StandardOutput=file:/root/bench-analyze.txt
UNIT
done

# ---- one sample ----
# BOOT_ONCE_PY MODE TIMEOUT LOG CMD...: run CMD with stdin /dev/null, output to LOG.
#   ready:    NOTIFY_SOCKET is a datagram socket of ours; time until READY=1 arrives, then
#             SIGTERM (the runtime sends SIGRTMIN+3: an orderly poweroff) and time until exit.
#   poweroff: time until CMD exits.
#   analyze:  as ready, but the guest powers off by itself; prints "T0_NS READY_NS EXIT_MS RC"
#             (absolute CLOCK_MONOTONIC, which the guest shares: see -a).
# Prints "READY_MS STOP_MS EXIT_MS RC" ("-" for what does not apply); exit 1 on a timeout.
# Times are from just before the fork, on CLOCK_MONOTONIC.
# shellcheck disable=SC2034 # used in sample's eval
BOOT_ONCE_PY='
import os, select, signal, socket, subprocess, sys, tempfile, time
mode, timeout, log, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]
env = dict(os.environ)
sock = None
if mode in ("ready", "analyze"):
    path = os.path.join(tempfile.mkdtemp(dir=os.environ["BENCH_WORK"]), "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    sock.bind(path)
    env["NOTIFY_SOCKET"] = path
else:
    env.pop("NOTIFY_SOCKET", None)
out = open(log, "wb")
ms = lambda a, b: "%.3f" % ((b - a) / 1e6)
t0 = time.monotonic_ns()
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env)
deadline = t0 + int(timeout * 1e9)
ready = stop = None
if sock:
    while ready is None and p.poll() is None and time.monotonic_ns() < deadline:
        if select.select([sock], [], [], 0.02)[0]:
            if b"READY=1" in sock.recv(4096).split(b"\n"):
                ready = time.monotonic_ns()
    if mode == "ready" and ready is not None and p.poll() is None:
        stop = time.monotonic_ns()
        p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(max(1.0, (deadline - time.monotonic_ns()) / 1e9))
except subprocess.TimeoutExpired:
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    sys.stderr.write("timed out after %.0f s\n" % timeout)
    sys.exit(1)
end = time.monotonic_ns()
if sock and ready is None:
    sys.stderr.write("no READY=1 before the runtime ended (exit code %d)\n" % rc)
    sys.exit(1)
if mode == "analyze":
    print(t0, ready, ms(t0, end), rc)
else:
    print(ms(t0, ready) if ready else "-", ms(stop, end) if stop else "-", ms(t0, end), rc)
'
export BENCH_WORK=$work

# sample K MODE: one boot of contender K; appends to $work/K.MODE; returns non-zero on failure.
sample() {
        local k=$1 mode=$2 extra line rc
        if [[ $mode == ready ]]; then
                extra="-b --notify-ready=yes"
        else
                extra="-b systemd.wants=bench-poweroff.service"
        fi
        # shellcheck disable=SC2086 # cmds[k] is a quoted command prefix
        line=$(eval "python3 -c \"\$BOOT_ONCE_PY\" $mode $timeout $work/$k.$mode.log ${cmds[k]} -D $(printf %q "${roots[k]}") $extra" 2> "$work/$k.err")
        rc=$?
        if [[ $rc != 0 ]]; then
                echo "note: ${names[k]} ($mode): $(cat "$work/$k.err")" >&2
                return 1
        fi
        read -r _ _ _ rc <<< "$line"
        if [[ $rc != 0 ]]; then
                echo "note: ${names[k]} ($mode) ended with exit code $rc, not 0" >&2
                return 1
        fi
        echo "$line" >> "$work/$k.$mode"
}

# ---- measure: one check run and two warm-up boots each, then RUNS rounds, the contenders
# interleaved within a round so that a change of the machine's load hits all of them ----
declare -A ok
for k in "${!names[@]}"; do
        ok[$k]=1
        for mode in ready poweroff; do
                for i in 1 2 3; do
                        if ! sample "$k" "$mode"; then
                                echo "note: ${names[k]} failed its first boots, skipped (log: tail of $mode boot below)" >&2
                                tail -n 20 "$work/$k.$mode.log" >&2
                                ok[$k]=0
                                break 2
                        fi
                done
                : > "$work/$k.$mode"
        done
done
for (( i = 1; i <= runs; i++ )); do
        for mode in ready poweroff; do
                for k in "${!names[@]}"; do
                        [[ ${ok[$k]} == 1 ]] && sample "$k" "$mode"
                done
        done
        printf '  round %d/%d done\n' "$i" "$runs" >&2
done

# ---- report ----
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
pct() { sort -n | awk -v p="$1" '{ a[NR] = $1 } END { if (NR == 0) { print "nan"; exit } i = int(NR * p / 100 + 0.5); if (i < 1) i = 1; print a[i] }'; }
# column K MODE FIELD: the samples of one metric
column() { awk -v f="$3" '$f != "-" { print $f }' "$work/$1.$2" 2>/dev/null; }

metrics=("boot to READY=1|ready|1|0.8" "stop (SIGTERM to exit)|ready|2|" "boot + poweroff|poweroff|3|")
ours='' theirs=''
for k in "${!names[@]}"; do
        [[ ${ok[$k]} == 1 ]] || continue
        [[ ${names[k]} == nspawn ]] && ours=$k || theirs=$k
done
echo
echo "Boot of $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' "$image/etc/os-release") with systemd, $runs runs each, image $image ($(nproc) CPUs, $(uname -r))"
printf '%-24s' metric
for k in "${!names[@]}"; do
        [[ ${ok[$k]} == 1 ]] && printf ' %19s %15s' "${names[k]} ms" "p10-p90"
done
[[ -n $ours && -n $theirs ]] && printf ' %7s %7s' ratio target
echo
for m in "${metrics[@]}"; do
        IFS='|' read -r label mode field target <<< "$m"
        printf '%-24s' "$label"
        declare -A med=()
        for k in "${!names[@]}"; do
                [[ ${ok[$k]} == 1 ]] || continue
                med[$k]=$(column "$k" "$mode" "$field" | median)
                printf ' %19.1f %15s' "${med[$k]}" \
                        "$(printf '%.0f-%.0f' "$(column "$k" "$mode" "$field" | pct 10)" "$(column "$k" "$mode" "$field" | pct 90)")"
        done
        if [[ -n $ours && -n $theirs ]]; then
                printf ' %7s %7s' "$(awk -v a="${med[$ours]}" -v b="${med[$theirs]}" 'BEGIN { printf "%.2f", a / b }')" \
                        "${target:+<= $target}"
        fi
        echo
done
[[ -n $ours && -n $theirs ]] && echo "ratio = nspawn's median / systemd-nspawn's median"

# ---- optional: where the time goes, from the guest's own clock ----
# A few more boots each with bench-analyze.service: the guest's systemd records when it started
# (UserspaceTimestampMonotonic) and finished its start-up (FinishTimestampMonotonic) on the same
# CLOCK_MONOTONIC as our samples, so a boot splits into the runtime's start-up (fork to the
# guest's init), the guest's own boot, and the way of READY=1 back to us.
if [[ -n $analyze ]]; then
        # split K: one analyze boot of contender K, its split appended to $work/K.split
        split() {
                local k=$1 line t0 ready us fin
                rm -f "${roots[k]}/root/bench-analyze.txt"
                line=$(eval "python3 -c \"\$BOOT_ONCE_PY\" analyze $timeout $work/$k.analyze.log ${cmds[k]} -D $(printf %q "${roots[k]}") -b --notify-ready=yes systemd.wants=bench-analyze.service" 2> "$work/$k.err") ||
                        { echo "note: ${names[k]} (analyze): $(cat "$work/$k.err")" >&2; return 1; }
                read -r t0 ready _ <<< "$line"
                us=$(sed -n 's/^UserspaceTimestampMonotonic=//p' "${roots[k]}/root/bench-analyze.txt" 2>/dev/null)
                fin=$(sed -n 's/^FinishTimestampMonotonic=//p' "${roots[k]}/root/bench-analyze.txt" 2>/dev/null)
                [[ -n $us && -n $fin ]] || { echo "note: ${names[k]} (analyze): no timestamps from the guest" >&2; return 1; }
                awk -v t0="$t0" -v r="$ready" -v u="$us" -v f="$fin" \
                        'BEGIN { printf "%.3f %.3f %.3f %.3f\n", (u * 1000 - t0) / 1e6, (f - u) / 1e3, (r - f * 1000) / 1e6, (r - t0) / 1e6 }' >> "$work/$k.split"
                cp "${roots[k]}/root/bench-analyze.txt" "$work/$k.analyze.txt"
        }
        for k in "${!names[@]}"; do : > "$work/$k.split"; done
        for (( i = 1; i <= runs; i++ )); do
                for k in "${!names[@]}"; do
                        [[ ${ok[$k]} == 1 ]] && split "$k"
                done
        done
        echo
        printf '%-24s %20s %20s %20s %10s\n' "where the time goes" "start -> init ms" "init -> finished ms" "finished -> READY ms" "total ms"
        for k in "${!names[@]}"; do
                [[ ${ok[$k]} == 1 ]] || continue
                printf '%-24s' "${names[k]}"
                for f in 1 2 3 4; do
                        printf ' %20.1f' "$(awk -v f=$f '{ print $f }' "$work/$k.split" | median)"
                done
                echo
        done
        echo "(medians of $runs boots each; the guest's systemd-analyze of the last boot follows)"
        for k in "${!names[@]}"; do
                [[ -f $work/$k.analyze.txt ]] || continue
                echo
                echo "== ${names[k]}: systemd-analyze in the guest =="
                grep -v Monotonic= "$work/$k.analyze.txt"
        done
fi
