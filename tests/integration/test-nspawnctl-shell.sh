#!/bin/bash
# nspawnctl shell against a busybox container that was not booted (a watcher script is its PID 1):
# a command's output and exit status (passed back, unlike machinectl 252), binary-clean pipes
# without a terminal, the login shell on a pty of the container's devpts (window size, ^] three
# times), USER@ / --uid= / nobody with a command, -E, the security context inside (Cap*, Seccomp,
# NoNewPrivs and the cgroup equal PID 1's; no process in the container ever runs a host binary:
# the guest watches /proc while shells start, and the host checks every process of the session),
# a hangup when nspawnctl goes, machinectl's messages for bad input, a record whose supervisor
# has no control socket, and that the socket goes with the machine (also after SIGKILL).
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"
require python3

rootfs_copy "$T/root"; root=$IT_ROOT
# PID 1: records the executable of every process it sees while /watch exists (the guest's view)
cat > "$root/watch.sh" <<'X'
while :; do
        if [ -e /watch ]; then
                for e in /proc/[0-9]*/exe; do readlink "$e"; done >> /exes 2>/dev/null
        else
                sleep 0.05
        fi
done
X
echo 'echo "profile read"' >> "$root/etc/profile"

name=sh-$$
nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" --private-network --no-new-privileges=yes \
        --drop-capability=CAP_NET_RAW /bin/sh /watch.sh
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$name"
[[ -S /run/nspawn/control/$name/socket ]] || fail "no control socket for a running machine"

shell() { ctl shell "$@"; }
# shell_bg ARGS...: nspawnctl shell in the background, its own PID in BGC (for signals)
shell_bg() { ( exec "$NSPAWNCTL" --no-pager shell "$@" < /dev/null > /dev/null 2>&1 ) & BGC=$!; }

# ---- a command: output, stderr, exit status ----
capture out shell "$name" /bin/sh -c 'echo out; echo err >&2; exit 7'
assert_rc 7 "the command's exit status"
assert_eq "$out" "out" "stdout"
err=$(cat "$T/stderr")
assert_line "$err" "err" "the command's stderr"
assert_line "$err" "Connected to machine $name." "stderr"
assert_line "$err" "Connection to machine $name terminated." "stderr"
capture out shell -q "$name" /bin/echo quiet
assert_rc 0
assert_eq "$out" "quiet"
assert_eq "$(cat "$T/stderr")" "" "stderr with -q"
capture out shell -q "$name" /bin/sh -c 'kill -9 $$'
assert_rc 137 "killed by SIGKILL: 128 + 9"
capture out shell -q "$name" /nonexistent
assert_rc 127 "a command that does not exist"
assert_contains "$(cat "$T/stderr")" "Failed to execute /nonexistent: No such file or directory"
capture out shell -q "$name" /etc/passwd
assert_rc 126 "a command that cannot be executed"

# ---- pipes: binary-clean both ways, our EOF is the command's ----
head -c 1000000 /dev/urandom > "$T/in"
printf 'a\0b\r\n\0' >> "$T/in"
ctl_stdin() { timeout -k 5 20 "$NSPAWNCTL" --no-pager "$@"; }
ctl_stdin shell -q "$name" /bin/cat < "$T/in" > "$T/out" 2> "$T/stderr" || fail "cat through the session failed"
cmp "$T/in" "$T/out" || fail "the session's pipes are not binary-clean"
out=$(printf 'x\ny\n' | ctl_stdin shell -q "$name" /bin/sh -c 'wc -l; echo done >&2' 2> "$T/stderr")
assert_eq "$(echo $out)" "2" "stdin's EOF reached the command"
assert_eq "$(cat "$T/stderr")" "done" "stderr is its own pipe"
# no terminal: not a tty; only the session's three fds
capture out shell -q "$name" /bin/sh -c 'tty; ls /proc/self/fd | tr "\n" " "'
assert_line "$out" "not a tty"
assert_line "$out" "0 1 2 3 " "the command's fds (3: ls's own directory)"

