#!/bin/bash
# nspawnctl's image verbs on directory and raw images on ext4 (this test's scratch directory, made
# the search path with NSPAWN_IMAGE_PATH; nspawn -M finds its images there too): list-images
# (table, --no-legend, -a, JSON), image-status, show-image, clone (a copy, with the .nspawn file;
# the leftovers of a killed clone are swept), rename and remove (with the .nspawn files, also
# those in /run/systemd/nspawn), read-only (immutable attribute, raw file mode; nspawn then runs
# the image read-only), clean, set-limit (no quota here), and machinectl 252's errors: unknown
# images, invalid names, existing destinations, .host, an image a running container uses.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"
require python3 lsattr

pool=$T/pool extra=$T/extra
mkdir -p "$pool" "$extra"
export NSPAWN_IMAGE_PATH=$pool:$extra
n=it-img-$$ # names of our own: the .nspawn files in /run/systemd/nspawn are shared
rootfs_copy "$pool/$n"
echo "[Exec]" > "$pool/$n.nspawn"
echo "# the image's host name" > "$pool/$n/etc/hostname"
echo "it-host" >> "$pool/$n/etc/hostname"
echo 0123456789abcdef0123456789abcdef > "$pool/$n/etc/machine-id"
echo "DEPLOYMENT=it-test" > "$pool/$n/etc/machine-info"
mkdir "$pool/.$n-hid" "$extra/$n-extra"
mkdir "$extra/$n" # shadowed by the pool's
head -c 1M /dev/urandom > "$pool/$n-disk.raw"
truncate -s 16M "$pool/$n-disk.raw" # mostly a hole
IT_ROOTS+=("$pool" "$extra")
at_exit "chattr -i '$pool'/* 2>/dev/null; rm -f /run/systemd/nspawn/$n-*.nspawn"

check() {   # check EXPECTED-RC EXPECTED-STDERR ARGS...
        local rc=$1 msg=$2; shift 2
        capture OUT ctl "$@"
        assert_rc "$rc" "nspawnctl $*"
        assert_eq "$(cat "$T/stderr")" "$msg" "nspawnctl $*: stderr"
}
nl=$'\n'
date_re='[A-Z][a-z]{2} [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Z+0-9-]+'

# ---- list-images ----
check 0 "" list-images
assert_match "$(head -n1 <<< "$OUT")" "^NAME +TYPE +RO +USAGE CREATED +MODIFIED$" "header"
assert_match "$OUT" "(^|$nl)$n +directory no +$date_re -($nl|$)" "directory row (no usage, no mtime)"
assert_match "$OUT" "$n-disk +raw +no +1\.0M $date_re $date_re" "raw row (usage of a sparse file)"
assert_match "$OUT" "$n-extra +directory" "an image of the second search directory"
assert_not_contains "$OUT" ".$n-hid" "hidden image without --all"
assert_not_contains "$OUT" ".host" ".host without --all"
assert_eq "$(tail -n2 <<< "$OUT")" $'\n'"3 images listed." "footer"
[[ $(grep -c "^$n " <<< "$OUT") == 1 ]] || fail "the shadowed image is listed twice"
check 0 "" list-images --no-legend
assert_match "$OUT" "(^|$nl)$n +directory no +$date_re -($nl|$)" "--no-legend row (blank usage)"
assert_not_contains "$OUT" "NAME" "--no-legend: header"
assert_not_contains "$OUT" "listed" "--no-legend: footer"
check 0 "" list-images -a --no-legend
assert_match "$OUT" "(^|$nl)\.$n-hid +directory" "hidden image with --all"
assert_match "$OUT" "(^|$nl)\.host +directory" ".host with --all"
check 0 "" list-images -o json
python3 - "$OUT" "$n" <<'X' || fail "list-images -o json: $OUT"
import json, sys
l = json.loads(sys.argv[1]); n = sys.argv[2]
d = {i["name"]: i for i in l}
assert set(d) == {n, n + "-disk", n + "-extra"}, d
assert list(d[n]) == ["name", "type", "ro", "usage", "created", "modified"], d[n]
assert d[n]["type"] == "directory" and d[n]["ro"] is False and d[n]["usage"] is None and d[n]["modified"] == 0
assert d[n]["created"] > 1500000000000000
assert d[n + "-disk"]["type"] == "raw" and d[n + "-disk"]["usage"] == 1048576 and d[n + "-disk"]["modified"] > 0
X

