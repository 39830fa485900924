#!/bin/bash
# The payload's resource limits are systemd-nspawn 252's, whatever the caller's are: the kernel's
# defaults for PID 1 (NOFILE 1024 soft and min(nr_open, 512Ki) hard, CORE 0, STACK 8 MiB, MEMLOCK
# 8 MiB, MSGQUEUE 819200, NICE and RTPRIO 0, the rest unlimited), NPROC and SIGPENDING as the
# host's PID 1 has them. A hard limit nspawn may not raise (no CAP_SYS_RESOURCE) clamps both values
# ("closest", as systemd). --rlimit= wins. Measured on systemd-nspawn 252 with the same cases.
. "$(dirname "$0")/lib.sh"

capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
can_raise=$(( (0x$capeff >> 24) & 1 ))   # CAP_SYS_RESOURCE
nr_open=$(cat /proc/sys/fs/nr_open)
nofile_max=$(( nr_open < 524288 ? nr_open : 524288 ))
log "CAP_SYS_RESOURCE: $can_raise, fs.nr_open: $nr_open"

# in_limits "ULIMIT ARGS" NSPAWN-ARGS...: run the payload's `cat /proc/self/limits` from a shell
# whose limits were changed with ulimit ARGS (each group a separate ulimit call, ";"-separated);
# LIM[Name]="soft hard" of the payload afterwards.
declare -A LIM
in_limits() {
        local setup=$1 line name; shift
        capture OUT bash -c "$setup" _ "${NSPAWN_CMD[@]}" -q -D "$ROOTFS" "$@" /bin/cat /proc/self/limits
        assert_rc 0 "nspawn under '$setup'"
        LIM=()
        while IFS= read -r line; do
                [[ $line == Max* ]] || continue
                name=$(sed 's/ *$//' <<< "${line:0:26}")
                LIM[$name]="$(awk '{ print $1, $2 }' <<< "${line:26}")"
        done <<< "$OUT"
}

# expect NAME "SOFT HARD" "SOFT HARD": the first without CAP_SYS_RESOURCE, the second with it.
expect() {
        local want=$2
        [[ $can_raise == 1 ]] && want=$3
        assert_eq "${LIM[$1]:-}" "$want" "$1 (soft hard) of the payload, caller: $CASE"
}

# Fixed hard (and soft) limits for the caller, lowered from whatever the runner has (raising is
# not allowed without CAP_SYS_RESOURCE): each must be at most the runner's.
need_hard() {   # need_hard ULIMIT-OPTION VALUE
        local have
        have=$(ulimit -H "$1")
        [[ $have == unlimited || $have -ge $2 ]] || skip "the caller's hard ulimit $1 is $have, below $2"
}
need_hard -n 4096; need_hard -s 65536; need_hard -c 100000; need_hard -t 100000; need_hard -l 8192
need_hard -q 819200
HARD='ulimit -S -H -n 4096 -s 65536 -c 100000 -t 100000 -l 8192 -q 819200'

# 1. The caller's soft limits do not reach the payload; its hard limits stay where the defaults
#    are higher and nspawn may not raise them.
CASE="soft limits changed"
in_limits "$HARD; ulimit -S -n 4000 -s 32768 -c 1000 -t 1000 -l 64 -q 1000 -f 1000 -v 9999999; exec \"\$@\""
expect "Max open files" "1024 4096" "1024 $nofile_max"
expect "Max stack size" "8388608 67108864" "8388608 unlimited"
expect "Max core file size" "0 102400000" "0 unlimited"
expect "Max cpu time" "100000 100000" "unlimited unlimited"
expect "Max locked memory" "8388608 8388608" "8388608 8388608"
expect "Max msgqueue size" "819200 819200" "819200 819200"
expect "Max nice priority" "0 0" "0 0"
expect "Max realtime priority" "0 0" "0 0"
if [[ $(ulimit -H -f) == unlimited && $(ulimit -H -v) == unlimited ]]; then
        expect "Max file size" "unlimited unlimited" "unlimited unlimited"
        expect "Max address space" "unlimited unlimited" "unlimited unlimited"
fi

# 2. Hard limits below the defaults clamp both values (unless nspawn may raise them).
CASE="hard limits lowered"
in_limits "$HARD; ulimit -S -H -n 512 -s 4000 -l 64 -q 1000 -c 10; exec \"\$@\""
expect "Max open files" "512 512" "1024 $nofile_max"
expect "Max stack size" "4096000 4096000" "8388608 unlimited"
expect "Max locked memory" "65536 65536" "8388608 8388608"
expect "Max msgqueue size" "1000 1000" "819200 819200"
expect "Max core file size" "0 10240" "0 unlimited"

# 3. NPROC and SIGPENDING are the host PID 1's, not the caller's.
CASE="soft NPROC and SIGPENDING lowered"
in_limits "ulimit -S -u 500 -i 600; exec \"\$@\""
for n in "Max processes" "Max pending signals"; do
        init=$(awk -v n="$n" 'index($0, n) == 1 { print substr($0, 27) }' /proc/1/limits | awk '{ print $1, $2 }')
        assert_eq "${LIM[$n]:-}" "$init" "$n of the payload (the host PID 1's)"
done

# 4. --rlimit= wins over the defaults, and is clamped the same way.
CASE="hard limits fixed, --rlimit given"
in_limits "$HARD; exec \"\$@\"" --rlimit=NOFILE=100:200 --rlimit=CORE=infinity --rlimit=STACK=1000000 \
        --rlimit=MSGQUEUE=4096:8192
expect "Max open files" "100 200" "100 200"
expect "Max core file size" "102400000 102400000" "unlimited unlimited"
expect "Max stack size" "1000000 1000000" "1000000 1000000"
expect "Max msgqueue size" "4096 8192" "4096 8192"
expect "Max locked memory" "8388608 8388608" "8388608 8388608"

# 5. The same for the payload under --as-pid2.
CASE="soft limits changed, --as-pid2"
in_limits "$HARD; ulimit -S -n 4000 -c 1000; exec \"\$@\"" --as-pid2
expect "Max open files" "1024 4096" "1024 $nofile_max"
expect "Max core file size" "0 102400000" "0 unlimited"
