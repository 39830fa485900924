#!/bin/bash
# nspawnctl copy-to and copy-from with busybox containers, not booted and booted: files,
# directories (owners, modes, hard links, symlinks kept), the guest's own mounts (its /tmp),
# machinectl's one-path form, messages and exit codes for bad input, no overwriting, nothing left
# by a copy that fails half-way, and a hostile guest: its symlinks resolve inside it (one to /etc
# does not make copy-to write the host's /etc; one to a host file is copied as a symlink, the host
# file is not read), a symlink planted at the destination is refused, a FIFO does not block
# copy-from and a device node is made, not opened.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"
require unshare mknod mkfifo

rootfs_copy "$T/root"; root=$IT_ROOT
st() { stat -c '%F %a %u:%g' "$1"; }
name=cp-$$

# ---- the host's side ----
echo SECRET > "$T/host-secret"
printf 'payload\n' > "$T/payload"
chown 1234:5678 "$T/payload"; chmod 0604 "$T/payload"
mkdir -p "$T/hostdir/sub"
echo "host f" > "$T/hostdir/f"
echo "host g" > "$T/hostdir/sub/g"
ln "$T/hostdir/sub/g" "$T/hostdir/sub/g2"
ln -s ../f "$T/hostdir/sub/l"
chown -R 1234:5678 "$T/hostdir"
chmod 0750 "$T/hostdir"; chmod 0705 "$T/hostdir/sub"; chmod 0640 "$T/hostdir/f"
mkdir "$T/out" "$T/small"

# ---- the guest's side, some of it hostile ----
mkdir -p "$root/srv/guestdir/sub" "$root/srv/big" "$root/nspawn-onepath-$$"
echo x > "$root/nspawn-onepath-$$/x"
echo "guest a" > "$root/srv/guestdir/a"
echo "guest b" > "$root/srv/guestdir/sub/b"
ln -s /etc/hostname "$root/srv/guestdir/sub/l"
chown -R 1000:1001 "$root/srv/guestdir"
chmod 0751 "$root/srv/guestdir"; chmod 0700 "$root/srv/guestdir/sub"; chmod 0640 "$root/srv/guestdir/a"
echo "guest marker" > "$root/etc/marker"
ln -s /etc "$root/srv/etclink"                        # the guest's /etc, not the host's
ln -s "/etc/nspawn-planted-$$" "$root/srv/planted"     # dangling, planted at a destination
ln -s "$T/host-secret" "$root/srv/leak"                # a host path
ln -s "$T" "$root/srv/leakdir"
ln -s "../../../../../../../$T/host-secret" "$root/srv/leakrel"
mkfifo "$root/srv/fifo"
mknod -m 0666 "$root/srv/null" c 1 3
for i in 1 2 3 4; do head -c 49152 /dev/urandom > "$root/srv/big/f$i"; done

# ---- a container that was not booted ----
nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" /bin/sleep 1000
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$name"
guest=/proc/$LEADER/root

# copy-to: a file, owner and mode kept
capture out ctl copy-to "$name" "$T/payload" /srv/payload
assert_rc 0
assert_eq "$(cat "$root/srv/payload")" payload "copy-to: the file's contents"
assert_eq "$(st "$root/srv/payload")" "regular file 604 1234:5678" "copy-to: the file's owner and mode"

# copy-to: a directory with a hard link and a symlink
capture out ctl copy-to "$name" "$T/hostdir" /srv/hostdir
assert_rc 0
assert_eq "$(st "$root/srv/hostdir")" "directory 750 1234:5678" "copy-to: the directory"
assert_eq "$(st "$root/srv/hostdir/sub")" "directory 705 1234:5678" "copy-to: the subdirectory"
assert_eq "$(st "$root/srv/hostdir/f")" "regular file 640 1234:5678" "copy-to: a file in it"
assert_eq "$(cat "$root/srv/hostdir/sub/g2")" "host g" "copy-to: the hard link's contents"
assert_eq "$(stat -c %i "$root/srv/hostdir/sub/g")" "$(stat -c %i "$root/srv/hostdir/sub/g2")" "copy-to: hard link"
assert_eq "$(readlink "$root/srv/hostdir/sub/l")" ../f "copy-to: the symlink"

# the guest's own mounts: its /tmp is a tmpfs of its own, not the tree's /tmp
capture out ctl copy-to "$name" "$T/payload" /tmp/payload
assert_rc 0
assert_eq "$(cat "$guest/tmp/payload")" payload "copy-to /tmp: in the guest's /tmp"
[[ ! -e $root/tmp/payload ]] || fail "copy-to /tmp wrote to the tree's /tmp below the guest's tmpfs"

# a relative host path is taken from the current directory
capture out bash -c "cd '$T' && '$NSPAWNCTL' copy-to '$name' payload /srv/relative"
assert_rc 0
assert_eq "$(cat "$root/srv/relative")" payload "copy-to with a relative host path"

