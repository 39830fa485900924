#!/bin/bash
# An unprivileged user runs `nspawn -D ~/tree -U` (no daemon): the container's root is the user,
# its other users the user's /etc/subuid and /etc/subgid ranges (newuidmap/newgidmap); what the
# container's root makes is the user's on the host, what another container user makes is in the
# user's subordinate range, and host root's files stay out of reach. /sys/fs/cgroup is the
# container's own cgroup namespace. What needs root is refused with what to do: no -U, a range or
# ownership mode only root may use, a user without subordinate ranges.
. "$(dirname "$0")/lib.sh"
require useradd userdel setpriv newuidmap newgidmap

user=nsprl$$
nosub=nsprn$$
useradd -m -s /bin/sh "$user" || fail "useradd $user"
at_exit "userdel -r $user 2>/dev/null"
useradd -m -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -s /bin/sh "$nosub" || fail "useradd $nosub"
at_exit "userdel -r $nosub 2>/dev/null"
uid=$(id -u "$user") gid=$(id -g "$user")
read -r sub subn < <(awk -F: -v u="$user" '$1 == u { print $2, $3; exit }' /etc/subuid)
[[ -n $sub ]] || skip "useradd gave $user no subordinate UIDs (SUB_UID_COUNT in /etc/login.defs)"
home=$(getent passwd "$user" | cut -d: -f6)
cp -a "$ROOTFS" "$home/tree"
chown -R "$user:" "$home/tree"
IT_ROOTS+=("$home/tree")

# as USER ARGS...: nspawn run by USER, with a clean environment
as() {
        local u=$1; shift
        capture OUT setpriv --reuid="$u" --regid="$u" --init-groups env -i HOME="$(getent passwd "$u" | cut -d: -f6)" \
                PATH=/usr/bin:/bin "${NSPAWN_CMD[@]}" -q "$@"
}

as "$user" -D "$home/tree" -U --bind-ro=/etc/shadow:/shadow /bin/sh -c "
id -u; tr -s ' ' < /proc/self/uid_map | sed 's/^ //'; echo --
touch /root/by-root; touch /root/by-1000; chown 1000:1000 /root/by-1000
cat /shadow > /dev/null 2>&1 && echo SHADOW-READ || echo shadow-denied
awk '\$5 == \"/sys/fs/cgroup\" { for (i = 7; \$i != \"-\"; i++); t = \$(i + 1) } END { print t }' /proc/self/mountinfo"
assert_rc 0 "-U by an unprivileged user"
log "$OUT"
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" 0 "uid inside"
assert_eq "${l[1]}" "0 $uid 1" "the container's root is the user"
assert_eq "${l[2]}" "1 $sub $((subn < 65535 ? subn : 65535))" "its other users are the user's subordinate range"
assert_eq "${l[3]}" -- "nothing else is mapped"
assert_eq "$(stat -c %u:%g "$home/tree/root/by-root")" "$uid:$gid" "a file of the container's root, on the host"
assert_eq "$(stat -c %u "$home/tree/root/by-1000")" "$((sub + 999))" "a file of the container's user 1000, on the host"
assert_line "$OUT" shadow-denied "host root's /etc/shadow through a bind"
assert_line "$OUT" cgroup2 "/sys/fs/cgroup (the topmost mount there)"

# -x and --private-network work unprivileged; the tree is not written with -x
as "$user" -D "$home/tree" -U -x --private-network /bin/sh -c 'touch /x-file && ls /sys/class/net'
assert_rc 0 "-U -x --private-network by an unprivileged user"
assert_eq "$OUT" lo "links with --private-network"
[[ ! -e $home/tree/x-file ]] || fail "-x wrote into the tree"

# ---- what needs root ----
as "$user" -D "$home/tree" /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "run it with -U"
as "$user" -D "$home/tree" --private-users=identity /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "needs root"
as "$user" -D "$home/tree" -U --private-users-ownership=map /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "--private-users-ownership=map needs root"
as "$user" -D "$home/tree" -U --property=MemoryMax=1G /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "--property= need root"
nhome=$(getent passwd "$nosub" | cut -d: -f6)
cp -a "$ROOTFS" "$nhome/tree"
chown -R "$nosub:" "$nhome/tree"
IT_ROOTS+=("$nhome/tree")
as "$nosub" -D "$nhome/tree" -U /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "has no subordinate uids in /etc/subuid"
assert_contains "$(cat "$T/stderr")" "usermod --add-subuids"
