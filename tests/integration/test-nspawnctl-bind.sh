#!/bin/bash
# nspawnctl bind into busybox containers, booted and not: a directory read-write (a write inside
# reaches the host), --read-only (a write inside fails; the host's directory stays writable), a
# file, --mkdir (made inside the guest: a guest symlink to /etc leads to the guest's /etc, not the
# host's), machinectl's one-path form, messages and exit codes for bad input; the host's mounts
# never change, and the binds are gone with the container.
# timeout: 90
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"
require nsenter

rootfs_copy "$T/root"; root=$IT_ROOT
name=bd-$$
tag=$(basename "$T") # in the mount root of every bind of ours ("/tmp/nspawn-it.X/src")

mkdir "$T/src" "$T/ro"
echo "host file" > "$T/src/file"
echo "read-only" > "$T/ro/file"
echo single > "$T/file"
mkdir -p "$root/mnt/exists"
ln -s /etc "$root/mnt/esc"
cat > "$root/etc/inittab" <<'X'
::sysinit:/bin/sh -c 'echo boot > /run/booted'
::respawn:/bin/sleep 1000
X

# inside CMD: run CMD with the guest's sh in the container's mount and PID namespaces
inside() { timeout 10 nsenter -t "$LEADER" -m -p -r -w /bin/sh -c "$1"; }
host_mounts() { awk '{ print $4, $5 }' /proc/self/mountinfo | grep -F "$tag" || true; }
guest_mount() { awk -v mp="$1" '$5 == mp { print $6 }' "/proc/$LEADER/mountinfo"; }
# every mount anywhere whose root is one of our binds' sources
binds_anywhere() { cat /proc/[0-9]*/mountinfo 2>/dev/null | awk -v t="$tag" 'index($4, t "/")' | sort -u; }

nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" -b
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$name"
wait_for "[[ -e /proc/$LEADER/root/run/booted ]]" 10 || fail "the booted guest did not come up"
host_before=$(host_mounts)

# ---- a missing mount point without --mkdir: machinectl's message, nothing made ----
capture out ctl bind "$name" "$T/src" /mnt/rw
assert_rc 1
assert_eq "$(cat "$T/stderr")" \
        "Failed to bind mount: Failed to mount $T/src on /mnt/rw in machine's namespace: No such file or directory"
[[ ! -e $root/mnt/rw ]] || fail "bind without --mkdir made the mount point"

# ---- read-write, with --mkdir ----
capture out ctl bind --mkdir "$name" "$T/src" /mnt/rw
assert_rc 0
assert_eq "$(stat -c '%F %a' "$root/mnt/rw")" "directory 755" "the mount point --mkdir made"
assert_eq "$(inside 'cat /mnt/rw/file')" "host file" "the bind inside"
inside 'echo from-guest > /mnt/rw/new' || fail "a write into the read-write bind failed"
assert_eq "$(cat "$T/src/new")" from-guest "the guest's write on the host"
assert_match "$(guest_mount /mnt/rw)" "^rw" "the bind's options inside"

# ---- --read-only: a write inside fails; the host's directory is as writable as before ----
capture out ctl bind --read-only --mkdir "$name" "$T/ro" /mnt/ro
assert_rc 0
assert_eq "$(inside 'cat /mnt/ro/file')" "read-only" "the read-only bind inside"
capture out inside 'touch /mnt/ro/new'
assert_rc 1 "a write into the read-only bind"
assert_contains "$(cat "$T/stderr")" "Read-only file system"
[[ ! -e $T/ro/new ]] || fail "a write through the read-only bind reached the host"
assert_match "$(guest_mount /mnt/ro)" "^ro" "the read-only bind's options inside"
touch "$T/ro/host-write" || fail "the host's directory became read-only"

