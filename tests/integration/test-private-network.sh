#!/bin/bash
# --private-network: only lo, and it is up; CAP_NET_ADMIN is added; the host's links untouched
# (the host check compares `ip -o link` before and after).
. "$(dirname "$0")/lib.sh"

run_sh --private-network -- 'ip -o link show; echo ---; grep ^CapBnd: /proc/self/status'
assert_rc 0
links=$(sed -n '/^---$/q;p' <<< "$OUT" | awk -F': ' '{ print $2 }')
assert_eq "$links" lo "links inside"
assert_match "$(grep ': lo:' <<< "$OUT")" '<LOOPBACK,UP,LOWER_UP>' "lo is up"
bnd=$(awk '/^CapBnd:/ { print $2 }' <<< "$OUT")
host=$((16#$(host_capbnd)))
assert_eq "$bnd" "$(printf '%016x' $(( (0xfdecafff | (1 << 12)) & host )))" "CapBnd with --private-network"

# lo works.
run_sh --private-network -- 'ping -c 1 -W 2 127.0.0.1 >/dev/null && echo ok'
assert_eq "$OUT" ok "ping 127.0.0.1"

# Without it the container shares the host's links.
run_sh -- 'ip -o link show | wc -l'
assert_eq "$OUT" "$(ip -o link show | wc -l)" "links without --private-network"
