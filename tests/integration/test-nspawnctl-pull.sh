#!/bin/bash
# nspawnctl pull-tar and pull-raw from HTTP servers of this test's own on 127.0.0.1: machinectl
# 252's messages and exit codes; --verify=no, checksum (SHA256SUMS good, tampered, missing) and
# signature (SHA256SUMS.gpg by a key made here, checked with gpgv against NSPAWN_IMPORT_PUBRING;
# missing, bad, by a key not in the keyring); NAME.nspawn fetched and verified; redirects followed
# to http only (never to file://); list-transfers while a pull runs; a pull that hangs midway
# ended by SIGINT, by cancel-transfer from another nspawnctl, by SIGKILL (its temporary is swept by
# clean and by the next transfer): nothing is left. On a terminal a progress bar, else none.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"
require python3 gpg gpgv xz

pool=$T/pool www=$T/www
mkdir -p "$pool" "$www/bad" "$www/nosums" "$www/raw"
export NSPAWN_IMAGE_PATH=$pool
IT_ROOTS+=("$pool")

# ---- what the servers serve ----
tar -C "$ROOTFS" -cJf "$www/bb.tar.xz" .
cp "$www/bb.tar.xz" "$www/nosums/bb.tar.xz"
cp "$www/bb.tar.xz" "$www/bad/bb.tar.xz"
printf '[Exec]\nEnvironment=PULLED=1\n' > "$www/bb.nspawn"
(cd "$www" && sha256sum bb.tar.xz bb.nspawn > SHA256SUMS)
printf '%064d *bb.tar.xz\n' 0 > "$www/bad/SHA256SUMS"
truncate -s 8M "$T/disk.raw" && mkfs.ext4 -q -F -d "$ROOTFS" "$T/disk.raw" && xz -T0 -c "$T/disk.raw" > "$www/raw/disk.raw.xz"
(cd "$www/raw" && sha256sum disk.raw.xz > SHA256SUMS)

# a signing key of this test's own, in its scratch directory
export GNUPGHOME=$T/gnupg
mkdir -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "nspawn test <test@invalid>" ed25519 sign never 2>/dev/null ||
        fail "could not make a GPG key"
gpg --batch --quiet --export > "$T/pubring.gpg"
gpg --batch --quiet --detach-sign -o "$www/SHA256SUMS.gpg" "$www/SHA256SUMS"
cp "$www/SHA256SUMS.gpg" "$www/bad/SHA256SUMS.gpg" # over other contents: a bad signature
unset GNUPGHOME
export NSPAWN_IMPORT_PUBRING=$T/pubring.gpg

# serve NAME DIR [OPTIONS...]: an HTTP server on 127.0.0.1; PORT_NAME is its port
serve() {
        local name=$1 dir=$2; shift 2
        python3 "$IT_DIR/http-server.py" "$dir" "$T/$name.port" "$@" &
        at_exit "kill $! 2>/dev/null; wait $! 2>/dev/null"
        wait_for "[[ -s $T/$name.port ]]" 10 || fail "the $name HTTP server did not start"
        printf -v "PORT_$name" '%s' "$(cat "$T/$name.port")"
}
serve main "$www" --log "$T/requests" --redirect /r/bb.tar.xz:/bb.tar.xz --redirect "/f/bb.tar.xz:file://$www/bb.tar.xz"
serve stall "$www" --stall-after 200000
serve slow "$www" --rate 1000000
url=http://127.0.0.1:$PORT_main

enq="Enqueued transfer job N. Press C-c to cancel the transfer."
check() {   # check EXPECTED-RC EXPECTED-STDERR ARGS...
        local rc=$1 msg=$2; shift 2
        capture OUT ctl "$@"
        assert_rc "$rc" "nspawnctl $*"
        assert_eq "$(sed -E 's/transfer job [0-9]+\./transfer job N./; s/Downloading [0-9.]+[KM]/Downloading SIZE/; s/Acquired [0-9.]+[KM]/Acquired SIZE/' "$T/stderr")" \
                "$msg" "nspawnctl $*: stderr"
}
no_leftovers() {
        [[ -z $(ls -A "$pool" | grep '^\.#') ]] || fail "temporaries left in the pool: $(ls -A "$pool")"
        capture OUT ctl list-transfers
        assert_eq "$OUT" "No transfers." "no transfer left"
}

# ---- --verify=no, with the settings file ----
check 0 "$enq
Pulling '$url/bb.tar.xz', saving as 'bb'.
Downloading SIZE for $url/bb.tar.xz.
Acquired SIZE.
Download of $url/bb.tar.xz complete.
Download of $url/bb.nspawn complete.
Created new local image 'bb'.
Operation completed successfully.
Exiting." pull-tar --verify=no "$url/bb.tar.xz"
diff -r --no-dereference "$ROOTFS" "$pool/bb" > /dev/null || fail "the pulled tree differs from the served one"
assert_eq "$(cat "$pool/bb.nspawn")" "$(cat "$www/bb.nspawn")" "the pulled settings file"
no_leftovers