# ---- image-status, show-image ----
check 0 "" image-status "$n" "$n-disk"
assert_line "$OUT" "$n" "image-status: name"
assert_line "$OUT" $'\t    Type: directory' "image-status: type"
assert_line "$OUT" $'\t    Path: '"$pool/$n" "image-status: path"
assert_line "$OUT" $'\t      OS: Busybox test image (nspawn tests)' "image-status: OS"
assert_line "$OUT" $'\tHostname: it-host' "image-status: Hostname"
assert_line "$OUT" "      Machine ID: 0123456789abcdef0123456789abcdef" "image-status: Machine ID"
assert_line "$OUT" "      Deployment: it-test" "image-status: Deployment"
assert_line "$OUT" $'\t      RO: writable' "image-status: RO"
assert_match "$OUT" $'\t Created: '"$date_re; [0-9a-z ]+ ago" "image-status: Created"
assert_line "$OUT" $'\t   Usage: 1.0M' "image-status: raw usage"
assert_line "$OUT" $'\t   Limit: 16.0M' "image-status: raw limit (its size)"
assert_line "$OUT" "" "image-status: blank line between images"
check 0 "" show-image "$n"
assert_eq "$(grep -v CreationTimestamp <<< "$OUT")" "Name=$n
Path=$pool/$n
Type=directory
ReadOnly=no
Usage=18446744073709551615
Limit=infinity
UsageExclusive=18446744073709551615
LimitExclusive=infinity" "show-image"
assert_match "$OUT" "CreationTimestamp=$date_re" "show-image: CreationTimestamp"
check 0 "" show-image -p ReadOnly --value "$n"
assert_eq "$OUT" "no" "show-image -p ReadOnly --value"
check 0 "" show-image "$n" -a -p ModificationTimestamp
assert_eq "$OUT" "ModificationTimestamp=" "show-image -a: an empty property"
check 0 "" show-image
assert_eq "$OUT" "PoolPath=$pool
PoolUsage=18446744073709551615
PoolLimit=18446744073709551615" "show-image without a name: the pool"
check 0 "" image-status
assert_eq "$OUT" $'\t    Path: '"$pool" "image-status without a name: the pool"

# ---- errors: machinectl 252's messages ----
check 1 "Could not get path to image: No image 'nosuch' known" image-status nosuch
check 1 "Could not get path to image: No image 'bad/n' known" show-image bad/n
check 1 "Could not clone image: No image 'nosuch' known" clone nosuch x
check 1 "Could not clone image: Image name 'bad/n' is invalid." clone bad/n x
check 1 "Could not clone image: Image name 'bad/n' is invalid." clone "$n" bad/n
check 1 "Could not clone image: File exists" clone "$n" "$n-extra"
check 1 "Could not clone image: Device or resource busy" clone "$n" .host
check 1 "Could not rename image: File exists" rename "$n-extra" "$n-disk"
check 1 "Could not rename image: No image 'nosuch' known" rename nosuch x
check 1 "Could not rename image: Read-only file system" rename .host x
check 1 "Could not remove image: No image 'nosuch' known" remove nosuch
check 1 "Could not remove image: Read-only file system" remove .host
check 1 "Could not mark image read-only: No image 'nosuch' known" read-only nosuch
check 1 "Failed to parse boolean argument: bogus" read-only "$n" bogus
check 1 "Failed to parse size: bogus" set-limit "$n" bogus
check 1 "Could not set limit: Quota is only supported for btrfs subvolumes, image '$n' is a directory image." \
        set-limit "$n" 1G
check 1 "Could not set limit: Quota is only supported on btrfs, $pool is not on btrfs." set-limit 1G
check 1 "Too few arguments." clone "$n"
capture OUT env NSPAWN_IMAGE_PATH=rel/dir "$NSPAWNCTL" --no-pager list-images
assert_rc 1 "list-images with a bad NSPAWN_IMAGE_PATH"
assert_eq "$(cat "$T/stderr")" "Could not get images: Invalid \$NSPAWN_IMAGE_PATH: rel/dir (absolute directories, colon-separated)"
capture OUT env NSPAWN_IMAGE_PATH="$pool::$extra" "${NSPAWN_CMD[@]}" -q -M "$n" /bin/true
assert_rc 1 "nspawn -M with a bad NSPAWN_IMAGE_PATH"
assert_contains "$(cat "$T/stderr")" "Invalid \$NSPAWN_IMAGE_PATH" "nspawn -M with a bad NSPAWN_IMAGE_PATH"
ls "$pool" "$extra" > "$T/before-errors"
[[ $(ls -A "$pool" | grep -c '^\.#') == 0 ]] || fail "temporaries left: $(ls -A "$pool")"

