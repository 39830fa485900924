#!/bin/bash
# -i with a GPT disk of Discoverable Partitions: root (ext4), /usr (squashfs), /home (ext4), /srv
# (btrfs), /var (xfs), /var/tmp (erofs) (the ESP: test-image-esp.sh). The container sees each
# partition's files at its place, with systemd-nspawn's mount options
# (nodev everywhere, nosuid on /var/tmp, read-only file systems read-only), --read-only makes all
# read-only, and no loop device is left afterwards.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
image_require_x86_64
require sgdisk mksquashfs mkfs.erofs mkfs.btrfs mkfs.xfs

mkdir -p "$T/root" "$T/home" "$T/srv" "$T/tmp"
cp -a "$ROOTFS/." "$T/root/"
rm -rf "$T/root/usr"/* && mkdir -p "$T/root/srv" "$T/root/efi"
echo home-data > "$T/home/HOMEFILE"
echo srv-data > "$T/srv/SRVFILE"
echo tmp-data > "$T/tmp/TMPFILE"
fs_make ext4 "$T/root" "$T/root.fs"
fs_make squashfs "$ROOTFS/usr" "$T/usr.fs"
fs_make ext4 "$T/home" "$T/home.fs"
fs_make btrfs "$T/srv" "$T/srv.fs"
fs_make xfs "$T/home" "$T/var.fs" # empty: xfs is made without contents
fs_make erofs "$T/tmp" "$T/tmp.fs"
parts=(root:"$T/root.fs" usr:"$T/usr.fs" home:"$T/home.fs" srv:"$T/srv.fs" var:"$T/var.fs" tmp:"$T/tmp.fs")
gpt_make "$T/disk.raw" "${parts[@]}"
loops_before=$(loop_devices)

capture OUT nspawn -q -i "$T/disk.raw" /bin/sh -c '
        cat /home/HOMEFILE /srv/SRVFILE /var/tmp/TMPFILE
        touch /home/new && echo home-writable
        touch /usr/new 2>/dev/null || echo usr-read-only
        cat /proc/self/mountinfo > /tmp/mi; echo; cat /tmp/mi'
assert_rc 0 "nspawn -i"
assert_line "$OUT" home-data "/home from its partition"
assert_line "$OUT" srv-data "/srv from its partition"
assert_line "$OUT" tmp-data "/var/tmp from its partition"
assert_line "$OUT" home-writable "/home is writable"
assert_line "$OUT" usr-read-only "squashfs /usr is read-only"
declare -A want=([/]=ext4 [/usr]=squashfs [/home]=ext4 [/srv]=btrfs [/var]=xfs [/var/tmp]=erofs)
for mp in "${!want[@]}"; do
        e=$(mount_entry "$OUT" "$mp")
        [[ $e == *" ${want[$mp]} "* ]] || fail "$mp: expected ${want[$mp]}, got '$e'"
        [[ $(mount_source "$OUT" "$mp") == /dev/loop*p* ]] || fail "$mp: not from a loop partition: $(mount_source "$OUT" "$mp")"
        [[ ${e%% *} == *nodev* ]] || fail "$mp is not nodev: $e"
done
[[ $(mount_entry "$OUT" /var/tmp) == *nosuid* ]] || fail "/var/tmp is not nosuid"
[[ $(mount_entry "$OUT" /usr) == ro,* ]] || fail "/usr is not read-only: $(mount_entry "$OUT" /usr)"
[[ $(mount_entry "$OUT" /) == rw,* ]] || fail "/ is not writable: $(mount_entry "$OUT" /)"
assert_eq "$(loop_devices)" "$loops_before" "loop devices after the run"

# --read-only: every partition read-only, the loop device too.
capture OUT nspawn -q --read-only -i "$T/disk.raw" /bin/sh -c '
        touch /new 2>/dev/null || echo root-ro; touch /home/new2 2>/dev/null || echo home-ro
        grep -c " / ro," /proc/self/mountinfo'
assert_rc 0 "--read-only"
assert_line "$OUT" root-ro "--read-only: /"
assert_line "$OUT" home-ro "--read-only: /home"
assert_eq "$(loop_devices)" "$loops_before" "loop devices after the --read-only run"

# The image is locked while it runs: a second start fails as systemd-nspawn's does.
nspawn_bg "$T/bg" -q -i "$T/disk.raw" /bin/sh -c 'touch /home/started; exec sleep 1000'
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
wait_for "[[ \$(loop_devices) == *'$T/disk.raw'* ]]" 10 || fail "the first container did not start: $(cat "$T/bg")"
capture OUT nspawn -q -i "$T/disk.raw" /bin/true
assert_rc 1 "second start of a busy image"
assert_contains "$(cat "$T/stderr")" "Disk image $T/disk.raw is currently busy."
kill -TERM "$BG_PID"; wait "$BG_PID" 2>/dev/null
wait_for "[[ \$(loop_devices) == \"\$loops_before\" ]]" 5 || fail "loop devices remain: $(loop_devices)"
