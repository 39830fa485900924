#!/bin/bash
# --image-policy= (systemd.image-policy(7)) applied to a GPT disk: partitions that must be absent,
# unused ones not mounted, protection, file system type and GPT flag rules, systemd-nspawn's
# refusal "IMAGE: image does not match image policy." (the reason at debug level); the default
# policy ignores no-auto partitions; A/B root partitions by version; a single generic Linux
# partition is the root. No loop device is left after any refusal.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
image_require_x86_64
require sgdisk

mkdir -p "$T/root" "$T/home" "$T/srv"
cp -a "$ROOTFS/." "$T/root/" && mkdir -p "$T/root/srv"
echo home-data > "$T/home/HOMEFILE"
echo srv-data > "$T/srv/SRVFILE"
fs_make ext4 "$T/root" "$T/root.fs"
fs_make ext4 "$T/home" "$T/home.fs"
fs_make ext4 "$T/srv" "$T/srv.fs"
img=$T/disk.raw
gpt_make "$img" root:"$T/root.fs" home:"$T/home.fs" srv:"$T/srv.fs"
loops_before=$(loop_devices)
script='cat /home/HOMEFILE /srv/SRVFILE 2>/dev/null; grep -c " / ro," /proc/self/mountinfo; true'

refused() {   # refused POLICY [IMAGE]: the policy refuses the image
        capture OUT nspawn -q -i "${2:-$img}" --image-policy="$1" /bin/true
        assert_rc 1 "policy $1"
        assert_contains "$(cat "$T/stderr")" "${2:-$img}: image does not match image policy." "policy $1"
        assert_eq "$(loop_devices)" "$loops_before" "loop devices after policy $1"
}
runs() {      # runs POLICY [IMAGE]: OUT is the script's output
        capture OUT nspawn -q -i "${2:-$img}" --image-policy="$1" /bin/sh -c "$script"
        assert_rc 0 "policy $1"
}

# The default (systemd-nspawn's) and "*" use everything.
capture OUT nspawn -q -i "$img" /bin/sh -c "$script"
assert_eq "$OUT" $'home-data\nsrv-data\n0' "default policy"
runs '*'
assert_eq "$OUT" $'home-data\nsrv-data\n0' "policy *"

refused '~'
refused 'root=absent'
refused 'root=open:home=absent'
refused 'root=verity'                      # the root is unprotected
refused 'root=signed+verity+encrypted'
refused 'root=unprotected+squashfs'        # the root is ext4
refused 'root=read-only-on'                # its GPT read-only flag is off
refused 'root=growfs-on'

# The reason, at debug level, in systemd's words.
capture OUT env SYSTEMD_LOG_LEVEL=debug "${NSPAWN_CMD[@]}" -q -i "$img" --image-policy=root=open:home=absent /bin/true
assert_contains "$(cat "$T/stderr")" "Partition of designator 'home' exists, but not allowed by policy, refusing."

# Unused partitions (and those the default ignores) are not mounted.
runs 'root=unprotected+ext4:home=unused'
assert_eq "$OUT" 0 "home unused, srv ignored by default"
runs 'root=open:srv=open+read-only-off:=unused+absent'
assert_eq "$OUT" $'srv-data\n0' "only root and srv"

# The GPT read-only flag: the root is mounted read-only, and read-only-on accepts it.
gpt_make "$T/ro.raw" root:"$T/root.fs":60 home:"$T/home.fs"
runs 'root=read-only-on:home=open' "$T/ro.raw"
assert_eq "$OUT" $'home-data\n1' "read-only root"
refused 'root=read-only-off:home=open' "$T/ro.raw"

# no-auto: the default policy skips the partition.
gpt_make "$T/noauto.raw" root:"$T/root.fs" home:"$T/home.fs":63
capture OUT nspawn -q -i "$T/noauto.raw" /bin/sh -c "$script"
assert_eq "$OUT" 0 "no-auto /home"

# A/B: of two root partitions the newer version in the name wins.
echo a > "$T/root/etc/it-version" && fs_make ext4 "$T/root" "$T/root-a.fs"
echo b > "$T/root/etc/it-version" && fs_make ext4 "$T/root" "$T/root-b.fs"
gpt_make "$T/ab.raw" root:"$T/root-b.fs"::root_1.10 root:"$T/root-a.fs"::root_1.9
capture OUT nspawn -q -i "$T/ab.raw" /bin/cat /etc/it-version
assert_eq "$OUT" b "root_1.10 is newer than root_1.9"

# A single generic Linux partition is the root; two are ambiguous.
gpt_make "$T/generic.raw" generic:"$T/root-a.fs"
capture OUT nspawn -q -i "$T/generic.raw" /bin/cat /etc/it-version
assert_eq "$OUT" a "generic partition as root"
gpt_make "$T/generic2.raw" generic:"$T/root-a.fs" generic:"$T/root-b.fs"
capture OUT nspawn -q -i "$T/generic2.raw" /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "$T/generic2.raw: Multiple suitable root partitions found in image."
gpt_make "$T/noroot.raw" home:"$T/home.fs"
capture OUT nspawn -q -i "$T/noroot.raw" /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "$T/noroot.raw: No suitable root partition found in image."

# A policy that does not parse.
capture OUT nspawn -q -i "$img" --image-policy=rot=open /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "unknown partition type in image policy"
assert_eq "$(loop_devices)" "$loops_before" "loop devices at the end"
