#!/bin/bash
# --volatile=yes|state|overlay: writes never reach the image, the layers are what systemd-nspawn
# makes (tmpfs root with /usr read-only; read-only root with a tmpfs /var; overlay root), and
# nothing is left on the host (the host check compares mounts).
. "$(dirname "$0")/lib.sh"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null

rootfs_copy "$T/root"; root=$IT_ROOT
echo image > "$root/etc/it-marker"
before=$(cd "$root" && find . -printf '%p %m %s\n' | sort)

# yes: / is a tmpfs, /usr is the image's (read-only), /etc starts empty.
run_sh --volatile=yes -- 'echo w > /it-new; echo w > /etc/it-new; ls /etc/it-marker 2>&1; touch /usr/it 2>&1;
        awk "\$5 == \"/\" || \$5 == \"/usr\" { for (i = 7; \$i != \"-\"; i++); print \$5, \$(i + 1), \$6 }" /proc/self/mountinfo'
assert_rc 0
assert_line "$OUT" "/ tmpfs rw" "--volatile=yes root"
assert_match "$OUT" "/usr [a-z0-9]+ ro" "--volatile=yes /usr"
assert_contains "$OUT" "No such file or directory" "/etc of --volatile=yes (starts empty)"
assert_contains "$OUT" "Read-only file system" "write to /usr"

# Plain --volatile is yes.
run_sh --volatile -- 'awk "\$5 == \"/\" { for (i = 7; \$i != \"-\"; i++); print \$(i + 1) }" /proc/self/mountinfo'
assert_eq "$OUT" tmpfs "bare --volatile"

# state: the image read-only, /var a tmpfs.
run_sh --volatile=state -- 'echo w > /var/it-new && echo var-ok; touch /it-new 2>&1; cat /etc/it-marker;
        awk "\$5 == \"/var\" { for (i = 7; \$i != \"-\"; i++); print \$(i + 1) }" /proc/self/mountinfo'
assert_rc 0
assert_contains "$OUT" var-ok "write to /var"
assert_contains "$OUT" "Read-only file system" "write to / with state"
assert_contains "$OUT" image "the image's /etc with state"
assert_line "$OUT" tmpfs "/var with state"
# The read-only /etc is known up front: resolv.conf and localtime are bound, not copied, so no
# "Failed to copy" warnings.
if grep -q "Failed" "$T/stderr"; then fail "warnings with --volatile=state: $(cat "$T/stderr")"; fi

# overlay: everything writable, nothing written.
run_sh --volatile=overlay -- 'echo w > /it-new && echo w > /etc/it-marker && rm /usr/bin/ls && mkdir /var/it-dir && echo ok;
        awk "\$5 == \"/\" { for (i = 7; \$i != \"-\"; i++); print \$(i + 1) }" /proc/self/mountinfo'
assert_rc 0
assert_contains "$OUT" ok "writes with overlay"
assert_line "$OUT" overlay "root with overlay"

# The settings-file key does the same.
echo '[Files]
Volatile=overlay' > "$T/root.nspawn"
run_sh -- 'echo w > /it-from-file && awk "\$5 == \"/\" { for (i = 7; \$i != \"-\"; i++); print \$(i + 1) }" /proc/self/mountinfo'
assert_eq "$OUT" overlay "Volatile=overlay from root.nspawn"
rm -f "$T/root.nspawn"

assert_eq "$(cd "$root" && find . -printf '%p %m %s\n' | sort)" "$before" "the image after the volatile runs"

# yes needs a merged /usr.
rm "$root/lib" && mkdir "$root/lib"
capture OUT nspawn -q -D "$root" --volatile=yes /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "Sorry, --volatile=yes mode is not supported with OS images that have not merged /bin/, /sbin/, /lib/, /lib64/ into /usr/." "non-merged image"
