#!/bin/bash
# NoNewPrivs is off by default and set by --no-new-privileges=yes.
. "$(dirname "$0")/lib.sh"

run_sh -- 'grep ^NoNewPrivs: /proc/self/status'
assert_rc 0
assert_eq "$OUT" "NoNewPrivs:	0" "default"

run_sh --no-new-privileges=yes -- 'grep ^NoNewPrivs: /proc/self/status'
assert_rc 0
assert_eq "$OUT" "NoNewPrivs:	1" "--no-new-privileges=yes"

run_sh --no-new-privileges=no -- 'grep ^NoNewPrivs: /proc/self/status'
assert_rc 0
assert_eq "$OUT" "NoNewPrivs:	0" "--no-new-privileges=no"

capture out nspawn -q -D "$ROOTFS" --no-new-privileges=maybe /bin/true
assert_rc 1 "--no-new-privileges=maybe"
