#!/bin/bash
# --bind-user=NAME (as systemd-nspawn 252): the host user and its private group get a container id
# from 60514 on (the user namespace maps it to their host ids, and nothing else beyond the range),
# the home is bound at /run/host/home/NAME (files the user makes there are theirs on the host), and
# JSON records are in /run/host/userdb (NAME.user, NAME.group, UID.user, GID.group; no password).
# root, nobody, a user without a private group, one the container has already, an unknown one
# and --bind-user without --private-users are refused with systemd-nspawn's messages.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"
require useradd userdel

u1=nspbu$$
u2=nspbv$$
u3=nspbw$$
for u in "$u1" "$u2"; do
        useradd -m -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -s /bin/sh "$u" || fail "useradd $u"
        at_exit "userdel -r $u 2>/dev/null"
done
useradd -M -N -g users -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -s /bin/sh "$u3" || fail "useradd $u3"
at_exit "userdel $u3 2>/dev/null"
uid1=$(id -u "$u1") gid1=$(id -g "$u1") uid2=$(id -u "$u2")
home1=$(getent passwd "$u1" | cut -d: -f6)
echo hello > "$home1/f"
chown "$u1:" "$home1/f"

run_sh -U --bind-user="$u1" --bind-user="$u2" -- "
tr -s ' ' < /proc/self/uid_map | sed 's/^ //'; echo --
cat /run/host/userdb/$u1.user /run/host/userdb/$u1.group
for l in 60514.user 60514.group 60515.user; do readlink /run/host/userdb/\$l; done
ls -ln /run/host/home/$u1/f | awk '{ print \$3, \$4 }'
touch /run/host/home/$u1/by-root 2>&1 || true
grep ' /run/host/home/$u1 ' /proc/self/mountinfo | cut -d' ' -f6"
assert_rc 0 "--bind-user"
log "$OUT"
maps=$(sed -n '1,/^--$/p' <<< "$OUT")
assert_line "$maps" "60514 $uid1 1" "uid_map line of $u1"
assert_line "$maps" "60515 $uid2 1" "uid_map line of $u2"
assert_eq "$(grep -c . <<< "$maps")" 5 "uid_map: the range in three pieces and the two users"
assert_line "$OUT" "{\"userName\":\"$u1\",\"uid\":60514,\"gid\":60514,\"disposition\":\"regular\",\"homeDirectory\":\"/run/host/home/$u1\",\"service\":\"io.systemd.NSpawn\"}" "the user record"
assert_line "$OUT" "{\"groupName\":\"$u1\",\"gid\":60514,\"disposition\":\"regular\",\"service\":\"io.systemd.NSpawn\"}" "the group record"
assert_line "$OUT" "$u1.user"
assert_line "$OUT" "$u1.group"
assert_line "$OUT" "$u2.user"
assert_line "$OUT" "60514 60514" "the home's file inside"
assert_line "$OUT" "rw,relatime" "the home is writable (not sealed with /run/host)"
assert_not_contains "$OUT" "hashedPassword" "records"
# The user itself (util-linux's setpriv, in the Debian image, -x: not written) makes a file: the
# user's own on the host.
image=$(boot_image systemd) || exit
capture OUT nspawn -q -D "$image" -x -U --bind-user="$u1" /bin/sh -c \
        "setpriv --reuid=60514 --regid=60514 --clear-groups touch /run/host/home/$u1/by-user && id -un 60514 2>&1; true"
assert_rc 0 "setpriv as the bound user"
assert_eq "$(stat -c %u:%g "$home1/by-user")" "$uid1:$gid1" "a file the bound user made in its home, on the host"
[[ $(stat -c %u "$home1/by-root" 2>/dev/null) != 0 ]] || fail "the container's root made a file owned by host root in the home"

# ---- refusals ----
run_sh --bind-user="$u1" -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "--bind-user= requires --private-users."
run_sh -U --bind-user=root -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "Mapping 'root' user not supported, sorry."
run_sh -U --bind-user=nobody -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "Mapping 'nobody' user not supported, sorry."
run_sh -U --bind-user="$u3" -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "mapping users without private groups is currently not supported"
run_sh -U --bind-user=nspbnone$$ -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "Failed to resolve user 'nspbnone$$'"
rootfs_copy "$T/root"
echo "$u1:x:2000:2000::/:/bin/sh" >> "$IT_ROOT/etc/passwd"
run_sh -U --bind-user="$u1" -- true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "Sorry, the user '$u1' already exists in the container."
# a container user at 60514 moves the bound user to the next free id
sed -i "/^$u1:/d" "$IT_ROOT/etc/passwd"
echo "taken:x:60514:60514::/:/bin/sh" >> "$IT_ROOT/etc/passwd"
run_sh -U --bind-user="$u1" -- "awk '\$2 == $uid1 { print \$1 }' /proc/self/uid_map"
assert_rc 0
assert_eq "$OUT" 60515 "the container id of a user whose first choice is taken"
