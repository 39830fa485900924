#!/bin/bash
# The payload is PID 1 of its own PID namespace and sees only its own processes.
. "$(dirname "$0")/lib.sh"

run_sh -- 'echo $$; tr "\0" " " < /proc/1/cmdline; echo; readlink /proc/1/exe; ps -o pid= | wc -l'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" 1 "PID of the payload"
assert_eq "${l[1]}" "/bin/sh -c echo \$\$; tr \"\\0\" \" \" < /proc/1/cmdline; echo; readlink /proc/1/exe; ps -o pid= | wc -l " "/proc/1/cmdline"
assert_eq "${l[2]}" /usr/bin/busybox "/proc/1/exe"
# sh, ps, wc (and the subshell) at most: no host process is visible.
(( ${l[3]} <= 5 )) || fail "the container sees ${l[3]} processes"

run_sh -- 'ps -o pid,comm; true'
assert_rc 0
assert_match "$OUT" '^ *PID +COMMAND' "ps header"
assert_contains "$OUT" "    1 sh" "ps"
