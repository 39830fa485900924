#!/bin/bash
# nspawnctl against a busybox container with a user namespace of its own (-U, as nspawnctl start
# runs guests): shell enters the user namespace too (its uid_map is PID 1's, a command runs as
# the container's root, on the host as the range's first UID, never as host root; a guest user
# is that UID + its own); copy-to makes files owned by the container's root, copy-from by the
# host's (machined's shift); bind is refused as machinectl refuses it; a map of several ranges
# is refused for copies with machined's message.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"

rootfs_copy "$T/root"; root=$IT_ROOT
echo 'test:x:1000:1000::/:/bin/sh' >> "$root/etc/passwd"
echo 'test:x:1000:' >> "$root/etc/group"
mkdir -p "$root/srv"
name=un-$$

nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" -U /bin/sleep 1000
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$name"
map=$(cat "/proc/$LEADER/uid_map")
read -r inside base count <<< "$map"
[[ $inside == 0 && $base -ge 65536 && $count == 65536 ]] || fail "PID 1's uid_map: $map"

# ---- shell: the container's user namespace and ids ----
capture out ctl shell "$name" /bin/sh -c 'id -u; id -g; cat /proc/self/uid_map'
assert_rc 0 "shell in a -U container"
assert_eq "$(sed -n 1,2p <<< "$out" | tr '\n' ' ')" "0 0 " "the command runs as the container's root"
assert_eq "$(sed -n 3p <<< "$out" | tr -s ' ')" "$(tr -s ' ' <<< "$map")" "the session's uid_map is PID 1's"

capture out ctl shell "test@$name" /bin/sh -c 'id -u; id -g'
assert_rc 0
assert_eq "$(tr '\n' ' ' <<< "$out")" "1000 1000 " "shell test@NAME: the guest user's ids"

# on the host: the session's process runs as BASE, not as host root
ctl shell "$name" /bin/sleep 77 > /dev/null 2>&1 &
sess=$!
at_exit "kill $sess 2>/dev/null"
pid=
for _ in $(seq 50); do
        for p in $(pgrep -x sleep); do
                [[ $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null) == "/bin/sleep 77 " ]] && pid=$p
        done
        [[ -n $pid ]] && break
        sleep 0.1
done
[[ -n $pid ]] || fail "the session's sleep was not found on the host"
assert_eq "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")" "$base $base $base $base" \
        "the session's process on the host: the range's first UID"
assert_eq "$(awk '/^Gid:/ { print $2 }' "/proc/$pid/status")" "$base" "…and GID"
assert_eq "$(stat -L -c %i "/proc/$pid/ns/user")" "$(stat -L -c %i "/proc/$LEADER/ns/user")" \
        "the session is in the container's user namespace"
kill "$sess" 2>/dev/null; wait "$sess" 2>/dev/null

# ---- copy-to / copy-from: machined's shift ----
guest=/proc/$LEADER/root
echo payload > "$T/payload"; chown 1234:5678 "$T/payload"
capture out ctl copy-to "$name" "$T/payload" /srv/payload
assert_rc 0 "copy-to into a -U container"
assert_eq "$(stat -c %u:%g "$guest/srv/payload")" "$base:$base" "copy-to: owned by the container's root (host view)"
capture out ctl shell "$name" /bin/stat -c %u:%g /srv/payload
assert_eq "$out" "0:0" "copy-to: owned by root inside"

mkdir -p "$T/tree/sub"; echo t > "$T/tree/sub/f"; chown -R 42:43 "$T/tree"
capture out ctl copy-to "$name" "$T/tree" /srv/tree
assert_rc 0
assert_eq "$(stat -c %u:%g "$guest/srv/tree" "$guest/srv/tree/sub" "$guest/srv/tree/sub/f" | sort -u)" "$base:$base" \
        "copy-to of a directory: every entry owned by the container's root"

capture out ctl shell "test@$name" /bin/sh -c 'echo from-guest > /tmp/made; mkdir /tmp/d; echo x > /tmp/d/x'
assert_rc 0
assert_eq "$(stat -c %u "$guest/tmp/made")" "$((base + 1000))" "a file the guest user made (host view)"
mkdir "$T/out"
capture out ctl copy-from "$name" /tmp/made "$T/out/made"
assert_rc 0 "copy-from out of a -U container"
assert_eq "$(cat "$T/out/made")" from-guest "copy-from: the contents"
assert_eq "$(stat -c %u:%g "$T/out/made")" "0:0" "copy-from: owned by the host's root"
capture out ctl copy-from "$name" /tmp/d "$T/out/d"
assert_rc 0
assert_eq "$(stat -c %u:%g "$T/out/d" "$T/out/d/x" | sort -u)" "0:0" "copy-from of a directory: host root's"

# ---- bind: refused as machinectl refuses it ----
mkdir "$T/bindsrc"
capture out ctl bind "$name" "$T/bindsrc" /srv/b
assert_rc 1 "bind into a -U container"
assert_contains "$(cat "$T/stderr")" "Failed to bind mount: Can't bind mount on container with user namespacing applied."
[[ ! -e $guest/srv/b ]] || fail "bind made its destination although it was refused"

kill -KILL "$BG_PID"; wait "$BG_PID" 2>/dev/null
ctl_wait_gone "$name"

# ---- a map of several ranges: copies refused with machined's message ----
name2=um-$$
nspawn_bg "$T/nspawn2.out" -q -M "$name2" -D "$root" --private-users-map=b:0:1879048192:1000 \
        --private-users-map=b:1000:1879113728:1 --private-users-ownership=map /bin/sleep 1000
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$name2"
capture out ctl copy-to "$name2" "$T/payload" /srv/payload2
assert_rc 1 "copy-to with a map of two ranges"
assert_contains "$(cat "$T/stderr")" "Failed to copy: Machine $name2 uses a complex UID/GID mapping, cannot determine shift"
[[ ! -e /proc/$LEADER/root/srv/payload2 ]] || fail "the refused copy made its destination"
capture out ctl shell "$name2" /bin/sh -c 'wc -l < /proc/self/uid_map'
assert_eq "$(tr -d ' ' <<< "$out")" 2 "shell in a container with a map of two ranges"
kill -KILL "$BG_PID"; wait "$BG_PID" 2>/dev/null
ctl_wait_gone "$name2"
