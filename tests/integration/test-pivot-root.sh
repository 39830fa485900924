#!/bin/bash
# --pivot-root=NEW[:OLD]: the tree's directory NEW becomes the container's root; with OLD the old
# root is mounted at NEW/OLD, else it is gone. On a directory and on a disk image holding several
# trees; a NEW that is not there fails the start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
expect_differ "systemd-nspawn 252 fails NEW:OLD on a -D directory that is not a mount point"

mkdir -p "$T/multi"
for t in a b; do
        mkdir -p "$T/multi/$t" && cp -a "$ROOTFS/." "$T/multi/$t/" && echo "$t" > "$T/multi/$t/WHO"
        mkdir -p "$T/multi/$t/oldroot"
done
cp -a "$ROOTFS/." "$T/multi/" && echo top > "$T/multi/WHO"
IT_ROOTS+=("$T/multi")

capture OUT nspawn -q -D "$T/multi" --pivot-root=/a /bin/sh -c 'cat /WHO; ls /oldroot | wc -l; ls -d /b 2>/dev/null; true'
assert_rc 0 "--pivot-root=/a"
assert_eq "$OUT" $'a\n0' "the root is /a, the old root gone"
capture OUT nspawn -q -D "$T/multi" --pivot-root=/b:/oldroot /bin/sh -c 'cat /WHO /oldroot/WHO /oldroot/a/WHO'
assert_rc 0 "--pivot-root=/b:/oldroot"
assert_eq "$OUT" $'b\ntop\na' "the root is /b, the old root on /oldroot"
capture OUT nspawn -q -D "$T/multi" --pivot-root=/c /bin/true
assert_rc 1 "a NEW that is not there"
assert_contains "$(cat "$T/stderr")" "Failed to find /c in the tree"
capture OUT nspawn -q -D "$T/multi" --pivot-root=/a:/nonexistent /bin/true
assert_rc 1 "an OLD that is not there"

require mksquashfs
fs_make squashfs "$T/multi" "$T/multi.raw"
capture OUT nspawn -q -i "$T/multi.raw" --pivot-root=/b:/oldroot /bin/sh -c 'cat /WHO /oldroot/WHO'
assert_rc 0 "--pivot-root on a disk image"
assert_eq "$OUT" $'b\ntop' "the image's /b"
