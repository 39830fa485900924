#!/bin/bash
# --private-users: each mode's UID range, and the tree's ownership with map, chown and auto, on
# ext4 (the image's file system), on tmpfs, below -x's overlay and on an overlayfs tree. With map
# nothing changes on disk (a file made inside is on-disk root's); with chown the tree is shifted
# once and keeps that range. Bad ranges and combinations fail with a message, changing nothing.
. "$(dirname "$0")/lib.sh"

# "INSIDE OUTSIDE COUNT" of the container's uid_map and gid_map, one line each (blanks squeezed).
maps='tr -s " " < /proc/self/uid_map | sed "s/^ //"; tr -s " " < /proc/self/gid_map | sed "s/^ //"'
# the root's mountinfo line
rootline='awk "\$5 == \"/\"" /proc/self/mountinfo'
owner() { stat -c %u:%g "$1"; }

rootfs_copy "$T/root"
root=$IT_ROOT

# ---- -U on ext4: a picked range, the tree id-mapped (O(1)), nothing changed on disk ----
[[ $(stat -f -c %T "$root") == ext2/ext3 ]] || log "the test tree is on $(stat -f -c %T "$root"), not ext4"
run_sh -U -- "id -u; id -g; $maps; $rootline; ls -ln /etc/passwd; touch /made-inside"
assert_rc 0 "-U"
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" 0 "uid inside"
assert_eq "${l[1]}" 0 "gid inside"
read -r in base count <<< "${l[2]}"
assert_eq "$in $count" "0 65536" "uid_map"
(( base >= 0x80000 && base <= 0x6FFF0000 && base % 65536 == 0 )) || fail "picked base $base is outside 0x80000…0x6FFF0000 or not 64K-aligned"
assert_eq "${l[3]}" "${l[2]}" "gid_map = uid_map"
assert_contains "${l[4]}" "idmapped" "the root is an id-mapped mount"
assert_match "${l[5]}" "^-rw-r--r-- +1 0 +0 " "/etc/passwd is root's inside"
assert_eq "$(owner "$root/etc/passwd")" 0:0 "/etc/passwd on disk after map"
assert_eq "$(owner "$root")" 0:0 "the tree's root on disk after map"
assert_eq "$(owner "$root/made-inside")" 0:0 "a file made by the container's root, on disk"
rm -f "$root/made-inside"

# ---- the other modes: identity, an explicit range, yes (the base of the tree's owner) ----
run_sh --private-users=identity -- "$maps"
assert_eq "$OUT" "0 0 65536
0 0 65536" "--private-users=identity"
run_sh --private-users=1879048192:1000 -- "$maps; ls -ln /etc/passwd"
assert_rc 0
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" "0 1879048192 1000" "--private-users=BASE:N"
assert_match "${l[2]}" " 65534 +65534 " "an unshifted tree without ownership: nobody's inside"
run_sh --private-users=1879048192 --private-users-ownership=map -- "$maps; ls -ln /etc/passwd"
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" "0 1879048192 65536" "--private-users=BASE (65536 ids)"
assert_match "${l[2]}" " 0 +0 " "--private-users-ownership=map"

# ---- chown: shifted once, to the picked range; the next -U picks it again and changes nothing ----
run_sh --private-users=pick --private-users-ownership=chown -- "$maps; ls -ln /etc/passwd"
assert_rc 0 "ownership chown"
mapfile -t l <<< "$OUT"
read -r in base count <<< "${l[0]}"
assert_match "${l[2]}" " 0 +0 " "/etc/passwd inside after chown"
assert_eq "$(owner "$root")" "$base:$base" "the tree's root on disk after chown"
assert_eq "$(owner "$root/etc/passwd")" "$base:$base" "/etc/passwd on disk after chown"
hu=$(stat -c %u "$ROOTFS/home/test") hg=$(stat -c %g "$ROOTFS/home/test")
assert_eq "$(owner "$root/home/test")" "$((base + hu)):$((base + hg))" "a directory owned by another user"
assert_eq "$(stat -c %u "$root/bin")" "$base" "a symlink itself"
before=$(find "$root" -newer "$root/etc/passwd" | wc -l)
run_sh -U -- "$maps; $rootline"
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" "0 $base 65536" "-U on a chowned tree picks the tree's range"
assert_not_contains "${l[2]}" "idmapped" "no id map needed on a tree in its own range"
run_sh --private-users=yes -- "$maps; ls -ln /etc/passwd"
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" "0 $base 65536" "--private-users=yes takes the base of the tree's owner"
assert_match "${l[2]}" " 0 +0 " "--private-users=yes on a shifted tree"
# a map on a tree in another range: on-disk BASE… appear as the container's 0…
run_sh --private-users=1879048192 --private-users-ownership=map -- "ls -ln /etc/passwd"
assert_match "$OUT" " 0 +0 " "map of a tree shifted to another range"
assert_eq "$(owner "$root/etc/passwd")" "$base:$base" "map does not change the shifted tree"
# and back to 0 (identity + chown shifts it home)
run_sh --private-users=identity --private-users-ownership=chown -- "ls -ln /etc/passwd"
assert_match "$OUT" " 0 +0 "
assert_eq "$(owner "$root/etc/passwd")" 0:0 "chown back to identity"

