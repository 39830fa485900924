#!/bin/bash
# Build the busybox test root (busybox.sh) from Debian's busybox-static of another CPU.
#   tests/rootfs/busybox-foreign.sh DEST [DEBIAN-ARCH]      DEBIAN-ARCH defaults to arm64
# Environment: FOREIGN_CACHE, where the downloaded .deb is kept (default: DEST's directory/
#   apt-DEBIAN-ARCH); a cached .deb is reused, a missing one is downloaded again.
#
# The package comes from the mirrors of the host's apt sources, through an apt-get that has a
# state and cache of its own and no configuration of the host's: the host's architecture list
# (dpkg --add-architecture), package lists and archive cache are never touched. Listing the
# binary's applets runs it, through qemu-user (qemu-ARCH-static), without binfmt_misc.
# Exit codes: 0 built, 1 failed (message on stderr).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: $0 DEST [DEBIAN-ARCH]}
arch=${2:-arm64}

# Debian architecture -> qemu-user's name of the CPU.
case $arch in
arm64) qemu=aarch64 ;;
armhf | armel) qemu=arm ;;
i386) qemu=i386 ;;
ppc64el) qemu=ppc64le ;;
riscv64 | s390x | mips64el) qemu=$arch ;;
*) echo "busybox-foreign.sh: unknown architecture '$arch'" >&2; exit 1 ;;
esac
runner=$(command -v "qemu-$qemu-static") ||
        { echo "busybox-foreign.sh: qemu-$qemu-static is missing (apt-get install qemu-user-static)" >&2; exit 1; }

mkdir -p "$(dirname "$dest")"
cache=${FOREIGN_CACHE:-$(cd "$(dirname "$dest")" && pwd)/apt-$arch}
mkdir -p "$cache"
exec 9> "$cache.lock"
flock 9

deb=$(find "$cache" -maxdepth 1 -name "busybox-static_*_$arch.deb" | sort | tail -n 1)
if [[ -z $deb ]]; then
        work=$(mktemp -d "$cache/apt.XXXXXX")
        trap 'rm -rf "$work"' EXIT
        mkdir -p "$work/parts" "$work/state/lists/partial" "$work/cache/archives/partial"
        : > "$work/state/status"
        # APT_CONFIG is read before /etc/apt/apt.conf.d: pointing the parts elsewhere keeps the
        # host's hooks (Post-Invoke) out. The sources stay the host's (Dir::Etc::source*).
        cat > "$work/apt.conf" <<EOF
Dir::Etc::Parts "$work/parts";
Dir::Etc::PreferencesParts "$work/parts";
Dir::Etc::Preferences "$work/preferences";
Dir::State "$work/state";
Dir::State::status "$work/state/status";
Dir::Cache "$work/cache";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Sandbox::User "root";
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
EOF
        if ! APT_CONFIG=$work/apt.conf apt-get -q update > "$work/log" 2>&1 ||
                ! (cd "$work" && APT_CONFIG=$work/apt.conf apt-get -q download "busybox-static:$arch") >> "$work/log" 2>&1; then
                echo "busybox-foreign.sh: apt-get could not fetch busybox-static:$arch:" >&2
                tail -n 5 "$work/log" >&2
                exit 1
        fi
        deb=$(find "$work" -maxdepth 1 -name "busybox-static_*_$arch.deb")
        [[ -n $deb ]] || { echo "busybox-foreign.sh: apt-get download left no .deb" >&2; exit 1; }
        mv -f "$deb" "$cache/"
        deb=$cache/${deb##*/}
fi

# The package's own tree holds /bin/busybox; busybox.sh lays out the test root around it.
unpacked=$(mktemp -d "$cache/unpack.XXXXXX")
trap 'rm -rf "$unpacked" ${work:+"$work"}' EXIT
dpkg-deb -x "$deb" "$unpacked"
BUSYBOX=$unpacked/bin/busybox BUSYBOX_RUN=$runner "$here/busybox.sh" "$dest"
[[ -L $dest/usr/bin/sh ]] || { echo "busybox-foreign.sh: $runner could not list the applets" >&2; exit 1; }
echo "$arch" > "$dest/.nspawn-test-arch"