# ---- clone: a copy on ext4, with the .nspawn file, into the pool ----
mkdir "$pool/.#clone.$n-k0123456789abcdef" # a killed clone's leftover: nobody holds its lock
check 0 "" clone "$n" "$n-c"
diff -r --no-dereference "$pool/$n" "$pool/$n-c" > "$T/diff" 2>&1 || fail "the clone differs: $(head "$T/diff")"
assert_eq "$(cat "$pool/$n-c.nspawn")" "[Exec]" "the clone's .nspawn file"
[[ $(ls -A "$pool" | grep -c '^\.#') == 0 ]] || fail "temporaries after the clone: $(ls -A "$pool")"
check 0 "" clone "$n-extra" "$n-c2"
[[ -d $pool/$n-c2 ]] || fail "a clone goes to the pool (the first search directory)"
check 0 "" clone "$n-disk" "$n-rawc"
cmp "$pool/$n-disk.raw" "$pool/$n-rawc.raw" || fail "the raw clone differs"
(( $(stat -c %b "$pool/$n-rawc.raw") * 512 < 4 * 1024 * 1024 )) || fail "the raw clone is not sparse"
check 0 "" clone --read-only "$n" "$n-ro"
assert_contains "$(lsattr -d "$pool/$n-ro")" "i" "clone --read-only: immutable"
check 0 "" read-only "$n-ro" no
check 0 "" remove "$n-ro"

# a killed clone leaves only its hidden temporary, which clean (or the next clone) removes
mkdir "$pool/$n-big"
head -c 768M /dev/zero > "$pool/$n-big/data"
( exec "$NSPAWNCTL" clone "$n-big" "$n-killed" ) &
pid=$!
for (( i = 0; i < 100000; i++ )); do
        compgen -G "$pool/.#clone.$n-killed*" > /dev/null && break
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
compgen -G "$pool/.#clone.$n-killed*" > /dev/null || fail "no temporary seen while the clone ran"
[[ ! -e $pool/$n-killed ]] || fail "a killed clone made the image"
check 0 "" list-images -a --no-legend
assert_not_contains "$OUT" "clone" "the temporary is no image"
capture OUT ctl clean
compgen -G "$pool/.#clone.*" > /dev/null && fail "clean left the killed clone's temporary: $(ls -A "$pool")"
check 0 "" remove "$n-big"

# ---- rename and remove, with the .nspawn files (next to the image and in /run/systemd/nspawn) ----
mkdir -p /run/systemd/nspawn
echo "[Exec]" > "/run/systemd/nspawn/$n-c.nspawn"
check 0 "" rename "$n-c" "$n-r"
[[ -d $pool/$n-r && ! -e $pool/$n-c ]] || fail "rename: $(ls "$pool")"
[[ -f $pool/$n-r.nspawn && ! -e $pool/$n-c.nspawn ]] || fail "rename: the .nspawn file next to the image"
[[ -f /run/systemd/nspawn/$n-r.nspawn && ! -e /run/systemd/nspawn/$n-c.nspawn ]] ||
        fail "rename: the .nspawn file in /run/systemd/nspawn"
check 0 "" rename "$n-rawc" "$n-raw2"
[[ -f $pool/$n-raw2.raw ]] || fail "rename of a raw image: $(ls "$pool")"
check 0 "" remove "$n-r" "$n-raw2" "$n-c2"
[[ ! -e $pool/$n-r && ! -e $pool/$n-r.nspawn && ! -e /run/systemd/nspawn/$n-r.nspawn ]] ||
        fail "remove: the image or its .nspawn files remain"
[[ ! -e $pool/$n-raw2.raw && ! -e $pool/$n-c2 ]] || fail "remove of several images"
check 1 "Could not remove image: No image 'nosuch' known" remove "$n-extra" nosuch "$n-disk"
[[ ! -e $extra/$n-extra && -e $pool/$n-disk.raw ]] || fail "remove stops at the first error"
mkdir "$extra/$n-extra"

