#!/bin/bash
# Build a Debian bookworm test image with debootstrap (minbase) from the host's configured mirror.
#   tests/rootfs/debian.sh VARIANT DEST
#     VARIANT systemd: systemd, systemd-sysv, dbus
#     VARIANT systemd-machined: the same plus systemd-container (systemd-machined, machinectl) and
#       the libraries nspawn links, so a nested nspawn can run in the guest (test-machined.sh)
#     VARIANT openrc:  OpenRC + sysvinit-core, agetty on the console, root without password
# Environment: MIRROR (default: the bookworm "deb" URI of /etc/apt/sources.list*),
#   DEBIAN_CACHE (debootstrap's .deb cache, default: DEST's directory/debootstrap-cache).
#
# The images are made SAFE for a container without a user namespace, whose root keeps
# CAP_SYS_ADMIN: nothing in them remounts the tree (host-wide), downs interfaces, sets the clock or
# touches host disks on shutdown. See tests/rootfs/README.md.
#
# Caching: DEST is reused when its stamp matches this script's hash and the variant. A build goes
# into a temporary sibling directory renamed to DEST at the end, so DEST is never half-written.
# Concurrent callers for the same DEST wait on a lock (DEST.lock) and share one build.
set -euo pipefail

main() {
variant=${1:?usage: $0 systemd|systemd-machined|openrc DEST}
dest=${2:?usage: $0 systemd|systemd-machined|openrc DEST}
case $variant in systemd|systemd-machined|openrc) ;; *) echo "debian.sh: unknown variant '$variant'" >&2; exit 2 ;; esac
[[ $(id -u) == 0 ]] || { echo "debian.sh: must run as root (debootstrap)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debian.sh: debootstrap is not installed" >&2; exit 1; }

suite=bookworm
dest=$(realpath -m "$dest")
parent=$(dirname "$dest")
stamp_name=.nspawn-test-image
stamp="debian.sh $variant $(sha256sum < "${BASH_SOURCE[0]}" | cut -d' ' -f1)"

fresh() { [[ -f $dest/$stamp_name && $(cat "$dest/$stamp_name") == "$stamp" ]]; }

mkdir -p "$parent"
exec 9> "$dest.lock"
flock 9
if fresh; then
        echo "debian.sh: $dest is up to date"
        exit 0
fi

# ---- the mirror: the same one apt uses on this host, and nothing else ----

