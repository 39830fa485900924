# shellcheck shell=bash
# Helpers for the boot tests (test-boot-*.sh), sourced after lib.sh:
#   boot_image VARIANT        the Debian test image (tests/rootfs/debian.sh), built once per run
#   boot_root_copy SRC DIR    a private copy of an image for one test (the guest writes to it)
#   boot_console SECS LOG STEPS -- ARGS...   drive nspawn's interactive console through a pty
#   boot_check_host [WHAT]    the guest did not act on the host (root rw, links, clock)
#   boot_nested SECS NAME TEST WHAT   boot ROOT (as machine NAME) whose own test, a service of the
#                             guest, writes KEY=VALUE lines ending in DONE=yes to /TEST.result
#                             (its trace to /TEST.log) and powers off: result = those lines;
#                             fails with the boot log and the trace if it did not finish
#   expect KEY ERE WHAT       KEY's last value in result matches ERE, else fail with the trace
# Environment: DEBIAN_IMAGES  where the Debian images are cached (default: $BUILD/tests); the
#   runner builds them before the tests (tests/run-integration.sh), a test alone builds them
#   itself under a lock (slow: a few minutes the first time).

# ---- the host, as far as a guest with CAP_SYS_ADMIN could change it ----

# The root file system's rw/ro flag, every link with its flags and MTU, every address, and the
# offset of the real-time clock from the boot-time clock in whole seconds.
boot_host_state() {
        echo "root $(findmnt -no OPTIONS / | tr , '\n' | grep -xE 'rw|ro')"
        ip -o link show | sed -E 's/^[0-9]+: //; s/\\.*//; s/ qdisc .*(state [A-Z]+).*/ \1/'
        ip -o addr show | awk '{ print "addr", $2, $3, $4 }'
}
boot_clock_offset() { awk -v now="$(date +%s.%N)" '{ printf "%.0f\n", now - $1 }' /proc/uptime; }

BOOT_HOST_BEFORE=$(boot_host_state)
BOOT_CLOCK_BEFORE=$(boot_clock_offset)

boot_check_host() {
        local now off
        now=$(boot_host_state)
        [[ $now == "$BOOT_HOST_BEFORE" ]] || fail "${1:-the guest} changed the host:
$(diff <(echo "$BOOT_HOST_BEFORE") <(echo "$now") | grep '^[<>]')"
        off=$(boot_clock_offset)
        (( off - BOOT_CLOCK_BEFORE < 2 && BOOT_CLOCK_BEFORE - off < 2 )) ||
                fail "${1:-the guest} changed the host's clock (offset $BOOT_CLOCK_BEFORE s -> $off s)"
}

# ---- images ----

# boot_image VARIANT: path of the cached Debian image; builds it when missing or stale.
boot_image() {
        local dir=${DEBIAN_IMAGES:-$BUILD/tests} img
        img=$dir/rootfs-debian-$1
        command -v debootstrap >/dev/null || skip "debootstrap is not installed (needed for the Debian $1 image)"
        mkdir -p "$dir"
        if ! "$IT_DIR/../rootfs/debian.sh" "$1" "$img" > "$T/image-$1.log" 2>&1; then
                sed 's/^/# debian.sh: /' "$T/image-$1.log" >&2
                fail "could not build the Debian $1 image"
        fi
        echo "$img"
}

# boot_root_copy SRC DIR: the test boots a copy (the guest writes its journal, machine state…).
# Not in $(...): the copy is registered in this shell for the host check.
boot_root_copy() {
        mkdir -p "$(dirname "$2")"
        cp -a --reflink=auto "$1" "$2" || fail "could not copy $1"
        IT_ROOTS+=("$2")
}

# ---- the console ----

