#!/bin/bash
# nspawnctl's image verbs on btrfs: subvolume images are listed as "subvolume" (usage from their
# qgroup once quota is on), cloned as snapshots (O(1): the clone shares every extent), a plain
# directory is cloned into a new subvolume, read-only is the subvolume's flag (nspawn then runs
# it read-only), rename/remove/clean work on subvolumes, images on read-only storage are read-only, a killed clone's temporary subvolume is
# swept, and set-limit sets the qgroup limit of an image and of the pool: a clear error while
# quota is off, then a limit btrfs enforces. The btrfs file system is a loop-mounted image file in
# $T, mounted in a private mount namespace of this test (the host's mount table never sees it).
if [[ -z ${IT_UNSHARED:-} ]]; then
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing" >&2; exit 77; }
        IT_UNSHARED=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"
require mkfs.btrfs btrfs python3
grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null
grep -qw btrfs /proc/filesystems || skip "btrfs is not available"

truncate -s 1G "$T/btrfs.img"
mkfs.btrfs -q "$T/btrfs.img" > /dev/null 2>&1 || skip "mkfs.btrfs failed"
mkdir "$T/mnt"
mount -o loop "$T/btrfs.img" "$T/mnt" 2>/dev/null || skip "cannot mount a loop device here"
at_exit "umount -l '$T/mnt'"
mnt=$T/mnt pool=$T/mnt/pool
btrfs -q subvolume create "$pool" > /dev/null
export NSPAWN_IMAGE_PATH=$pool
IT_ROOTS+=("$pool")
btrfs -q subvolume create "$pool/sv" > /dev/null
cp -a "$ROOTFS/." "$pool/sv/"
mkdir "$pool/dir"
cp -a "$ROOTFS/." "$pool/dir/"
head -c 4M /dev/urandom > "$pool/sv/big"
echo "[Exec]" > "$pool/sv.nspawn"

check() {   # check EXPECTED-RC EXPECTED-STDERR ARGS...
        local rc=$1 msg=$2; shift 2
        capture OUT ctl "$@"
        assert_rc "$rc" "nspawnctl $*"
        assert_eq "$(cat "$T/stderr")" "$msg" "nspawnctl $*: stderr"
}
subvol_field() { btrfs subvolume show "$1" | sed -n "s/^[[:space:]]*$2:[[:space:]]*//p"; }
nl=$'\n'

check 0 "" list-images --no-legend
assert_match "$OUT" "(^|$nl)sv +subvolume no " "a subvolume image"
assert_match "$OUT" "(^|$nl)dir +directory no " "a directory image on btrfs"

# ---- clone: a snapshot of a subvolume; a directory becomes a new subvolume ----
check 0 "" clone sv sv2
assert_eq "$(subvol_field "$pool/sv2" "Parent UUID")" "$(subvol_field "$pool/sv" UUID)" \
        "the clone of a subvolume is its snapshot"
cmp "$pool/sv/big" "$pool/sv2/big" || fail "the snapshot's contents"
assert_eq "$(cat "$pool/sv2.nspawn")" "[Exec]" "the clone's .nspawn file"
check 0 "" clone dir dir2
btrfs subvolume show "$pool/dir2" > /dev/null 2>&1 || fail "the clone of a directory on btrfs is no subvolume"
diff -r --no-dereference "$pool/dir" "$pool/dir2" > "$T/diff" 2>&1 || fail "the copy differs: $(head "$T/diff")"
check 0 "" clone --read-only sv sv-ro
assert_eq "$(btrfs property get "$pool/sv-ro" ro)" "ro=true" "clone --read-only of a subvolume"
check 0 "" remove sv-ro

