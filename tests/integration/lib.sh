# shellcheck shell=bash
# Helpers for the integration tests. Each tests/integration/test-*.sh is a bash script that
# sources this file; tests/run-integration.sh runs them. Environment:
#   NSPAWN     the binary under test, word-split so options can ride along, e.g.
#              NSPAWN="systemd-nspawn --register=no --keep-unit"  (default: $BUILD/nspawn)
#   ROOTFS     a busybox root file system (tests/rootfs/busybox.sh); tests must not modify it —
#              those that need changes work on rootfs_copy
#   IT_REFERENCE=1  the binary is the reference systemd-nspawn (auto-detected from NSPAWN):
#              tests marked with expect_differ report XFAIL instead of FAIL there
# Exit codes of a test: 0 pass, 77 skip, anything else fail.
#
# Every test snapshots the host when it starts and compares at exit: mount points, network
# links, addresses, routes, rules and forwarding sysctls, cgroups, /run/systemd/nspawn,
# /etc/systemd/nspawn, the machines' control sockets (/run/nspawn/control), /var/tmp, and
# processes living in the test's root trees. A difference fails the test and is printed as a diff.
# (Network tests work in namespaces of their own: lib-net.sh.)

set -u
set -o pipefail

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_NAME=$(basename "$0" .sh)
BUILD=${BUILD:-$(cd "$IT_DIR/../.." && pwd)/build}
NSPAWN=${NSPAWN:-$BUILD/nspawn}
read -r -a NSPAWN_CMD <<< "$NSPAWN"

if [[ -z ${IT_REFERENCE:-} ]]; then
        [[ $(basename "${NSPAWN_CMD[0]}") == systemd-nspawn ]] && IT_REFERENCE=1 || IT_REFERENCE=0
fi

if [[ -z ${ROOTFS:-} ]]; then
        ROOTFS=$BUILD/tests/rootfs-busybox
        "$IT_DIR/../rootfs/busybox.sh" "$ROOTFS" >/dev/null
fi

# Per-test scratch space; removed at exit. Roots in it are watched for leftover processes.
T=$(mktemp -d /tmp/nspawn-it.XXXXXX)
# The runner removes it if the test is killed before its own cleanup could run.
[[ -n ${IT_RESULT_DIR:-} ]] && echo "$T" > "$IT_RESULT_DIR/$IT_NAME.tmpdir"
RC=0
IT_ROOTS=("$ROOTFS" "$T")
IT_AT_EXIT=()

