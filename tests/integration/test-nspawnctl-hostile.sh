#!/bin/bash
# Hostile tarballs for import-tar (and so pull-tar, which unpacks the same way): nothing is ever
# written outside the new image. ".." members and hard links are refused, absolute member names
# land inside the image (GNU tar's "Removing leading '/'"), nothing is written through a symlink
# the tarball planted (absolute or relative, to a directory or over a file), absolute symlinks
# are kept as they are, only a container's API device nodes are made. A tar bomb on a small
# tmpfs pool of this test's own fails before the file system's free space or inodes drop below
# the reserve. Every refused tarball leaves no image and no temporary.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"
require python3 xz

pool=$T/pool
mkdir -p "$pool"
export NSPAWN_IMAGE_PATH=$pool
IT_ROOTS+=("$pool")

# victims outside the pool
victim=$T/victim
mkdir -p "$victim/dir"
echo original > "$victim/file"
chmod 0644 "$victim/file"

cat > "$T/mk.py" <<'PY'
import io, sys, tarfile
kind, out, victim = sys.argv[1], sys.argv[2], sys.argv[3]
def add(t, name, data=b"x", **kw):
    ti = tarfile.TarInfo(name)
    ti.mode = 0o644
    for k, v in kw.items():
        setattr(ti, k, v)
    if ti.type == tarfile.REGTYPE:
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    add(t, "etc", type=tarfile.DIRTYPE, mode=0o755)
    add(t, "etc/os-release", b"ID=hostile\n")
    up = "../" * 12
    if kind == "dotdot":
        add(t, up + victim.lstrip("/") + "/dotdot", b"pwned")
    elif kind == "absolute":
        add(t, victim + "/absolute", b"inside")
    elif kind == "symlink-dir":
        add(t, "etc/hostlink", type=tarfile.SYMTYPE, linkname=victim + "/dir")
        add(t, "etc/hostlink/pwned", b"pwned")
    elif kind == "symlink-root":
        add(t, "evil", type=tarfile.SYMTYPE, linkname="/")
        add(t, "evil" + victim + "/file", b"pwned")
    elif kind == "symlink-relative":
        add(t, "etc/up", type=tarfile.SYMTYPE, linkname=up + victim.lstrip("/") + "/dir")
        add(t, "etc/up/pwned", b"pwned")
    elif kind == "symlink-file":
        add(t, "etc/f", type=tarfile.SYMTYPE, linkname=victim + "/file")
        add(t, "etc/f", b"pwned")
    elif kind == "hardlink-dotdot":
        add(t, "etc/hl", type=tarfile.LNKTYPE, linkname=up + victim.lstrip("/") + "/file")
    elif kind == "hardlink-absolute":
        add(t, "etc/hl", type=tarfile.LNKTYPE, linkname=victim + "/file")
    elif kind == "absolute-symlink":
        add(t, "etc/localtime", type=tarfile.SYMTYPE, linkname="/usr/share/zoneinfo/UTC")
    elif kind == "devices":
        add(t, "dev", type=tarfile.DIRTYPE, mode=0o755)
        add(t, "dev/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)
        add(t, "dev/console", type=tarfile.CHRTYPE, devmajor=5, devminor=1, mode=0o600)
        add(t, "dev/mem", type=tarfile.CHRTYPE, devmajor=1, devminor=1, mode=0o666)
        add(t, "dev/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0, mode=0o666)
        add(t, "home/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0, mode=0o666)
        add(t, "dev/fifo", type=tarfile.FIFOTYPE, mode=0o644)
    elif kind == "files":
        for i in range(int(sys.argv[4])):
            add(t, "f/%d" % i, b"")
PY

victim_state() { (cd "$T/victim" && find . -printf '%p %M %s\n' | sort; cat file); }
before=$(victim_state)

# hostile KIND EXPECTED-RC STDERR-PATTERN: import it, check the victims and the pool
hostile() {
        local kind=$1 rc=$2 pattern=$3
        python3 "$T/mk.py" "$kind" "$T/$kind.tar" "$victim" || fail "could not make the $kind tarball"
        capture OUT ctl -q import-tar "$T/$kind.tar"
        assert_rc "$rc" "import-tar of the $kind tarball"
        assert_match "$(cat "$T/stderr")" "$pattern" "import-tar of the $kind tarball: stderr"
        assert_eq "$(victim_state)" "$before" "the files outside after the $kind tarball"
        [[ -z $(ls -A "$pool" | grep '^\.#') ]] || fail "the $kind tarball left a temporary: $(ls -A "$pool")"
        if [[ $rc != 0 && -e $pool/$kind ]]; then
                fail "the refused $kind tarball left an image"
        fi
        return 0
}

hostile dotdot 1 "/dotdot: Member name contains '\.\.'"
hostile absolute 0 "^Removing leading '/' from member names\.$"
[[ $(cat "$pool/absolute/$victim/absolute") == inside ]] || fail "the absolute member is not inside the image"
hostile symlink-dir 1 "etc/hostlink/pwned: Cannot extract through symlink"
hostile symlink-root 1 "Cannot extract through symlink"
hostile symlink-relative 1 "etc/up/pwned: Cannot extract through symlink"
hostile symlink-file 0 "^$"
assert_eq "$(cat "$pool/symlink-file/etc/f")" "pwned" "a member over a symlink replaces the symlink"
[[ ! -L $pool/symlink-file/etc/f ]] || fail "the symlink was written through"
hostile hardlink-dotdot 1 "etc/hl: Hard link target contains '\.\.'"
hostile hardlink-absolute 1 "Removing leading '/' from member names\..*etc/hl: "
hostile absolute-symlink 0 "^$"
assert_eq "$(readlink "$pool/absolute-symlink/etc/localtime")" "/usr/share/zoneinfo/UTC" "an absolute symlink, kept"
hostile devices 0 "dev/mem: not unpacking the character device node 1:1.*dev/sda: not unpacking the block device node 8:0.*home/sda: not unpacking the block device node 8:0"
assert_eq "$(cd "$pool/devices" && find . \( -type b -o -type c -o -type p \) | sort | tr '\n' ' ')" \
        "./dev/console ./dev/fifo ./dev/null " "the device nodes made"
assert_eq "$(stat -c '%F %t:%T %a' "$pool/devices/dev/null")" "character special file 1:3 666" "/dev/null"

# ---- a tar bomb: 256 MiB of compressible data for a 64 MiB tmpfs ----
small=$T/small
mkdir -p "$small"
mount -t tmpfs -o size=64m,nr_inodes=4096,mode=0755 it-transfer-bomb "$small" || skip "cannot mount a tmpfs"
at_exit "umount -l '$small'"
mkdir -p "$T/bomb/etc" && echo ID=bomb > "$T/bomb/etc/os-release"
yes "a tar bomb fills the disk" | head -c 256M > "$T/bomb/big"
tar -C "$T/bomb" -cf - . | xz -T0 -1 > "$T/bomb.tar.xz"
rm -rf "$T/bomb"
# the free space, sampled while it unpacks
( while :; do stat -f -c '%a %S' "$small" | awk '{ print $1 * $2 }'; sleep 0.01; done ) > "$T/free" &
sampler=$!
capture OUT env NSPAWN_IMAGE_PATH="$small" timeout 60 "$NSPAWNCTL" -q import-tar "$T/bomb.tar.xz"
kill "$sampler"; wait "$sampler" 2>/dev/null
assert_rc 1 "import-tar of a tar bomb"
assert_contains "$(cat "$T/stderr")" "Not enough free space: unpacking would leave less than 6 MiB free on the image pool's file system." "the bomb's error"
min=$(sort -n "$T/free" | head -n1)
(( min >= 6 * 1024 * 1024 )) || fail "the free space fell to $min bytes while unpacking"
[[ -z $(ls -A "$small") ]] || fail "the bomb left something in the pool: $(ls -A "$small")"
(( $(stat -f -c %a "$small") * $(stat -f -c %S "$small") > 60 * 1024 * 1024 )) || fail "the space is not free again"

# ... and one of inodes
python3 "$T/mk.py" files "$T/files.tar" "$victim" 6000
capture OUT env NSPAWN_IMAGE_PATH="$small" timeout 60 "$NSPAWNCTL" -q import-tar "$T/files.tar"
assert_rc 1 "import-tar of an inode bomb"
assert_contains "$(cat "$T/stderr")" "Not enough free inodes" "the inode bomb's error"
[[ -z $(ls -A "$small") ]] || fail "the inode bomb left something in the pool"
