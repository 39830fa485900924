#!/bin/bash
# --console=interactive (the default on a terminal), driven through a real pty: the payload's
# stdio and /dev/console are the container's pts/0, typed input reaches it, the window size and
# its changes are forwarded, ^] three times within 1 s kills the container, and the outer
# terminal's settings are restored afterwards.
. "$(dirname "$0")/lib.sh"
require python3

# The driver: runs ARGV on a fresh pty (as its controlling terminal, window 33x101) and plays
# STEPS: wait:TEXT (until the output holds TEXT), send:TEXT (\n, \x1d escapes), resize:ROWSxCOLS,
# sleep:SECONDS, mark (start the clock). Prints the output (\r removed), then EXIT=code,
# SECONDS=time from the mark to nspawn's exit, TERMIOS=same|changed (outer pty before/after).
cat > "$T/ptydrive.py" <<'PY'
import fcntl, os, pty, select, struct, sys, termios, time
i = sys.argv.index("--")
steps, argv = sys.argv[1:i], sys.argv[i + 1:]
master, slave = pty.openpty()
def winsize(rows, cols):
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
winsize(33, 101)
before = termios.tcgetattr(slave)
pid = os.fork()
if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
                os.dup2(slave, fd)
        os.closerange(3, 1024)
        os.execvp(argv[0], argv)
deadline = time.monotonic() + float(os.environ.get("PTY_TIMEOUT", "15"))
out, status, mark = b"", None, time.monotonic()
def pump(wait):
        global out, status
        r, _, _ = select.select([master], [], [], wait)
        if r:
                try:
                        out += os.read(master, 65536)
                except OSError:
                        pass
        if status is None:
                p, st = os.waitpid(pid, os.WNOHANG)
                if p:
                        status, exited = st, time.monotonic()
                        globals()["exited"] = exited
for step in steps:
        what, _, arg = step.partition(":")
        if what == "wait":
                while arg.encode() not in out and status is None and time.monotonic() < deadline:
                        pump(0.05)
        elif what == "send":
                os.write(master, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif what == "resize":
                rows, cols = arg.split("x")
                winsize(int(rows), int(cols))
        elif what == "sleep":
                end = time.monotonic() + float(arg)
                while time.monotonic() < end:
                        pump(0.05)
        elif what == "mark":
                mark = time.monotonic()
while status is None and time.monotonic() < deadline:
        pump(0.05)
if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        code, took = "timeout", "-"
else:
        code, took = str(os.waitstatus_to_exitcode(status)), "%.2f" % (exited - mark)
        for _ in range(5):
                pump(0.02)
after = termios.tcgetattr(slave)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r", ""))
print("\nEXIT=%s\nSECONDS=%s\nTERMIOS=%s" % (code, took, "same" if before == after else "changed"))
PY

# drive STEPS... -- NSPAWN-ARGS...: OUT = the driver's report for nspawn run on a pty.
drive() {
        local steps=()
        while [[ $1 != -- ]]; do steps+=("$1"); shift; done
        shift
        capture OUT timeout -k 5 30 python3 "$T/ptydrive.py" "${steps[@]}" -- "${NSPAWN_CMD[@]}" "$@"
        [[ $RC == 0 ]] || fail "the pty driver failed ($RC): $OUT"
}
field() { sed -n "s/^$1=//p" <<< "$OUT" | tail -n1; }

# The payload's stdio is the container's pts/0, /dev/console points there, the window size is
# the outer one, typed input arrives, and the outer terminal is as it was afterwards.
drive wait:READY send:'hello world\n' -- -q -D "$ROOTFS" /bin/sh -c '
        tty; tty < /dev/stdout; tty < /dev/stderr; readlink /dev/console; stty size
        echo READY; read line; echo "got:$line"; exit 3'
assert_eq "$(field EXIT)" 3 "exit code through the console"
assert_eq "$(grep -c '^/dev/pts/0$' <<< "$OUT")" 3 "ttys of stdin, stdout, stderr"
assert_line "$OUT" "pts/0" "/dev/console"
assert_line "$OUT" "33 101" "stty size inside"
assert_line "$OUT" "got:hello world" "input through the console"
assert_eq "$(field TERMIOS)" same "outer terminal settings after exit"

# Window size changes (SIGWINCH on the outer terminal) are forwarded.
drive wait:READY resize:40x120 sleep:0.5 send:'\n' -- -q -D "$ROOTFS" /bin/sh -c '
        stty size; echo READY; read x; stty size'
assert_line "$OUT" "33 101" "size before the resize"
assert_line "$OUT" "40 120" "size after the resize"
assert_eq "$(field EXIT)" 0 "exit code"
assert_eq "$(field TERMIOS)" same "outer terminal settings after exit"

# ^] three times within a second kills the container: nspawn exits non-zero at once and no
# process of the container remains.
drive wait:READY mark send:'\x1d' send:'\x1d' send:'\x1d' -- -q -D "$ROOTFS" /bin/sh -c '
        echo READY; exec sleep 1000'
code=$(field EXIT) took=$(field SECONDS)
log "after ^]^]^]: exit $code in ${took}s"
[[ $code != timeout ]] || fail "nspawn still ran 15 s after ^]^]^]"
assert_ne "$code" 0 "exit code after ^]^]^]"
awk -v t="$took" 'BEGIN { exit !(t < 3) }' || fail "nspawn took ${took}s to exit after ^]^]^]"
assert_eq "$(field TERMIOS)" same "outer terminal settings after ^]^]^]"
wait_for "[[ -z \$(it_root_processes) ]]" 5 || fail "container processes remain after ^]^]^]:
$(it_root_processes)"

# Slow escapes (more than a second apart) are passed on as input instead.
drive wait:READY send:'\x1d' sleep:1.2 send:'\x1d' sleep:1.2 send:'\x1d' send:'\n' -- -q -D "$ROOTFS" /bin/sh -c '
        echo READY; read line; printf "%s" "$line" | od -An -tx1 | tr -s " " | sed "s/^/bytes:/"'
assert_eq "$(field EXIT)" 0 "exit code after slow ^] presses"
assert_contains "$OUT" "bytes: 1d 1d 1d" "slow ^] presses reach the payload"

# --console=read-only on a terminal: the output is shown, what is typed does not go in.
drive wait:READY send:'typed\n' -- -q -D "$ROOTFS" --console=read-only /bin/sh -c '
        tty; echo READY; if read -t 2 x; then echo "read:$x"; else echo no-input; fi'
assert_line "$OUT" /dev/pts/0 "tty with --console=read-only"
assert_line "$OUT" no-input "read with --console=read-only"
assert_not_contains "$OUT" "read:" "output with --console=read-only"
assert_eq "$(field TERMIOS)" same "outer terminal settings after --console=read-only"
