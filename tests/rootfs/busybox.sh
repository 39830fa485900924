#!/bin/bash
# Build a small merged-/usr root file system from the host's static busybox.
#   tests/rootfs/busybox.sh DEST
# Idempotent: re-running over an existing DEST only refreshes what is missing or changed.
# Nothing here touches the host outside DEST.
# Environment: BUSYBOX (default /bin/busybox) the static binary to copy; BUSYBOX_RUN a command
#   that runs it on this host when it is of another CPU (e.g. qemu-aarch64-static), used only to
#   list its applets (busybox-foreign.sh sets both).
set -euo pipefail

dest=${1:?usage: $0 DEST}
busybox=${BUSYBOX:-/bin/busybox}
read -r -a busybox_run <<< "${BUSYBOX_RUN:-}"

if ! file_out=$(LC_ALL=C file -L "$busybox" 2>/dev/null) || [[ $file_out != *statically* ]]; then
        # `file` may be missing; fall back to ldd's verdict.
        if ! LC_ALL=C ldd "$busybox" 2>&1 | grep -q 'not a dynamic executable'; then
                echo "busybox.sh: $busybox is missing or not statically linked (apt-get install busybox-static)" >&2
                exit 1
        fi
fi

mkdir -p "$dest"
cd "$dest"

# Merged /usr: the top-level binary dirs are symlinks into /usr.
mkdir -p usr/bin usr/sbin usr/lib etc root tmp proc sys dev run mnt var/tmp home/test
for d in bin sbin lib; do
        if [[ ! -L $d ]]; then
                rm -rf "$d"
                ln -s "usr/$d" "$d"
        fi
done
chmod 0700 root
chmod 1777 tmp var/tmp

# The binary is copied (not linked) so the image is self-contained; only when it changed.
if ! cmp -s "$busybox" usr/bin/busybox; then
        install -m 0755 "$busybox" usr/bin/busybox.new
        mv -f usr/bin/busybox.new usr/bin/busybox
fi

# Applet links: bin/X and usr/bin/X -> usr/bin/X; sbin/X and usr/sbin/X -> usr/sbin/X.
while read -r applet; do
        name=${applet##*/}
        case $applet in
        bin/*|usr/bin/*) link=usr/bin/$name target=busybox ;;
        sbin/*|usr/sbin/*) link=usr/sbin/$name target=../bin/busybox ;;
        *) continue ;;
        esac
        [[ $name == busybox ]] && continue
        [[ -L $link ]] || ln -sf "$target" "$link"
done < <("${busybox_run[@]}" "$busybox" --list-full)

# getent is not a busybox applet, but systemd-nspawn resolves -u USER by running
# `getent passwd USER` / `getent initgroups USER` inside the container.
cat > usr/bin/getent.new <<'GETENT'
#!/bin/sh
# Minimal getent(1) over the flat files: passwd, group, initgroups.
db=$1; shift
case $db in
passwd|group)
        [ $# -eq 0 ] && exec cat /etc/$db
        rc=2
        for k in "$@"; do
                awk -F: -v k="$k" '$1 == k || $3 == k { print; f = 1; exit } END { exit !f }' /etc/$db && rc=0
        done
        exit $rc ;;
initgroups)
        line=$(awk -F: -v k="$1" '$1 == k || $3 == k { print; exit }' /etc/passwd)
        [ -n "$line" ] || exit 2
        user=${line%%:*}
        gid=$(echo "$line" | cut -d: -f4)
        groups=$(awk -F: -v u="$user" -v g="$gid" '$3 != g { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) printf " %s", $3 }' /etc/group)
        echo "$user $gid$groups" ;;
*)
        echo "getent: unknown database: $db" >&2
        exit 1 ;;
esac
GETENT
chmod 0755 usr/bin/getent.new
mv -f usr/bin/getent.new usr/bin/getent

write() {   # write FILE MODE: stdin to FILE, atomically, only if the content changed
        local f=$1 mode=$2 tmp
        tmp=$(mktemp "$f.XXXXXX")
        cat > "$tmp"
        chmod "$mode" "$tmp"
        if cmp -s "$tmp" "$f"; then rm -f "$tmp"; else mv -f "$tmp" "$f"; fi
}

write etc/passwd 0644 <<'X'
root:x:0:0:root:/root:/bin/sh
test:x:1000:1000:test user:/home/test:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
X
write etc/group 0644 <<'X'
root:x:0:
tty:x:5:
users:x:100:test
test:x:1000:
nogroup:x:65534:
X
write etc/shadow 0600 <<'X'
root:*:19000:0:99999:7:::
test:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
X
write etc/os-release 0644 <<'X'
NAME="Busybox test image"
ID=busybox-test
VERSION_ID=1
PRETTY_NAME="Busybox test image (nspawn tests)"
X
# busybox init: no getty on real ttys, nothing respawned, nothing that touches the host.
write etc/inittab 0644 <<'X'
::sysinit:/bin/echo Booted busybox
::shutdown:/bin/echo Shutting down
X
write etc/profile 0644 <<'X'
export PS1='\h:\w\$ '
X
# Empty: the hostname comes from nspawn (-M / --hostname).
[[ -f etc/hostname && ! -s etc/hostname ]] || : > etc/hostname
chown 1000:1000 home/test
