#!/bin/bash
# --rlimit, --oom-score-adjust, --cpu-affinity and --personality reach the payload; invalid values
# are refused (exit 1) with a message naming what was wrong.
. "$(dirname "$0")/lib.sh"

run_sh --rlimit=NOFILE=100:200 -- 'ulimit -Sn; ulimit -Hn'
assert_rc 0
assert_eq "$OUT" "100
200" "soft and hard NOFILE with --rlimit=NOFILE=100:200"
run_sh --rlimit=RLIMIT_NOFILE=150 --rlimit=CORE=infinity -- 'ulimit -Sn; ulimit -Hn; ulimit -Hc'
assert_rc 0
assert_eq "$OUT" "150
150
unlimited" "--rlimit=RLIMIT_NOFILE=150 --rlimit=CORE=infinity"

run_sh --oom-score-adjust=500 -- 'cat /proc/self/oom_score_adj'
assert_rc 0
assert_eq "$OUT" 500 "--oom-score-adjust=500"

run_sh --cpu-affinity=0 -- 'grep Cpus_allowed_list /proc/self/status'
assert_rc 0
assert_eq "$OUT" "Cpus_allowed_list:	0" "--cpu-affinity=0"
if [[ $(grep Cpus_allowed_list /proc/self/status) == *"0-"* ]]; then
        run_sh --cpu-affinity=1 -- 'grep Cpus_allowed_list /proc/self/status'
        assert_rc 0
        assert_eq "$OUT" "Cpus_allowed_list:	1" "--cpu-affinity=1"
fi

if [[ $(uname -m) == x86_64 ]]; then
        run_sh --personality=x86 -- 'uname -m'
        assert_rc 0
        assert_eq "$OUT" i686 "uname -m with --personality=x86"
        run_sh --personality=x86-64 -- 'uname -m'
        assert_rc 0
        assert_eq "$OUT" x86_64 "uname -m with --personality=x86-64"
fi

# refused OPTION=VALUE WORD: exit 1, and the message mentions WORD (any case).
refused() {
        capture OUT nspawn -q -D "$ROOTFS" "$1" /bin/true
        assert_rc 1 "$1"
        assert_contains "$(tr '[:upper:]' '[:lower:]' < "$T/stderr")" "$2" "message for $1"
}
refused --rlimit=NOFILE=abc limit
refused --rlimit=FROBNICATE=1 limit
refused --rlimit=NOFILE=200:100 limit
refused --oom-score-adjust=1001 oom-score-adjust
refused --oom-score-adjust=-1001 oom-score-adjust
refused --oom-score-adjust=x oom-score-adjust
refused --cpu-affinity=abc affinity
refused --cpu-affinity=99999 affinity
refused --personality=vax personality
