#!/bin/bash
# --private-users-map=u|g|b:INSIDE:OUTSIDE:COUNT (an nspawn extension, as LXC's lxc.idmap): the
# container's maps are the lines given, several ranges, UIDs and GIDs apart; in a settings file as
# PrivateUsersMap=. With ownership map the tree is id-mapped by exactly those maps. Overlaps, maps
# without the container's root and combinations with --private-users= are refused; an
# unprivileged user's maps are checked by newuidmap against its /etc/subuid ranges.
. "$(dirname "$0")/lib.sh"
require useradd userdel setpriv newuidmap

maps='tr -s " " < /proc/self/uid_map | sed "s/^ //"; echo --; tr -s " " < /proc/self/gid_map | sed "s/^ //"'
rootfs_copy "$T/root"

run_sh --private-users-map=b:0:1879048192:1000 --private-users-map=u:1000:1879113728:1 \
        --private-users-map=g:1000:1879113729:1 --private-users-ownership=map -- "$maps; ls -ln /etc/passwd; touch /made-by-1000; chown 1000:1000 /made-by-1000"
assert_rc 0 "several ranges"
assert_eq "$(sed -n 1,5p <<< "$OUT")" "0 1879048192 1000
1000 1879113728 1
--
0 1879048192 1000
1000 1879113729 1" "uid_map and gid_map"
assert_match "$OUT" " 0 +0 .*/etc/passwd" "the tree id-mapped by the same maps"
assert_eq "$(stat -c %u:%g "$IT_ROOT/made-by-1000")" 1000:1000 "a file given to the container's 1000: on disk 1000 (id-mapped)"
rm -f "$IT_ROOT/made-by-1000"

mkdir -p /run/systemd/nspawn
echo -e "[Exec]\nPrivateUsersMap=b:0:1879048192:65536" > /run/systemd/nspawn/map-$$.nspawn
at_exit "rm -f /run/systemd/nspawn/map-$$.nspawn"
run_sh -M map-$$ -- "$maps"
assert_rc 0 "PrivateUsersMap= in a settings file"
assert_eq "$(sed -n 1p <<< "$OUT")" "0 1879048192 65536"

# ---- refused ----
run_sh --private-users-map=b:0:1879048192:1000 --private-users-map=u:10:5:1 -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "two ranges overlap inside the container"
run_sh --private-users-map=b:0:1879048192:1000 --private-users-map=u:2000:1879048200:1 -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "two ranges overlap on the host"
run_sh --private-users-map=u:0:1879048192:1000 -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "must map the container's root"
run_sh -U --private-users-map=b:0:1879048192:1000 -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "may not be combined"
run_sh --private-users-map=b:0:1879048192 -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "expected u|g|b:INSIDE:OUTSIDE:COUNT"

# ---- unprivileged: newuidmap allows the user's own ranges only ----
user=nspmu$$
useradd -m -s /bin/sh "$user" || fail "useradd $user"
at_exit "userdel -r $user 2>/dev/null"
uid=$(id -u "$user") gid=$(id -g "$user")
read -r sub subn < <(awk -F: -v u="$user" '$1 == u { print $2, $3; exit }' /etc/subuid)
[[ -n $sub ]] || skip "useradd gave $user no subordinate UIDs"
read -r gsub _ < <(awk -F: -v u="$user" '$1 == u { print $2, $3; exit }' /etc/subgid)
home=$(getent passwd "$user" | cut -d: -f6)
cp -a "$ROOTFS" "$home/tree"
chown -R "$user:" "$home/tree"
IT_ROOTS+=("$home/tree")
as_user() {
        capture OUT setpriv --reuid="$user" --regid="$user" --init-groups env -i HOME="$home" PATH=/usr/bin:/bin \
                "${NSPAWN_CMD[@]}" -q -D "$home/tree" "$@"
}
as_user --private-users-map=u:0:"$uid":1 --private-users-map=g:0:"$gid":1 --private-users-map=u:1000:"$sub":10 \
        --private-users-map=g:1000:"$gsub":10 /bin/sh -c "$maps"
assert_rc 0 "an unprivileged user's own map"
assert_eq "$(sed -n 1,2p <<< "$OUT")" "0 $uid 1
1000 $sub 10"
as_user --private-users-map=b:0:"$uid":1 --private-users-map=b:1:5000:10 /bin/true
assert_rc 1 "a range the user has not"
assert_contains "$(cat "$T/stderr")" "failed"
