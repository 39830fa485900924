#!/bin/bash
# -x on a plain directory: an overlay whose upper layer lives in the container's mount namespace.
# Writes never reach the tree, nothing is created next to it, the name gets a random suffix (the
# .nspawn file is found under the plain name), and a SIGKILL of nspawn leaves nothing either.
. "$(dirname "$0")/lib.sh"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null

rootfs_copy "$T/root"; root=$IT_ROOT
snap() { (cd "$root" && find . -printf '%p %m %u %s\n' | sort); ls -A "$T" | grep -v -x -e stderr -e out -e m; }
before=$(snap)

echo '[Exec]
Environment=IT_FROM_FILE=yes' > "$T/root.nspawn"
before=$(snap)
run_sh -x -- 'echo w > /it-new && echo w > /etc/passwd && rm /usr/bin/ls && echo ok; hostname; echo "file=$IT_FROM_FILE"'
assert_rc 0
assert_contains "$OUT" ok "writes in the ephemeral container"
assert_match "$OUT" "(^|
)root-[0-9a-f]{16}(
|$)" "hostname with the random suffix"
assert_contains "$OUT" "file=yes" "root.nspawn found under the plain name"
assert_eq "$(snap)" "$before" "the tree and its directory after -x"

# Two at once (each its own overlay), and one next to a --read-only run.
run_sh -x -- 'echo $(hostname)' ; first=$OUT
run_sh -x -- 'echo $(hostname)'
assert_ne "$OUT" "$first" "two ephemeral names"

# A read-write run of the tree while -x uses it as the overlay's lower layer is refused.
mkdir -p "$T/m"
nspawn_bg "$T/out" -q -D "$root" -x --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000'
wait_for "[[ -e $T/m/started ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not start: $(cat "$T/out")"; }
capture OUT nspawn -q -D "$root" /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "is currently busy" "read-write run during -x"
run_sh --read-only -- 'echo ro-ok'
assert_eq "$OUT" ro-ok "--read-only run during -x"

# SIGKILL: the container goes, and nothing of it remains.
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ -z \$(it_root_processes) ]]" 5 || fail "container processes remain after SIGKILL: $(it_root_processes)"
rm -rf "$T/m" "$T/out"
assert_eq "$(snap)" "$before" "the tree and its directory after a SIGKILL of nspawn -x"
rm -f "$T/root.nspawn"
