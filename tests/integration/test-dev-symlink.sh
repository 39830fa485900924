#!/bin/bash
# An image whose /dev, /run or /tmp is a symlink to a host directory must not make nspawn write
# there (refusing to start is fine, populating the host directory is not).
. "$(dirname "$0")/lib.sh"
expect_differ "systemd-nspawn 252 follows the image's /dev and /run symlinks and populates the host directory"

# The host directory is outside /tmp, so that resolving the link inside the image (the right
# thing) finds nothing there, while following it on the host finds the directory.
host=$(mktemp -d /var/tmp/nspawn-it-host.XXXXXX)
at_exit "rm -rf $host"
bad=()
for d in dev run tmp; do
        rootfs_copy "$T/root-$d"
        rm -rf "${IT_ROOT:?}/$d"
        ln -s "$host" "$IT_ROOT/$d"
        capture OUT nspawn -q -D "$IT_ROOT" /bin/sh -c "ls /$d > /dev/null"
        log "/$d -> $host: exit code $RC"
        left=$(cd "$host" && find . -mindepth 1 | head -20)
        if [[ -n $left ]]; then
                bad+=("/$d: $(echo $left)")
                rm -rf "${host:?}"/* "$host"/.[!.]* 2>/dev/null
        fi
done
[[ ${#bad[@]} == 0 ]] || fail "nspawn wrote into the host directory the image's symlink points to:
$(printf '  %s\n' "${bad[@]}")"
