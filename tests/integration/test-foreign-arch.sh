#!/bin/bash
# A tree of another CPU (arm64 busybox, Debian's busybox-static:arm64) runs with -D as if native,
# through qemu-user registered in binfmt_misc with the F (fix binary) and P (preserve argv[0])
# flags: uname -m says aarch64 (with -U too), a shell script runs, the system call filter stays
# on (it filters the x86-64 calls qemu makes for the guest). --personality= changes what uname reports for the
# host's own 32-bit sibling (x86 on x86-64), not the CPU of a foreign tree; arm64 is refused.
#
# Where no enabled aarch64 handler with F and P is registered, the test registers its own,
# nspawn-it-aarch64-PID, through a binfmt_misc mount in a mount namespace of its own (the host's
# /proc/sys/fs/binfmt_misc is never mounted), kept alive by a holder process that dies with the
# test (PR_SET_PDEATHSIG), and removes it on every exit path.
# timeout: 90
. "$(dirname "$0")/lib.sh"

[[ $(uname -m) == x86_64 ]] || skip "the host is $(uname -m): this test runs an arm64 tree on x86-64"
grep -qw binfmt_misc /proc/filesystems || skip "this kernel has no binfmt_misc (CONFIG_BINFMT_MISC)"
require unshare setpriv
QEMU=$(command -v qemu-aarch64-static) || skip "qemu-aarch64-static is not installed (apt-get install qemu-user-static)"

ARM=$BUILD/tests/rootfs-busybox-arm64
"$IT_DIR/../rootfs/busybox-foreign.sh" "$ARM" arm64 > "$T/rootfs.log" 2>&1 ||
        skip "no arm64 busybox tree: $(tail -n 3 "$T/rootfs.log" | tr '\n' ' ')"
IT_ROOTS+=("$ARM")

# The ELF header of an aarch64 executable, and which of its bytes matter (qemu's own values).
MAGIC='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
MASK='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
MAGIC_HEX=7f454c460201010000000000000000000200b700
NAME=nspawn-it-aarch64-$$
BM=$T/binfmt_misc
mkdir -p "$BM"

# binfmt SCRIPT: run the sh SCRIPT in $BM, a binfmt_misc mounted in a mount namespace of its own.
# In the initial user namespace every binfmt_misc mount is the same instance (the host's entries).
binfmt() {
        unshare -m --propagation private sh -c 'mount -t binfmt_misc binfmt_misc "$0" && cd "$0" && eval "$1"' "$BM" "$1"
}

# The enabled entries for aarch64 ELF at offset 0: "NAME FLAGS" per line.
aarch64_entries() {
        binfmt 'for f in *; do
                case $f in register | status) continue ;; esac
                grep -qx enabled "$f" && grep -qx "offset 0" "$f" && grep -qx "magic '"$MAGIC_HEX"'" "$f" &&
                        echo "$f $(sed -n "s/^flags: //p" "$f")"
        done; true'
}

entries_before=$(binfmt 'ls') || skip "cannot mount binfmt_misc here: $(binfmt 'true' 2>&1)"
[[ $(binfmt 'cat status') == enabled ]] || skip "binfmt_misc is disabled on this host (status)"

# Handlers of earlier runs that were killed before they could remove theirs.
for stale in $(binfmt 'ls -d nspawn-it-aarch64-* 2>/dev/null; true'); do
        kill -0 "${stale##*-}" 2>/dev/null || binfmt "echo -1 > $stale" || true
done
entries_before=$(binfmt 'ls')

# F: the kernel opens the interpreter now, so the container needs no qemu in its tree. P: argv[0]
# is kept, which multi-call binaries (busybox's applets, run by its shell through
# /proc/self/exe) need. Debian's registration (qemu-user-static with binfmt-support or
# systemd-binfmt) has both.
host_entry=$(aarch64_entries | awk '$2 ~ /F/ && $2 ~ /P/ { print $1; exit }')
if [[ -n $host_entry ]]; then
        log "the host's binfmt_misc entry '$host_entry' runs aarch64 binaries"
