#!/bin/bash
# nspawnctl import-tar, import-raw, import-fs, export-tar and export-raw on a pool of this test's
# own (NSPAWN_IMAGE_PATH): machinectl 252's messages and exit codes; the image is the tarball's
# tree with owners, modes, hard links, extended attributes, ACLs, file capabilities, FIFOs and
# sparse files; compression by content on import and by name or --format= on export (xz, gzip,
# bzip2, zstd); stdin and stdout as "-"; --force, --read-only; a tarball with its OS tree in one
# top directory is moved up; raw images (a GPT disk with several partitions, squashfs and erofs:
# read-only) run with nspawn -M; failures and unknown images leave nothing behind.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"
. "$IT_DIR/lib-image.sh"
require python3 file setfacl getfacl setcap getcap getfattr setfattr xz zstd bzip2 mksquashfs mkfs.erofs

pool=$T/pool
mkdir -p "$pool"
export NSPAWN_IMAGE_PATH=$pool
IT_ROOTS+=("$pool")
at_exit "chattr -i '$pool'/* 2>/dev/null"
n=imp$$
nl=$'\n'

check() {   # check EXPECTED-RC EXPECTED-STDERR ARGS...
        local rc=$1 msg=$2; shift 2
        capture OUT ctl "$@"
        assert_rc "$rc" "nspawnctl $*"
        assert_eq "$(sed 's/transfer job [0-9]*\./transfer job N./' "$T/stderr")" "$msg" "nspawnctl $*: stderr"
}
enq="Enqueued transfer job N. Press C-c to cancel the transfer."
# the tree's metadata, comparable: path, type+mode, owner, links, mtime (seconds), size, link target
meta() { (cd "$1" && find . -printf '%p %M %U:%G %n %TY%Tm%Td%TH%TM%.2TS %s %l\n' | sort); }
sums() { (cd "$1" && find . -type f -exec sha256sum {} + | sort); }
no_leftovers() {
        local l
        l=$(ls -A "$pool" | grep '^\.#' || true)
        [[ -z $l ]] || fail "temporaries left in the pool: $l"
}

# ---- a tree with everything a tarball can carry ----
src=$T/src
cp -a "$ROOTFS" "$src"
mkdir -p "$src/srv"
echo data > "$src/srv/a" && ln "$src/srv/a" "$src/srv/b"
cp /bin/true "$src/srv/ping" && setcap cap_net_raw+ep "$src/srv/ping"
setfattr -n user.it -v value "$src/srv/a"
setfacl -m u:1234:rw "$src/srv/a"
mkfifo "$src/srv/fifo"
touch "$src/srv/suid" && chown 1000:1001 "$src/srv/suid" && chmod 4755 "$src/srv/suid"
ln -s /etc/os-release "$src/srv/abs"
truncate -s 64M "$src/srv/sparse"
mknod "$src/srv/null" c 1 3
tar --xattrs --xattrs-include='*' --acls --numeric-owner -C "$src" -cf "$T/img.tar" .
xz -T0 -k "$T/img.tar"
gzip -k "$T/img.tar"
zstd -q "$T/img.tar" -o "$T/img.tar.zst"

check 0 "$enq
Importing '$T/img.tar.xz', saving as 'img'.
Operation completed successfully.
Exiting." import-tar "$T/img.tar.xz"
assert_eq "$(meta "$pool/img")" "$(meta "$src")" "the imported tree's metadata"
assert_eq "$(sums "$pool/img")" "$(sums "$src")" "the imported files' contents"
assert_eq "$(getcap "$pool/img/srv/ping")" "$pool/img/srv/ping cap_net_raw=ep" "file capability"
assert_eq "$(getfattr --absolute-names --only-values -n user.it "$pool/img/srv/a")" "value" "extended attribute"
assert_contains "$(getfacl -c "$pool/img/srv/a" 2>/dev/null)" "user:1234:rw-" "ACL"
assert_eq "$(stat -c '%h %a %u:%g' "$pool/img/srv/b" "$pool/img/srv/suid")" "2 $(stat -c %a "$src/srv/b") 0:0
1 4755 1000:1001" "hard link, setuid file"
(( $(stat -c %b "$pool/img/srv/sparse") < 1024 )) || fail "the sparse file was written out"
capture OUT ctl list-images --no-legend
assert_match "$OUT" "^img +directory no " "list-images"
no_leftovers

