#!/bin/bash
# --set-credential / --load-credential: /run/host/credentials (ramfs, dir 0500, files 0400,
# read-only), $CREDENTIALS_DIRECTORY, files and AF_UNIX stream sockets as sources.
. "$(dirname "$0")/lib.sh"

run_sh -- 'echo "dir=${CREDENTIALS_DIRECTORY-unset}"; ls /run/host/credentials 2>&1 || true'
assert_rc 0
assert_contains "$OUT" "dir=unset" "no credentials: no \$CREDENTIALS_DIRECTORY"
assert_contains "$OUT" "No such file" "no credentials: no directory"

printf 'from a file' > "$T/file"
run_sh --set-credential='lit:one\ntwo\x21' --load-credential=file:"$T/file" -- '
        echo "dir=$CREDENTIALS_DIRECTORY"
        cd /run/host/credentials && stat -c "%n %a %U" . lit file
        cat lit; echo; cat file; echo
        awk '\''$5 == "/run/host/credentials" { print "MOUNT " $6 " " $9 }'\'' /proc/self/mountinfo
        touch new 2>/dev/null && echo WRITABLE; true'
assert_rc 0
assert_line "$OUT" "dir=/run/host/credentials"
assert_line "$OUT" ". 500 root" "directory mode"
assert_line "$OUT" "lit 400 root" "file mode"
assert_line "$OUT" "file 400 root"
assert_contains "$OUT" "one
two!" "C escapes decoded"
assert_line "$OUT" "from a file"
assert_match "$OUT" "MOUNT ro,[^ ]* ramfs" "a read-only ramfs"
assert_not_contains "$OUT" WRITABLE

# From an AF_UNIX stream socket.
if command -v python3 >/dev/null; then
        python3 - "$T/sock" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.sendall(b"from a socket"); c.close()
PY
        server=$!
        wait_for "[[ -S $T/sock ]]" 5 || fail "the socket server did not start"
        run_sh --load-credential=sock:"$T/sock" -- 'cat /run/host/credentials/sock'
        assert_rc 0
        assert_eq "$OUT" "from a socket" "credential from a socket"
        wait $server
fi

# Refused: bad names, duplicates, missing files, bad escapes.
for bad in --set-credential=a/b:x --set-credential=..:x --set-credential=x '--set-credential=a:\q' \
           --load-credential=m:/nonexistent/file; do
        run_sh "$bad" -- true
        assert_rc 1 "$bad"
done
run_sh --set-credential=d:1 --load-credential=d:"$T/file" -- true
assert_rc 1 "duplicate credential"
