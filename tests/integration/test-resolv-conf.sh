#!/bin/bash
# --resolv-conf: what the guest sees in /etc/resolv.conf for every mode, and that a symlink in
# the image (to a host path, absolute or climbing with ../) never makes nspawn write on the host.
. "$(dirname "$0")/lib.sh"

[[ -f /etc/resolv.conf ]] || skip "the host has no /etc/resolv.conf"
host_sum=$(md5sum < /etc/resolv.conf)
host_content=$(cat /etc/resolv.conf)
rootfs_copy "$T/root"; root=$IT_ROOT
image=$root/etc/resolv.conf
reset() { rm -f "$image"; printf 'nameserver 192.0.2.99\n' > "$image"; }

# guest MODE [OPTIONS...]: run the container, OUT = the guest's /etc/resolv.conf (or MISSING),
# plus its mount line if it is a mount point.
guest() {
        local m=$1; shift
        run_sh --resolv-conf="$m" "$@" -- 'cat /etc/resolv.conf 2>/dev/null || echo MISSING
                awk '\''$5 == "/etc/resolv.conf" { print "MOUNT " $6 }'\'' /proc/self/mountinfo'
        assert_rc 0 "--resolv-conf=$m"
}

reset; guest off
assert_eq "$OUT" "nameserver 192.0.2.99" "off"

for m in copy-host replace-host; do
        reset; guest $m
        assert_eq "$OUT" "$host_content" "$m"
        assert_eq "$(cat "$image")" "$host_content" "$m: the image's file"
        # the same content again is not rewritten: same inode, same modification time
        before=$(stat -c '%i %y' "$image")
        guest $m
        assert_eq "$(stat -c '%i %y' "$image")" "$before" "$m: an unchanged file rewritten"
done

reset; guest bind-host
assert_line "$OUT" "MOUNT ro,nosuid,nodev,relatime" "bind-host mount"
assert_contains "$OUT" "$host_content" "bind-host"
assert_eq "$(cat "$image")" "nameserver 192.0.2.99" "bind-host leaves the image's file alone"
run_sh --resolv-conf=bind-host -- 'echo x > /etc/resolv.conf'
assert_ne "$RC" 0 "writing a bound /etc/resolv.conf"

reset; guest delete
assert_eq "$OUT" "MISSING" "delete"
[[ ! -e $image ]] || fail "delete: the image's file is still there"

# bind on an image without the file: an empty mount point is made.
rm -f "$image"; guest bind-host
assert_contains "$OUT" "$host_content" "bind-host without a file in the image"

# Sources this host lacks: a warning, the guest's file stays.
if [[ ! -e /run/systemd/resolve/stub-resolv.conf ]]; then
        for m in copy-stub replace-uplink bind-stub; do
                reset; guest $m
                assert_eq "$OUT" "nameserver 192.0.2.99" "$m without a source"
                assert_contains "$(cat "$T/stderr")" "Failed to copy /run/systemd/resolve/" "$m warning"
        done
fi
if [[ -f /usr/lib/systemd/resolv.conf ]]; then
        reset; guest copy-static
        assert_eq "$OUT" "$(cat /usr/lib/systemd/resolv.conf)" "copy-static"
fi

# auto: no resolved stub here → copy-host; read-only → bind-host; private network → off.
if [[ ! -e /run/systemd/resolve/stub-resolv.conf ]]; then
        reset; guest auto
        assert_eq "$OUT" "$host_content" "auto"
        assert_eq "$(cat "$image")" "$host_content" "auto copies into the image"
        reset; guest auto --read-only
        assert_contains "$OUT" "MOUNT ro" "auto with --read-only binds"
        assert_eq "$(cat "$image")" "nameserver 192.0.2.99" "auto with --read-only leaves the image alone"
        reset; guest auto --private-network
        assert_eq "$OUT" "nameserver 192.0.2.99" "auto with --private-network"
fi

# Host safety: the image's /etc/resolv.conf is a symlink to a host file.
echo "host file" > "$T/outside"
for link in "$T/outside" "../../../../../../../..$T/outside"; do
        for m in copy-host replace-host bind-host auto; do
                rm -f "$image"; ln -s "$link" "$image"
                guest $m
                assert_eq "$(cat "$T/outside")" "host file" "$m through a symlink to $link"
        done
        # replace-* replaced the link itself (auto = copy-host left it: a warning).
        rm -f "$image"; ln -s "$link" "$image"
        guest replace-host
        [[ -f $image && ! -L $image ]] || fail "replace-host did not replace the symlink $link"
done
assert_eq "$(md5sum < /etc/resolv.conf)" "$host_sum" "the host's /etc/resolv.conf"