# ---- machinectl 252's errors ----
check 1 "$enq
Image 'bb' already exists." pull-tar --verify=no "$url/bb.tar.xz"
check 1 "URL 'ftp://127.0.0.1/bb.tar.xz' is not valid." pull-tar ftp://127.0.0.1/bb.tar.xz
check 1 "URL '/srv/bb.tar.xz' is not valid." pull-tar /srv/bb.tar.xz
check 1 "Failed to parse --verify= setting: bogus" pull-tar --verify=bogus "$url/bb.tar.xz"
check 1 "Local name bad/n is not a suitable machine name." pull-tar --verify=no "$url/bb.tar.xz" bad/n
check 1 "$enq
Pulling '$url/nosuch.tar.xz', saving as 'nosuch'.
HTTP request to $url/nosuch.tar.xz failed with code 404.
Failed to retrieve image file." pull-tar --verify=no "$url/nosuch.tar.xz"
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "$T/closed"
check 1 "$enq
Pulling 'http://127.0.0.1:$(cat "$T/closed")/x.tar.xz', saving as 'x'.
Transfer failed: Couldn't connect to server
Failed to retrieve image file." pull-tar --verify=no "http://127.0.0.1:$(cat "$T/closed")/x.tar.xz"
no_leftovers

# ---- redirects: to http, never to file:// ----
check 0 "" -q pull-tar --verify=no "$url/r/bb.tar.xz" redirected
capture OUT ctl -q pull-tar --verify=no "$url/f/bb.tar.xz" viafile
assert_rc 1 "a redirect to file://"
assert_match "$(cat "$T/stderr")" "^Transfer failed: " "a redirect to file://"
[[ ! -e $pool/viafile ]] || fail "a redirect to file:// made an image"

# ---- --verify=checksum ----
check 0 "$enq
Pulling '$url/bb.tar.xz', saving as 'sum'.
Downloading SIZE for $url/bb.tar.xz.
Acquired SIZE.
Download of $url/bb.tar.xz complete.
SHA256 checksum of $url/bb.tar.xz is valid.
Download of $url/bb.nspawn complete.
SHA256 checksum of $url/bb.nspawn is valid.
Created new local image 'sum'.
Operation completed successfully.
Exiting." pull-tar --verify=checksum "$url/bb.tar.xz" sum
check 1 "DOWNLOAD INVALID: Checksum of bb.tar.xz file did not check out, file has been tampered with." \
        -q pull-tar --verify=checksum "$url/bad/bb.tar.xz" badsum
check 1 "HTTP request to $url/nosums/SHA256SUMS failed with code 404.
Failed to retrieve SHA256 checksum, cannot verify. (Try --verify=no?)" -q pull-tar --verify=checksum "$url/nosums/bb.tar.xz" nosum
[[ ! -e $pool/badsum && ! -e $pool/nosum ]] || fail "a pull that did not verify made an image"
check 0 "" -q pull-raw --verify=checksum "$url/raw/disk.raw.xz"
cmp "$T/disk.raw" "$pool/disk.raw" || fail "pull-raw: the image differs"
capture OUT nspawn -q -M disk /bin/sh -c 'echo raw-ran'
assert_eq "$OUT" "raw-ran" "nspawn -M of the pulled raw image"

# ---- --verify=signature (the default) ----
check 0 "$enq
Pulling '$url/bb.tar.xz', saving as 'sig'.
Signature verification succeeded.
Downloading SIZE for $url/bb.tar.xz.
Acquired SIZE.
Download of $url/bb.tar.xz complete.
SHA256 checksum of $url/bb.tar.xz is valid.
Download of $url/bb.nspawn complete.
SHA256 checksum of $url/bb.nspawn is valid.
Created new local image 'sig'.
Operation completed successfully.
Exiting." pull-tar "$url/bb.tar.xz" sig
check 1 "HTTP request to $url/nosums/SHA256SUMS failed with code 404.
Failed to retrieve SHA256 checksum, cannot verify. (Try --verify=no?)" -q pull-tar "$url/nosums/bb.tar.xz" nosig
cp "$www/SHA256SUMS" "$www/nosums/SHA256SUMS" # there, but not signed
check 1 "HTTP request to $url/nosums/SHA256SUMS.gpg failed with code 404.
Failed to retrieve signature file, cannot verify. (Try --verify=no?)" -q pull-tar "$url/nosums/bb.tar.xz" nosig
gets=$(grep -c "^GET /bad/bb.tar.xz " "$T/requests")
capture OUT ctl -q pull-tar "$url/bad/bb.tar.xz" badsig
assert_rc 1 "a bad signature"
assert_contains "$(cat "$T/stderr")" "gpgv: BAD signature from \"nspawn test <test@invalid>\"" "a bad signature"
assert_contains "$(cat "$T/stderr")" "DOWNLOAD INVALID: Signature verification failed." "a bad signature"
capture OUT env NSPAWN_IMPORT_PUBRING=/usr/lib/systemd/import-pubring.gpg "$NSPAWNCTL" -q pull-tar "$url/bb.tar.xz" otherkey
assert_rc 1 "a signature by a key not in the keyring"
assert_contains "$(cat "$T/stderr")" "DOWNLOAD INVALID: Signature verification failed." "a key not in the keyring"
[[ ! -e $pool/badsig && ! -e $pool/otherkey && ! -e $pool/nosig ]] || fail "a pull without a good signature made an image"
assert_eq "$(grep -c "^GET /bad/bb.tar.xz " "$T/requests")" "$gets" "downloads of an image whose signature is bad"
no_leftovers

