#!/bin/bash
# --overlay=LOWER...:UPPER:DST and --overlay-ro: lower layers stay untouched, writes go to UPPER.
. "$(dirname "$0")/lib.sh"
rootfs_copy "$T/root"   # mount points get created in the image
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || skip "overlayfs is not available"

mkdir -p "$T/lower1" "$T/lower2" "$T/upper"
echo one > "$T/lower1/a"
echo two > "$T/lower2/b"
echo old > "$T/lower2/a"

run_sh --overlay="$T/lower2:$T/lower1:$T/upper:/mnt/ov" -- \
        'cat /mnt/ov/a /mnt/ov/b; echo new > /mnt/ov/c; echo changed > /mnt/ov/b; grep " /mnt/ov " /proc/self/mountinfo'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" one "the rightmost lower layer wins"
assert_eq "${l[1]}" two "file of the lower layer"
assert_contains "${l[2]}" " - overlay " "mountinfo of /mnt/ov"
assert_eq "$(cat "$T/upper/c")" new "new file in UPPER"
assert_eq "$(cat "$T/upper/b")" changed "changed file in UPPER"
assert_eq "$(cat "$T/lower2/b")" two "the lower layer is unchanged"
[[ ! -e $T/lower1/c && ! -e $T/lower2/c ]] || fail "a lower layer was written"
# The work dir made next to UPPER is gone after the run.
left=$(find "$T" -maxdepth 1 -name '.#*')
[[ -z $left ]] || fail "overlay work dir left on the host: $left"

# LOWER:UPPER only: DST is UPPER's path (directly below /tmp, whose parent exists inside).
u2=$(mktemp -d /tmp/nspawn-it-upper.XXXXXX)
at_exit "rm -rf $u2"
run_sh --overlay="$T/lower1:$u2" -- "cat $u2/a; echo y > $u2/y"
assert_rc 0
assert_eq "$OUT" one "--overlay=LOWER:UPPER"
assert_eq "$(cat "$u2/y")" y "write into UPPER"

run_sh --overlay-ro="$T/lower2:$T/lower1:/mnt/ov" -- 'cat /mnt/ov/a; echo z > /mnt/ov/z 2>&1; echo rc=$?'
assert_contains "$OUT" "one" "--overlay-ro content"
assert_contains "$OUT" "Read-only file system" "write to --overlay-ro"
