#!/bin/bash
# -i with a plain file system image (ext4, btrfs, squashfs, erofs: the whole device is the root;
# squashfs and erofs read-only), with a block device (a loop device of the caller's), -M NAME
# finding NAME.raw in the image search path, the machine name from IMAGE.raw, and bad images
# refused with systemd-nspawn's message — every time without a loop device left behind.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
require mksquashfs mkfs.erofs mkfs.btrfs losetup

mkdir -p "$T/root" && cp -a "$ROOTFS/." "$T/root/"
loops_before=$(loop_devices)

for fs in ext4 btrfs squashfs erofs; do
        echo "$fs" > "$T/root/etc/it-image"
        fs_make "$fs" "$T/root" "$T/$fs.raw"
        capture OUT nspawn -q -i "$T/$fs.raw" /bin/sh -c 'cat /etc/it-image; hostname; cat /proc/self/mountinfo'
        assert_rc 0 "$fs image"
        assert_line "$OUT" "$fs" "$fs: the image's file"
        assert_line "$OUT" "$fs" "$fs: hostname from the image name without .raw"
        e=$(mount_entry "$OUT" /)
        [[ $e == *" $fs "* ]] || fail "$fs: / is '$e'"
        [[ $(mount_source "$OUT" /) =~ ^/dev/loop[0-9]+$ ]] || fail "$fs: / is not the whole loop device: $(mount_source "$OUT" /)"
        case $fs in
        squashfs|erofs) [[ $e == ro,* ]] || fail "$fs: / is not read-only: $e" ;;
        *) [[ $e == rw,* ]] || fail "$fs: / is not writable: $e" ;;
        esac
        assert_eq "$(loop_devices)" "$loops_before" "loop devices after the $fs run"
done

# A block device: the caller's own loop device, left as it was.
dev=$(losetup -f --show "$T/ext4.raw") || fail "losetup failed"
at_exit "losetup -d $dev 2>/dev/null"
with_dev=$(loop_devices)
capture OUT nspawn -q -i "$dev" -M it-blockdev /bin/sh -c 'cat /etc/it-image'
assert_rc 0 "a block device"
assert_line "$OUT" ext4 "the block device's file system"
assert_eq "$(loop_devices)" "$with_dev" "loop devices after the block device run"
losetup -d "$dev"

# -M NAME: NAME.raw in the image search path (/var/lib/machines).
name=it-image-$$
[[ -d /var/lib/machines ]] || { mkdir -p /var/lib/machines && at_exit "rmdir /var/lib/machines"; }
cp "$T/squashfs.raw" "/var/lib/machines/$name.raw" && at_exit "rm -f /var/lib/machines/$name.raw"
capture OUT nspawn -M "$name" /bin/sh -c 'cat /etc/it-image; hostname'
assert_rc 0 "-M $name"
assert_line "$OUT" squashfs "-M finds $name.raw"
assert_line "$OUT" "$name" "hostname"
assert_contains "$(cat "$T/stderr")" "Spawning container $name on /var/lib/machines/$name.raw."
rm -f "/var/lib/machines/$name.raw"

# Bad images: nothing recognised, no OS tree, not a file.
head -c 4M /dev/urandom > "$T/random.raw"
capture OUT nspawn -q -i "$T/random.raw" /bin/true
assert_rc 1 "a random image"
assert_contains "$(cat "$T/stderr")" "$T/random.raw: Couldn't identify a suitable partition table or file system."
mkdir -p "$T/empty" && echo x > "$T/empty/file" && fs_make ext4 "$T/empty" "$T/empty.raw"
capture OUT nspawn -q -i "$T/empty.raw" /bin/true
assert_rc 1 "an image without an OS"
assert_contains "$(cat "$T/stderr")" "doesn't look like it has an OS tree"
capture OUT nspawn -q -i "$T/root" /bin/true
assert_rc 1 "a directory as -i"
assert_contains "$(cat "$T/stderr")" "Disk image $T/root is not a regular file or block device."
capture OUT nspawn -q -i "$T/squashfs.raw" -x /bin/true
assert_rc 1 "-x"
assert_contains "$(cat "$T/stderr")" "--ephemeral with --image= is not supported yet."
assert_eq "$(loop_devices)" "$loops_before" "loop devices after the failed starts"