# ---- the login shell without a command (root's: /bin/sh), from the guest's database ----
out=$(printf 'echo $0 $HOME; pwd; id -un\n' | ctl_stdin shell -q "$name" 2> "$T/stderr")
assert_eq "$out" $'profile read\n-sh /root\n/root\nroot' "root's login shell"

# ---- users ----
capture out shell -q test@"$name" /bin/sh -c 'id; echo $HOME $USER $LOGNAME $SHELL; pwd'
assert_rc 0
assert_line "$out" "uid=1000(test) gid=1000(test) groups=100(users),1000(test)" "test's credentials"
assert_line "$out" "/home/test test test /bin/sh"
assert_line "$out" "/home/test" "the working directory: the user's home"
capture out shell -q --uid=test "$name" /usr/bin/id -un
assert_eq "$out" "test" "--uid="
capture out shell -q --uid=test root@"$name" /usr/bin/id -un
assert_eq "$out" "root" "USER@ wins over --uid="
capture out shell -q --uid=1000 "$name" /usr/bin/id -un
assert_eq "$out" "test" "a numeric --uid="
# nobody's shell is /bin/false: a command is executed directly
capture out shell -q nobody@"$name" /usr/bin/id
assert_rc 0 "nobody with a command"
assert_eq "$out" "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)"
capture out shell -q nobody@"$name" /bin/sh -c pwd
assert_eq "$out" "/" "a home that does not exist: /"

# ---- the environment ----
export BAZ=qux
capture out shell -q -E FOO=bar -E BAZ -E EMPTY "$name" /bin/sh -c 'echo "$FOO-$BAZ-${EMPTY-unset}"'
assert_eq "$out" "bar-qux-" "-E NAME=VALUE, -E NAME (ours), -E NAME (unset: empty)"
capture out env TERM=vt100 "$NSPAWNCTL" --no-pager shell -q "$name" /usr/bin/env
assert_line "$out" "TERM=vt100" "our TERM"
assert_line "$out" "container=systemd-nspawn"
assert_line "$out" "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
assert_match "$out" $'(^|\n)container_uuid=[0-9a-f-]{36}(\n|$)'
assert_line "$out" "HOME=/root"
assert_no_line "$out" "BAZ=qux" "our environment (only TERM passes)"
assert_not_contains "$out" "NOTIFY_SOCKET" "the environment"
capture out env TERM=vt100 "$NSPAWNCTL" --no-pager shell -q -E TERM=dumb "$name" /bin/sh -c 'echo $TERM'
assert_eq "$out" "dumb" "-E TERM= wins"
capture out ctl shell -E '1X=y' "$name" /bin/true
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Cannot assign environment variable 1X=y: Invalid argument"

# ---- the security context: the payload's (PID 1's) ----
ctx='grep -E "^(Cap|Seccomp|NoNewPrivs)" /proc/$1/status; cat /proc/$1/cgroup'
capture mine shell -q "$name" /bin/sh -c "$ctx" sh self
capture pid1 shell -q "$name" /bin/sh -c "$ctx" sh 1
assert_eq "$mine" "$pid1" "Cap*, Seccomp, NoNewPrivs and cgroups of the shell and of PID 1"
assert_contains "$mine" $'NoNewPrivs:\t1'
assert_contains "$mine" $'Seccomp:\t2'
assert_line "$mine" "0::/" "the cgroup namespace's root"
[[ $(awk '/^CapBnd/ { print $2 }' <<< "$mine") != "$(host_capbnd)" ]] || fail "the bounding set is the host's"
capture user shell -q test@"$name" /bin/sh -c "$ctx" sh self
assert_eq "$(grep CapBnd <<< "$user")" "$(grep CapBnd <<< "$pid1")" "test's bounding set"
assert_line "$user" $'CapEff:\t0000000000000000' "test's effective set"

