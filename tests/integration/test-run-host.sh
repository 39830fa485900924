#!/bin/bash
# /run/host: container-manager, container-uuid, the host's os-release; read-only.
. "$(dirname "$0")/lib.sh"

run_sh -- 'cat /run/host/container-manager; echo; cat /run/host/container-uuid'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" systemd-nspawn "/run/host/container-manager"
assert_match "${l[2]}" '^[0-9a-f-]{36}$' "/run/host/container-uuid"

host_os=/etc/os-release
[[ -e $host_os ]] || host_os=/usr/lib/os-release
run_sh -- 'cat /run/host/os-release'
assert_rc 0
assert_eq "$OUT" "$(cat "$host_os")" "/run/host/os-release"

run_sh -- 'touch /run/host/x 2>&1; echo rc=$?; ls -d /run/host/incoming'
assert_contains "$OUT" "Read-only file system" "touch /run/host/x"
assert_contains "$OUT" "/run/host/incoming"

# The image's own os-release is what /etc/os-release shows.
run_sh -- '. /etc/os-release; echo $ID'
assert_eq "$OUT" busybox-test "ID of the image"
