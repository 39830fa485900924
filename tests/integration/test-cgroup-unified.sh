#!/bin/bash
# The unified-host code path: /sys/fs/cgroup as cgroup2. On a unified host this is the host
# itself; on a hybrid host it is simulated in a private mount namespace (cgroup2 mounted over
# /sys/fs/cgroup; the v1 hierarchies are then reached through detached mounts). Controllers cannot
# be enabled on cgroup2 while v1 holds them, so limits are only checked on a real unified host.
. "$(dirname "$0")/lib.sh"
require unshare

mode=$(stat -f -c %T /sys/fs/cgroup)
M=cgv2$$
if [[ $mode == cgroup2fs ]]; then
        wrap=()
elif [[ $mode == tmpfs && $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
        wrap=(unshare -m --propagation slave sh -c 'mount -t cgroup2 cgroup /sys/fs/cgroup && exec "$0" "$@"')
        log "hybrid host: simulating a unified one in a private mount namespace"
else
        skip "no cgroup2 hierarchy on this host"
fi
props=()
[[ $mode == cgroup2fs && $(cat /sys/fs/cgroup/cgroup.controllers) == *pids* ]] && props=(--property=TasksMax=33)

mkdir -p "$T/m"
script='cat /proc/self/cgroup; cat /proc/self/mountinfo; mkdir /sys/fs/cgroup/sub && rmdir /sys/fs/cgroup/sub && echo SUBOK
        mknod /dev/blk b 7 0 2>/dev/null && head -c1 /dev/blk >/dev/null 2>&1 && echo BLOCK-READ
        [ -e /sys/fs/cgroup/pids.max ] && { read v < /sys/fs/cgroup/pids.max; echo pids.max=$v; }; true'
capture OUT timeout -k 5 20 "${wrap[@]}" "${NSPAWN_CMD[@]}" -q -D "$ROOTFS" -M "$M" "${props[@]}" /bin/sh -c "$script" < /dev/null
assert_rc 0
assert_line "$OUT" "0::/"
assert_match "$(mount_entry "$OUT" /sys/fs/cgroup)" "^rw,.* cgroup2" "/sys/fs/cgroup inside"
assert_line "$OUT" SUBOK
assert_not_contains "$OUT" BLOCK-READ "block device made inside"
if [[ ${#props[@]} -gt 0 ]]; then
        # the limit is on the scope, above the container's namespace root
        assert_not_contains "$OUT" "pids.max=33" "the container's own pids.max"
fi
main=/sys/fs/cgroup; [[ $mode == tmpfs ]] && main=/sys/fs/cgroup/unified
wait_for "[[ ! -e $main/machine.slice/machine-$M.scope ]]" 5 || fail "the cgroup2 cgroup remains 5 s after exit"
exit 0
