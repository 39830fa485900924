#!/bin/bash
# --console=pipe / -P: stdin, stdout and stderr are passed through unchanged (binary clean).
. "$(dirname "$0")/lib.sh"

head -c 1048576 /dev/urandom > "$T/in"
want=$(sha256sum < "$T/in")

nspawn_stdin -q -D "$ROOTFS" --console=pipe /bin/cat < "$T/in" > "$T/out" 2> "$T/err"
assert_eq "$?" 0 "exit code of cat"
assert_eq "$(sha256sum < "$T/out")" "$want" "sha256 of 1 MiB through cat"

nspawn_stdin -q -D "$ROOTFS" -P /bin/sh -c 'cat; echo to-stderr >&2' < "$T/in" > "$T/out" 2> "$T/err"
assert_eq "$(sha256sum < "$T/out")" "$want" "sha256 with -P"
assert_eq "$(head -n1 "$T/err")" to-stderr "stderr kept apart"
assert_not_contains "$(cat "$T/out")" to-stderr "stdout"

# The payload's stdin is nspawn's: no pty in between.
nspawn_stdin -q -D "$ROOTFS" -P /bin/sh -c '[ -t 0 ] && echo tty || echo notty; ls -l /proc/self/fd/1' < "$T/in" > "$T/out"
assert_contains "$(cat "$T/out")" notty "stdin in pipe mode"
assert_not_contains "$(cat "$T/out")" "/dev/pts" "stdout in pipe mode"