# The first URI serving $suite (not -updates/-security) in an enabled .list or .sources file.
find_mirror() {
        local f
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
                [[ -f $f ]] || continue
                sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
                        awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }'
        done
        for f in /etc/apt/sources.list.d/*.sources; do
                [[ -f $f ]] || continue
                # deb822: paragraphs separated by blank lines.
                awk -v s="$suite" '
                function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " s " ") && enabled != "no" && uris != "") { split(uris, u, " "); print u[1]; found = 1 } types = suites = uris = enabled = "" }
                /^[ \t]*#/ { next }
                /^[ \t]*$/ { flush(); if (found) exit; next }
                { k = tolower($1); sub(/:$/, "", k); $1 = ""; sub(/^ +/, ""); v = $0 }
                k == "types" { types = v } k == "suites" { suites = v } k == "uris" { uris = v } k == "enabled" { enabled = tolower(v) }
                END { if (!found) flush() }' "$f"
        done
}
mirror=${MIRROR:-$(find_mirror | head -n 1)}
[[ -n $mirror ]] || { echo "debian.sh: no '$suite' mirror in /etc/apt/sources.list*; set MIRROR" >&2; exit 1; }

# debootstrap takes the first alternative of a dependency: sysvinit-core's "sysv-rc | openrc"
# brings sysv-rc, which conflicts with openrc (even with --exclude). apt replaces it afterwards.
case $variant in
systemd) include=systemd,systemd-sysv,dbus ;;
systemd-machined) include=systemd,systemd-sysv,dbus,systemd-container,libseccomp2,libcap2,libmount1 ;;
openrc) include=sysvinit-core,util-linux ;;
esac

start=$(date +%s)
tmp=$(mktemp -d "$dest.tmp.XXXXXX")
# mktemp made it 0700, and debootstrap keeps that: no service user could reach any file.
chmod 0755 "$tmp"
cleanup() { [[ -n ${tmp:-} ]] && rm -rf --one-file-system "$tmp" "$tmp.log"; return 0; }
trap cleanup EXIT

cache=${DEBIAN_CACHE:-$parent/debootstrap-cache}
mkdir -p "$cache"
echo "debian.sh: debootstrap --variant=minbase $suite ($variant: $include) from $mirror"
# The cache is shared between the variants: one debootstrap at a time may use it.
(
        flock 8
        # In a private mount namespace: the /proc and /sys debootstrap mounts in the target never
        # show on the host (where other tests compare mount tables) and go away with it.
        unshare -m --propagation private debootstrap --variant=minbase --include="$include" --cache-dir="$cache" "$suite" "$tmp" "$mirror"
) 8> "$cache.lock" > "$tmp.log" 2>&1 || {
        echo "debian.sh: debootstrap failed:" >&2; tail -n 30 "$tmp.log" >&2; rm -f "$tmp.log"; exit 1
}
rm -f "$tmp.log"

# apt-get in the image (chroot: same mirror, the image's own sources.list), services not started.
chroot_apt_install() {
        printf '#!/bin/sh\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"
        chmod 0755 "$tmp/usr/sbin/policy-rc.d"
        unshare -m --propagation private chroot "$tmp" env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get -q -y --no-install-recommends \
                install "$@" > "$tmp.log" 2>&1 || {
                echo "debian.sh: apt-get install $* failed:" >&2; tail -n 30 "$tmp.log" >&2; rm -f "$tmp.log"; exit 1
        }
        rm -f "$tmp.log" "$tmp/usr/sbin/policy-rc.d"
        chroot "$tmp" apt-get -q clean
}
[[ $variant == openrc ]] && chroot_apt_install openrc

# ---- common configuration ----

# neutralize SCRIPT...: an init script that must never run in a test container. Its LSB header
# stays (init systems order by it), its body is gone, and it leaves every runlevel.
neutralize() {
        local s f
        for s in "$@"; do
                f=$tmp/etc/init.d/$s
                if [[ -f $f ]]; then
                        { sed -n '1,/^### END INIT INFO/p' "$f"; echo 'exit 0  # disabled by tests/rootfs/debian.sh'; } > "$f.new"
                        chmod 0755 "$f.new"
                        mv -f "$f.new" "$f"
                fi
                rm -f "$tmp"/etc/rc?.d/[SK][0-9][0-9]"$s" "$tmp"/etc/runlevels/*/"$s"
        done
}

# No interface configuration of any kind (ifupdown is not in minbase; make sure).
for p in ifupdown isc-dhcp-client; do
        [[ ! -e $tmp/var/lib/dpkg/info/$p.list ]] || { echo "debian.sh: $p is installed" >&2; exit 1; }
done
# No /etc/hostname: the guest keeps the name nspawn gives it (-M, --hostname); an empty file would
# make sysvinit's hostname.sh fail.
rm -f "$tmp/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$tmp/etc/hosts"
chroot "$tmp" passwd -d root > /dev/null
rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*_Packages

# ---- variant: systemd ----

mask() { local u; for u in "$@"; do ln -sfn /dev/null "$tmp/etc/systemd/system/$u"; done; }