# ---- tmpfs: id-mapped too ----
mkdir -p "$T/tmpfs"
mount -t tmpfs -o mode=0755 tmpfs "$T/tmpfs" || fail "cannot mount a tmpfs"
at_exit "umount -l '$T/tmpfs'"
cp -a "$ROOTFS" "$T/tmpfs/root"
IT_ROOTS+=("$T/tmpfs/root")
capture OUT nspawn -q -D "$T/tmpfs/root" --private-users=pick --private-users-ownership=map /bin/sh -c \
        "$rootline; ls -ln /etc/passwd"
assert_rc 0 "map on tmpfs"
assert_contains "$OUT" "idmapped" "tmpfs root"
assert_match "$OUT" " 0 +0 " "/etc/passwd on tmpfs, inside"
assert_eq "$(owner "$T/tmpfs/root/etc/passwd")" 0:0 "tmpfs tree on disk after map"

# ---- -x: the overlay's lower layer is the id-mapped tree; the tree is never chowned ----
run_sh -x -U -- "touch /x-file; ls -ln /x-file /etc/passwd"
assert_rc 0 "-x -U"
assert_match "$OUT" " 0 +0 .*/etc/passwd" "the lower layer inside"
[[ ! -e $root/x-file ]] || fail "-x wrote into the tree"
run_sh -x --private-users=pick --private-users-ownership=chown -- true
assert_rc 1 "-x with chown on a plain directory"
assert_contains "$(cat "$T/stderr")" "would change the tree below -x's overlay"
assert_eq "$(owner "$root/etc/passwd")" 0:0 "the tree after a refused chown"

# ---- an overlayfs tree: this kernel id-maps overlayfs layers, not overlayfs itself ----
mkdir -p "$T/ov/upper" "$T/ov/work" "$T/ov/root"
mount -t overlay overlay -o "lowerdir=$ROOTFS,upperdir=$T/ov/upper,workdir=$T/ov/work" "$T/ov/root" ||
        fail "cannot mount an overlayfs"
at_exit "umount -l '$T/ov/root'"
IT_ROOTS+=("$T/ov/root")
capture OUT nspawn -q -D "$T/ov/root" --private-users=pick --private-users-ownership=map /bin/sh -c \
        "$rootline"
if [[ $RC == 0 ]]; then
        assert_contains "$OUT" "idmapped" "overlayfs root"
else
        assert_contains "$(cat "$T/stderr")" "has no ID-mapped mounts" "map on overlayfs"
        log "this kernel cannot id-map an overlayfs mount: auto falls back to chown there"
        capture OUT nspawn -q -D "$T/ov/root" -U /bin/sh -c "ls -ln /etc/passwd"
        assert_rc 0 "-U (auto) on overlayfs"
        assert_match "$OUT" " 0 +0 " "/etc/passwd inside, chowned through the overlay"
        assert_ne "$(owner "$T/ov/upper/etc/passwd")" 0:0 "the shift is in the upper layer"
fi
assert_eq "$(owner "$ROOTFS/etc/passwd")" 0:0 "the overlay's lower layer"

# ---- bad input: a message, exit 1, nothing changed ----
run_sh --private-users=4294901760:65537 -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "UID range"
run_sh --private-users=pick --private-users-ownership=chown --read-only -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "--read-only and --private-users-ownership=chown may not be combined."
run_sh --bind=/tmp:/mnt:idmap -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "require --private-users"
chown 536870912:0 "$root"
run_sh --private-users=yes -- true
assert_rc 1 "uid and gid base differ"
assert_contains "$(cat "$T/stderr")" "UID and GID base of $root don't match."
chown 0:0 "$root"