# boot_console SECS LOG STEPFILE -- NSPAWN-ARGS...: run nspawn on a fresh pty (interactive
# console) and play STEPFILE against it, one step a line:
#   expect ERE      wait for ERE (Python syntax) in the output since the last match
#   send TEXT       type TEXT and Enter        sendraw TEXT   type TEXT (\xNN escapes allowed)
#   signal NAME     send signal NAME (TERM, INT…) to nspawn
# Then wait for nspawn to end. RC = nspawn's exit code; 124 when a step or the end did not come
# within SECS seconds (nspawn then gets SIGTERM, later SIGKILL). LOG gets the whole transcript.
boot_console() {
        local secs=$1 log=$2 steps=$3
        shift 4
        python3 -c "$BOOT_CONSOLE_PY" "$secs" "$log" "$steps" "${NSPAWN_CMD[@]}" "$@" < /dev/null
        # shellcheck disable=SC2034 # read by lib.sh's assert_rc
        RC=$?
        if [[ $RC == 124 ]]; then
                tr -d '\r' < "$log" | tail -n 40 | sed 's/^/# console: /' >&2
        fi
        return 0
}

BOOT_CONSOLE_PY='
import os, pty, re, select, signal, struct, sys, time, fcntl, termios
secs, log, steps, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
deadline = time.monotonic() + secs
out = open(log, "wb")
buf = b""
eof = False

def pump(wait):
    global buf, eof
    r, _, _ = select.select([fd], [], [], wait)
    if not r:
        return
    try:
        data = os.read(fd, 65536)
    except OSError:
        data = b""
    if not data:
        eof = True
        return
    out.write(data); out.flush()
    buf += data

def give_up(why):
    sys.stderr.write("boot_console: %s\n" % why)
    os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        if os.waitpid(pid, os.WNOHANG)[0]:
            sys.exit(124)
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    sys.exit(124)

for line in open(steps).read().splitlines():
    if not line.strip() or line.startswith("#"):
        continue
    kind, _, arg = line.partition(" ")
    if kind == "expect":
        rx = re.compile(arg.encode())
        while True:
            m = rx.search(buf)
            if m:
                buf = buf[m.end():]
                break
            if eof:
                give_up("console ended while waiting for /%s/" % arg)
            if time.monotonic() > deadline:
                give_up("timed out waiting for /%s/" % arg)
            pump(0.2)
    elif kind == "signal":
        os.kill(pid, getattr(signal, "SIG" + arg))
    elif kind in ("send", "sendraw"):
        data = arg.encode().decode("unicode_escape").encode("latin-1")
        os.write(fd, data + (b"\r" if kind == "send" else b""))
    else:
        give_up("unknown step %r" % line)

while not eof and time.monotonic() < deadline:
    pump(0.2)
if not eof:
    give_up("nspawn did not end")
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
'

# ---- a test that runs inside a booted guest ----

boot_nested() {
        local secs=$1 name=$2 test=$3 what=$4 rc
        BOOT_NESTED_LOG=$root/$test.log
        IT_CMD_TIMEOUT=$secs nspawn -q -M "$name" -D "$root" -b --console=passive > "$T/boot.log" 2>&1
        rc=$?
        boot_check_host "$what"
        result=$(cat "$root/$test.result" 2>/dev/null)
        sed 's/^/# result: /' <<< "$result" >&2
        if [[ $rc != 0 || $result != *DONE=yes* ]]; then
                tail -n 40 "$T/boot.log" | sed 's/^/# boot: /' >&2
                [[ -f $BOOT_NESTED_LOG ]] && sed 's/^/# guest: /' "$BOOT_NESTED_LOG" >&2
        fi
        [[ $rc == 0 ]] || fail "$what's poweroff: exit $rc"
        [[ $result == *DONE=yes* ]] || fail "the nested test did not finish"
}

expect() {
        local v
        v=$(sed -n "s/^$1=//p" <<< "$result" | tail -n 1)
        [[ $v =~ ^$2$ ]] || { sed 's/^/# guest: /' "$BOOT_NESTED_LOG" >&2; fail "$3: $1='$v', expected /$2/"; }
}