# one path: the same path on the other side (machinectl's form)
capture out ctl copy-to "$name" /etc/hostname
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Failed to copy: File exists" "copy-to /etc/hostname (exists in the guest)"
capture out ctl copy-from "$name" "/nspawn-onepath-$$/x"
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Failed to copy: Failed to open host directory /nspawn-onepath-$$/x: No such file or directory" \
        "copy-from with one path (no such directory on the host)"

# copy-from: a file and a directory, owners and modes kept
capture out ctl copy-from "$name" /srv/guestdir/a "$T/out/a"
assert_rc 0
assert_eq "$(cat "$T/out/a")" "guest a" "copy-from: the file's contents"
assert_eq "$(st "$T/out/a")" "regular file 640 1000:1001" "copy-from: the file's owner and mode"
capture out ctl copy-from "$name" /srv/guestdir "$T/out/guestdir"
assert_rc 0
assert_eq "$(st "$T/out/guestdir")" "directory 751 1000:1001" "copy-from: the directory"
assert_eq "$(st "$T/out/guestdir/sub")" "directory 700 1000:1001" "copy-from: the subdirectory"
assert_eq "$(cat "$T/out/guestdir/sub/b")" "guest b" "copy-from: a file in it"
assert_eq "$(readlink "$T/out/guestdir/sub/l")" /etc/hostname "copy-from: the symlink, as a symlink"
capture out ctl copy-from "$name" /tmp/payload "$T/out/from-tmp"
assert_rc 0
assert_eq "$(cat "$T/out/from-tmp")" payload "copy-from the guest's /tmp"

# ---- never onto something that exists ----
capture out ctl copy-to "$name" "$T/hostdir/f" /srv/payload
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Failed to copy: File exists"
assert_eq "$(cat "$root/srv/payload")" payload "the existing file after copy-to onto it"
capture out ctl copy-to "$name" "$T/hostdir" /srv/guestdir
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Failed to copy: File exists" "copy-to onto an existing directory"
[[ ! -e $root/srv/guestdir/f && ! -e $root/srv/guestdir/sub/g ]] || fail "copy-to merged into an existing directory"
capture out ctl copy-from "$name" /srv/guestdir/a "$T/payload"
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Failed to copy: File exists" "copy-from onto an existing host file"
assert_eq "$(cat "$T/payload")" payload "the host file after copy-from onto it"

# ---- the guest's symlinks stay in the guest ----
capture out ctl copy-to "$name" "$T/payload" "/srv/etclink/nspawn-test-$$"
assert_rc 0
[[ ! -e /etc/nspawn-test-$$ ]] || { rm -f "/etc/nspawn-test-$$"; fail "copy-to through a guest symlink to /etc wrote the host's /etc"; }
assert_eq "$(cat "$root/etc/nspawn-test-$$")" payload "copy-to through a guest symlink: the guest's /etc"
capture out ctl copy-to "$name" "$T/payload" "/../../../../../../../etc/nspawn-dotdot-$$"
assert_rc 0
[[ ! -e /etc/nspawn-dotdot-$$ ]] || { rm -f "/etc/nspawn-dotdot-$$"; fail "copy-to with .. wrote the host's /etc"; }
[[ -f $root/etc/nspawn-dotdot-$$ ]] || fail "copy-to with ..: not in the guest's /etc"
capture out ctl copy-to "$name" "$T/payload" /srv/planted
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Failed to copy: File exists" "copy-to onto a planted symlink"
[[ ! -e /etc/nspawn-planted-$$ && ! -e $root/etc/nspawn-planted-$$ ]] || {
        rm -f "/etc/nspawn-planted-$$"; fail "copy-to followed a symlink planted at the destination"; }
capture out ctl copy-from "$name" /srv/etclink/marker "$T/out/marker"
assert_rc 0
assert_eq "$(cat "$T/out/marker")" "guest marker" "copy-from through a guest symlink: the guest's file"
capture out ctl copy-from "$name" /srv/leak "$T/out/leak"
assert_rc 0
[[ -L $T/out/leak ]] || fail "copy-from of a guest symlink to a host file did not make a symlink"
assert_eq "$(readlink "$T/out/leak")" "$T/host-secret" "copy-from of a guest symlink"
for p in /srv/leakdir/host-secret /srv/leakrel/x "$T/host-secret"; do
        capture out ctl copy-from "$name" "$p" "$T/out/leaked"
        assert_rc 1 "copy-from $p"
        assert_eq "$(cat "$T/stderr")" "Failed to copy: No such file or directory" "copy-from $p"
        [[ ! -e $T/out/leaked ]] || fail "copy-from $p read the host"
done

