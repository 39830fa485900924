#!/bin/bash
# The container UUID: --uuid sets $container_uuid and /run/host/container-uuid; an image with an
# initialized /etc/machine-id wins over it; an /etc/machine-id that is a symlink pointing out of
# the image (absolute or ../..) is not followed: the host file is neither used nor changed.
. "$(dirname "$0")/lib.sh"

uuid=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
show='echo $container_uuid; cat /run/host/container-uuid'

run_sh --uuid=$uuid -- "$show"
assert_rc 0
assert_eq "$OUT" "$uuid
$uuid" "--uuid=$uuid"
# Without dashes too.
run_sh --uuid=${uuid//-/} -- "$show"
assert_eq "$OUT" "$uuid
$uuid" "--uuid without dashes"

capture OUT nspawn -q -D "$ROOTFS" --uuid=00000000-0000-0000-0000-000000000000 /bin/true
assert_rc 1 "all-zero --uuid"
capture OUT nspawn -q -D "$ROOTFS" --uuid=not-a-uuid /bin/true
assert_rc 1 "--uuid=not-a-uuid"

rootfs_copy "$T/root"; root=$IT_ROOT

# An initialized machine-id wins; "uninitialized" does not count.
echo 0123456789abcdef0123456789abcdef > "$root/etc/machine-id"
run_sh --uuid=$uuid -- "$show; cat /etc/machine-id"
assert_rc 0
assert_eq "$OUT" "01234567-89ab-cdef-0123-456789abcdef
01234567-89ab-cdef-0123-456789abcdef
0123456789abcdef0123456789abcdef" "the image's machine-id over --uuid"
echo uninitialized > "$root/etc/machine-id"
run_sh --uuid=$uuid -- "$show"
assert_rc 0
assert_eq "$OUT" "$uuid
$uuid" "--uuid with an uninitialized machine-id"

# /etc/machine-id pointing at a host file.
host_id=fedcba9876543210fedcba9876543210
host_uuid=fedcba98-7654-3210-fedc-ba9876543210
echo $host_id > "$T/host-machine-id"
touch -d '2001-01-01 00:00' "$T/host-machine-id"
stamp=$(stat -c '%s %Y %i' "$T/host-machine-id")
up=$(sed 's|[^/][^/]*|..|g; s|^/||' <<< "$root/etc")   # from $root/etc up to the host's /
expect_differ "systemd-nspawn 252 follows /etc/machine-id out of the image and uses the host file"
for target in "$T/host-machine-id" "$up$T/host-machine-id"; do
        ln -sfn "$target" "$root/etc/machine-id"
        run_sh --uuid=$uuid -- "$show"
        assert_rc 0 "machine-id -> $target"
        assert_not_contains "$OUT" "$host_uuid" "UUID with machine-id -> $target"
        assert_eq "$OUT" "$uuid
$uuid" "UUID with machine-id -> $target and --uuid"
        run_sh -- "$show"
        assert_rc 0 "machine-id -> $target"
        assert_not_contains "$OUT" "$host_uuid" "UUID with machine-id -> $target"
        assert_eq "$(cat "$T/host-machine-id")" $host_id "the host file behind machine-id -> $target"
        assert_eq "$(stat -c '%s %Y %i' "$T/host-machine-id")" "$stamp" "size, mtime, inode of the host file"
        assert_eq "$(readlink "$root/etc/machine-id")" "$target" "the image's symlink"
done
