#!/bin/bash
# The default seccomp filter is in force (Seccomp: 2), denies what systemd-nspawn denies (with
# EPERM), and --system-call-filter adds (NAME) or removes (~NAME) system calls.
. "$(dirname "$0")/lib.sh"

run_sh -- 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
assert_rc 0
assert_line "$OUT" "Seccomp:	2" "/proc/self/status"

# swapoff is in @swap, which the default filter excludes: EPERM before any path lookup
# (without the filter, root with CAP_SYS_ADMIN would get ENOENT for a missing file).
run_sh -- 'swapoff /nonexistent-swap 2>&1; echo rc=$?'
assert_contains "$OUT" "Operation not permitted" "swapoff under the default filter"

# sethostname is allowed by default, and can be taken away with ~.
run_sh -- 'hostname changed && hostname'
assert_rc 0
assert_eq "$OUT" changed "hostname after sethostname"
run_sh --system-call-filter='~sethostname' -- 'hostname changed2 2>&1; echo rc=$?'
assert_contains "$OUT" "rc=1" "sethostname denied with --system-call-filter=~sethostname"
assert_not_contains "$OUT" "changed2" "hostname"

# Allowing @swap again turns EPERM into the file system's answer.
run_sh --system-call-filter='@swap' -- 'swapoff /nonexistent-swap 2>&1; echo rc=$?'
assert_not_contains "$OUT" "Operation not permitted" "swapoff with --system-call-filter=@swap"
assert_contains "$OUT" "rc=1" "swapoff of a missing file"