# a killed clone's temporary subvolume (nobody holds its lock) is swept by the next clone
btrfs -q subvolume create "$pool/.#clone.svk0123456789abcdef" > /dev/null
check 0 "" clone sv sv3
[[ ! -e $pool/.#clone.svk0123456789abcdef ]] || fail "the stale temporary subvolume was not swept"
check 0 "" remove sv3

# ---- read-only: the subvolume's flag ----
check 0 "" read-only sv2
assert_eq "$(btrfs property get "$pool/sv2" ro)" "ro=true" "read-only subvolume"
check 0 "" list-images --no-legend
assert_match "$OUT" "(^|$nl)sv2 +subvolume yes " "RO column of a read-only subvolume"
capture OUT nspawn -q -M sv2 /bin/sh -c 'touch /it-x 2>&1; true'
assert_contains "$OUT" "Read-only file system" "nspawn -M on a read-only subvolume"
check 0 "" rename sv2 sv4
assert_eq "$(btrfs property get "$pool/sv4" ro)" "ro=true" "renamed, still read-only"
[[ -f $pool/sv4.nspawn ]] || fail "the .nspawn file was not renamed"
check 0 "" read-only sv4 no
assert_eq "$(btrfs property get "$pool/sv4" ro)" "ro=false" "read-only no"
check 0 "" read-only sv4
check 0 "" remove sv4 # also when read-only
[[ ! -e $pool/sv4 && ! -e $pool/sv4.nspawn ]] || fail "remove: $(ls -A "$pool")"
btrfs -q subvolume create "$pool/.hid" > /dev/null
check 0 "Removed image '.hid'
Removed 1 images in total." clean
[[ ! -e $pool/.hid ]] || fail "clean: the hidden subvolume"

# ---- an image on read-only storage is read-only and cannot be changed ----
mkdir -p "$T/ro/roimg"
mount --bind "$T/ro" "$T/ro" && mount -o remount,bind,ro "$T/ro" || fail "cannot make a read-only bind mount"
at_exit "umount -l '$T/ro'"
export NSPAWN_IMAGE_PATH=$pool:$T/ro
check 0 "" list-images --no-legend
assert_match "$OUT" "(^|$nl)roimg +directory yes " "an image on read-only storage"
check 1 "Could not remove image: Read-only file system" remove roimg
check 1 "Could not mark image read-only: Read-only file system" read-only roimg no
check 0 "" clone roimg rw
check 0 "" list-images --no-legend
assert_match "$OUT" "(^|$nl)rw +subvolume no " "its clone (in the pool, on btrfs a subvolume) is writable"
check 0 "" remove rw
export NSPAWN_IMAGE_PATH=$pool

# ---- set-limit: btrfs quota ----
check 1 "Could not set limit: Quota is not enabled on the btrfs file system of image 'sv' (see btrfs quota enable)." \
        set-limit sv 100M
check 1 "Could not set limit: Quota is only supported for btrfs subvolumes, image 'dir' is a directory image." \
        set-limit dir 100M
btrfs quota enable "$mnt" 2> "$T/quota.err" || skip "btrfs quota cannot be enabled here: $(cat "$T/quota.err")"
btrfs quota rescan -w "$mnt" > /dev/null 2>&1
sync
check 0 "" set-limit sv 100M
assert_match "$(btrfs qgroup show -re "$mnt" | awk '$NF == "pool/sv" { print $4 }')" "^100\.00MiB$" "qgroup limit of sv"
check 0 "" show-image sv -p Limit --value
assert_eq "$OUT" 104857600 "Limit"
check 0 "" show-image sv -p Usage --value
(( OUT >= 4 * 1024 * 1024 )) || fail "Usage of sv: $OUT $(btrfs qgroup show -re "$mnt"; btrfs subvolume list "$mnt"; du -s "$pool/sv")"
check 0 "" list-images --no-legend
assert_match "$OUT" "(^|$nl)sv +subvolume no +[0-9.]+M " "USAGE of a subvolume with quota"
check 0 "" image-status sv
assert_line "$OUT" $'\t   Limit: 100.0M' "image-status: Limit"
assert_match "$OUT" $'\t   Usage: [0-9.]+M' "image-status: Usage"
check 0 "" set-limit 200M
check 0 "" show-image -p PoolLimit --value
assert_eq "$OUT" 209715200 "PoolLimit"
check 0 "" image-status
assert_line "$OUT" $'\t   Limit: 200.0M' "image-status of the pool"
# btrfs enforces it: a limit below what the image holds makes writes fail
check 0 "" set-limit sv 1M
capture OUT nspawn -q -M sv /bin/sh -c 'dd if=/dev/zero of=/it-fill bs=1M count=8 2>&1; sync; true'
assert_contains "$OUT" "Disk quota exceeded" "writing beyond the limit"
check 0 "" set-limit sv infinity
check 0 "" show-image sv -p Limit --value
assert_eq "$OUT" infinity "the limit cleared"
check 1 "Could not set limit: Quota is only supported for btrfs subvolumes, image 'dir' is a directory image." \
        set-limit dir 100M
check 1 "Failed to parse size: 1Q" set-limit sv 1Q