# from the host: the session's processes. nspawn-enter (outside the PID namespace) runs from its
# sealed memfd in the container's cgroup; every process in the PID namespace runs a guest file.
shell_bg -q "$name" /bin/sleep 4242
sleeper=$BGC
wait_for "pgrep -f '^/bin/sleep 4242' >/dev/null" 10 || fail "the session did not start"
stubs=0
for p in $(pgrep -f '^nspawn-enter'); do
        exe=$(readlink "/proc/$p/exe")
        assert_eq "$exe" "/memfd:nspawn-enter (deleted)" "the enter program's executable"
        assert_eq "$(cat /proc/$p/cgroup)" "$(cat /proc/$LEADER/cgroup)" "the enter program's cgroups (PID 1's)"
        stubs=$((stubs + 1))
done
assert_eq "$stubs" 1 "nspawn-enter processes"
pidns=$(readlink "/proc/$LEADER/ns/pid")
for p in $(pgrep -f .); do
        [[ $(readlink "/proc/$p/ns/pid" 2>/dev/null) == "$pidns" ]] || continue
        exe=$(readlink "/proc/$p/exe") || continue
        # the guest's file (its path is the container's), not nspawn's nor nspawnctl's
        id=$(stat -L -c %d:%i "/proc/$p/exe") || continue
        [[ $id == "$(stat -L -c %d:%i "$root$exe" 2>/dev/null)" ]] || fail "process $p in the container runs $exe ($id)"
        [[ $id != "$(stat -c %d:%i "${NSPAWN_CMD[0]}")" && $id != "$(stat -c %d:%i "$NSPAWNCTL")" ]] ||
                fail "process $p in the container runs a host binary"
done
kill -TERM "$sleeper"
wait "$sleeper"
# nspawnctl went: the session hung up (its sleep is gone)
wait_for "! pgrep -f '^/bin/sleep 4242' >/dev/null" 10 || fail "the session outlived nspawnctl"

# the guest watches /proc while 20 shells start: no executable outside the guest, ever (but the
# sealed memfd of nspawn-enter, which a new session's process runs until it executes the guest's)
touch "$root/watch"
for i in $(seq 20); do shell -q "$name" /bin/true < /dev/null || fail "shell $i failed"; done
rm "$root/watch"
sleep 0.2
exes=$(sort -u "$root/exes")
log "executables the guest saw: $(echo $exes)"
while read -r e; do
        [[ -z $e || $e == /usr/bin/busybox || $e == "/memfd:nspawn-enter (deleted)" ]] ||
                fail "the guest saw a process running $e"
done <<< "$exes"

# a hangup without a terminal: SIGHUP to the command's process group
# (its stdio leads nowhere then: a write to it would be an EPIPE)
shell_bg -q "$name" /bin/sh -c 'trap "echo hup > /hup; exit 0" HUP; exec 2>/dev/null; while :; do sleep 0.1; done'
c=$BGC
wait_for "pgrep -f '^/bin/sh -c trap' >/dev/null" 10 || fail "the session did not start"
kill -TERM "$c"
wait "$c"
assert_eq "$?" "$((128 + 15))" "nspawnctl's exit status after SIGTERM"
wait_for "[[ -e $root/hup ]]" 10 || fail "the command did not get SIGHUP"

# ---- a pty when stdin and stdout are terminals ----
ctl_pty "wait:profile read" "send:tty; echo \$0; stty size; exit 5\r" "wait:terminated." -- shell "$name"
assert_rc 5 "the login shell's exit status on a pty"
assert_contains "$OUT" "Connected to machine $name. Press ^] three times within 1s to exit session."
assert_match "$OUT" $'\n/dev/pts/[0-9]+\n' "tty"
assert_line "$OUT" "-sh"
assert_line "$OUT" "30 100" "the window size"
ctl_pty "wait:Press ^]" "sleep:0.3" "send:\x1d\x1d\x1d" -- shell "$name" /bin/sleep 4243
assert_rc 0 "^] three times"
assert_contains "$OUT" "Connection to machine $name terminated."
wait_for "! pgrep -f '^/bin/sleep 4243' >/dev/null" 10 || fail "the session outlived ^]^]^]"
capture out script -qec "$NSPAWNCTL shell -q test@$name /bin/sh -c 'ls -l \$(tty)'" /dev/null
assert_match "$out" "crw--w---- +1 test +tty " "the user owns the pty"

