#!/bin/bash
# --bind and --bind-ro: host directories and files inside, writes reach the host only with --bind.
. "$(dirname "$0")/lib.sh"
rootfs_copy "$T/root"   # mount points get created in the image

mkdir -p "$T/src/sub" "$T/ro"
echo hello > "$T/src/file"
echo ro > "$T/ro/file"

run_sh --bind="$T/src:/mnt/rw" --bind-ro="$T/ro:/mnt/ro" -- \
        'cat /mnt/rw/file /mnt/ro/file; echo new > /mnt/rw/new; echo x > /mnt/ro/new 2>&1; echo rc=$?'
assert_rc 0
assert_contains "$OUT" "hello
ro" "bound files"
assert_contains "$OUT" "Read-only file system" "write to --bind-ro"
assert_eq "$(cat "$T/src/new")" new "file written through --bind"
[[ ! -e $T/ro/new ]] || fail "a file appeared in the --bind-ro source"
# Mount points are created inside the image only when missing: leave the shared root clean.
[[ ! -e $IT_ROOT/mnt/rw/new ]] || fail "the write went into the image"

# SRC alone: same path inside.
run_sh --bind="$T/src" -- "cat $T/src/file"
assert_rc 0
assert_eq "$OUT" hello "--bind=SRC"

# A single file.
run_sh --bind-ro="$T/src/file:/etc/it-file" -- 'cat /etc/it-file'
assert_rc 0
assert_eq "$OUT" hello "bound file"

# Recursive by default; norbind leaves the submounts out. The submount lives in a private
# mount namespace of the test, never on the host.
cat > "$T/sub.sh" <<SUB
set -e
mount -t tmpfs it-sub "$T/src/sub"
echo inner > "$T/src/sub/f"
echo rbind:\$(${NSPAWN} -q -D "$IT_ROOT" --bind="$T/src:/mnt" /bin/sh -c 'cat /mnt/sub/f 2>/dev/null || echo none' < /dev/null | tr -d '\r')
echo norbind:\$(${NSPAWN} -q -D "$IT_ROOT" --bind="$T/src:/mnt:norbind" /bin/sh -c 'cat /mnt/sub/f 2>/dev/null || echo none' < /dev/null | tr -d '\r')
SUB
capture OUT unshare -m --propagation private bash "$T/sub.sh"
assert_rc 0 "bind with a submount"
assert_line "$OUT" "rbind:inner" "--bind is recursive"
assert_line "$OUT" "norbind:none" "--bind ...:norbind"

# Relative sources are refused.
capture OUT nspawn -q -D "$IT_ROOT" --bind=relative:/mnt /bin/true
assert_rc 1 "--bind=relative:/mnt"
