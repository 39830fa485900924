#!/bin/bash
# Run the integration tests: tests/integration/test-*.sh (or those named on the command line).
#   tests/run-integration.sh [NAME...]        e.g. tests/run-integration.sh hostname exit-code
# Environment:
#   BUILD    build directory (default: <repo>/build); the rootfs cache and logs go below it
#   NSPAWN   binary under test, with options (default: $BUILD/nspawn). Against the reference:
#            NSPAWN="systemd-nspawn --register=no --keep-unit" tests/run-integration.sh
#   IT_TIMEOUT  seconds per test (default 60; a test may say "# timeout: N" for itself)
#   IT_RESULTS  file receiving "passed=N failed=N skipped=N" (default: $BUILD/integration-results)
# Prints PASS/FAIL/SKIP/XFAIL per test and ends with "N passed, N failed, N skipped"
# (XFAIL, a test that differs from systemd-nspawn 252 by design, counts as skipped).
# Must run as root: containers need it.
set -u

here=$(cd "$(dirname "$0")" && pwd)
export BUILD=${BUILD:-$(dirname "$here")/build}
export NSPAWN=${NSPAWN:-$BUILD/nspawn}
timeout_s=${IT_TIMEOUT:-60}
results=${IT_RESULTS:-$BUILD/integration-results}
logdir=$BUILD/integration-logs

mkdir -p "$BUILD/tests" "$logdir"
rm -f "$logdir"/*.log "$logdir"/*.skip "$logdir"/*.xfail "$logdir"/*.tmpdir

passed=0 failed=0 skipped=0
finish() {
        echo "passed=$passed failed=$failed skipped=$skipped" > "$results"
        echo "$passed passed, $failed failed, $skipped skipped"
        [[ $failed == 0 ]]
        exit
}

tests=()
if [[ $# -gt 0 ]]; then
        for n in "$@"; do
                n=${n#test-}; n=${n%.sh}
                [[ -f $here/integration/test-$n.sh ]] || { echo "no such test: $n" >&2; failed=$((failed + 1)); continue; }
                tests+=("$here/integration/test-$n.sh")
        done
else
        tests=("$here"/integration/test-*.sh)
fi

if [[ $(id -u) != 0 ]]; then
        for t in "${tests[@]}"; do echo "SKIP $(basename "$t" .sh): needs root"; skipped=$((skipped + 1)); done
        finish
fi

read -r -a cmd <<< "$NSPAWN"
if ! command -v "${cmd[0]}" >/dev/null; then
        echo "FAIL integration: NSPAWN=${cmd[0]} not found (build it first)"
        failed=$((failed + ${#tests[@]}))
        finish
fi

# One busybox root for the whole run; tests that change it work on a copy.
export ROOTFS=${ROOTFS:-$BUILD/tests/rootfs-busybox}
if ! "$here/rootfs/busybox.sh" "$ROOTFS" > "$logdir/rootfs.log" 2>&1; then
        echo "FAIL integration: could not build $ROOTFS:"; sed 's/^/  /' "$logdir/rootfs.log"
        failed=$((failed + ${#tests[@]}))
        finish
fi
export IT_RESULT_DIR=$logdir

# The Debian images of the boot tests (tests/rootfs/debian.sh, minutes the first time): built
# once per run, before the tests, so none spends its time limit on debootstrap; cached below
# $BUILD between runs (rebuilt when debian.sh changes). A failed build fails those tests.
export DEBIAN_IMAGES=${DEBIAN_IMAGES:-$BUILD/tests}
for v in openrc systemd systemd-machined; do
        t=test-boot-$v.sh
        [[ $v == systemd-machined ]] && t=test-machined.sh
        [[ " ${tests[*]} " == *"/$t "* ]] && command -v debootstrap >/dev/null || continue
        "$here/rootfs/debian.sh" "$v" "$DEBIAN_IMAGES/rootfs-debian-$v" > "$logdir/rootfs-debian-$v.log" 2>&1 ||
                echo "NOTE could not build the Debian $v image: see $logdir/rootfs-debian-$v.log"
done

# A first run may create lasting state (lock and propagation directories, caches); do it once
# here so that each test's host check sees only what that test leaves behind, and say what it was.
snap() { find /run/systemd/nspawn /etc/systemd/nspawn /var/tmp -maxdepth 2 2>/dev/null | sort; }
before=$(snap)
timeout -k 5 "$timeout_s" "${cmd[@]}" -q -D "$ROOTFS" /bin/true < /dev/null > "$logdir/warm-up.log" 2>&1
after=$(snap)
if [[ $before != "$after" ]]; then
        echo "NOTE the first run of $NSPAWN left on the host:"
        diff <(echo "$before") <(echo "$after") | grep '^>' | sed 's/^> /  /'
fi

# reap TMPDIR-FILE: after a test was killed, end the processes rooted in its scratch directory
# or in the shared rootfs, unmount what is below the scratch directory and remove it.
reap() {
        [[ -f $1 ]] || return 0
        local dir pid keys
        dir=$(cat "$1"); rm -f "$1"
        [[ $dir == /tmp/nspawn-it.* && -d $dir ]] || return 0
        echo "runner: cleaning up after the killed test ($dir)"
        keys=" $(stat -L -c %d:%i "$ROOTFS") $(find "$dir" -maxdepth 2 -type d -exec stat -L -c %d:%i {} + 2>/dev/null | tr '\n' ' ') "
        for pid in $(stat -L -c '%n %d:%i' /proc/[0-9]*/root 2>/dev/null | awk -v k="$keys" 'index(k, " " $2 " ") { split($1, f, "/"); print f[3] }'); do
                [[ $pid == "$$" ]] || kill -KILL "$pid" 2>/dev/null
        done
        awk '{ print $5 }' /proc/self/mountinfo | grep "^$dir/" | sort -r | xargs -r -n1 umount -l 2>/dev/null
        rm -rf --one-file-system "$dir"
}

