#!/bin/bash
# Without a command, the user's login shell runs (as "-sh"), in the user's home.
. "$(dirname "$0")/lib.sh"

printf 'echo "$0"; pwd; exit 3\n' > "$T/script"
nspawn_stdin -q -D "$ROOTFS" --pipe < "$T/script" > "$T/out" 2> "$T/err"
rc=$?
assert_eq "$rc" 3 "exit code of the shell"
assert_eq "$(cat "$T/out")" "-sh
/root" "shell name and directory"