else
        log "registering $NAME: $QEMU, flags PF"
        # The entry lives as long as a binfmt_misc mount does: the holder keeps one, in its own
        # mount namespace, until the test ends (or dies: the kernel then kills the holder).
        (exec unshare -m --propagation private setpriv --pdeathsig KILL -- sh -c '
                mount -t binfmt_misc binfmt_misc "$0" && printf "%s" "$1" > "$0/register" || exit 1
                echo registered > "$2"
                exec sleep 600' "$BM" ":$NAME:M::$MAGIC:$MASK:$QEMU:PF" "$T/registered") 2> "$T/holder.err" &
        holder=$!
        at_exit "kill $holder 2>/dev/null; wait $holder 2>/dev/null"
        at_exit "binfmt '[ ! -e $NAME ] || echo -1 > $NAME'"
        wait_for "[[ -s $T/registered ]] || ! kill -0 $holder 2>/dev/null" 10
        [[ -s $T/registered ]] || skip "cannot register a binfmt_misc handler: $(cat "$T/holder.err")"
        assert_contains "$(aarch64_entries)" "$NAME PF" "the aarch64 entries"
fi

capture OUT nspawn -q -D "$ARM" /bin/busybox uname -m
assert_rc 0 "busybox uname -m in the arm64 tree"
assert_eq "$OUT" aarch64 "uname -m in the arm64 tree"

# In a user namespace too: one without a binfmt_misc mount of its own uses its parent's entries.
capture OUT nspawn -q -D "$ARM" -U /bin/busybox uname -m
assert_rc 0 "busybox uname -m in the arm64 tree with -U"
assert_eq "$OUT" aarch64 "uname -m in the arm64 tree with -U"

# A script through the tree's /bin/sh: the kernel's #! handler, then binfmt_misc, then qemu. Its
# applets (grep, cut, wc) are exec'd by busybox's shell; the seccomp filter is the payload's.
cat > "$T/script.sh" <<'EOF'
#!/bin/sh
set -e
echo "arch=$(uname -m)"
echo "root=$(grep '^root:' /etc/passwd | cut -d: -f7)"
echo "files=$(ls /usr/bin | wc -l)"
grep '^Seccomp:' /proc/self/status | tr -d '\t '
EOF
chmod 0755 "$T/script.sh"
capture OUT nspawn -q -D "$ARM" --bind-ro="$T/script.sh:/script.sh" /script.sh
assert_rc 0 "a shell script in the arm64 tree"
assert_line "$OUT" arch=aarch64 "the script's output"
assert_line "$OUT" root=/bin/sh "the script's output"
assert_match "$OUT" $'(^|\n)files=[1-9][0-9]+' "the script's output"
assert_line "$OUT" Seccomp:2 "the script's output (qemu runs under the payload's filter)"

# --personality= is the execution domain of the host's kernel: x86 makes an x86-64 tree report
# i686; qemu reports its guest's CPU whatever the personality. A foreign CPU is not a personality.
capture OUT nspawn -q -D "$ARM" --personality=x86 /bin/busybox uname -m
assert_rc 0 "--personality=x86 in the arm64 tree"
assert_eq "$OUT" aarch64 "uname -m with --personality=x86 in the arm64 tree"
capture OUT nspawn -q -D "$ROOTFS" --personality=x86 /bin/busybox uname -m
assert_rc 0 "--personality=x86 in the x86-64 tree"
assert_eq "$OUT" i686 "uname -m with --personality=x86 in the x86-64 tree"
capture OUT nspawn -q -D "$ARM" --personality=arm64 /bin/busybox uname -m
assert_rc 1 "--personality=arm64 on x86-64"
assert_contains "$(tr '[:upper:]' '[:lower:]' < "$T/stderr")" personality "the message for --personality=arm64"

# Nothing stays registered: the host's entries are those it had.
if [[ -z $host_entry ]]; then
        binfmt "echo -1 > $NAME" || fail "could not remove $NAME"
fi
assert_eq "$(binfmt 'ls')" "$entries_before" "the binfmt_misc entries after the test"