# ---- a pull that hangs midway ----
stall=http://127.0.0.1:$PORT_stall/bb.tar.xz
pull_bg() {   # pull_bg NAME: a pull of the hanging URL in the background; PULL_PID
        "$NSPAWNCTL" --verify=no pull-tar "$stall" "$1" > /dev/null 2> "$T/pull.err" &
        PULL_PID=$!
        wait_for "ls -A '$pool' | grep -q '^\.#import\.$1'" 10 || fail "the pull of $1 did not start"
        wait_for "'$NSPAWNCTL' list-transfers --no-legend | grep -q ' $1 '" 10 || fail "the pull of $1 is not listed"
}
pull_bg int1
capture OUT ctl list-transfers
assert_match "$(head -n1 <<< "$OUT")" "^ID +PERCENT +TYPE +LOCAL +REMOTE *$" "list-transfers: header"
assert_match "$(sed -n 2p <<< "$OUT")" "^ *[0-9]+ +[0-9]+% pull-tar int1 +$stall *$" "list-transfers: the running pull"
assert_eq "$(tail -n2 <<< "$OUT")" "
1 transfers listed." "list-transfers: footer"
kill -INT "$PULL_PID"
wait "$PULL_PID"
RC=$?
assert_rc 1 "a pull interrupted by SIGINT"
assert_eq "$(tail -n1 "$T/pull.err")" "Transfer aborted." "a pull interrupted by SIGINT"
[[ ! -e $pool/int1 ]] || fail "the interrupted pull made an image"
no_leftovers

pull_bg int2
id=$("$NSPAWNCTL" list-transfers --no-legend | awk '$4 == "int2" { print $1 }')
check 0 "" cancel-transfer "$id"
kill -0 "$PULL_PID" 2>/dev/null && fail "cancel-transfer returned before the pull ended"
wait "$PULL_PID"
RC=$?
assert_rc 1 "a pull ended by cancel-transfer"
assert_eq "$(tail -n1 "$T/pull.err")" "Transfer aborted." "a pull ended by cancel-transfer"
no_leftovers

pull_bg int3
kill -KILL "$PULL_PID"
wait "$PULL_PID" 2>/dev/null
wait_for "! ls -A '$pool' | grep -q '^\.#import\.int3' || flock -n '$pool'/.#import.int3* true" 5 ||
        fail "the killed pull's temporary stays locked"
capture OUT ctl list-transfers
assert_eq "$OUT" "No transfers." "the killed pull's record is not listed"
check 0 "Removed 0 images in total. Total freed exclusive disk space: 0B." clean
no_leftovers

pull_bg int4
kill -KILL "$PULL_PID"
wait "$PULL_PID" 2>/dev/null
check 0 "" -q pull-tar --verify=no "$url/bb.tar.xz" after-kill # sweeps what the killed one left
no_leftovers
check 0 "Removed 0 images in total. Total freed exclusive disk space: 0B." clean # and the free name lock it left

# ---- the progress bar: on a terminal only ----
slow=http://127.0.0.1:$PORT_slow/bb.tar.xz
capture OUT python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r", "<CR>"))
sys.exit(os.waitstatus_to_exitcode(st))' "$NSPAWNCTL" --verify=no pull-tar "$slow" bar
assert_rc 0 "pull-tar on a terminal"
assert_match "$OUT" "<CR>bar +[0-9]+% \[=*>? *\] [0-9.]+[KM]/[0-9.]+[KM] [0-9.]+[KMB]+/s" "the progress bar"
check 0 "" -q pull-tar --verify=no "$slow" nobar
assert_not_contains "$(cat "$T/stderr")" "%" "no progress without a terminal"
no_leftovers
