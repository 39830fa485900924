#!/bin/bash
# -a/--as-pid2: a stub init is PID 1, the payload is PID 2, exit codes pass through, and
# /proc/1/exe does not expose the nspawn binary.
. "$(dirname "$0")/lib.sh"
expect_differ "systemd-nspawn 252's stub init is a fork of itself: /proc/1/exe is the host's systemd-nspawn"

run_sh -a -- 'echo $$; exit 5'
assert_rc 5 "exit code with -a"
assert_eq "$OUT" 2 "PID of the payload with -a"

run_sh --as-pid2 -- 'ps -o pid,comm | awk "\$1 == 1 { print \$2 }"; true'
assert_rc 0
assert_ne "$OUT" "" "PID 1 in ps"
assert_ne "$OUT" sh "PID 1 is not the payload"

# PID 1 reaps orphans: a zombie left by an exited parent disappears.
run_sh -a -- '( sleep 0.2 & ); sleep 0.6; ps -o stat,comm | grep -c "^Z" ; true'
assert_eq "$OUT" 0 "zombies under the stub init"

# /proc/1/exe must not lead to the nspawn binary: neither its host path nor its content.
nspawn_bin=$(readlink -f "$(command -v "${NSPAWN_CMD[0]}")")
run_sh -a -- 'readlink /proc/1/exe; sha256sum < /proc/1/exe'
mapfile -t l <<< "$OUT"
log "/proc/1/exe -> ${l[0]}"
assert_ne "${l[0]}" "$nspawn_bin" "/proc/1/exe"
assert_ne "${l[1]%% *}" "$(sha256sum < "$nspawn_bin" | cut -d' ' -f1)" "content of /proc/1/exe (the nspawn binary)"
