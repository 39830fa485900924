# shellcheck shell=bash
# Network tests never touch the real host's network. nspawn runs in a network namespace that the
# test made and that plays the host ("host"), with another test-made namespace behind it as the
# outside world ("outside"), joined by a veth pair: uplink0 in the host, uplink1 outside. Links,
# forwarding sysctls and nft rules land in these, and lib.sh still checks the real host's links,
# addresses, routes, rules and forwarding sysctls after the test.
#
# Both namespaces are bound to files in the test's scratch dir (unshare --net=FILE). nspawn enters
# the host one by fd (nsenter --net=FILE), which leaves /sys as it is: `ip netns exec` would mount
# a fresh sysfs over it and hide /sys/fs/cgroup (systemd-nspawn 252 then dies with "No medium
# found"; net_fresh_sysfs runs a command that way, for the test of that case).
#
# Source after lib.sh:
#   net_setup               make $NET_HOST and $NET_OUTSIDE and the uplink; removed at exit
#   in_host CMD...          CMD in the host namespace (in_outside: in the outside one)
#   nspawn_host ARGS...     the binary under test in the host namespace (as nspawn())
#   nspawn_host_bg OUT ARGS...  the same in the background, BG_PID is nspawn's PID (as nspawn_bg)
#   host_links              the host namespace's link names, sorted
#   link_attr NAME FIELD    address|master|state|operstate of NAME in the host namespace
#   wait_link_gone NAME [S] wait up to S seconds (default 5) for NAME to leave the host namespace
#   link_table NETNS CMD... the container's links inside and the new ones in NETNS while it runs
#   reference_table OPTS... the same for systemd-nspawn 252 in a namespace of its own (the oracle
#                           for names and addresses; empty without systemd-nspawn)

net_setup() {
        NET_HOST=$T/netns-host
        NET_OUTSIDE=$T/netns-outside
        touch "$NET_HOST" "$NET_OUTSIDE"
        at_exit "umount -l '$NET_HOST' '$NET_OUTSIDE' 2>/dev/null"
        unshare --net="$NET_HOST" true && unshare --net="$NET_OUTSIDE" true ||
                skip "cannot make network namespaces here"
        in_host ip link set lo up
        in_outside ip link set lo up
        # the uplink: made in the host namespace, its other end moved outside (ip takes a
        # namespace by its file)
        in_host ip link add uplink0 type veth peer name uplink1 || fail "cannot make the uplink"
        in_host ip link set uplink1 netns "$NET_OUTSIDE" || fail "cannot move the uplink outside"
        in_outside ip link show uplink1 > /dev/null || fail "the uplink's end is not outside"
        ! ip link show uplink0 > /dev/null 2>&1 && ! ip link show uplink1 > /dev/null 2>&1 ||
                fail "the uplink is in the real host's namespace"
}

in_host() { nsenter --net="$NET_HOST" "$@"; }
in_outside() { nsenter --net="$NET_OUTSIDE" "$@"; }

nspawn_host() {
        timeout -k 5 "${IT_CMD_TIMEOUT:-20}" nsenter --net="$NET_HOST" "${NSPAWN_CMD[@]}" "$@" < "${IT_STDIN:-/dev/null}"
}

nspawn_host_bg() {
        local out=$1; shift
        # nsenter execs nspawn: BG_PID is nspawn's own PID
        ( exec nsenter --net="$NET_HOST" "${NSPAWN_CMD[@]}" "$@" < "${IT_STDIN:-/dev/null}" > "$out" 2>&1 ) &
        BG_PID=$!
}

host_links() { in_host ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }

link_attr() {
        local name=$1 field=$2
        case $field in
        address) in_host ip -o link show "$name" | sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p' ;;
        master) in_host ip -o link show "$name" | sed -n 's|.* master \([^ ]*\).*|\1|p' ;;
        state) in_host ip -o link show "$name" | sed -n 's|.*<\([^>]*\)>.*|\1|p' ;;
        ifindex) in_host ip -o link show "$name" | awk -F: '{ print $1 }' ;;
        esac
}

wait_link_gone() {
        wait_for "! in_host ip link show '$1' >/dev/null 2>&1" "${2:-5}"
}

# link_table NETNS BINARY-AND-OPTIONS...: run the container (BINARY-AND-OPTIONS, then a payload of
# ours) in NETNS and print its links while it runs, sorted: "inside NAME ADDRESS" for each link in
# the container but lo, "host NAME ADDRESS MASTER" for each link of NETNS that was not there before.
link_table() {
        local ns=$1 before; shift
        { link_table_unsorted "$ns" "$@"; } | sort
}
link_table_unsorted() {
        local ns=$1 before; shift
        before=$(nsenter --net="$ns" ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')
        rm -f "$T/link-table.out"
        nsenter --net="$ns" "$@" /bin/sh -c \
                'for f in /sys/class/net/*; do [ "${f##*/}" = lo ] || echo "inside ${f##*/} $(cat $f/address)"; done; sleep 1' \
                > "$T/link-table.out" 2> "$T/link-table.err" &
        local pid=$!
        wait_for "[[ -s $T/link-table.out ]]" 10
        nsenter --net="$ns" ip -o link show | awk -F': ' -v before="$before" '
                BEGIN { n = split(before, b, "\n"); for (i = 1; i <= n; i++) old[b[i]] = 1 }
                { name = $2; sub(/@.*/, "", name); if (name in old) next
                  mac = ""; if (match($0, /link\/ether [0-9a-f:]+/)) mac = substr($0, RSTART + 11, RLENGTH - 11)
                  master = "-"; if (match($0, / master [^ ]+/)) master = substr($0, RSTART + 8, RLENGTH - 8)
                  print "host", name, mac, master }'
        wait "$pid"
        cat "$T/link-table.out"
}

# reference_table OPTIONS...: link_table of systemd-nspawn 252 with OPTIONS (after -q --read-only
# -D $ROOTFS) in a namespace of its own, with the uplink and bridges the test's host namespace
# has (made anew: br0); empty if systemd-nspawn is not installed. The oracle for names and
# addresses: ours must be the same.
reference_table() {
        local ns=$T/netns-reference
        command -v systemd-nspawn > /dev/null || return 0
        touch "$ns"
        unshare --net="$ns" true || return 0
        nsenter --net="$ns" ip link add uplink0 type veth peer name uplink1
        nsenter --net="$ns" ip link add br0 type bridge
        link_table "$ns" systemd-nspawn --register=no --keep-unit -q --read-only -D "$ROOTFS" "$@"
        umount -l "$ns" 2>/dev/null
}

# net_fresh_sysfs CMD...: CMD in the host namespace as `ip netns exec` runs it: a mount namespace of
# its own with a fresh sysfs on /sys (so /sys/fs/cgroup is empty), without touching /run/netns.
net_fresh_sysfs() {
        nsenter --net="$NET_HOST" unshare --mount --propagation slave sh -c \
                'umount -l /sys && mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /sys && exec "$@"' sh "$@"
}
