#!/bin/bash
# The container's getent (-u USER) is guest code, and runs as such: after the container joined its
# cgroups, under the payload's system call filter and capability bounding set (less
# CAP_SYS_PTRACE: PID 1 still has nspawn's privileges) with no_new_privs, in a session of its own
# without nspawn's terminal or fds; a getent that hangs or prints megabytes
# fails the start cleanly. The home directory is never made through a symlink.
. "$(dirname "$0")/lib.sh"
expect_differ "systemd-nspawn 252 runs getent with its full bounding set and no filter, waits for it forever, and follows symlinks to make the home"

rootfs_copy "$T/root"
[[ -L $IT_ROOT/bin ]] || skip "the busybox image has no merged /bin (tests/rootfs/busybox.sh changed)"
fake_getent() {   # fake_getent BODY: /usr/bin/getent is a script running BODY
        printf '#!/bin/sh\n%s\n' "$1" > "$IT_ROOT/usr/bin/getent"
        chmod 0755 "$IT_ROOT/usr/bin/getent"
}
answer='case $1 in
passwd) echo "testuser:x:4711:4711::/home/testuser:/bin/sh" ;;
initgroups) echo "testuser 4711" ;;
esac'

# What the getent process is: its fds (looked at with shell builtins only, before the shell opens
# anything itself), status, cgroups and session, in /getent.log.
fake_getent "fds=
for f in /proc/\$\$/fd/*; do
        [ -e \$f ] || continue   # the glob's own directory fd, closed since
        n=\${f##*/}
        if [ \$n = 0 ] || [ \$n = 2 ]; then [ \$f -ef /dev/null ] && fds=\"\$fds \$n:null\" || fds=\"\$fds \$n:OTHER\"
        elif [ \$n = 1 ]; then [ -p \$f ] && fds=\"\$fds 1:pipe\" || fds=\"\$fds 1:OTHER\"
        elif [ \$f -ef /usr/bin/getent ]; then fds=\"\$fds script\"   # busybox sh reads the script
        else fds=\"\$fds \$n:OTHER\"; fi
