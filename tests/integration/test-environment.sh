#!/bin/bash
# The payload's environment: container=, container_uuid=, PATH, HOME/USER/LOGNAME, -E/--setenv;
# nothing else of the caller's environment leaks in.
. "$(dirname "$0")/lib.sh"

export IT_LEAK_CHECK=leaked IT_PASSTHROUGH=from-caller
capture OUT nspawn -q -D "$ROOTFS" /usr/bin/env
assert_rc 0
assert_line "$OUT" "container=systemd-nspawn"
assert_line "$OUT" "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
assert_line "$OUT" "HOME=/root"
assert_line "$OUT" "USER=root"
assert_line "$OUT" "LOGNAME=root"
assert_match "$OUT" $'(^|\n)container_uuid=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\n|$)' "env"
assert_not_contains "$OUT" "IT_LEAK_CHECK" "env"
assert_not_contains "$OUT" "IT_PASSTHROUGH" "env"
# The host's os-release fields, as container_host_*.
host_id=$(. /etc/os-release && echo "$ID")
assert_line "$OUT" "container_host_id=$host_id"

# container_uuid is the one in /run/host/container-uuid, and --uuid sets it.
run_sh -- 'echo $container_uuid; cat /run/host/container-uuid'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" "${l[1]}" "container_uuid vs /run/host/container-uuid"
uuid=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
run_sh --uuid=$uuid -- 'echo $container_uuid'
assert_rc 0
assert_eq "$OUT" "$uuid" "container_uuid with --uuid"

# -E adds and overrides; NAME alone passes the caller's value through.
capture OUT nspawn -q -D "$ROOTFS" -E FOO=bar --setenv=PATH=/usr/bin:/bin -E 'SPACED=a b  c' -E IT_PASSTHROUGH /usr/bin/env
assert_rc 0
assert_line "$OUT" "FOO=bar"
assert_line "$OUT" "PATH=/usr/bin:/bin"
assert_line "$OUT" "SPACED=a b  c"
assert_line "$OUT" "IT_PASSTHROUGH=from-caller"
assert_not_contains "$OUT" "IT_LEAK_CHECK" "env"

capture OUT nspawn -q -D "$ROOTFS" -E '=bad' /bin/true
assert_rc 1 "-E =bad"
