# shellcheck shell=bash
# Helpers for the nspawnctl tests (test-nspawnctl-*.sh), sourced after lib.sh:
#   ctl ARGS...              run nspawnctl (NSPAWNCTL, default $BUILD/nspawnctl) with a time limit
#   ctl_wait_leader NAME     wait until NAME has a running leader; LEADER = its PID
#   ctl_wait_gone NAME SECS  wait until NAME is no longer listed
#   bg_wait SECS             wait for the backgrounded nspawn (BG_PID); BG_RC = its exit code,
#                            124 if it did not end in time (then it is killed)

NSPAWNCTL=${NSPAWNCTL:-$BUILD/nspawnctl}
[[ -x $NSPAWNCTL ]] || fail "NSPAWNCTL=$NSPAWNCTL not found (build it first)"

ctl() { timeout -k 5 "${IT_CMD_TIMEOUT:-20}" "$NSPAWNCTL" --no-pager "$@" < /dev/null; }

ctl_leader() { ctl show -p Leader --value "$1" 2>/dev/null; }

ctl_wait_leader() {
        local n=$(( ${2:-20} * 10 ))
        while (( n-- > 0 )); do
                LEADER=$(ctl_leader "$1")
                [[ -n $LEADER && $LEADER != 0 && $(ctl show -p State --value "$1" 2>/dev/null) == running ]] && return 0
                sleep 0.1
        done
        fail "machine $1 did not get a running leader"
}

ctl_wait_gone() {
        wait_for "! ctl list --no-legend | grep -q '^$1 '" "${2:-10}" || fail "machine $1 is still listed"
}

bg_wait() {
        local n=$(( $1 * 10 ))
        while (( n-- > 0 )); do
                if ! kill -0 "$BG_PID" 2>/dev/null; then
                        wait "$BG_PID"
                        BG_RC=$?
                        return 0
                fi
                sleep 0.1
        done
        kill -KILL "$BG_PID" 2>/dev/null
        wait "$BG_PID" 2>/dev/null
        BG_RC=124
}
