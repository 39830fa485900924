#!/bin/bash
# -x on a btrfs subvolume: a snapshot .#machine.NAME<16 hex> next to the tree, destroyed at exit,
# destroyed by the guard when nspawn is SIGKILLed, and by the next -x when both were killed.
# --template from a subvolume is a snapshot. The btrfs file system is a loop-mounted image file
# in $T, mounted in a private mount namespace of this test (the host's mount table never sees it).
if [[ -z ${IT_UNSHARED:-} ]]; then
        command -v unshare >/dev/null || { echo "SKIP: unshare is missing" >&2; exit 77; }
        IT_UNSHARED=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require mkfs.btrfs btrfs
grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null
grep -qw btrfs /proc/filesystems || skip "btrfs is not available"

truncate -s 512M "$T/btrfs.img"
mkfs.btrfs -q "$T/btrfs.img" > /dev/null 2>&1 || skip "mkfs.btrfs failed"
mkdir "$T/mnt"
mount -o loop "$T/btrfs.img" "$T/mnt" 2>/dev/null || skip "cannot mount a loop device here"
at_exit "umount -l '$T/mnt'"
btrfs -q subvolume create "$T/mnt/root" > /dev/null
cp -a "$ROOTFS/." "$T/mnt/root/"
IT_ROOTS+=("$T/mnt/root")
root=$T/mnt/root
subvols() { btrfs subvolume list -o "$T/mnt" 2>/dev/null | awk '{ print $NF }' | sort; ls -A "$T/mnt" | sort; }
before=$(subvols)
image=$(cd "$root" && find . -printf '%p %m %s\n' | sort)

# The snapshot exists while the container runs, next to the tree, and is the container's root.
capture OUT nspawn -q -D "$root" -x /bin/sh -c 'echo w > /it-new; rm /usr/bin/ls; ls -d /it-new; hostname;
        awk "\$5 == \"/\" { print \$4 }" /proc/self/mountinfo'
assert_rc 0
assert_contains "$OUT" /it-new "write in the snapshot"
assert_match "$OUT" "/\.#machine\.root[0-9a-f]{16}" "the container's root is the snapshot"
assert_match "$OUT" "root-[0-9a-f]{16}" "hostname"
assert_eq "$(subvols)" "$before" "subvolumes after exit"
assert_eq "$(cd "$root" && find . -printf '%p %m %s\n' | sort)" "$image" "the tree after -x"

# SIGKILL of nspawn: the guard destroys the snapshot once the container is gone.
mkdir -p "$T/m"
nspawn_bg "$T/out" -q -D "$root" -x --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000'
wait_for "[[ -e $T/m/started ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not start: $(cat "$T/out")"; }
ls -A "$T/mnt" | grep -qE '^\.#machine\.root[0-9a-f]{16}$' || fail "no snapshot while running: $(ls -A "$T/mnt")"
kill -KILL "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ \$(subvols) == \"\$before\" ]]" 10 || fail "snapshot left after SIGKILL of nspawn: $(subvols)"
rm -f "$T/m/started"

# nspawn and its guard both SIGKILLed: the next -x of the tree removes the orphan.
nspawn_bg "$T/out" -q -D "$root" -x --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000'
wait_for "[[ -e $T/m/started ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not start: $(cat "$T/out")"; }
guard=$(pgrep -P "$BG_PID" -x nspawn-guard)
[[ -n $guard ]] || fail "no guard process (nspawn-guard)"
kill -KILL "$guard" "$BG_PID"
wait "$BG_PID" 2>/dev/null
wait_for "[[ -z \$(it_root_processes) ]]" 5 || fail "container processes remain: $(it_root_processes)"
[[ $(subvols) != "$before" ]] || fail "the orphaned snapshot should still be there (no guard)"
run_sh_root() { capture OUT nspawn -q -D "$root" -x /bin/sh -c "$1"; }
run_sh_root 'echo next'
assert_eq "$OUT" next "the next -x"
assert_eq "$(subvols)" "$before" "subvolumes after the next -x (orphan swept)"

# A snapshot of a live nspawn is never swept: run one, start another -x next to it.
rm -f "$T/m/started"
nspawn_bg "$T/out" -q -D "$root" -x --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000'
wait_for "[[ -e $T/m/started ]]" 20 || { kill -KILL "$BG_PID"; fail "the container did not start: $(cat "$T/out")"; }
running=$(ls -A "$T/mnt" | grep '^\.#machine')
run_sh_root 'echo second'
assert_eq "$OUT" second "a second -x next to a running one"
[[ -d $T/mnt/$running ]] || fail "the running container's snapshot was swept"
kill -TERM "$BG_PID"; wait "$BG_PID" 2>/dev/null
wait_for "[[ \$(subvols) == \"\$before\" ]]" 10 || fail "snapshot left after SIGTERM: $(subvols)"

# --template from a subvolume: a snapshot (a subvolume of its own).
capture OUT nspawn -q -D "$T/mnt/copy" --template="$root" /bin/sh -c 'echo ok'
assert_eq "$OUT" ok "--template from a subvolume"
btrfs subvolume show "$T/mnt/copy" > /dev/null 2>&1 || fail "--template did not make a subvolume"
diff -r --no-dereference "$root" "$T/mnt/copy" > "$T/diff" 2>&1 || fail "--template snapshot differs: $(cat "$T/diff")"
btrfs -q subvolume delete "$T/mnt/copy" > /dev/null
