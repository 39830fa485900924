#!/bin/bash
# --root-hash=, --root-hash-sig=, --verity-data=: dm-verity over the device-mapper ioctls. Where the
# kernel has no device-mapper the start fails with a clear message and leaves nothing; the
# positive test (a veritysetup-made hash tree, a wrong hash refused) needs device-mapper with
# dm-verity and is skipped without it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
require mksquashfs veritysetup

fs_make squashfs "$ROOTFS" "$T/img.raw"
hash=$(veritysetup format "$T/img.raw" "$T/img.verity" | awk '/^Root hash:/ { print $3 }')
[[ -n $hash ]] || fail "veritysetup format failed"
loops_before=$(loop_devices)

# The options' own checks.
capture OUT nspawn -q -D "$ROOTFS" --root-hash="$hash" /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "--root-hash=, --root-hash-sig= and --verity-data= only work with --image=."
capture OUT nspawn -q -i "$T/img.raw" --verity-data="$T/img.verity" /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "--root-hash-sig= and --verity-data= need --root-hash=."

# A GPT disk with the root's verity partition (and one with its signature partition as well).
require sgdisk
image_require_x86_64
head -c 16384 /dev/zero > "$T/sig.fs"
gpt_make "$T/disk.raw" root:"$T/img.raw" root-verity:"$T/img.verity"
gpt_make "$T/signed.raw" root:"$T/img.raw" root-verity:"$T/img.verity" root-verity-sig:"$T/sig.fs"
capture OUT nspawn -q -i "$T/disk.raw" /bin/true
assert_rc 0 "without --root-hash= the verity partition is not used (as systemd-nspawn)"
capture OUT nspawn -q -i "$T/disk.raw" --image-policy=root=verity /bin/true
assert_rc 1 "root=verity without --root-hash="
assert_contains "$(cat "$T/stderr")" "image does not match image policy"
capture OUT nspawn -q -i "$T/signed.raw" /bin/true
assert_rc 1 "a signature partition"
assert_contains "$(cat "$T/stderr")" "$T/signed.raw: verity signature partitions are not supported yet (give --root-hash=)."

if [[ ! -e /dev/mapper/control ]]; then
        capture OUT nspawn -q -i "$T/disk.raw" --root-hash="$hash" /bin/true
        assert_rc 1 "no device-mapper, the verity partition"
        assert_contains "$(cat "$T/stderr")" "--root-hash= needs dm-verity, but this kernel has no device-mapper"
        capture OUT nspawn -q -i "$T/img.raw" --root-hash="$hash" --verity-data="$T/img.verity" /bin/true
        assert_rc 1 "no device-mapper"
        assert_contains "$(cat "$T/stderr")" \
                "--root-hash= needs dm-verity, but this kernel has no device-mapper (/dev/mapper/control is missing)."
        assert_eq "$(loop_devices)" "$loops_before" "loop devices after the failed start"
        skip "no device-mapper in this kernel (/dev/mapper/control is missing): dm-verity cannot be set up"
fi
[[ -d /sys/module/dm_verity ]] ||
        skip "the kernel has device-mapper but no dm-verity target"

capture OUT nspawn -q -i "$T/img.raw" --root-hash="$hash" --verity-data="$T/img.verity" /bin/sh -c 'cat /proc/self/mountinfo'
assert_rc 0 "verity root"
[[ $(mount_source "$OUT" /) == /dev/dm-* ]] || fail "/ is not the verity device: $(mount_source "$OUT" /)"
[[ $(mount_entry "$OUT" /) == ro,* ]] || fail "/ is not read-only"
bad=$(tr 0-9a-f 1-9a-f0 <<< "$hash")
capture OUT nspawn -q -i "$T/img.raw" --root-hash="$bad" --verity-data="$T/img.verity" /bin/true
assert_rc 1 "a wrong root hash"
assert_eq "$(loop_devices)" "$loops_before" "loop devices afterwards"