log() { echo "# $*" >&2; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# skip REASON: this test cannot run here (kernel, host, missing tool). Never a silent pass.
skip() { echo "SKIP: $*" >&2; echo "$*" > "${IT_RESULT_DIR:-$T}/$IT_NAME.skip"; exit 77; }

# expect_differ REASON: systemd-nspawn 252 fails this test on purpose (we do better). Against the
# reference a failure is reported as XFAIL; against our binary the test must pass.
expect_differ() {
        [[ -n ${IT_RESULT_DIR:-} ]] && echo "$*" > "$IT_RESULT_DIR/$IT_NAME.xfail"
        [[ $IT_REFERENCE == 1 ]] && log "expected to differ from systemd-nspawn 252: $*"
        return 0
}

# at_exit CMD...: run CMD (as one string, eval'd) before the host check, in reverse order.
at_exit() { IT_AT_EXIT+=("$*"); }

require() {   # require CMD...: skip unless each command exists
        local c
        for c in "$@"; do command -v "$c" >/dev/null || skip "$c is not installed"; done
}

# ---- running the binary under test ----

# nspawn ARGS...: run the binary under test; stdin is /dev/null unless IT_STDIN names a file.
# Each run is limited to IT_CMD_TIMEOUT seconds (default 20; exit code 124 when it hangs), so
# that a hanging step fails the test with its own message and the host check still runs.
nspawn() { timeout -k 5 "${IT_CMD_TIMEOUT:-20}" "${NSPAWN_CMD[@]}" "$@" < "${IT_STDIN:-/dev/null}"; }

# nspawn_stdin ARGS...: the same, with the caller's stdin.
nspawn_stdin() { timeout -k 5 "${IT_CMD_TIMEOUT:-20}" "${NSPAWN_CMD[@]}" "$@"; }

# nspawn_bg OUTFILE ARGS...: start the binary under test in the background, stdout and stderr
# to OUTFILE; BG_PID is nspawn's own PID (not a subshell's), for signals.
nspawn_bg() {
        local out=$1; shift
        ( exec "${NSPAWN_CMD[@]}" "$@" < "${IT_STDIN:-/dev/null}" > "$out" 2>&1 ) &
        BG_PID=$!
}

# capture VAR CMD...: VAR = stdout of CMD with the pty's \r removed, RC = its exit code,
# $T/stderr = its stderr (also echoed to ours for the log).
capture() {
        local __var=$1 __out; shift
        __out=$("$@" 2> "$T/stderr" | tr -d '\r'; exit "${PIPESTATUS[0]}")
        RC=$?
        printf -v "$__var" '%s' "$__out"
        if [[ -s $T/stderr ]]; then sed 's/^/# stderr: /' "$T/stderr" >&2; fi
        return 0
}

# run_sh [NSPAWN-OPTIONS...] -- SCRIPT: run SCRIPT with /bin/sh -c in $ROOTFS (quiet); stdout
# in OUT, exit code in RC. Options before -- go to nspawn (after -q -D $ROOTFS).
run_sh() {
        local opts=()
        while [[ $# -gt 0 && $1 != -- ]]; do opts+=("$1"); shift; done
        [[ $# -gt 0 ]] && shift
        capture OUT nspawn -q -D "${IT_ROOT:-$ROOTFS}" "${opts[@]}" /bin/sh -c "$1"
}

# rootfs_copy DIR: a private copy of the image that the test may change; sets IT_ROOT=DIR, which
# run_sh then uses instead of $ROOTFS. Not in $(...): the copy must be registered in this shell.
rootfs_copy() {
        local d=$1
        mkdir -p "$(dirname "$d")"
        cp -a "$ROOTFS" "$d"
        IT_ROOTS+=("$d")
        IT_ROOT=$d
}

# container_leader PID: the container's PID 1 among nspawn PID's children (the other is its guard):
# the one that is PID 1 in its own PID namespace.
container_leader() {
        local c
        for c in $(pgrep -P "$1"); do
                [[ $(awk '/^NSpid:/ { print $NF }' /proc/"$c"/status 2>/dev/null) == 1 ]] && echo "$c"
        done
}

host_capbnd() { awk '/^CapBnd:/ { print $2 }' /proc/self/status; }

# ---- assertions ----

assert_eq() {   # assert_eq ACTUAL EXPECTED [WHAT]
        [[ $1 == "$2" ]] || fail "${3:-value}: expected '$2', got '$1'"
}
assert_ne() {
        [[ $1 != "$2" ]] || fail "${3:-value}: expected anything but '$2'"
}
assert_contains() {   # assert_contains HAYSTACK NEEDLE [WHAT]
        [[ $1 == *"$2"* ]] || fail "${3:-output} does not contain '$2':
$1"
}
assert_not_contains() {
        [[ $1 != *"$2"* ]] || fail "${3:-output} contains '$2':
$1"
}
assert_match() {   # assert_match STRING ERE [WHAT]
        [[ $1 =~ $2 ]] || fail "${3:-output} does not match /$2/:
$1"
}
assert_line() {   # assert_line TEXT LINE [WHAT]: TEXT has a line equal to LINE
        grep -qxF -- "$2" <<< "$1" || fail "${3:-output} has no line '$2':
$1"
}
assert_no_line() {
        ! grep -qxF -- "$2" <<< "$1" || fail "${3:-output} has the line '$2':
$1"
}
assert_rc() {   # assert_rc EXPECTED [WHAT]: the last capture's exit code
        [[ $RC == "$1" ]] || fail "${2:-exit code}: expected $1, got $RC"
}

# mount_field TEXT MOUNTPOINT: the "options fstype" of MOUNTPOINT's last entry in a mountinfo TEXT.
mount_entry() {
        awk -v mp="$2" '$5 == mp { for (i = 7; $i != "-"; i++); e = $6 " " $(i + 1) " " $(i + 3) } END { print e }' <<< "$1"
}

# wait_for CONDITION-CMD [SECONDS]: poll (10 Hz) until CMD succeeds; false on timeout.
wait_for() {
        local cmd=$1 n=$(( ${2:-10} * 10 ))
        while (( n-- > 0 )); do
                eval "$cmd" && return 0
                sleep 0.1
        done
        return 1
}

# ---- host snapshot ----

# Cgroups of our own hierarchy position: other jobs on this machine create and remove sibling
# cgroups of ours concurrently, so siblings (and their subtrees) are not compared.
it_cgroup_filter() {
        awk -F: 'NR == FNR { if ($3 != "/") { p = $3; sub(/\/[^\/]*$/, "", p); own[$3] = 1; par[p] = 1 } next }
        {
                rel = $0; sub(/^\/sys\/fs\/cgroup\/[^\/]+/, "", rel)
                if (ENVIRON["IT_CG_V2"] == 1) { rel = $0; sub(/^\/sys\/fs\/cgroup/, "", rel) }
                for (q in par) {
                        if (index(rel "/", (q == "" ? "" : q) "/") == 1 && rel != q) {
                                mine = 0
                                for (o in own) if (rel == o || index(rel, o "/") == 1) mine = 1
                                if (!mine) next
                        }
                }
                print
        }' /proc/self/cgroup -
}

it_snapshot() {
        echo "== mounts (mount point, options, type)"
        awk '{ for (i = 7; $i != "-"; i++); print $5, $6, $(i + 1) }' /proc/self/mountinfo | sort
        echo "== links"
        ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort
        echo "== addresses, routes, rules, forwarding"
        ip -o addr show 2>/dev/null | sed -E 's/ +(valid|preferred)_lft [^ ]+//g' | sort
        ip route show table all 2>/dev/null | sed -E 's/ expires [0-9]+sec//' | sort
        ip -4 rule show 2>/dev/null
        ip -6 rule show 2>/dev/null
        cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding 2>/dev/null
        echo "== cgroups"
        if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
                find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d 2>/dev/null | IT_CG_V2=1 it_cgroup_filter | sort
        else
                find /sys/fs/cgroup/*/ -mindepth 1 -maxdepth 4 -type d 2>/dev/null | sed 's|//|/|' | it_cgroup_filter | sort
        fi
        echo "== loop and device-mapper devices (name, backing file)"
        for d in /sys/block/loop* /sys/block/dm-*; do
                [[ -e $d/loop/backing_file ]] && echo "${d##*/} $(cat "$d/loop/backing_file")"
                [[ -e $d/dm/name ]] && echo "${d##*/} $(cat "$d/dm/name")"
        done 2>/dev/null
        echo "== files"
        find /run/systemd/nspawn /run/systemd/nspawn-uid /etc/systemd/nspawn 2>/dev/null | sort
        find /run/nspawn/control -mindepth 1 2>/dev/null | sort
        echo "== live machine records"
        it_live_records
        ls -A /var/tmp 2>/dev/null | sed 's|^|/var/tmp/|'
        echo "== processes in the test's roots"
        it_root_processes
}

# Records in /run/nspawn/machines whose lock is held: a running supervisor's. (A record whose lock
# is free belongs to a SIGKILLed nspawn and is removed by the next start; it is not "live".)
it_live_records() {
        local f
        for f in /run/nspawn/machines/*; do
                [[ -f $f && $f != */.* ]] || continue
                flock -n -s "$f" true 2>/dev/null || echo "$f"
        done
}

# Processes whose root is one of the test's root trees (compared by inode: a container's root is
# a bind mount of the tree), or whose cwd is inside one. The test's own shells are excluded.
it_root_processes() {
        local keys="" r
        for r in "${IT_ROOTS[@]}"; do
                [[ -d $r ]] && keys+="$(stat -L -c %d:%i "$r") "
        done
        {
                stat -L -c 'root %n %d:%i' /proc/[0-9]*/root 2>/dev/null
                find /proc/[0-9]*/cwd -maxdepth 0 -printf 'cwd %p %l\n' 2>/dev/null
        } | awk -v keys="$keys" -v paths="${IT_ROOTS[*]}" -v self="$$ $BASHPID" '
        BEGIN { nk = split(keys, k, " "); np = split(paths, p, " "); split(self, s, " ") }
        {
                split($2, f, "/"); pid = f[3]
                if (pid == s[1] || pid == s[2]) next
                hit = 0
                if ($1 == "root") { for (i = 1; i <= nk; i++) if ($3 == k[i]) hit = 1 }
                else { for (i = 1; i <= np; i++) if ($3 == p[i] || index($3, p[i] "/") == 1) hit = 1 }
                if (hit && !(pid in seen)) {
                        seen[pid] = 1
                        comm = ""; getline comm < ("/proc/" pid "/comm"); close("/proc/" pid "/comm")
                        print "pid " pid " (" comm ") " $1 " in a test tree"
                }
        }' | sort
}

# Remove what a failed teardown left, so that the next test starts clean: processes in our
# roots, mounts below our trees, new state below /run/systemd/nspawn.
it_reap_leftovers() {
        local pid mp f
        for pid in $(it_root_processes | awk '{ print $2 }'); do
                kill -KILL "$pid" 2>/dev/null
        done
        for r in "${IT_ROOTS[@]}"; do
                awk '{ print $5 }' /proc/self/mountinfo | grep -E "^$r(/|$)" | sort -r | while read -r mp; do
                        umount -l "$mp" 2>/dev/null
                done
        done
        diff <(echo "$IT_BEFORE") <(it_snapshot) | sed -n 's|^> \(/run/systemd/nspawn/.*\)|\1|p' | sort -r |
        while read -r f; do
                rm -f "$f" 2>/dev/null || rmdir "$f" 2>/dev/null
        done
        return 0
}

it_finish() {
        local rc=$? i
        trap - EXIT
        cd /
        for (( i = ${#IT_AT_EXIT[@]} - 1; i >= 0; i-- )); do eval "${IT_AT_EXIT[i]}" || true; done
        # Teardown may be asynchronous (a killed supervisor's container dies a moment later):
        # give the host up to 5 s to return to its state before judging.
        local after n=50
        while :; do
                after=$(it_snapshot)
                [[ $after == "$IT_BEFORE" ]] && break
                (( n-- > 0 )) || break
                sleep 0.1
        done
        if [[ $after != "$IT_BEFORE" ]]; then
                echo "FAIL: the host changed during the test:" >&2
                diff <(echo "$IT_BEFORE") <(echo "$after") | grep '^[<>]' | sed 's/^/  /' >&2
                it_reap_leftovers
                [[ $rc == 0 || $rc == 77 ]] && rc=1
        fi
        rm -rf --one-file-system "$T" 2>/dev/null || rm -rf "$T"
        [[ -n ${IT_RESULT_DIR:-} ]] && rm -f "$IT_RESULT_DIR/$IT_NAME.tmpdir"
        exit "$rc"
}

cd /
trap 'exit 124' TERM INT
IT_BEFORE=$(it_snapshot)
trap it_finish EXIT

# The rootfs must be usable at all before anything is judged.
[[ -x $ROOTFS/usr/bin/busybox ]] || fail "ROOTFS=$ROOTFS is not a busybox root (tests/rootfs/busybox.sh)"
command -v "${NSPAWN_CMD[0]}" >/dev/null || fail "NSPAWN=${NSPAWN_CMD[0]} not found"
