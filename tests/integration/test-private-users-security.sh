#!/bin/bash
# What a container's root could do to the host through CAP_SYS_ADMIN without a user namespace no
# longer reaches it under -U: /proc/sys and /sys (remounted writable, or a fresh procfs or sysfs),
# core_pattern, kernel file systems, binfmt_misc, a fresh cgroup v1 hierarchy and its
# release_agent. The namespace maps nothing but the container's range. Every write attempted here
# writes the value that is there already: were it to succeed, the host would not change.
. "$(dirname "$0")/lib.sh"

core=$(cat /proc/sys/kernel/core_pattern)
printk_time=$(cat /sys/module/printk/parameters/time 2>/dev/null) || skip "no /sys/module/printk/parameters/time"

# try WHAT CMD...: "WHAT: ok" or "WHAT: <error>" (the error text of the failing command).
prelude='try() { w=$1; shift; if e=$("$@" 2>&1); then echo "$w: ok"; else echo "$w: ${e:-failed}"; fi; }
put() { printf "%s\n" "$2" > "$1"; }'

run_sh -U -- "$prelude
tr -s ' ' < /proc/self/uid_map | sed 's/^ //'; grep -c . /proc/self/uid_map
try procsys-remount mount -o remount,bind,rw /proc/sys
try core-pattern put /proc/sys/kernel/core_pattern '$core'
mkdir -p /tmp/p; try freshproc mount -t proc proc /tmp/p
try freshproc-core-pattern put /tmp/p/sys/kernel/core_pattern '$core'
try sys-remount mount -o remount,bind,rw /sys
try sys-write put /sys/module/printk/parameters/time '$printk_time'
mkdir -p /tmp/s; try freshsys mount -t sysfs sysfs /tmp/s
for fs in debugfs tracefs securityfs configfs pstore bpf; do mkdir -p /tmp/\$fs; try \$fs mount -t \$fs none /tmp/\$fs; done
mkdir -p /tmp/c; try cgroup1-fresh mount -t cgroup -o none,name=nspawn-it cgroup /tmp/c
try release-agent put /sys/fs/cgroup/systemd/release_agent /x
mkdir -p /tmp/b; try binfmt mount -t binfmt_misc binfmt_misc /tmp/b
try binfmt-register put /tmp/b/register ':nspawn-it-$$:E::nspit::/bin/true:'
true"
assert_rc 0
log "inside: $OUT"
mapfile -t l <<< "$OUT"
assert_match "${l[0]}" "^0 [0-9]+ 65536$" "uid_map"
assert_eq "${l[1]}" 1 "lines in uid_map: the container's range alone"
assert_not_contains "$OUT" "core-pattern: ok" "core_pattern through /proc/sys"
assert_not_contains "$OUT" "freshproc-core-pattern: ok" "core_pattern through a fresh procfs"
assert_not_contains "$OUT" "sys-write: ok" "a write to the host's sysfs"
assert_not_contains "$OUT" "freshsys: ok" "a fresh sysfs of the host's network namespace"
for fs in debugfs tracefs securityfs configfs pstore bpf; do
        assert_not_contains "$OUT" "$fs: ok" "mounting $fs"
done
assert_not_contains "$OUT" "cgroup1-fresh: ok" "a fresh cgroup v1 hierarchy"
assert_not_contains "$OUT" "release-agent: ok" "release_agent"
# binfmt_misc is the user namespace's own since Linux 6.7 (a registration stays inside), refused
# before: either way the host's has no such entry.
mkdir -p "$T/binfmt"
if unshare -m sh -c "mount -t binfmt_misc binfmt_misc '$T/binfmt' && ls '$T/binfmt'" > "$T/host-binfmt" 2>/dev/null; then
        assert_not_contains "$(cat "$T/host-binfmt")" "nspawn-it-$$" "the host's binfmt_misc"
else
        log "cannot look at the host's binfmt_misc here"
fi
assert_eq "$(cat /proc/sys/kernel/core_pattern)" "$core" "the host's core_pattern"
assert_eq "$(cat /sys/module/printk/parameters/time)" "$printk_time" "the host's printk time"

# With a network namespace of its own the container may mount a sysfs: still nothing writable.
run_sh -U --private-network -- "$prelude
mkdir -p /tmp/s; try freshsys mount -t sysfs sysfs /tmp/s
try freshsys-write put /tmp/s/module/printk/parameters/time '$printk_time'"
assert_rc 0
log "inside (private network): $OUT"
assert_not_contains "$OUT" "freshsys-write: ok" "a write through a fresh sysfs"

# The container's cgroup is its root's (delegated), as systemd-nspawn makes it: the container can
# make sub-cgroups there, and nothing above it.
run_sh -U -- "$prelude
try cg-mkdir mkdir /sys/fs/cgroup/systemd/sub
try cg-move put /sys/fs/cgroup/systemd/sub/cgroup.procs 0
rmdir /sys/fs/cgroup/systemd/sub 2>/dev/null
true"
if [[ -d /sys/fs/cgroup/systemd ]]; then
        assert_contains "$OUT" "cg-mkdir: ok" "a sub-cgroup in the delegated name=systemd cgroup"
        assert_contains "$OUT" "cg-move: ok" "moving into it"
fi
