#!/bin/bash
# Device policy without systemd: inside, only the allowed devices can be created and opened
# (null zero full random urandom tty ptmx, the ptys, /dev/net/tun, bound device nodes). A block
# device node made with mknod cannot be read.
. "$(dirname "$0")/lib.sh"
expect_differ "systemd-nspawn 252 without systemd lets the container mknod and read block devices"

mode=$(stat -f -c %T /sys/fs/cgroup)
[[ $mode == cgroup2fs || $mode == tmpfs ]] || skip "no cgroup file system at /sys/fs/cgroup"

# a host block device: loop0 (7:0) if the kernel has it, else whatever block device exists
blk="b 7 0"
[[ -b /dev/loop0 ]] || { d=$(ls /sys/dev/block | head -n1); [[ -n $d ]] && blk="b ${d%%:*} ${d##*:}"; }
# (nodes go to /dev: /tmp is nodev, where no device opens whatever the policy)
run_sh -- "mknod /tmp/loop0 b 7 0 2>/dev/null && head -c1 /tmp/loop0 >/dev/null 2>&1 && echo TMP-BLOCK-READ
        mknod /dev/blk $blk 2>&1 && head -c1 /dev/blk >/dev/null 2>&1 && echo BLOCK-READ
        mknod /dev/mem c 1 1 2>/dev/null && head -c1 /dev/mem >/dev/null 2>&1 && echo MEM-READ
        echo x > /dev/null && echo null-ok
        head -c 4 /dev/zero | wc -c; head -c 4 /dev/urandom | wc -c; head -c 1 /dev/full >/dev/null && echo full-ok
        echo x > /dev/full 2>/dev/null || echo full-enospc
        [ -c /dev/net/tun ] && { exec 3<>/dev/net/tun 2>/dev/null && echo tun-ok || echo tun-err; }
        tty >/dev/null 2>&1; true"
assert_rc 0
assert_not_contains "$OUT" TMP-BLOCK-READ "mknod /tmp/loop0 b 7 0 && head -c1 /tmp/loop0"
assert_not_contains "$OUT" BLOCK-READ "block device ($blk) made inside"
assert_not_contains "$OUT" MEM-READ "/dev/mem made inside"
assert_line "$OUT" null-ok
assert_line "$OUT" full-ok
assert_line "$OUT" full-enospc
assert_eq "$(grep -c '^4$' <<< "$OUT")" 2 "reads of /dev/zero and /dev/urandom"
[[ -c /dev/net/tun ]] && assert_no_line "$OUT" tun-err

# the console is a pty of the container: usable
capture OUT nspawn -q -D "$ROOTFS" --console=interactive /bin/sh -c 'echo hi > /dev/console && echo console-ok' || true
log "console: $OUT"

# a bound device node is allowed, exactly it (here /dev/loop-control, if the host has it)
if [[ -c /dev/loop-control ]]; then
        run_sh --bind=/dev/loop-control -- 'exec 3<>/dev/loop-control && echo control-ok; mknod /dev/loop0 b 7 0 2>/dev/null && head -c1 /dev/loop0 >/dev/null 2>&1 && echo LOOP-READ; true'
        assert_rc 0
        assert_line "$OUT" control-ok
        assert_not_contains "$OUT" LOOP-READ "a loop device next to the bound loop-control"
        run_sh -- 'mknod /dev/lc c 10 237 2>/dev/null && exec 3<>/dev/lc 2>/dev/null && echo CONTROL-OPEN; true'
        assert_not_contains "$OUT" CONTROL-OPEN "loop-control without --bind"
else
        log "no /dev/loop-control on this host: bound device check skipped"
fi
exit 0