# ---- errors as machinectl 252 ----
check 1 "$enq
Image 'img' already exists." import-tar "$T/img.tar.xz"
check 1 "Failed to open $T/nonexist.tar: No such file or directory" import-tar "$T/nonexist.tar"
check 1 "Local name bad/n is not a suitable machine name." import-tar "$T/img.tar" bad/n
check 1 "Need either path or local name." import-tar -
check 1 "Failed to open directory '$T/nonexist': No such file or directory" import-fs "$T/nonexist"
check 1 "Machine image nosuch not found." export-tar nosuch "$T/x.tar"
[[ ! -e $T/x.tar ]] || fail "export-tar of an unknown image made the file"
check 1 "Machine name bad/n is not valid." export-tar bad/n "$T/x.tar"
check 1 "Unknown format: bogus" export-tar --format=bogus img "$T/x.tar"
check 0 "" list-transfers
assert_eq "$OUT" "No transfers." "list-transfers when idle"
check 1 "Could not cancel transfer: No transfer by id 999999" cancel-transfer 999999
check 1 "Failed to parse transfer id: abc" cancel-transfer abc
echo garbage > "$T/garbage.tar"
capture OUT ctl import-tar "$T/garbage.tar" garb
assert_rc 1 "import-tar of garbage"
assert_contains "$(cat "$T/stderr")" "This does not look like a tar archive" "import-tar of garbage"
: > "$T/empty.tar"
capture OUT ctl import-tar "$T/empty.tar" empt
assert_rc 1 "import-tar of an empty file"
[[ ! -e $pool/garb && ! -e $pool/empt ]] || fail "a failed import left an image"
no_leftovers

# ---- --force, --read-only, stdin, other compressions, -q ----
check 0 "" -q import-tar --force "$T/img.tar.gz" img
check 0 "" -q import-tar --read-only "$T/img.tar.zst" ro
assert_match "$(lsattr -d "$pool/ro")" "^-*i" "--read-only: immutable top"
capture OUT ctl list-images --no-legend
assert_match "$OUT" "(^|$nl)ro +directory yes " "list-images: RO"
IT_STDIN=$T/img.tar
capture OUT timeout 20 "$NSPAWNCTL" import-tar - stdin < "$T/img.tar"
assert_rc 0 "import-tar - NAME"
assert_contains "$(cat "$T/stderr")" "Importing '$T/img.tar', saving as 'stdin'." "import-tar from stdin"
unset IT_STDIN
check 0 "" -q remove ro stdin
no_leftovers

# ---- the OS tree in a single top directory is moved up ----
mkdir -p "$T/wrap"
cp -a "$ROOTFS" "$T/wrap/stage3-amd64"
tar -C "$T/wrap" -cJf "$T/stage3-amd64.tar.xz" stage3-amd64
check 0 "$enq
Importing '$T/stage3-amd64.tar.xz', saving as 'stage3-amd64'.
Found OS tree in directory 'stage3-amd64', moved it up.
Operation completed successfully.
Exiting." import-tar "$T/stage3-amd64.tar.xz"
[[ -f $pool/stage3-amd64/etc/os-release && ! -e $pool/stage3-amd64/stage3-amd64 ]] ||
        fail "the OS tree was not moved up"
capture OUT nspawn -q -M stage3-amd64 /bin/sh -c 'echo ran'
assert_eq "$OUT" "ran" "nspawn -M of the imported image"

