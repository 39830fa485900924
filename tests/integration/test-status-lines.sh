#!/bin/bash
# nspawn's own status lines, as systemd-nspawn prints them, and none with -q.
. "$(dirname "$0")/lib.sh"

capture OUT nspawn -D "$ROOTFS" -M itstatus /bin/true
assert_rc 0
err=$(cat "$T/stderr")
assert_contains "$err" "Spawning container itstatus on $ROOTFS." "stderr"
assert_contains "$err" "Container itstatus exited successfully." "stderr"

capture OUT nspawn -D "$ROOTFS" -M itstatus /bin/sh -c 'exit 7'
assert_rc 7
assert_contains "$(cat "$T/stderr")" "Container itstatus failed with error code 7." "stderr"

capture OUT nspawn -q -D "$ROOTFS" -M itstatus /bin/true
assert_not_contains "$(cat "$T/stderr")" "Spawning container" "stderr with -q"
assert_not_contains "$(cat "$T/stderr")" "exited successfully" "stderr with -q"

# SYSTEMD_LOG_LEVEL, as systemd's tools read it: "err" hides the status lines (info), "debug"
# adds nspawn's own progress; the payload's output is the same either way.
SYSTEMD_LOG_LEVEL=err capture OUT nspawn -D "$ROOTFS" -M itstatus /bin/echo hello
assert_rc 0
assert_eq "$OUT" hello "stdout at level err"
assert_not_contains "$(cat "$T/stderr")" "Spawning container" "stderr at level err"
SYSTEMD_LOG_LEVEL=info capture OUT nspawn -D "$ROOTFS" -M itstatus /bin/echo hello
info_lines=$(wc -l < "$T/stderr")
SYSTEMD_LOG_LEVEL=debug capture OUT nspawn -D "$ROOTFS" -M itstatus /bin/echo hello
assert_eq "$OUT" hello "stdout at level debug"
debug_lines=$(wc -l < "$T/stderr")
(( debug_lines > info_lines )) || fail "SYSTEMD_LOG_LEVEL=debug adds no lines ($debug_lines vs $info_lines)"
# a failure is still reported at level err
SYSTEMD_LOG_LEVEL=err capture OUT nspawn -D "$ROOTFS" -M itstatus /nonexistent
assert_rc 1
assert_contains "$(cat "$T/stderr")" "Failed to execute /nonexistent" "stderr at level err"