# ---- a FIFO is made, not opened (it would block); a device node likewise ----
capture out timeout 10 "$NSPAWNCTL" copy-from "$name" /srv/fifo "$T/out/fifo"
assert_rc 0 "copy-from of a FIFO"
[[ -p $T/out/fifo ]] || fail "copy-from of a FIFO: not a FIFO"
capture out timeout 10 "$NSPAWNCTL" copy-from "$name" /srv "$T/out/srv"
assert_rc 0 "copy-from of a directory with a FIFO and a device node"
[[ -p $T/out/srv/fifo && -c $T/out/srv/null ]] || fail "copy-from of a directory: the FIFO or the device node"
assert_eq "$(stat -c '%t:%T %a' "$T/out/srv/null")" "1:3 666" "copy-from: the device node"

# ---- a copy that fails half-way leaves nothing (64 KiB tmpfs, 192 KiB to copy) ----
capture out unshare -m --propagation private sh -c \
        "mount -t tmpfs -o size=64k tmpfs '$T/small' && '$NSPAWNCTL' copy-from '$name' /srv/big '$T/small/big'; echo rc=\$?; ls -A '$T/small'"
assert_eq "$out" "rc=1" "copy-from that runs out of space: exit code and leftovers"
assert_eq "$(cat "$T/stderr")" "Failed to copy: No space left on device"

# ---- bad input: machinectl's messages, exit code 1, nothing made ----
before=$(cd "$root" && find . | sort; cd "$T/out" && find . | sort)
bad() {   # bad MESSAGE ARGS...
        local msg=$1; shift
        capture out ctl "$@"
        assert_rc 1 "$*"
        assert_eq "$(cat "$T/stderr")" "$msg" "$*"
}
bad "Failed to copy: No machine 'nosuch-$$' known" copy-to "nosuch-$$" "$T/payload" /srv/x
bad "Failed to copy: No machine 'nosuch-$$' known" copy-from "nosuch-$$" relative "$T/out/x"
bad "Failed to copy: Destination path must be absolute." copy-to "$name" "$T/payload" relative
bad "Failed to copy: Source path must be absolute." copy-from "$name" relative "$T/out/x"
bad "Failed to copy: Source path must be absolute." copy-from "$name" relative
bad "Failed to copy: No such file or directory" copy-to "$name" "$T/nosuch" /srv/x
bad "Failed to copy: No such file or directory" copy-to "$name" "$T/payload" /nosuch/x
bad "Failed to copy: No such file or directory" copy-from "$name" /nosuch "$T/out/x"
bad "Failed to copy: Failed to open host directory $T/nosuch/x: No such file or directory" \
        copy-from "$name" /srv/payload "$T/nosuch/x"
bad "Failed to copy: Failed to open host directory $T/nosuch/x: No such file or directory" \
        copy-from --mkdir "$name" /srv/payload "$T/nosuch/x"   # --mkdir is bind's, as in machinectl
bad "Failed to copy: Copying files is only supported on container machines." copy-to .host "$T/payload" /srv/x
bad "Too few arguments." copy-to "$name"
bad "Too many arguments." copy-from "$name" /a /b /c
capture out ctl copy-to "$name" "$T/payload" /
assert_rc 1 "copy-to /"
assert_match "$(cat "$T/stderr")" "^Failed to copy: Failed to extract file name of '/' path: " "copy-to /"
assert_eq "$(cd "$root" && find . | sort; cd "$T/out" && find . | sort)" "$before" "the trees after bad input"

kill "$BG_PID"
bg_wait 10
ctl_wait_gone "$name"

# ---- a booted container (busybox init) ----
cat > "$root/etc/inittab" <<'X'
::sysinit:/bin/sh -c 'echo boot > /run/booted'
::respawn:/bin/sleep 1000
X
nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" -b
ctl_wait_leader "$name"
guest=/proc/$LEADER/root
wait_for "[[ -e $guest/run/booted ]]" 10 || fail "the booted guest did not come up"
capture out ctl copy-to "$name" "$T/hostdir" /run/hostdir
assert_rc 0
assert_eq "$(st "$guest/run/hostdir/f")" "regular file 640 1234:5678" "copy-to a booted guest's /run"
capture out ctl copy-from "$name" /run/booted "$T/out/booted"
assert_rc 0
assert_eq "$(cat "$T/out/booted")" boot "copy-from a booted guest's /run"
capture out ctl copy-to "$name" "$T/payload" /srv/etclink/booted-$$
assert_rc 0
[[ -f $root/etc/booted-$$ && ! -e /etc/booted-$$ ]] || fail "copy-to a booted guest through its symlink"
capture out ctl poweroff "$name"
assert_rc 0
bg_wait 15
assert_eq "$BG_RC" 0 "nspawn after poweroff"
ctl_wait_gone "$name"
