#!/bin/bash
# Binds under a user namespace: a plain bind shows host owners outside the container's range as
# nobody (65534), as systemd-nspawn's, and host root's files stay out of reach; idmap shows on-disk
# 0…65535 as the container's 0…65535; rootidmap makes the source's owner the container's root (and
# nobody else); owneridmap makes it the owner of the destination. Files made through an id-mapped
# bind are the source owner's on the host. The journal bind (--link-journal=host) is the
# container's root's. Nothing changes on the host's side.
. "$(dirname "$0")/lib.sh"

rootfs_copy "$T/root"
mkdir -p "$T/src" "$T/secret" "$IT_ROOT/home/owner"
echo data > "$T/src/file"
chown -R 1000:1000 "$T/src"
echo top > "$T/secret/shadow"
chmod 0600 "$T/secret/shadow"
chmod 0700 "$T/secret"
chown 4242:4242 "$IT_ROOT/home/owner"
ls_n='ls -ln' # uid and gid as numbers

# ---- plain: nobody, host root's private files unreadable, the host's untouched ----
run_sh -U --bind="$T/src:/src" --bind-ro="$T/secret:/secret" -- "$ls_n /src/file; $ls_n -d /secret
cat /secret/shadow 2>&1; touch /src/new 2>&1; echo x > /src/file 2>&1; true"
assert_rc 0
mapfile -t l <<< "$OUT"
assert_match "${l[0]}" " 65534 +65534 " "a plain bind of a host user's file"
assert_match "${l[1]}" " 65534 +65534 " "a plain bind of a host root's directory"
assert_contains "$OUT" "Permission denied" "host root's private file"
assert_not_contains "$OUT" "top" "host root's private file"
[[ ! -e $T/src/new ]] || fail "the container made a file in a host user's directory through a plain bind"
assert_eq "$(cat "$T/src/file")" data "a host user's file after a plain bind"

# ---- idmap: on-disk 0…65535 are the container's ----
run_sh -U --bind="$T/src:/src:idmap" -- "$ls_n /src/file; grep ' /src ' /proc/self/mountinfo; touch /src/made; $ls_n /src/made"
assert_rc 0 "idmap"
mapfile -t l <<< "$OUT"
assert_match "${l[0]}" " 1000 +1000 " "idmap: on-disk 1000 is the container's 1000"
assert_contains "${l[1]}" "idmapped" "the bind is id-mapped"
assert_match "${l[2]}" " 0 +0 " "a file made by the container's root"
assert_eq "$(stat -c %u:%g "$T/src/made")" 0:0 "on disk: host root's (on-disk 0 is the container's 0)"
rm -f "$T/src/made"

# ---- rootidmap: the owner (1000) is root inside; the container's root writes as 1000 ----
run_sh -U --bind="$T/src:/src:rootidmap" -- "$ls_n /src/file; echo more >> /src/file && touch /src/made; $ls_n /src/made"
assert_rc 0 "rootidmap"
mapfile -t l <<< "$OUT"
assert_match "${l[0]}" " 0 +0 " "rootidmap: the source's owner is the container's root"
assert_match "${l[1]}" " 0 +0 " "a file made through rootidmap, inside"
assert_eq "$(stat -c %u:%g "$T/src/made")" 1000:1000 "a file made through rootidmap is the source owner's on the host"
assert_eq "$(cat "$T/src/file")" "data
more"
rm -f "$T/src/made"

# ---- owneridmap: the owner (1000) is the destination's owner (4242) inside ----
run_sh -U --bind="$T/src:/home/owner:owneridmap" -- "$ls_n /home/owner/file"
assert_rc 0 "owneridmap"
assert_match "$OUT" " 4242 +4242 " "owneridmap: the source's owner is the destination's owner"
run_sh -U --bind="$T/src:/new/dir:owneridmap" -- "$ls_n -d /new/dir"
assert_rc 0 "owneridmap on a new destination"
assert_match "$OUT" " 0 +0 " "owneridmap on a destination made for it: root's"

# a source inside the tree ("+path") gets its id map too
run_sh -U --bind=+/home/owner:/mnt/o:rootidmap -- "$ls_n -d /home/owner /mnt/o"
assert_rc 0 "+path with rootidmap"
mapfile -t l <<< "$OUT"
assert_match "${l[0]}" " 4242 +4242 " "the tree's own directory"
assert_match "${l[1]}" " 0 +0 " "the same through rootidmap"

assert_eq "$(stat -c %u:%g "$T/src" "$T/src/file" | sort -u)" 1000:1000 "the source's owners on the host"

# ---- --link-journal=host: the host's journal directory is the container's root's ----
uuid=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
mkdir -p "/var/log/journal/$uuid"
at_exit "rm -rf '/var/log/journal/$uuid'"
run_sh -U --uuid="$uuid" --link-journal=host -- "$ls_n -d /var/log/journal/$uuid; touch /var/log/journal/$uuid/j"
assert_rc 0 "--link-journal=host under -U"
assert_match "$OUT" " 0 +0 " "the journal directory inside"
assert_eq "$(stat -c %u "/var/log/journal/$uuid/j")" 0 "a journal file on the host"