done
{ echo \"fds\$fds\"
  grep -E '^(Seccomp|NoNewPrivs|CapBnd|CapEff):' /proc/\$\$/status
  sed 's/^/cgroup /' /proc/\$\$/cgroup
  echo \"session \$(cut -d' ' -f6,7 /proc/\$\$/stat) pid \$\$\"
  for f in /proc/1/fd/*; do readlink \$f; done 2>&1 | grep -q socket && echo 'pid1 fds: readable' || echo 'pid1 fds: denied'
  tr '\0' ' ' < /proc/1/environ | grep -q NSPAWN_TEST_SECRET && echo 'pid1 environ: leaks' || echo 'pid1 environ: clean'
  tr '\0' ' ' < /proc/1/cmdline | grep -q -- ' -u ' && echo 'pid1 cmdline: leaks' || echo 'pid1 cmdline: clean'; } >> /getent.log
$answer"
export NSPAWN_TEST_SECRET=hidden   # in nspawn's environment, never the container's
run_sh -u testuser -- 'grep CapBnd: /proc/self/status'
unset NSPAWN_TEST_SECRET
assert_rc 0
bnd=$(cut -f2 <<< "$OUT")
log "getent.log: $(cat "$IT_ROOT/getent.log")"
log "the payload's bounding set: $bnd"
getent_bnd=$(printf '%016x' $(( 0x$bnd & ~(1 << 19) )))   # CAP_SYS_PTRACE is 19
for call in 1 2; do   # passwd, initgroups
        entry=$(awk -v c=$call '/^fds/ { n++ } n == c' "$IT_ROOT/getent.log")
        fds=$(grep '^fds' <<< "$entry" | tr ' ' '\n' | sort | tr '\n' ' ')
        assert_match "$fds" '^0:null 1:pipe 2:null fds (script )?$' "getent's fds (call $call)"
        assert_line "$entry" "Seccomp:	2" "getent's seccomp mode (call $call)"
        assert_line "$entry" "NoNewPrivs:	1" "getent's no_new_privs (call $call)"
        assert_line "$entry" "CapBnd:	$getent_bnd" "getent's bounding set: the payload's without CAP_SYS_PTRACE (call $call)"
        assert_line "$entry" "CapEff:	$getent_bnd" "getent's effective set: root's, within the bounding set (call $call)"
        # PID 1 still has nspawn's privileges and the supervisor's socket: out of getent's reach.
        assert_line "$entry" "pid1 fds: denied" "getent looking at PID 1's fds (call $call)"
        # nor nspawn's command line and its caller's environment, which PID 1's memory still holds
        assert_line "$entry" "pid1 environ: clean" "nspawn's environment in /proc/1/environ (call $call)"
        assert_line "$entry" "pid1 cmdline: clean" "nspawn's command line in /proc/1/cmdline (call $call)"
        # The session's ID is getent's own PID, tty 0: no controlling terminal.
        s=$(grep '^session' <<< "$entry")
        [[ $s =~ ^session\ ([0-9]+)\ 0\ pid\ ([0-9]+)$ && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] ||
                fail "getent is not a session leader without a terminal: $s"
        # Every hierarchy shows its cgroup-namespace root: it ran after PID 1 joined the
        # container's cgroups in all of them.
        grep -q '^cgroup ' <<< "$entry" || fail "no cgroups in getent.log"
        if grep '^cgroup ' <<< "$entry" | grep -v ':/$'; then fail "getent ran outside the container's cgroups"; fi
done
rm -f "$IT_ROOT/getent.log"

# A getent that hangs: the start fails after 10 s (IT_CMD_TIMEOUT gives nspawn 20), and nothing of
# it stays (the host check looks for processes in the test's trees).
fake_getent 'sleep 1000'
start=$SECONDS
capture OUT nspawn -q -D "$IT_ROOT" -u testuser /bin/true
assert_eq "$RC" 1 "exit status with a getent that hangs"
assert_contains "$(cat "$T/stderr")" "getent passwd testuser did not finish within 10 s"
(( SECONDS - start < 18 )) || fail "a hanging getent held nspawn for $((SECONDS - start)) s"

# A getent that hangs with a child holding its stdout, after printing the answer: that child does
# not hold nspawn up (once getent exited, its output counts).
fake_getent "( exec sleep 1000 ) &
$answer"
run_sh -u testuser -- 'id -u'
assert_rc 0
assert_eq "$OUT" 4711 "-u testuser with a getent that leaves a child behind"

# A getent that prints megabytes.
fake_getent 'yes testuser:x:4711:4711::/:/bin/sh | head -c 3000000'
capture OUT nspawn -q -D "$IT_ROOT" -u testuser /bin/true
assert_eq "$RC" 1 "exit status with a getent that prints 3 MB"
assert_contains "$(cat "$T/stderr")" "getent passwd testuser printed more than 1024 KiB"

# A getent that cannot be executed.
printf 'not a program\n' > "$IT_ROOT/usr/bin/getent"
chmod 0644 "$IT_ROOT/usr/bin/getent"
capture OUT nspawn -q -D "$IT_ROOT" -u testuser /bin/true
assert_eq "$RC" 1 "exit status with a getent that is not executable"
assert_contains "$(cat "$T/stderr")" "failed to run getent passwd testuser: Permission denied"

# The home is not made through a symlink: /home -> srv/homes, /home/testuser missing. The start
# goes on with a warning (as with a read-only tree), and nothing appears below srv/homes.
fake_getent "$answer"
rm -rf "$IT_ROOT/home"
mkdir -p "$IT_ROOT/srv/homes"
ln -s srv/homes "$IT_ROOT/home"
run_sh -u testuser -- 'echo "$HOME"; pwd'
assert_rc 0
assert_eq "$OUT" "/home/testuser
/" "HOME and working directory of -u testuser with a symlinked /home"
assert_contains "$(cat "$T/stderr")" "Failed to create home directory /home/testuser: Too many levels of symbolic links"
[[ ! -e $IT_ROOT/srv/homes/testuser ]] || fail "the home was made through the /home symlink"
# An existing home through a symlink is used as it is.
mkdir "$IT_ROOT/srv/homes/testuser"
chown 4711:4711 "$IT_ROOT/srv/homes/testuser"
capture OUT nspawn -q -D "$IT_ROOT" -u testuser /bin/sh -c 'cd && pwd'
assert_rc 0
assert_eq "$OUT" "/home/testuser" "cd to the existing home through /home -> srv/homes"
assert_not_contains "$(cat "$T/stderr")" "home directory"
