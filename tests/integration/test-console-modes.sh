#!/bin/bash
# Console modes on a non-terminal: read-only (a pty inside, output forwarded, input not),
# passive (nothing forwarded while the container runs; at exit systemd-nspawn 252 flushes what
# the pty buffered), autopipe (= pipe when not on a terminal), and the default (= read-only).
. "$(dirname "$0")/lib.sh"

echo piped-input > "$T/in"
probe='tty; ls -l /dev/console 2>&1 | sed "s/.* -> //"; if read -t 1 x; then echo "read:$x"; else echo no-input; fi; exit 4'

# read-only: the payload's stdio is the console pty, its output comes out, stdin does not go in.
IT_STDIN=$T/in capture OUT nspawn -q -D "$ROOTFS" --console=read-only /bin/sh -c "$probe"
assert_rc 4 "exit code with --console=read-only"
assert_line "$OUT" /dev/pts/0 "tty with --console=read-only"
assert_line "$OUT" pts/0 "/dev/console with --console=read-only"
assert_line "$OUT" no-input "read with --console=read-only"
assert_not_contains "$OUT" piped-input "output with --console=read-only"

# The default on a non-terminal is read-only.
IT_STDIN=$T/in capture OUT nspawn -q -D "$ROOTFS" /bin/sh -c "$probe"
assert_rc 4 "exit code with the default console"
assert_line "$OUT" /dev/pts/0 "tty with the default console"
assert_line "$OUT" pts/0 "/dev/console with the default console"
assert_line "$OUT" no-input "read with the default console"

# autopipe without a terminal is pipe: no pty, no /dev/console, stdin passes through.
IT_STDIN=$T/in capture OUT nspawn -q -D "$ROOTFS" --console=autopipe /bin/sh -c "$probe"
assert_rc 4 "exit code with --console=autopipe"
assert_line "$OUT" "not a tty" "tty with --console=autopipe"
assert_contains "$OUT" "/dev/console: No such file or directory" "/dev/console with --console=autopipe"
assert_line "$OUT" "read:piped-input" "stdin with --console=autopipe"
IT_STDIN=$T/in capture OUT nspawn -q -D "$ROOTFS" --console=autopipe /bin/sh -c 'echo out; echo err >&2'
assert_eq "$OUT" out "stdout with --console=autopipe"
assert_line "$(cat "$T/stderr")" err "stderr kept apart with --console=autopipe"

# passive: a pty inside, stdin not forwarded, and nothing printed while the container runs.
IT_STDIN=$T/in capture OUT nspawn -q -D "$ROOTFS" --console=passive /bin/sh -c "$probe"
assert_rc 4 "exit code with --console=passive"
assert_contains "$OUT" /dev/pts/0 "tty with --console=passive"
assert_not_contains "$OUT" "read:" "read with --console=passive"

mkdir -p "$T/m"
IT_STDIN=$T/in nspawn_bg "$T/out" -q -D "$ROOTFS" --console=passive --bind="$T/m:/m" \
        /bin/sh -c 'echo early; echo early-err >&2; touch /m/printed; sleep 1.5; echo late'
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
wait_for "[[ -e $T/m/printed ]]" 20 || fail "the container did not start: $(cat "$T/out")"
sleep 0.5
during=$(tr -d '\r' < "$T/out")
assert_not_contains "$during" early "output of --console=passive while running"
wait_for "! kill -0 $BG_PID 2>/dev/null" 20 || fail "nspawn --console=passive did not end"
wait "$BG_PID"
assert_eq "$?" 0 "exit code with --console=passive"
# What systemd-nspawn 252 does at exit: the buffered console output is written out.
after=$(tr -d '\r' < "$T/out")
log "output of --console=passive at exit: $after"
assert_line "$after" early "output of --console=passive at exit"
assert_line "$after" late "output of --console=passive at exit"
