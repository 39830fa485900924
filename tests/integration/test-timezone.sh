#!/bin/bash
# --timezone: the guest's /etc/localtime for every mode, and that an image whose /etc/localtime
# is a symlink to a host path (absolute or climbing with ../) never makes nspawn write on the host.
. "$(dirname "$0")/lib.sh"

target=$(readlink /etc/localtime) || skip "the host's /etc/localtime is not a symlink"
zone=${target#*/usr/share/zoneinfo/}
[[ $zone != "$target" && -f /etc/localtime ]] || skip "the host's /etc/localtime does not point into /usr/share/zoneinfo"
host_sum=$(md5sum < /etc/localtime)
rootfs_copy "$T/root"; root=$IT_ROOT
image=$root/etc/localtime
reset() { rm -f "$image"; echo "image zone" > "$image"; }

# guest MODE [OPTIONS...]: OUT = "link TARGET" or the md5 of the guest's /etc/localtime (or
# MISSING), then "MOUNT" if it is a mount point.
guest() {
        local m=$1; shift
        run_sh --timezone="$m" "$@" -- 'if [ -L /etc/localtime ]; then echo "link $(readlink /etc/localtime)"
                elif [ -e /etc/localtime ]; then md5sum < /etc/localtime; else echo MISSING; fi
                awk '\''$5 == "/etc/localtime" { print "MOUNT " $6 }'\'' /proc/self/mountinfo'
        assert_rc 0 "--timezone=$m"
}

reset; guest off
assert_eq "$OUT" "$(md5sum < "$image")" "off"

reset; guest copy
assert_eq "$OUT" "$host_sum" "copy"
[[ -f $image && ! -L $image ]] || fail "copy: not a regular file in the image"

reset; guest bind
assert_line "$OUT" "$host_sum" "bind"
assert_line "$OUT" "MOUNT ro,nosuid,nodev,relatime" "bind mount"
assert_eq "$(cat "$image")" "image zone" "bind leaves the image's file alone"

reset; guest delete
assert_eq "$OUT" "MISSING" "delete"

# symlink: only when the zone exists in the image; otherwise bind.
reset; guest symlink
assert_line "$OUT" "MOUNT ro,nosuid,nodev,relatime" "symlink without the zone in the image falls back to bind"
mkdir -p "$root/usr/share/zoneinfo/$(dirname "$zone")"
cp /etc/localtime "$root/usr/share/zoneinfo/$zone"
reset; guest symlink
assert_eq "$OUT" "link ../usr/share/zoneinfo/$zone" "symlink"

# auto: the host's file is a link → symlink (writable) or bind (--read-only).
reset; guest auto
assert_eq "$OUT" "link ../usr/share/zoneinfo/$zone" "auto"
reset; guest auto --read-only
assert_line "$OUT" "MOUNT ro,nosuid,nodev,relatime" "auto with --read-only"
assert_eq "$(cat "$image")" "image zone" "auto with --read-only leaves the image alone"

# Host safety.
echo "host file" > "$T/outside"
for link in "$T/outside" "../../../../../../../..$T/outside"; do
        for m in copy bind symlink delete auto; do
                rm -f "$image"; ln -s "$link" "$image"
                guest $m
                assert_eq "$(cat "$T/outside")" "host file" "$m through a symlink to $link"
        done
done
[[ -e $root$T/outside ]] && log "bind made its mount point inside the image: $root$T/outside"
assert_eq "$(md5sum < /etc/localtime)" "$host_sum" "the host's /etc/localtime"
assert_eq "$(readlink /etc/localtime)" "$target" "the host's /etc/localtime link"
