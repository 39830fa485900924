#!/bin/bash
# -i: the ESP (vfat) of a GPT disk on /efi, nosuid, noexec, nosymfollow, its files root's only
# (umask=0077), as systemd-nspawn mounts it; XBOOTLDR on /boot.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
image_require_x86_64
require sgdisk mkfs.vfat mcopy
grep -qw vfat /proc/filesystems || skip "the kernel has no vfat file system"

mkdir -p "$T/root" "$T/esp/EFI" "$T/xbl"
cp -a "$ROOTFS/." "$T/root/" && mkdir -p "$T/root/efi" "$T/root/boot"
echo esp-data > "$T/esp/EFI/ESPFILE"
echo xbootldr-data > "$T/xbl/XBLFILE"
fs_make ext4 "$T/root" "$T/root.fs"
fs_make vfat "$T/esp" "$T/esp.fs"
fs_make vfat "$T/xbl" "$T/xbl.fs"
gpt_make "$T/disk.raw" root:"$T/root.fs" esp:"$T/esp.fs" xbootldr:"$T/xbl.fs"
capture OUT nspawn -q -i "$T/disk.raw" /bin/sh -c 'cat /efi/EFI/ESPFILE /boot/XBLFILE; stat -c %a /efi/EFI; cat /proc/self/mountinfo'
assert_rc 0
assert_line "$OUT" esp-data "the ESP on /efi"
assert_line "$OUT" xbootldr-data "XBOOTLDR on /boot"
assert_line "$OUT" 700 "umask=0077"
for mp in /efi /boot; do
        e=$(mount_entry "$OUT" $mp)
        for o in nosuid nodev noexec nosymfollow; do [[ ${e%% *} == *$o* ]] || fail "$mp: no $o in $e"; done
done
