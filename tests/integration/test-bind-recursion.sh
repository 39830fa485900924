#!/bin/bash
# --bind/--bind-ro and submounts of the source: recursive by default (nested ones too), not with
# norbind, read-only all the way down with --bind-ro; a bind below /tmp or /run lands on top of
# the container's tmpfs there (visible, nothing created in the image). The submounts live in a
# private mount namespace of the test (unshare -m), never on the host.
. "$(dirname "$0")/lib.sh"
require unshare
rootfs_copy "$T/root"

mkdir -p "$T/src/sub"
echo top > "$T/src/f"
# Probes inside the container: what each level shows and whether it is writable; the mounts at
# and below a directory as "MOUNTPOINT FSTYPE PARENT-MOUNTPOINT".
cat > "$IT_ROOT/usr/bin/it-levels" <<'X'
#!/bin/sh
for f in /x/f /x/sub/f /x/sub/deep/f; do cat $f 2>/dev/null || echo "none:$f"; done
for d in /x /x/sub /x/sub/deep; do touch $d/new 2>/dev/null && echo "rw:$d" || echo "ro:$d"; done
X
cat > "$IT_ROOT/usr/bin/it-mounts" <<'X'
#!/bin/sh
awk -v d="$1" '{ for (i = 7; $i != "-"; i++); mp[$1] = $5; fs[$1] = $(i + 1); par[$1] = $2; id[NR] = $1 }
END { for (n = 1; n <= NR; n++) { m = id[n]; if (mp[m] == d || index(mp[m], d "/") == 1) print mp[m], fs[m], mp[par[m]] } }' /proc/self/mountinfo | sort
X
chmod +x "$IT_ROOT/usr/bin/it-levels" "$IT_ROOT/usr/bin/it-mounts"

cat > "$T/sub.sh" <<SUB
set -e
mount -t tmpfs it-sub "$T/src/sub"
echo sub > "$T/src/sub/f"
mkdir "$T/src/sub/deep"
mount -t tmpfs it-deep "$T/src/sub/deep"
echo deep > "$T/src/sub/deep/f"
run() { echo "== \$1"; ${NSPAWN} -q -D "$IT_ROOT" "\$1" /bin/sh -c "\$2" < /dev/null 2>> "$T/nspawn.err" | tr -d '\r'; }
run --bind="$T/src:/x" it-levels
run --bind="$T/src:/x:rbind" it-levels
run --bind="$T/src:/x:norbind" it-levels
run --bind-ro="$T/src:/x" it-levels
run --bind-ro="$T/src:/x:norbind" it-levels
run --bind="$T/src:/tmp/x" 'cat /tmp/x/f /tmp/x/sub/deep/f; it-mounts /tmp'
run --bind-ro="$T/src:/run/x" 'cat /run/x/f /run/x/sub/deep/f; it-mounts /run | grep -v "^/run/host"'
SUB
capture OUT unshare -m --propagation private bash "$T/sub.sh"
assert_rc 0 "the runs in a private mount namespace"

# section NAME: the lines of OUT after "== NAME" up to the next "==".
section() { awk -v h="== $1" '$0 == h { on = 1; next } /^== / { on = 0 } on' <<< "$OUT"; }
for opt in --bind="$T/src:/x" --bind="$T/src:/x:rbind"; do
        assert_eq "$(section "$opt")" "top
sub
deep
rw:/x
rw:/x/sub
rw:/x/sub/deep" "$opt (recursive)"
done
# norbind: /x/sub is the source's own (empty) directory below the submount; deep is not there.
assert_eq "$(section "--bind=$T/src:/x:norbind")" "top
none:/x/sub/f
none:/x/sub/deep/f
rw:/x
rw:/x/sub
ro:/x/sub/deep" "--bind=...:norbind"
assert_eq "$(section "--bind-ro=$T/src:/x")" "top
sub
deep
ro:/x
ro:/x/sub
ro:/x/sub/deep" "--bind-ro (read-only down to the nested submount)"
assert_eq "$(section "--bind-ro=$T/src:/x:norbind")" "top
none:/x/sub/f
none:/x/sub/deep/f
ro:/x
ro:/x/sub
ro:/x/sub/deep" "--bind-ro=...:norbind"

# On top of the container's own /tmp and /run tmpfs, with its submounts; nothing in the image.
src_fs=$(findmnt -n -o FSTYPE -T "$T/src")
assert_eq "$(section "--bind=$T/src:/tmp/x")" "top
deep
/tmp tmpfs /
/tmp/x $src_fs /tmp
/tmp/x/sub tmpfs /tmp/x
/tmp/x/sub/deep tmpfs /tmp/x/sub" "--bind=SRC:/tmp/x: contents, and the mounts at and below /tmp"
assert_eq "$(section "--bind-ro=$T/src:/run/x")" "top
deep
/run tmpfs /
/run/x $src_fs /run
/run/x/sub tmpfs /run/x
/run/x/sub/deep tmpfs /run/x/sub" "--bind-ro=SRC:/run/x: contents, and the mounts at and below /run"
[[ ! -e $IT_ROOT/tmp/x && ! -e $IT_ROOT/run/x ]] || fail "mount points were created in the image's /tmp or /run"
