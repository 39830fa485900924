#!/bin/bash
# Nothing of the host reaches the container through file descriptors or the working directory:
# fds nspawn inherited (a file, a directory, a pipe, a host namespace) are not open in the
# payload nor in the --as-pid2 stub (PID 1, whose fds the payload can open through /proc/1/fd),
# and nspawn's cwd outside the root is not the container's.
. "$(dirname "$0")/lib.sh"

echo it-host-secret > "$T/secret"
mkdir -p "$T/cwd/sub"

# with_host_fds CMD...: run CMD from $T/cwd/sub with fds 5-9 open on host objects (not CLOEXEC).
with_host_fds() {
        (
                cd "$T/cwd/sub" || exit 99
                exec 5< /proc/self/ns/net 6< /proc/self/ns/mnt 7< "$T/secret" 8< "$T" 9< <(:)
                "$@"
        )
}

# The payload: only 0 1 2 (the console) and ls's own directory fd.
capture OUT with_host_fds nspawn -q -D "$ROOTFS" /bin/ls /proc/self/fd
assert_rc 0
assert_eq "$(tr -s ' \n' ' ' <<< "$OUT" | sed 's/ $//')" "0 1 2 3" "fds of the payload"
capture OUT with_host_fds nspawn -q -D "$ROOTFS" /bin/sh -c 'for f in 0 1 2; do readlink /proc/$$/fd/$f; done'
assert_rc 0
assert_eq "$OUT" "/dev/pts/0
/dev/pts/0
/dev/pts/0" "fd targets of the payload's shell"

# No process of the container holds a namespace, file or pipe of the host.
capture OUT with_host_fds nspawn -q -D "$ROOTFS" /bin/sh -c \
        'for f in /proc/[0-9]*/fd/*; do echo -n "$f "; readlink $f 2>&1 || echo; done; cat /proc/*/fd/7 2>/dev/null; true'
assert_rc 0
assert_not_contains "$OUT" it-host-secret "fd contents inside"
assert_not_contains "$OUT" "net:[" "fds inside"
assert_not_contains "$OUT" "mnt:[" "fds inside"
assert_not_contains "$OUT" "pipe:[" "fds inside"
assert_not_contains "$OUT" "No such file" "fds inside (targets outside the root)"

# --as-pid2: the stub (PID 1) holds no host fd at any time the payload can look; the payload
# starts at once, so look right away, a few times.
for i in 1 2 3 4 5 6 7 8; do
        capture OUT with_host_fds nspawn -q -a -D "$ROOTFS" /bin/sh -c \
                'echo fds: $(ls /proc/1/fd); cat /proc/1/fd/7 2>/dev/null; for f in /proc/1/fd/*; do readlink $f 2>&1; done; true'
        assert_rc 0 "exit code with -a"
        assert_not_contains "$OUT" it-host-secret "host file read through /proc/1/fd/7 with -a (run $i)"
        fds=$(sed -n 's/^fds: *//p' <<< "$OUT")
        [[ -z $(tr -d '012 ' <<< "$fds") ]] || fail "PID 1 (the -a stub) has fds '$fds' (run $i):
$OUT"
        assert_not_contains "$OUT" "No such file" "PID 1's fd targets (outside the root) with -a (run $i)"
done

# The working directory: / for the payload and for PID 1, and .. of / is / itself.
capture OUT with_host_fds nspawn -q -D "$ROOTFS" /bin/sh -c \
        'pwd; readlink /proc/1/cwd; stat -L -c %d:%i /proc/1/cwd / /proc/self/cwd/..; cd ..; pwd -P; ls'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" / "pwd of the payload"
assert_eq "${l[1]}" / "/proc/1/cwd"
assert_eq "${l[2]}" "${l[3]}" "inode of /proc/1/cwd vs /"
assert_eq "${l[4]}" "${l[3]}" "inode of .. of the cwd vs /"
assert_eq "${l[5]}" / "pwd -P after cd .."
assert_contains "$OUT" "usr" "ls of .. from /"
assert_not_contains "$OUT" "sub" "ls of .. from /"
capture OUT with_host_fds nspawn -q -a -D "$ROOTFS" /bin/sh -c 'readlink /proc/1/cwd; readlink /proc/self/cwd'
assert_rc 0
assert_eq "$OUT" "/
/" "cwd of PID 1 and of the payload with -a"