# ---- bad input: machinectl's messages, exit 1, nothing changed ----
capture out ctl shell nosuch /bin/true
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Failed to get shell PTY: No machine 'nosuch' known"
capture out ctl shell "$name" bin/true
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Failed to get shell PTY: Specified path 'bin/true' is not absolute"
capture out ctl shell bogus@"$name" /bin/true
assert_rc 1
assert_eq "$(cat "$T/stderr")" \
        "Failed to get shell PTY: Failed to resolve user 'bogus' in the container: no such user"
# sessions that end as their client goes, back to back with others: the supervisor's loop meets
# events of sessions that ended in the same batch (it once dispatched a freed one)
for i in $(seq 30); do
        ctl shell bogus@"$name" /bin/true > /dev/null 2>&1
        ctl shell -q "$name" /bin/true > /dev/null 2>&1 || fail "a session after a failed one ($i) failed"
done
kill -0 "$BG_PID" || fail "nspawn died"
capture out ctl shell @"$name" /bin/true
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Failed to parse machine specification: Invalid argument"
capture out ctl login --uid=test "$name"
assert_rc 1
assert_eq "$(cat "$T/stderr")" "--setenv= and --uid= are not supported for 'login'. Use 'shell' instead."
capture out ctl shell
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Failed to get shell PTY: Sessions on the local host (.host) are not supported yet."
capture out ctl login nosuch
assert_eq "$(cat "$T/stderr")" "Failed to get login PTY: No machine 'nosuch' known"

# ---- a supervisor without the socket, a socket that is not the supervisor's ----
sock=/run/nspawn/control/$name/socket
mv "$sock" "$sock.real"
capture out ctl shell "$name" /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "Failed to get shell PTY: Machine '$name' has no control socket"
python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1]); s.listen(1)
os.write(1, b"up\n")
time.sleep(30)' "$sock" > "$T/fake.out" &
fake=$!
at_exit "kill $fake 2>/dev/null"
wait_for "[[ -s $T/fake.out ]]" 10
capture out ctl shell "$name" /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "is not served by machine '$name''s supervisor"
kill "$fake"
wait "$fake" 2>/dev/null
rm -f "$sock"
mv "$sock.real" "$sock"
capture out shell -q "$name" /bin/echo back
assert_eq "$out" "back" "the real socket again"

# ---- the machine ends: its sessions end (128 + SIGKILL), the socket goes ----
shell_bg -q "$name" /bin/sleep 4244
c=$BGC
wait_for "pgrep -f '^/bin/sleep 4244' >/dev/null" 10 || fail "the session did not start"
kill -TERM "$BG_PID" # the payload has no handler: nspawn kills the container
bg_wait 20
wait "$c"
assert_eq "$?" 137 "a session when its machine ends"
[[ ! -e /run/nspawn/control/$name ]] || wait_for "[[ ! -e /run/nspawn/control/$name ]]" 5 ||
        fail "the control socket outlived the machine"

# ---- SIGKILL of nspawn: the guard removes the socket ----
nspawn_bg "$T/nspawn2.out" -q -M "$name-k" -D "$root" /bin/sleep 1000
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$name-k"
capture out shell -q "$name-k" /bin/echo up
assert_eq "$out" "up"
shell_bg -q "$name-k" /bin/sleep 4245
c=$BGC
wait_for "pgrep -f '^/bin/sleep 4245' >/dev/null" 10 || fail "the session did not start"
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ ! -e /run/nspawn/control/$name-k ]]" 10 || fail "the control socket outlived a SIGKILLed nspawn"
wait "$c"
assert_eq "$?" 1 "a session whose supervisor was killed"
wait_for "! pgrep -f '^/bin/sleep 4245' >/dev/null" 10 || fail "the session outlived the machine"
ctl_wait_gone "$name-k"