if [[ $variant == systemd || $variant == systemd-machined ]]; then
        # Nothing that touches the clock, the network or the host's hardware, even if a later
        # package pulls it in.
        mask systemd-timesyncd.service systemd-networkd.service systemd-networkd.socket \
             systemd-networkd-wait-online.service systemd-resolved.service \
             systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
             systemd-udev-trigger.service systemd-udev-settle.service \
             systemd-hwdb-update.service systemd-modules-load.service \
             systemd-sysctl.service systemd-random-seed.service \
             hwclock.service systemd-rfkill.service systemd-rfkill.socket \
             systemd-backlight@.service systemd-pstore.service \
             fstrim.service fstrim.timer e2scrub_all.timer e2scrub_all.service e2scrub_reap.service \
             apt-daily.timer apt-daily-upgrade.timer
        # No gettys on virtual terminals; console-getty.service (started by the getty generator in
        # a container) serves /dev/console.
        rm -f "$tmp"/etc/systemd/system/getty.target.wants/getty@tty*.service
        # Persistent journal: `journalctl` shows this boot's messages after a reboot too.
        mkdir -p "$tmp/var/log/journal"
fi

# ---- variant: OpenRC + sysvinit ----

if [[ $variant == openrc ]]; then
        # umountroot remounts the tree's file system read-only for the whole host, umountfs and
        # umountnfs.sh unmount, hwclock.sh sets the host's clock from the RTC, checkroot.sh and
        # checkfs.sh remount and fsck, mountall.sh mounts and swaps on, mount-configfs mounts the
        # host-global configfs, cgroups mounts a v1 hierarchy with a release agent (run on the
        # host), brightness writes to backlight devices. None has a job in a container.
        neutralize umountroot umountfs umountnfs.sh hwclock.sh checkroot.sh checkroot-bootclean.sh \
                   checkfs.sh mountall.sh mountall-bootclean.sh mountnfs.sh mountnfs-bootclean.sh \
                   mountkernfs.sh mountdevsubfs.sh mount-configfs cgroups brightness procps kmod \
                   udev networking
        # halt: no `-i` (downs every interface it can see), no `-h` (puts disks to standby).
        cat > "$tmp/etc/default/halt" <<'X'
# Set by tests/rootfs/debian.sh: never touch interfaces or disks when halting a test container.
HALT=poweroff
NETDOWN=no
X
        sed -i 's/hddown="-h"/hddown=""/' "$tmp/etc/init.d/halt"
        grep -q 'hddown=""' "$tmp/etc/init.d/halt" || { echo "debian.sh: could not disable halt -h" >&2; exit 1; }
        # The console: agetty on /dev/console, respawned; no gettys on virtual terminals.
        sed -i -e '/^[0-9]*:[0-9]*:respawn:\/sbin\/getty/s/^/#/' -e '/^[^#].*:respawn:.*agetty/d' "$tmp/etc/inittab"
        echo 'c0:2345:respawn:/sbin/agetty --noclear -8 -L console 115200,38400,9600 linux' >> "$tmp/etc/inittab"
        # SIGINT to init (ctrlaltdel; nspawn --kill-signal=SIGINT) powers the test container off.
        sed -i 's|^ca:[0-9]*:ctrlaltdel:.*|ca:12345:ctrlaltdel:/sbin/shutdown -t1 -h -P now|' "$tmp/etc/inittab"
        # OpenRC: tell it where it runs, run services in parallel no, log nothing to the host.
        if [[ -f $tmp/etc/rc.conf ]]; then
                sed -i -e 's/^#\?rc_sys=.*/rc_sys="systemd-nspawn"/' "$tmp/etc/rc.conf"
                grep -q '^rc_sys="systemd-nspawn"' "$tmp/etc/rc.conf" || echo 'rc_sys="systemd-nspawn"' >> "$tmp/etc/rc.conf"
        fi
fi

echo "$stamp" > "$tmp/$stamp_name"
# Replace atomically: the old image (if any) moves aside first, then goes.
if [[ -e $dest ]]; then
        old=$(mktemp -d "$dest.old.XXXXXX")
        mv -T "$dest" "$old/image"
        mv -T "$tmp" "$dest"
        rm -rf --one-file-system "$old"
else
        mv -T "$tmp" "$dest"
fi
tmp=
echo "debian.sh: built $dest ($variant) in $(( $(date +%s) - start )) s"
}

# One line: bash has read it whole before main runs, so editing this file meanwhile is harmless.
main "$@"; exit
