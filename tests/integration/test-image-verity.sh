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

if [[ ! -e /dev/mapper/control ]]; then
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