# ---- a file, onto a file --mkdir makes; a directory that exists needs no --mkdir ----
capture out ctl bind --mkdir "$name" "$T/file" /etc/bound
assert_rc 0
assert_eq "$(stat -c '%F %a' "$root/etc/bound")" "regular empty file 600" "the file --mkdir made"
assert_eq "$(inside 'cat /etc/bound')" single "the file bind inside"
capture out ctl bind "$name" "$T/src" /mnt/exists
assert_rc 0
assert_eq "$(inside 'cat /mnt/exists/file')" "host file" "a bind on an existing directory"

# ---- one path: the same path inside (the guest's /tmp is its own tmpfs) ----
capture out ctl bind --mkdir "$name" "$T/src"
assert_rc 0
assert_eq "$(inside "cat $T/src/file")" "host file" "bind with one path"

# ---- --mkdir through a guest symlink to /etc: the guest's /etc ----
capture out ctl bind --mkdir "$name" "$T/src" "/mnt/esc/nspawn-bind-$$"
assert_rc 0
[[ ! -e /etc/nspawn-bind-$$ ]] || { rmdir "/etc/nspawn-bind-$$"; fail "--mkdir followed a guest symlink to the host's /etc"; }
[[ -d $root/etc/nspawn-bind-$$ ]] || fail "--mkdir through a guest symlink: not in the guest's /etc"
assert_eq "$(inside "cat /etc/nspawn-bind-$$/file")" "host file" "the bind through a guest symlink"

# ---- bad input ----
bad() {   # bad MESSAGE ARGS...
        local msg=$1; shift
        capture out ctl "$@"
        assert_rc 1 "$*"
        assert_eq "$(cat "$T/stderr")" "$msg" "$*"
}
bad "Failed to bind mount: No machine 'nosuch-$$' known" bind "nosuch-$$" relative /mnt/x
bad "Failed to bind mount: Source path must be absolute and normalized." bind "$name" relative /mnt/x
bad "Failed to bind mount: Source path must be absolute and normalized." bind "$name" "$T/../src" /mnt/x
bad "Failed to bind mount: Destination path must be absolute and normalized." bind "$name" "$T/src" mnt/x
bad "Failed to bind mount: Destination path must be absolute and normalized." bind "$name" "$T/src" /mnt/../etc
bad "Failed to bind mount: Bind mounting is only supported on container machines." bind .host "$T/src" /mnt/x
bad "Failed to bind mount: Failed to mount /nonexistent-$$ on /mnt/x in machine's namespace: No such file or directory" \
        bind --mkdir "$name" "/nonexistent-$$" /mnt/x
bad "Failed to bind mount: Failed to mount $T/src on /etc/hostname in machine's namespace: Invalid argument" \
        bind "$name" "$T/src" /etc/hostname
bad "Too few arguments." bind "$name"
[[ ! -e $root/mnt/x ]] || fail "bad input made /mnt/x"

# ---- the host's mounts never changed; the binds live in the container only, and die with it ----
assert_eq "$(host_mounts)" "$host_before" "the host's mounts after the binds"
assert_ne "$(binds_anywhere)" "" "the binds in the container's mounts"
capture out ctl poweroff "$name"
assert_rc 0
bg_wait 15
assert_eq "$BG_RC" 0 "nspawn after poweroff"
ctl_wait_gone "$name"
assert_eq "$(binds_anywhere)" "" "mounts of our binds after the container stopped"

# ---- a container that was not booted ----
nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" /bin/sleep 1000
ctl_wait_leader "$name"
capture out ctl bind --read-only "$name" "$T/src" /mnt/rw
assert_rc 0
assert_eq "$(inside 'cat /mnt/rw/new')" from-guest "the bind in a container that was not booted"
capture out inside 'touch /mnt/rw/x'
assert_rc 1 "a write into the read-only bind (not booted)"
assert_eq "$(host_mounts)" "$host_before" "the host's mounts after the bind (not booted)"
kill "$BG_PID"
bg_wait 10
ctl_wait_gone "$name"
assert_eq "$(binds_anywhere)" "" "mounts of our binds after the container (not booted) stopped"
