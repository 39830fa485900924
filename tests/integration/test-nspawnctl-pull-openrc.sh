#!/bin/bash
# The walk-through, end to end: a stage3-like tarball of an OpenRC system (the Debian OpenRC test
# image, tarred up as a distribution ships it: gettys on virtual terminals, root's password
# locked) served from 127.0.0.1; `nspawnctl pull-tar --verify=no URL NAME`; the two edits every
# guide has you make (a getty on the console in /etc/inittab, root's password emptied in
# /etc/shadow); `nspawn -M NAME -b` on a terminal; root logs in and runs a command; `nspawnctl
# poweroff NAME` from outside ends it, and nspawn exits 0.
# timeout: 300
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"
. "$IT_DIR/lib-nspawnctl.sh"
require python3 xz tar

image=$(boot_image openrc) || exit
pool=$T/pool www=$T/www
mkdir -p "$pool" "$www" "$T/over/etc"
export NSPAWN_IMAGE_PATH=$pool
IT_ROOTS+=("$pool")
name=st3-$$
nl=$'\n'

# ---- the stage3-like tarball (the image itself is not changed) ----
cp -a "$image/etc/inittab" "$image/etc/shadow" "$T/over/etc/"
sed -i -e '/^c0:.*agetty.*console/d' -e 's/^#\([1-6]:[0-9]*:respawn:\/sbin\/getty\)/\1/' "$T/over/etc/inittab"
grep -q '^1:[0-9]*:respawn:/sbin/getty' "$T/over/etc/inittab" ||
        echo '1:2345:respawn:/sbin/getty 38400 tty1' >> "$T/over/etc/inittab"
sed -i 's/^root:[^:]*:/root:*:/' "$T/over/etc/shadow"
tarball=stage3-amd64-openrc-20261207T000000Z.tar.xz
tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$image" \
        --exclude=./etc/inittab --exclude=./etc/shadow -cf "$T/stage3.tar" . || fail "could not tar the image"
tar --numeric-owner -C "$T/over" -rf "$T/stage3.tar" ./etc/inittab ./etc/shadow || fail "could not add the stage3 files"
xz -T0 -1 -c "$T/stage3.tar" > "$www/$tarball" && rm -f "$T/stage3.tar"

python3 "$IT_DIR/http-server.py" "$www" "$T/port" &
at_exit "kill $! 2>/dev/null; wait $! 2>/dev/null"
wait_for "[[ -s $T/port ]]" 10 || fail "the HTTP server did not start"
url=http://127.0.0.1:$(cat "$T/port")/$tarball

# ---- pull ----
IT_CMD_TIMEOUT=120 capture OUT ctl pull-tar --verify=no "$url" "$name"
assert_rc 0 "pull-tar"
assert_contains "$(cat "$T/stderr")" "Created new local image '$name'." "pull-tar"
capture OUT ctl list-images --no-legend
assert_match "$OUT" "(^|$nl)$name +directory no " "list-images after the pull"
assert_eq "$(grep -c '^root:\*:' "$pool/$name/etc/shadow")" 1 "the pulled image's root is locked"

# ---- the edits ----
sed -i -e 's/^\([1-6]:[0-9]*:respawn:\/sbin\/getty\)/#\1/' "$pool/$name/etc/inittab"
echo 'c0:2345:respawn:/sbin/agetty --noclear -8 -L console 115200,38400,9600 linux' >> "$pool/$name/etc/inittab"
sed -i 's/^root:[^:]*:/root::/' "$pool/$name/etc/shadow"

# ---- boot on a terminal, log in as root; poweroff from outside ----
cat > "$T/steps" <<X
expect $name login: \$
send root
expect root@$name:[^#]*# 
send echo "logged-in=\$(id -un) init=\$(cat /proc/1/comm)"
expect logged-in=root init=init
X
python3 -c "$BOOT_CONSOLE_PY" 120 "$T/console" "$T/steps" "${NSPAWN_CMD[@]}" -q -M "$name" -b < /dev/null &
console=$!
at_exit "kill $console 2>/dev/null"
wait_for "tr -d '\r' < '$T/console' | grep -q 'logged-in=root init=init'" 90 || {
        tr -d '\r' < "$T/console" | tail -n 30 | sed 's/^/# console: /' >&2
        fail "root did not log in on the console"
}
ctl_wait_leader "$name"
capture OUT ctl poweroff "$name"
assert_rc 0 "nspawnctl poweroff"
wait "$console"
RC=$?
tr -d '\r' < "$T/console" | sed 's/^/# console: /' >&2
assert_rc 0 "nspawn's exit code after nspawnctl poweroff"
ctl_wait_gone "$name" 10
boot_check_host "the pulled OpenRC guest"
