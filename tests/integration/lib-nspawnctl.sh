# shellcheck shell=bash
# Helpers for the nspawnctl tests (test-nspawnctl-*.sh), sourced after lib.sh:
#   ctl ARGS...              run nspawnctl (NSPAWNCTL, default $BUILD/nspawnctl) with a time limit
#   ctl_wait_leader NAME     wait until NAME has a running leader; LEADER = its PID
#   ctl_wait_gone NAME SECS  wait until NAME is no longer listed
#   bg_wait SECS             wait for the backgrounded nspawn (BG_PID); BG_RC = its exit code,
#                            124 if it did not end in time (then it is killed)
#   ctl_pty STEP... -- ARGS... run nspawnctl ARGS on a fresh pty (its controlling terminal, 30x100)
#                            and play the steps: wait:TEXT (until the output since the last wait
#                            holds TEXT), send:TEXT (\r, \x1d escapes), sleep:SECONDS. OUT = the
#                            output (\r removed), RC = nspawnctl's exit code (124: a step or the
#                            end did not come within PTY_TIMEOUT seconds, default 20)

NSPAWNCTL=${NSPAWNCTL:-$BUILD/nspawnctl}
export NSPAWNCTL
[[ -x $NSPAWNCTL ]] || fail "NSPAWNCTL=$NSPAWNCTL not found (build it first)"

ctl() { timeout -k 5 "${IT_CMD_TIMEOUT:-20}" "$NSPAWNCTL" --no-pager "$@" < /dev/null; }

ctl_leader() { ctl show -p Leader --value "$1" 2>/dev/null; }

ctl_wait_leader() {
        local n=$(( ${2:-20} * 10 ))
        while (( n-- > 0 )); do
                LEADER=$(ctl_leader "$1")
                [[ -n $LEADER && $LEADER != 0 && $(ctl show -p State --value "$1" 2>/dev/null) == running ]] && return 0
                sleep 0.1
        done
        fail "machine $1 did not get a running leader"
}

ctl_wait_gone() {
        wait_for "! ctl list --no-legend | grep -q '^$1 '" "${2:-10}" || fail "machine $1 is still listed"
}

bg_wait() {
        local n=$(( $1 * 10 ))
        while (( n-- > 0 )); do
                if ! kill -0 "$BG_PID" 2>/dev/null; then
                        wait "$BG_PID"
                        BG_RC=$?
                        return 0
                fi
                sleep 0.1
        done
        kill -KILL "$BG_PID" 2>/dev/null
        wait "$BG_PID" 2>/dev/null
        BG_RC=124
}

ctl_pty() {
        local out
        out=$(python3 -c "$CTL_PTY_PY" "$@" | tr -d '\r'; exit "${PIPESTATUS[0]}")
        RC=$?
        OUT=$out
        [[ $RC == 124 ]] && sed 's/^/# pty: /' <<< "$OUT" >&2
        return 0
}

CTL_PTY_PY='
import fcntl, os, pty, select, struct, sys, termios, time
i = sys.argv.index("--")
steps, argv = sys.argv[1:i], [os.environ["NSPAWNCTL"], "--no-pager"] + sys.argv[i + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
deadline = time.monotonic() + float(os.environ.get("PTY_TIMEOUT", "20"))
out, seen, status = b"", 0, None
def pump(wait):
    global out, status
    r, _, _ = select.select([fd], [], [], wait)
    if r:
        try:
            out += os.read(fd, 65536)
        except OSError:
            pass
    if status is None:
        p, st = os.waitpid(pid, os.WNOHANG)
        if p:
            status = st
def give_up():
    sys.stdout.write(out.decode(errors="replace"))
    if status is None:
        os.kill(pid, 9)
    sys.exit(124)
for step in steps:
    what, _, arg = step.partition(":")
    if what == "wait":
        while arg.encode() not in out[seen:]:
            if status is not None or time.monotonic() > deadline:
                give_up()
            pump(0.05)
        seen = out.index(arg.encode(), seen) + len(arg)
    elif what == "send":
        os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
    elif what == "sleep":
        end = time.monotonic() + float(arg)
        while time.monotonic() < end:
            pump(0.05)
while status is None:
    if time.monotonic() > deadline:
        give_up()
    pump(0.05)
for _ in range(5):
    pump(0.02)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
'
