#!/bin/bash
# SIGKILL of nspawn running a disk image: the container dies with it and the kernel detaches the
# loop device (autoclear) once the container's mount namespace is gone — nothing to undo, nothing
# left. Also: a start that fails after the loop device was attached (an image without an OS
# tree, a refused policy) leaves none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
require mksquashfs

fs_make squashfs "$ROOTFS" "$T/img.raw"
loops_before=$(loop_devices)
nspawn_bg "$T/out" -q -i "$T/img.raw" /bin/sh -c 'sleep 1000 & exec sleep 1001'
at_exit "kill -KILL $BG_PID 2>/dev/null"
wait_for "[[ -n \$(container_leader $BG_PID) ]]" 20 || fail "the container did not start: $(cat "$T/out")"
leader=$(container_leader "$BG_PID")
[[ $(loop_devices) == *"$T/img.raw"* ]] || fail "no loop device while it runs: $(loop_devices)"
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ ! -e /proc/$leader ]]" 5 || fail "the container's PID 1 remains after SIGKILL of nspawn"
wait_for "[[ \$(loop_devices) == \"\$loops_before\" ]]" 5 || fail "loop devices remain after SIGKILL of nspawn:
$(loop_devices)"

# Failed starts after the loop device was made.
capture OUT nspawn -q -i "$T/img.raw" --image-policy=root=signed /bin/true
assert_rc 1 "refused by the policy"
capture OUT nspawn -q -i "$T/img.raw" -b --pivot-root=/nonexistent
assert_rc 1 "a --pivot-root= directory that is not there"
assert_contains "$(cat "$T/stderr")" "Failed to find /nonexistent in the tree"
assert_eq "$(loop_devices)" "$loops_before" "loop devices after failed starts"
