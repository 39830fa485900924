#!/bin/bash
# --template=PATH: a missing -D directory is made as a complete copy of the template (owners,
# modes, times, symlinks, device nodes, hard links, xattrs), an existing one is left alone, a
# failure leaves nothing, and -x --template=T without -D runs T ephemerally.
. "$(dirname "$0")/lib.sh"

rootfs_copy "$T/tpl"; tpl=$IT_ROOT
# Entries cp -a knows and a plain copy would lose.
mknod "$tpl/dev/it-null" c 1 3
mkfifo "$tpl/it-fifo"
ln "$tpl/etc/passwd" "$tpl/etc/passwd-hardlink"
chown 1234:5678 "$tpl/home/test"
chmod 4711 "$tpl/usr/bin/getent" 2>/dev/null || true
setfattr -n user.it -v value "$tpl/etc/os-release" 2>/dev/null && have_xattr=1 || have_xattr=0
touch -d '2001-02-03 04:05:06' "$tpl/etc/profile"
listing() { (cd "$1" && find . -printf '%p %M %U:%G %s %T@ %l\n' | LC_ALL=C sort); }

new=$T/new
IT_ROOTS+=("$new")
capture OUT nspawn -D "$new" --template="$tpl" /bin/sh -c 'echo in-copy'
assert_rc 0
assert_contains "$OUT" in-copy "container on the new directory"
assert_contains "$(cat "$T/stderr")" "Populated $new from template $tpl." "status line"
# (diff cannot compare special files and says so: that is no difference; their type is checked below)
diff -r --no-dereference "$tpl" "$new" 2>&1 | grep -v -E '^File .* is a (fifo|character special file) while file .* is a \1$' > "$T/diff"
[[ ! -s $T/diff ]] || fail "diff -r template copy: $(cat "$T/diff")"
# the container wrote nothing it did not have (hostname etc. may be written by nspawn itself)
assert_eq "$(listing "$new" | grep -v -e '^\./etc/' -e '^\./etc ' -e '^\. ')" \
          "$(listing "$tpl" | grep -v -e '^\./etc/' -e '^\./etc ' -e '^\. ')" "owners, modes, sizes, times, links"
assert_eq "$(stat -c '%i %h' "$new/etc/passwd")" "$(stat -c '%i %h' "$new/etc/passwd-hardlink")" "hard link"
assert_eq "$(stat -c '%F %t:%T' "$new/dev/it-null")" "character special file 1:3" "device node"
[[ $have_xattr == 0 ]] || assert_eq "$(getfattr --only-values -n user.it "$new/etc/os-release" 2>/dev/null)" value "xattr"
assert_eq "$(ls -A "$T" | grep -c '^\.#')" 0 "temporary directories left"

# An existing directory is left alone.
touch "$new/it-mine"
capture OUT nspawn -D "$new" --template="$tpl" /bin/sh -c 'ls /it-mine'
assert_rc 0
assert_contains "$(cat "$T/stderr")" "Directory $new already exists, not populating from template $tpl." "existing directory"
assert_eq "$OUT" /it-mine "the existing directory was used"
capture OUT nspawn -q -D "$new" --template="$tpl" /bin/true
assert_not_contains "$(cat "$T/stderr")" "already exists" "-q"

# A failure leaves nothing behind.
capture OUT nspawn -q -D "$T/new2" --template="$T/does-not-exist" /bin/true
assert_rc 1
[[ ! -e $T/new2 ]] || fail "a failed template run left $T/new2"
assert_eq "$(ls -A "$T" | grep -c '^\.#')" 0 "temporary directories after a failure"

# -x --template=T without -D: T, ephemerally.
run_sh_tpl() { capture OUT nspawn -q -x --template="$tpl" /bin/sh -c "$1"; }
before=$(listing "$tpl")
run_sh_tpl 'echo w > /it-x && cat /it-x'
assert_rc 0
assert_eq "$OUT" w "-x --template"
assert_eq "$(listing "$tpl")" "$before" "the template after -x --template"

# -x with --template and -D is refused, as by systemd-nspawn.
capture OUT nspawn -q -x -D "$new" --template="$tpl" /bin/true
assert_rc 1
assert_contains "$(cat "$T/stderr")" "--ephemeral and --template= may not be combined." "-x -D --template"
