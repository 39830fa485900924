#!/bin/bash
# Capabilities: systemd-nspawn's default bounding set (0xfdecafff, limited by the host's own
# bounding set), --capability, --drop-capability, and none effective for a non-root user.
. "$(dirname "$0")/lib.sh"

host=$((16#$(host_capbnd)))
hex() { printf '%016x' "$1"; }
caps() { grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' <<< "$1" | awk '{ print $1 $2 }'; }
field() { awk -v f="$2:" '$1 == f { print $2 }' <<< "$1"; }

default=$(( 0xfdecafff & host ))
run_sh -- 'cat /proc/self/status'
assert_rc 0
assert_eq "$(field "$OUT" CapBnd)" "$(hex $default)" "default CapBnd"
assert_eq "$(field "$OUT" CapEff)" "$(hex $default)" "default CapEff of root"
assert_eq "$(field "$OUT" CapPrm)" "$(hex $default)" "default CapPrm of root"
assert_eq "$(field "$OUT" CapAmb)" "$(hex 0)" "default CapAmb"

# CAP_SYS_TIME (25) is not in the default set; --capability adds it.
if (( host & (1 << 25) )); then
        run_sh --capability=CAP_SYS_TIME -- 'cat /proc/self/status'
        assert_rc 0
        assert_eq "$(field "$OUT" CapBnd)" "$(hex $(( default | (1 << 25) )))" "CapBnd with --capability=CAP_SYS_TIME"
fi
# Several at once, comma separated, names without the CAP_ prefix are accepted too.
if (( host & (1 << 25) && host & (1 << 16) )); then
        run_sh --capability=CAP_SYS_TIME,CAP_SYS_MODULE -- 'cat /proc/self/status'
        assert_rc 0
        assert_eq "$(field "$OUT" CapBnd)" "$(hex $(( default | (1 << 25) | (1 << 16) )))" "CapBnd with two added"
fi

# CAP_CHOWN (0) and CAP_SYS_ADMIN (21) dropped.
run_sh --drop-capability=CAP_CHOWN,CAP_SYS_ADMIN -- 'cat /proc/self/status'
assert_rc 0
assert_eq "$(field "$OUT" CapBnd)" "$(hex $(( default & ~1 & ~(1 << 21) )))" "CapBnd with --drop-capability"
run_sh --drop-capability=CAP_CHOWN -- 'touch /tmp/f && chown 1000 /tmp/f'
assert_ne "$RC" 0 "chown without CAP_CHOWN"

# --capability=all: everything the host has.
run_sh --capability=all -- 'cat /proc/self/status'
assert_rc 0
assert_eq "$(field "$OUT" CapBnd)" "$(hex $host)" "CapBnd with --capability=all"

# A non-root user: same bounding set, nothing effective or permitted.
run_sh -u test -- 'cat /proc/self/status'
assert_rc 0
assert_eq "$(field "$OUT" CapBnd)" "$(hex $default)" "CapBnd of -u test"
assert_eq "$(field "$OUT" CapEff)" "$(hex 0)" "CapEff of -u test"
assert_eq "$(field "$OUT" CapPrm)" "$(hex 0)" "CapPrm of -u test"

# Unknown capability names are refused.
capture out nspawn -q -D "$ROOTFS" --capability=CAP_FROBNICATE /bin/true
assert_rc 1 "--capability=CAP_FROBNICATE"
