#!/bin/bash
# -M NAME without -D finds the image NAME in the machine search path (/var/lib/machines before
# /usr/local/lib/machines); images below /usr run read-only; an unknown name is an error.
. "$(dirname "$0")/lib.sh"

name=it-search-$$
var=/var/lib/machines usr=/usr/local/lib/machines
for d in $var $usr; do
        [[ -d $d ]] || { mkdir -p "$d" && at_exit "rmdir $d 2>/dev/null"; }
done
at_exit "rm -rf --one-file-system $var/$name $usr/$name $usr/$name-usr"

rootfs_copy "$var/$name"
echo var > "$var/$name/etc/it-where"

capture OUT nspawn -M "$name" /bin/sh -c 'cat /etc/it-where; hostname'
assert_rc 0 "-M $name"
assert_eq "$OUT" "var
$name" "image found in $var"
assert_contains "$(cat "$T/stderr")" "Spawning container $name on $var/$name." "status line"

# /var/lib/machines comes before /usr/local/lib/machines.
rootfs_copy "$usr/$name"
echo usr > "$usr/$name/etc/it-where"
capture OUT nspawn -q -M "$name" /bin/cat /etc/it-where
assert_rc 0
assert_eq "$OUT" var "the image of $var wins over $usr"

# Found in /usr/local/lib/machines alone; below /usr an image is run read-only.
rootfs_copy "$usr/$name-usr"
echo usr > "$usr/$name-usr/etc/it-where"
capture OUT nspawn -q -M "$name-usr" /bin/sh -c 'cat /etc/it-where; hostname; touch /it-x 2>&1; true'
assert_rc 0 "-M $name-usr"
assert_line "$OUT" usr "image found in $usr"
assert_line "$OUT" "$name-usr" "hostname"
assert_contains "$OUT" "Read-only file system" "writing into an image below /usr"
[[ ! -e $usr/$name-usr/it-x ]] || fail "the container wrote into the image below /usr"

capture OUT nspawn -q -M "no-such-machine-$$" /bin/true
assert_rc 1 "unknown machine"
assert_contains "$(cat "$T/stderr")" "No image for machine 'no-such-machine-$$'." "message"

# Nothing is left next to the images (lock files and the like).
rm -rf --one-file-system "${var:?}/$name" "${usr:?}/$name" "$usr/$name-usr"
left=$(find $var $usr -maxdepth 1 -name "*$name*")
assert_eq "$left" "" "files named after the machine in $var and $usr afterwards"
