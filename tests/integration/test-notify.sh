#!/bin/bash
# sd_notify: nspawn tells $NOTIFY_SOCKET (a path or an abstract '@' address) X_NSPAWN_LEADER_PID,
# READY=1 right after the start (--notify-ready=no) or only once the guest's PID 1 sent READY=1
# to /run/host/notify (--notify-ready=yes), the guest's STATUS=, and STOPPING=1 at the end.
. "$(dirname "$0")/lib.sh"
require python3 gcc

# The guest's notifier: sends $1 to $NOTIFY_SOCKET, then execs the rest (keeping its PID).
cat > "$T/notify.c" <<'C'
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        strncpy(sa.sun_path, getenv("NOTIFY_SOCKET"), sizeof(sa.sun_path) - 1);
        if (sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return 1;
        close(fd);
        if (argc > 2)
                execv(argv[2], argv + 2);
        return 0;
}
C
mkdir -p "$T/m"
gcc -static -O1 -o "$T/m/notify" "$T/notify.c" || skip "cannot build a static binary"

# listen ADDRESS: collect datagrams into $T/log ("--" after each) until killed.
listen() {
        rm -f "$T/log"
        python3 - "$1" "$T/log" <<'PY' &
import socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode() + "\n--\n")
        f.flush()
PY
        LISTENER=$!
        wait_for "[[ -e $T/log.ready ]]" 10 || fail "the listener did not start"
        rm -f "$T/log.ready"
}
stop_listen() { kill "$LISTENER" 2>/dev/null; wait "$LISTENER" 2>/dev/null; rm -f "$T/sock"; }
at_exit 'stop_listen'

# Default: READY=1 right away, the leader's PID, STOPPING=1 at the end.
listen "$T/sock"
NOTIFY_SOCKET=$T/sock run_sh -- 'true'
assert_rc 0
log=$(cat "$T/log")
assert_match "$log" "X_NSPAWN_LEADER_PID=[0-9]+" "leader PID"
assert_line "$log" "READY=1"
assert_line "$log" "STOPPING=1"
assert_line "$log" "STATUS=Terminating..."
stop_listen

# --notify-ready=yes: no READY=1 until the guest's PID 1 says so; its STATUS= is forwarded.
listen "@nspawn-test-notify-$$"
rm -f "$T/m/go" "$T/m/started"
NOTIFY_SOCKET=@nspawn-test-notify-$$ nspawn_bg "$T/out" -q -D "$ROOTFS" --notify-ready=yes --bind="$T/m:/m" \
        /bin/sh -c 'touch /m/started; while [ ! -e /m/go ]; do sleep 0.1; done
                    exec /m/notify "READY=1
STATUS=guest is up" /bin/sh -c "while [ ! -e /m/stop ]; do sleep 0.1; done"'
wait_for "[[ -e $T/m/started ]]" 20 || fail "the container did not start: $(cat "$T/out")"
sleep 0.5
log=$(cat "$T/log")
assert_match "$log" "X_NSPAWN_LEADER_PID=[0-9]+" "leader PID with --notify-ready=yes"
assert_no_line "$log" "READY=1" "READY=1 before the guest sent it"
leader=$(sed -n 's/^X_NSPAWN_LEADER_PID=//p' "$T/log")
assert_eq "$(readlink /proc/"$leader"/root)" "/" "leader PID $leader is the container's PID 1"
touch "$T/m/go"
wait_for "grep -qx READY=1 $T/log" 10 || fail "READY=1 was not forwarded: $(cat "$T/log")"
assert_line "$(cat "$T/log")" "STATUS=Container running: guest is up"
touch "$T/m/stop"
wait "$BG_PID" || fail "nspawn failed: $(cat "$T/out")"
stop_listen

# Only PID 1 counts: a READY=1 from another process of the container is ignored.
listen "$T/sock"
NOTIFY_SOCKET=$T/sock run_sh --notify-ready=yes --bind="$T/m:/m" -- '/m/notify READY=1; sleep 0.5'
assert_rc 0
assert_no_line "$(cat "$T/log")" "READY=1" "READY=1 from PID 2"
stop_listen
