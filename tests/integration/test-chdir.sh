#!/bin/bash
# The working directory: / by default, --chdir=PATH inside the container.
. "$(dirname "$0")/lib.sh"

run_sh -- 'pwd'
assert_rc 0
assert_eq "$OUT" / "default working directory"

run_sh --chdir=/etc -- 'pwd; ls passwd'
assert_rc 0
assert_eq "$OUT" "/etc
passwd" "--chdir=/etc"

# Resolved inside the container, not on the host.
mkdir -p "$T/only-on-host"
capture OUT nspawn -q -D "$ROOTFS" --chdir="$T/only-on-host" /bin/pwd
assert_ne "$RC" 0 "--chdir to a path that exists only on the host"

capture OUT nspawn -q -D "$ROOTFS" --chdir=relative /bin/pwd
assert_rc 1 "--chdir=relative"
