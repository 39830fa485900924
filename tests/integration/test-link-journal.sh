#!/bin/bash
# --link-journal: guest (host /var/log/journal/ID → link into the image), host (the host's
# directory bound into the container), auto, try-*, -j, no. The host's links and directories are
# kept by nspawn (as systemd-nspawn does); the test removes what it made.
. "$(dirname "$0")/lib.sh"

rootfs_copy "$T/root"; root=$IT_ROOT
id=0123456789abcdef0123456789abcdef
echo $id > "$root/etc/machine-id"
[[ $(cat /etc/machine-id 2>/dev/null) != "$id" ]] || skip "the host has the test's machine ID"
hostdir=/var/log/journal
p=$hostdir/$id q=$root/var/log/journal/$id
[[ -e $p || -L $p ]] && skip "$p exists on the host"
if [[ ! -d $hostdir ]]; then
        made_hostdir=1
        at_exit 'rm -rf /var/log/journal'
fi
at_exit "rm -rf '$p'"

journal() {   # journal OPTIONS...: OUT = "MOUNT" if /var/log/journal/ID is a mount point in the guest
        run_sh "$@" -- "awk '\$5 == \"/var/log/journal/$id\" { print \"MOUNT\" }' /proc/self/mountinfo
                [ -d /var/log/journal/$id ] && echo DIR; true"
}

# Without the host's /var/log/journal: auto and try-* do nothing, guest and host fail.
if [[ ${made_hostdir:-0} == 1 ]]; then
        for o in --link-journal=auto --link-journal=try-guest --link-journal=try-host -j; do
                journal $o; assert_rc 0 "$o without $hostdir"
        done
        journal --link-journal=guest; assert_rc 1 "guest without $hostdir"
        journal --link-journal=host; assert_rc 1 "host without $hostdir"
        [[ ! -e $hostdir ]] || fail "nspawn created $hostdir"
        mkdir -p "$hostdir"
fi

journal --link-journal=no; assert_rc 0 "no"
journal --link-journal=auto; assert_rc 0 "auto"
[[ ! -e $p && ! -L $p ]] || fail "auto without a host directory made $p"

journal --link-journal=guest; assert_rc 0 "guest"
assert_eq "$(readlink "$p")" "$q" "guest: the host's link"
assert_contains "$OUT" DIR "guest: the directory in the image"
assert_not_contains "$OUT" MOUNT "guest"
journal --link-journal=auto; assert_rc 0 "auto with the guest link"
assert_eq "$(readlink "$p")" "$q" "auto keeps a correct link"
journal -j; assert_rc 0 "-j"
assert_eq "$(readlink "$p")" "$q" "-j"

journal --link-journal=host; assert_rc 0 "host"
[[ -d $p && ! -L $p ]] || fail "host: $p is not a directory"
assert_contains "$OUT" MOUNT "host: bound"
run_sh --link-journal=host -- "echo guest > /var/log/journal/$id/probe"
assert_rc 0
assert_eq "$(cat "$p/probe")" guest "host: the guest's file on the host"
journal --link-journal=auto; assert_rc 0 "auto with a host directory"
assert_contains "$OUT" MOUNT "auto binds an existing host directory"
# guest replaces an empty host directory by the link; a non-empty one is an error, even for try-*.
journal --link-journal=try-guest; assert_rc 1 "try-guest over a non-empty directory"
rm -f "$p/probe"
journal --link-journal=try-guest; assert_rc 0 "try-guest over a directory"
assert_eq "$(readlink "$p")" "$q" "try-guest replaces an empty host directory by the link"

# The same ID on both sides: refused.
if [[ -s /etc/machine-id ]]; then
        cp /etc/machine-id "$root/etc/machine-id"
        journal --link-journal=guest; assert_rc 1 "guest with the host's machine ID"
        assert_contains "$(cat "$T/stderr")" "Host and machine ids are equal"
        journal --link-journal=try-guest; assert_rc 0 "try-guest with the host's machine ID"
fi