for t in "${tests[@]}"; do
        name=$(basename "$t" .sh)
        name=${name#test-}
        log=$logdir/$name.log
        start=$(date +%s.%N)
        # A test may ask for more time with a line "# timeout: SECONDS".
        t_s=$(sed -n 's/^# timeout: \([0-9][0-9]*\)$/\1/p' "$t" | head -n1)
        t_s=${t_s:-$timeout_s}
        # TERM first, so that the test's own cleanup and host check run; KILL 20 s later.
        timeout -k 20 "$t_s" bash "$t" > "$log" 2>&1 < /dev/null
        rc=$?
        reap "$logdir/test-$name.tmpdir" >> "$log"
        secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
        xfail=$logdir/test-$name.xfail
        if [[ $rc == 0 ]]; then
                if [[ -f $xfail && ${IT_REFERENCE:-} != 0 && $(basename "${cmd[0]}") == systemd-nspawn ]]; then
                        echo "PASS $name (${secs}s) (expected to differ from systemd-nspawn, but passed)"
                else
                        echo "PASS $name (${secs}s)"
                fi
                passed=$((passed + 1))
        elif [[ $rc == 77 ]]; then
                echo "SKIP $name: $(cat "$logdir/test-$name.skip" 2>/dev/null || echo unknown reason)"
                skipped=$((skipped + 1))
        elif [[ -f $xfail && ( ${IT_REFERENCE:-} == 1 || ( -z ${IT_REFERENCE:-} && $(basename "${cmd[0]}") == systemd-nspawn ) ) ]]; then
                echo "XFAIL $name: differs from systemd-nspawn 252 by design: $(cat "$xfail")"
                skipped=$((skipped + 1))
        else
                [[ $rc == 124 || $rc == 137 ]] && why=" (timed out after ${t_s}s)" || why=""
                echo "FAIL $name$why (exit $rc, ${secs}s):"
                grep -v '^# stderr: Attempted to remove disk file system' "$log" | tail -n 25 | sed 's/^/    /'
                failed=$((failed + 1))
        fi
done
finish
