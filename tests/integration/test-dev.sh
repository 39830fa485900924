#!/bin/bash
# The minimal /dev: the usual nodes and links, a pty console, nothing of the host's devices.
. "$(dirname "$0")/lib.sh"

run_sh -- 'ls -1 /dev; echo ---; ls -1 /dev/pts; echo ---; stat -c "%n %F %t:%T" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; for l in /dev/fd /dev/stdin /dev/stdout /dev/stderr /dev/ptmx; do readlink $l; done'
assert_rc 0
devs=${OUT%%---*}
for d in null zero full random urandom tty console ptmx pts shm mqueue fd stdin stdout stderr; do
        assert_line "$devs" "$d" "ls /dev"
done
for d in sda vda mem kmem port kmsg loop0 loop-control tty1 ttyS0 kvm; do
        assert_no_line "$devs" "$d" "ls /dev"
done
if [[ -c /dev/net/tun ]]; then
        assert_line "$devs" net "ls /dev"
fi
assert_contains "$OUT" "/dev/null character special file 1:3"
assert_contains "$OUT" "/dev/zero character special file 1:5"
assert_contains "$OUT" "/dev/full character special file 1:7"
assert_contains "$OUT" "/dev/random character special file 1:8"
assert_contains "$OUT" "/dev/urandom character special file 1:9"
assert_contains "$OUT" "/dev/tty character special file 5:0"
assert_line "$OUT" "/proc/self/fd"
assert_line "$OUT" "/proc/self/fd/0"
assert_line "$OUT" "/proc/self/fd/1"
assert_line "$OUT" "/proc/self/fd/2"
assert_line "$OUT" "pts/ptmx"

# The console is a pty of the container's own devpts.
run_sh -- 'readlink /dev/console; tty'
assert_rc 0
assert_match "$OUT" $'^pts/[0-9]+\n/dev/pts/[0-9]+$' "console"

# The nodes work, and /dev/shm is writable.
run_sh -- 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && echo ok > /dev/shm/f && cat /dev/shm/f'
assert_rc 0
assert_eq "$OUT" "4
ok"

# Pipe mode: no console.
capture OUT nspawn -q -D "$ROOTFS" --pipe /bin/ls -1 /dev
assert_rc 0
assert_no_line "$OUT" console "ls /dev in pipe mode"