# ---- export-tar: compression by name and --format=, stdout, round trip ----
for c in tar:uncompressed tar.xz:xz tar.gz:gzip tar.bz2:bzip2 tar.zst:zstd; do
        ext=${c%%:*} name=${c#*:}
        check 0 "$enq
Exporting '$pool/img', saving to '$T/out.$ext' with compression '$name'.
Operation completed successfully.
Exiting." export-tar img "$T/out.$ext"
        capture OUT tar -tf "$T/out.$ext"
        assert_eq "$(head -n1 <<< "$OUT")" "./" "export-tar .$ext: the top first"
        assert_eq "$(grep -cv '^\./' <<< "$OUT")" 0 "export-tar .$ext: ./-prefixed members"
        assert_line "$OUT" "./srv/ping" "export-tar .$ext: a member"
done
file -b "$T/out.tar.xz" | grep -q '^XZ' || fail "out.tar.xz is not xz"
file -b "$T/out.tar.zst" | grep -q '^Zstandard' || fail "out.tar.zst is not zstd"
capture OUT bash -c "'$NSPAWNCTL' -q export-tar --format=gzip img - | gzip -dc | tar -t | wc -l"
assert_eq "$OUT" "$(tar -tf "$T/out.tar" | wc -l)" "export-tar to stdout with --format=gzip"
echo old > "$T/out.tar" # replaced as machinectl's O_TRUNC would
check 0 "" -q export-tar img "$T/out.tar"
check 0 "" -q import-tar "$T/out.tar.zst" back
assert_eq "$(meta "$pool/back")" "$(meta "$pool/img")" "export-tar + import-tar round trip"
assert_eq "$(getcap "$pool/back/srv/ping")" "$pool/back/srv/ping cap_net_raw=ep" "round trip: file capability"
assert_contains "$(getfacl -c "$pool/back/srv/a" 2>/dev/null)" "user:1234:rw-" "round trip: ACL"
[[ -z $(ls -A "$T" | grep '^\.#') ]] || fail "export left a temporary next to the file"
capture OUT ctl export-raw img "$T/x.raw"
assert_rc 1 "export-raw of a directory"

# ---- import-fs ----
check 0 "$enq
Importing '$src', saving as 'src'.
Directory '$pool/src successfully installed. Exiting." import-fs "$src"
assert_eq "$(meta "$pool/src")" "$(meta "$src")" "import-fs: metadata"
check 1 "$enq
Image 'src' already exists." import-fs "$src"
check 0 "" -q import-fs --force --read-only "$src" src
assert_match "$(lsattr -d "$pool/src")" "^-*i" "import-fs --read-only"

# ---- raw images ----
fs_make ext4 "$ROOTFS" "$T/plain.raw"
xz -T0 -k "$T/plain.raw"
check 0 "$enq
Importing '$T/plain.raw.xz', saving as 'plain'.
Operation completed successfully.
Exiting." import-raw "$T/plain.raw.xz"
cmp "$T/plain.raw" "$pool/plain.raw" || fail "import-raw: the image differs"
(( $(stat -c %b "$pool/plain.raw") * 512 < $(stat -c %s "$pool/plain.raw") )) || fail "import-raw: no holes"
capture OUT ctl list-images --no-legend
assert_match "$OUT" "(^|$nl)plain +raw +no " "list-images: raw"
check 0 "" -q export-raw plain "$T/plain-out.raw.zst"
zstd -dc "$T/plain-out.raw.zst" | cmp - "$T/plain.raw" || fail "export-raw round trip"
check 0 "" -q import-raw --read-only "$T/plain.raw" plainro
assert_eq "$(stat -c %a "$pool/plainro.raw")" "444" "import-raw --read-only"
printf 'QFI\xfb\0\0\0\3' > "$T/q.qcow2"
check 1 "$enq
Importing '$T/q.qcow2', saving as 'q'.
QCOW2 images are not supported yet." import-raw "$T/q.qcow2"
no_leftovers

if [[ $(uname -m) == x86_64 ]] && command -v sgdisk >/dev/null; then
        # a GPT disk: root (ext4), /usr (squashfs), /home (ext4)
        mkdir -p "$T/groot" "$T/ghome"
        cp -a "$ROOTFS/." "$T/groot/" && rm -rf "$T/groot/usr"/*
        echo home-data > "$T/ghome/HOMEFILE"
        fs_make ext4 "$T/groot" "$T/groot.fs"
        fs_make squashfs "$ROOTFS/usr" "$T/gusr.fs"
        fs_make ext4 "$T/ghome" "$T/ghome.fs"
        gpt_make "$T/gpt.raw" root:"$T/groot.fs" usr:"$T/gusr.fs" home:"$T/ghome.fs"
        gzip -k "$T/gpt.raw"
        check 0 "" -q import-raw "$T/gpt.raw.gz" gpt
        cmp "$T/gpt.raw" "$pool/gpt.raw" || fail "import-raw of a GPT disk: the image differs"
        capture OUT nspawn -q -M gpt /bin/sh -c 'cat /home/HOMEFILE; ls /usr/bin/busybox'
        assert_eq "$OUT" "home-data
/usr/bin/busybox" "nspawn -M of an imported GPT disk"
fi

# squashfs and erofs can only be run read-only: imported read-only
mksquashfs "$ROOTFS" "$T/sq.raw" -quiet -noappend -all-root > /dev/null
mkfs.erofs --quiet "$T/ero.raw" "$ROOTFS" > /dev/null
check 0 "" -q import-raw "$T/sq.raw"
check 0 "" -q import-raw "$T/ero.raw"
capture OUT ctl list-images --no-legend
assert_match "$OUT" "(^|$nl)sq +raw +yes " "squashfs image: read-only"
assert_match "$OUT" "(^|$nl)ero +raw +yes " "erofs image: read-only"
for i in sq ero; do
        capture OUT nspawn -q -M "$i" /bin/sh -c 'cat /etc/os-release >/dev/null && echo ok; touch /x 2>/dev/null || echo ro'
        assert_eq "$OUT" "ok
ro" "nspawn -M of the $i image"
done
no_leftovers