# ---- read-only: the immutable attribute; nspawn then runs the image read-only ----
check 0 "" read-only "$n"
assert_contains "$(lsattr -d "$pool/$n")" "i" "read-only: immutable attribute"
check 0 "" list-images --no-legend
assert_match "$OUT" "(^|$nl)$n +directory yes" "RO column"
check 0 "" show-image -p ReadOnly --value "$n"
assert_eq "$OUT" yes "ReadOnly"
capture OUT nspawn -q -M "$n" /bin/sh -c 'touch /it-x 2>&1; true'
assert_contains "$OUT" "Read-only file system" "nspawn -M on a read-only image"
check 0 "" rename "$n" "$n-x" # read-only images can be renamed and stay read-only
assert_contains "$(lsattr -d "$pool/$n-x")" "i" "read-only after rename"
check 1 "Could not rename image: File exists" rename "$n-x" "$n" # the shadowed one in $extra
rmdir "$extra/$n"
check 0 "" rename "$n-x" "$n"
check 0 "" read-only "$n" false
assert_not_contains "$(lsattr -d "$pool/$n" | cut -d' ' -f1)" "i" "read-only false"
capture OUT nspawn -q -M "$n" /bin/sh -c 'touch /it-x && echo written'
assert_eq "$OUT" written "nspawn -M on the image made writable again"
rm -f "$pool/$n/it-x"
check 0 "" read-only "$n-disk"
assert_eq "$(stat -c %a "$pool/$n-disk.raw")" 444 "read-only raw image: file mode"
check 0 "" read-only "$n-disk" no
assert_eq "$(stat -c %a "$pool/$n-disk.raw")" 644 "writable raw image: file mode"
check 0 "" clone "$n" "$n-rm"
check 0 "" read-only "$n-rm"
check 0 "" remove "$n-rm" # also when read-only
[[ ! -e $pool/$n-rm ]] || fail "a read-only image was not removed"

# ---- an image a container runs: busy for changes, its contents not read ----
mkdir -p "$T/m"
nspawn_bg "$T/out" -q -M "$n" --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000'
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
wait_for "[[ -e $T/m/started ]]" 20 || fail "the container did not start: $(cat "$T/out")"
check 1 "Could not remove image: Device or resource busy" remove "$n"
check 1 "Could not rename image: Device or resource busy" rename "$n" "$n-y"
check 1 "Could not mark image read-only: Device or resource busy" read-only "$n"
check 0 "" image-status "$n"
assert_not_contains "$OUT" "OS:" "image-status of an image in use (machined does not read it either)"
capture OUT ctl clean --all # every image but the one in use
assert_rc 0 "clean --all"
assert_contains "$(cat "$T/stderr")" "Removed image '$n-disk'. Freed exclusive disk space: 1.0M" "clean --all"
assert_not_contains "$(cat "$T/stderr")" "Removed image '$n'" "clean --all removed the image in use"
[[ -d $pool/$n && ! -e $pool/$n-disk.raw && ! -e $extra/$n-extra ]] || fail "clean --all: $(ls "$pool" "$extra")"
kill -TERM "$BG_PID"
wait "$BG_PID" 2>/dev/null
check 0 "" rename "$n" "$n-y"
check 0 "" rename "$n-y" "$n"

# ---- a raw image nspawn -M runs (-i): busy too, also for systemd's lock file ----
. "$IT_DIR/lib-image.sh"
mkdir -p "$T/rawroot" && cp -a "$ROOTFS/." "$T/rawroot/"
fs_make ext4 "$T/rawroot" "$pool/$n-fs.raw"
rm -f "$T/m/started"
nspawn_bg "$T/out" -q -M "$n-fs" --bind="$T/m:/m" /bin/sh -c 'touch /m/started; exec sleep 1000'
wait_for "[[ -e $T/m/started ]]" 20 || fail "the container on the raw image did not start: $(cat "$T/out")"
[[ -f /run/systemd/nspawn/locks/inode-$(stat -c %d:%i "$pool/$n-fs.raw") ]] ||
        fail "no systemd lock file for the raw image nspawn runs"
check 1 "Could not remove image: Device or resource busy" remove "$n-fs"
check 1 "Could not mark image read-only: Device or resource busy" read-only "$n-fs"
kill -TERM "$BG_PID"
wait "$BG_PID" 2>/dev/null
check 0 "" remove "$n-fs"

# ---- clean: hidden images and a killed clone's temporaries ----
mkdir "$pool/.$n-h2" "$pool/.#clone.$n-z0123456789abcdef"
check 0 "Removed image '.$n-h2'
Removed 1 images in total." clean
[[ -d $pool/$n && ! -e $pool/.$n-h2 && ! -e $pool/.#clone.$n-z0123456789abcdef ]] || fail "clean: $(ls -A "$pool")"
check 0 "Removed 0 images in total. Total freed exclusive disk space: 0B." clean
