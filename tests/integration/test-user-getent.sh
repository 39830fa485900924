#!/bin/bash
# -u USER is resolved as systemd-nspawn does: with the container's own `getent passwd USER` and
# `getent initgroups USER`, run inside it with an empty environment, so a user only the guest's
# NSS knows works (systemd's TEST-13-NSPAWN "sanity" case); /etc/passwd and /etc/group where the
# tree has no getent; a getent that fails makes nspawn fail.
. "$(dirname "$0")/lib.sh"

# A copy of the image whose getent (/usr/bin; /bin links there) knows "testuser", which is not in
# /etc/passwd, and leaves what it saw in /getent.log: its initial environment and its stdin.
rootfs_copy "$T/root"
[[ -L $IT_ROOT/bin ]] || skip "the busybox image has no merged /bin (tests/rootfs/busybox.sh changed)"
grep -q '^testuser:' "$IT_ROOT/etc/passwd" && fail "testuser must not be in the image's /etc/passwd"
cat > "$IT_ROOT/usr/bin/getent" <<'EOF'
#!/bin/sh
{ echo "args: $*"; echo "environ: $(tr '\0' ' ' < /proc/$$/environ)"; echo "stdin: $(readlink /proc/$$/fd/0)"; } >> /getent.log
case $1:$2 in
passwd:testuser|passwd:4711) echo "testuser:x:4711:4711:Test User:/home/testuser:/bin/sh" ;;
initgroups:testuser|initgroups:4711) echo "$2              100 4711" ;;
*) exit 2 ;;
esac
EOF
chmod 0755 "$IT_ROOT/usr/bin/getent"

# refused USER MESSAGE: -u USER fails with exit status 1 and MESSAGE (systemd-nspawn words its
# messages differently: only the exit status is compared there).
refused() {
        capture OUT nspawn -q -D "$IT_ROOT" -u "$1" /bin/true
        assert_eq "$RC" 1 "exit status of -u $1 ($2)"
        [[ $IT_REFERENCE == 1 ]] || assert_contains "$(cat "$T/stderr")" "Failed to resolve user '$1' in the container: $2"
}

run_sh -u testuser -- 'id; echo "$HOME $USER $LOGNAME"; stat -c "%u %g %a" /home/testuser'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" "uid=4711 gid=4711 groups=100(users),4711" "id of -u testuser"
assert_eq "${l[1]}" "/home/testuser testuser testuser" "HOME USER LOGNAME of -u testuser"
assert_eq "${l[2]}" "4711 4711 755" "the home directory made for testuser"
log "getent.log: $(cat "$IT_ROOT/getent.log")"
mapfile -t g < "$IT_ROOT/getent.log"
assert_eq "${g[0]}" "args: passwd testuser" "first getent call"
assert_eq "${g[1]}" "environ: " "the environment getent runs with"
assert_eq "${g[2]}" "stdin: /dev/null" "getent's stdin"
assert_eq "${g[3]}" "args: initgroups testuser" "second getent call"
rm -f "$IT_ROOT/getent.log"

# By UID (systemd-nspawn asks initgroups for "4711", we for the name found: "testuser").
run_sh -u 4711 -- 'id'
assert_rc 0
assert_eq "$OUT" "uid=4711 gid=4711 groups=100(users),4711" "id of -u 4711"

# A user getent does not know (exit 2): refused with a clear message.
refused nobody-here "no such user"

# A getent that fails otherwise.
cat > "$IT_ROOT/usr/bin/getent" <<'EOF'
#!/bin/sh
echo "getent: broken" >&2
exit 1
EOF
refused testuser "getent passwd testuser failed with exit status 1"

# Output that is not a passwd entry of the user asked for.
printf '#!/bin/sh\necho "root:x:0:0:root:/root:/bin/sh"\n' > "$IT_ROOT/usr/bin/getent"
[[ $IT_REFERENCE == 1 ]] || refused testuser "getent passwd testuser printed no valid entry of it"

# No getent in the tree: the image's /etc/passwd and /etc/group. (systemd-nspawn 252 has no such
# fallback: -u fails in a tree without getent.)
rm -f "$IT_ROOT/usr/bin/getent"
if [[ $IT_REFERENCE == 1 ]]; then
        log "systemd-nspawn 252 cannot resolve users without getent: the fallback is not compared"
        exit 0
fi
run_sh -u test -- 'id; echo "$HOME"'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_match "${l[0]}" '^uid=1000\(test\) gid=1000\(test\) groups=' "id of -u test without getent"
assert_contains "${l[0]}" "100(users)" "supplementary groups of -u test without getent"
assert_eq "${l[1]}" "/home/test" "HOME of -u test without getent"
refused testuser "no such user"
