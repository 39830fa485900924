#!/bin/bash
# --tmpfs=PATH[:OPTS]: a fresh tmpfs, mode 0755 by default, gone after the container.
. "$(dirname "$0")/lib.sh"
rootfs_copy "$T/root"   # mount points get created in the image

run_sh --tmpfs=/mnt/scratch -- 'echo x > /mnt/scratch/f && stat -c %a /mnt/scratch && grep " /mnt/scratch " /proc/self/mountinfo'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" 755 "mode of the tmpfs"
assert_contains "${l[1]}" " - tmpfs " "mountinfo of /mnt/scratch"
[[ ! -e $IT_ROOT/mnt/scratch/f ]] || fail "the write reached the image"

run_sh --tmpfs=/mnt/scratch:mode=0700,size=1m -- 'stat -c %a /mnt/scratch; grep " /mnt/scratch " /proc/self/mountinfo'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" 700 "mode with mode=0700"
assert_contains "${l[1]}" "size=1024k" "size=1m"

# Over an existing directory of the image: its content is hidden, not changed.
run_sh --tmpfs=/etc -- 'ls /etc/passwd /etc/inittab 2>/dev/null | wc -l'
assert_rc 0
assert_eq "$OUT" 0 "image files seen in a tmpfs /etc"
[[ -s $IT_ROOT/etc/passwd ]] || fail "the image's /etc was changed"
