#!/bin/bash
# --ambient-capability: the payload keeps the capability across the user change (CapAmb, and in
# Inh/Prm/Eff of a non-root user); not with -b, not "all", and only within the retained set.
. "$(dirname "$0")/lib.sh"

host=$((16#$(host_capbnd)))
(( host & (1 << 13) )) || skip "the host's bounding set lacks CAP_NET_RAW"
hex() { printf '%016x' "$1"; }
field() { awk -v f="$2:" '$1 == f { print $2 }' <<< "$1"; }
net_raw=$(hex $(( 1 << 13 )))

run_sh --ambient-capability=CAP_NET_RAW -u test -- 'cat /proc/self/status; id -u'
assert_rc 0
assert_line "$OUT" 1000 "uid of -u test"
for f in CapAmb CapInh CapPrm CapEff; do
        assert_eq "$(field "$OUT" $f)" "$net_raw" "$f of -u test with --ambient-capability=CAP_NET_RAW"
done

# Without it, the same user has nothing.
run_sh -u test -- 'cat /proc/self/status'
assert_eq "$(field "$OUT" CapAmb)" "$(hex 0)" "CapAmb of -u test"
assert_eq "$(field "$OUT" CapEff)" "$(hex 0)" "CapEff of -u test"

# Several, for root: the ambient set is exactly those.
run_sh --ambient-capability=CAP_NET_RAW,CAP_CHOWN -- 'cat /proc/self/status'
assert_rc 0
assert_eq "$(field "$OUT" CapAmb)" "$(hex $(( (1 << 13) | 1 )))" "CapAmb of root with two"

# Beyond the default set only together with --capability.
if (( host & (1 << 25) )); then
        capture OUT nspawn -q -D "$ROOTFS" --ambient-capability=CAP_SYS_TIME /bin/true
        assert_rc 1 "--ambient-capability=CAP_SYS_TIME alone"
        assert_contains "$(tr '[:upper:]' '[:lower:]' < "$T/stderr")" "ambient" "message"
        run_sh --ambient-capability=CAP_SYS_TIME --capability=CAP_SYS_TIME -- 'cat /proc/self/status'
        assert_rc 0
        assert_eq "$(field "$OUT" CapAmb)" "$(hex $(( 1 << 25 )))" "CapAmb with --capability=CAP_SYS_TIME"
fi

capture OUT nspawn -q -D "$ROOTFS" -b --ambient-capability=CAP_NET_RAW
assert_rc 1 "--ambient-capability with -b"
assert_contains "$(tr '[:upper:]' '[:lower:]' < "$T/stderr")" "ambient" "message"
assert_contains "$(tr '[:upper:]' '[:lower:]' < "$T/stderr")" "boot" "message"

capture OUT nspawn -q -D "$ROOTFS" --ambient-capability=all /bin/true
assert_rc 1 "--ambient-capability=all"
capture OUT nspawn -q -D "$ROOTFS" --ambient-capability=CAP_FROBNICATE /bin/true
assert_rc 1 "--ambient-capability=CAP_FROBNICATE"
