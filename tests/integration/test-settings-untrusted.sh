#!/bin/bash
# A .nspawn file next to the image is untrusted: Environment= applies, Bind= is ignored; a symlink
# or a FIFO there is refused, never followed or waited on.
. "$(dirname "$0")/lib.sh"

rootfs_copy "$T/images/itbox"; root=$IT_ROOT
mkdir -p "$T/secret"
echo secret > "$T/secret/f"
cat > "$T/images/itbox.nspawn" <<X
[Exec]
Environment=IT_UNTRUSTED=applied

[Files]
Bind=$T/secret:/mnt/secret
X

capture OUT nspawn -q -D "$root" /bin/sh -c 'echo $IT_UNTRUSTED; cat /mnt/secret/f 2>/dev/null || echo no-bind'
assert_rc 0
assert_eq "$OUT" "applied
no-bind" "untrusted settings"
assert_contains "$(cat "$T/stderr")" "trusted" "warning about the ignored key"

# --settings=trusted trusts it.
capture OUT nspawn -q -D "$root" --settings=trusted /bin/sh -c 'cat /mnt/secret/f'
assert_rc 0
assert_eq "$OUT" secret "--settings=trusted"

# The file next to the image is opened safely: a symlink is not followed (its target is never read,
# so its text can never show up in a message), a FIFO never blocks nspawn, neither runs the
# container; both are refused with an error rather than skipped, since the file may hold
# restrictions the user counts on. systemd-nspawn 252 follows the link and hangs on the FIFO.
expect_differ "follows a symlinked NAME.nspawn and hangs on a FIFO one"
echo "TARGET-TEXT-MUST-NOT-BE-READ" > "$T/elsewhere"
rm "$T/images/itbox.nspawn"
ln -s "$T/elsewhere" "$T/images/itbox.nspawn"
IT_CMD_TIMEOUT=10 capture OUT nspawn -q -D "$root" /bin/echo ran
assert_ne "$RC" 124 "exit code (symlinked settings file: no hang)"
assert_ne "$RC" 0 "exit code (symlinked settings file)"
assert_eq "$OUT" "" "output (symlinked settings file: the container did not run)"
assert_contains "$(cat "$T/stderr")" "itbox.nspawn" "error names the file"
assert_contains "$(cat "$T/stderr")" "symbolic link" "error says why"
assert_not_contains "$(cat "$T/stderr")" "TARGET-TEXT" "error does not quote the link's target"

rm "$T/images/itbox.nspawn"
mkfifo "$T/images/itbox.nspawn"
IT_CMD_TIMEOUT=10 capture OUT nspawn -q -D "$root" /bin/echo ran
assert_ne "$RC" 124 "exit code (FIFO settings file: no hang)"
assert_ne "$RC" 0 "exit code (FIFO settings file)"
assert_eq "$OUT" "" "output (FIFO settings file: the container did not run)"
assert_contains "$(cat "$T/stderr")" "FIFO" "error says why"

# --settings=no does not look at it at all.
capture OUT nspawn -q -D "$root" --settings=no /bin/echo ran
assert_rc 0 "--settings=no with a FIFO settings file"
assert_eq "$OUT" ran "--settings=no"
rm "$T/images/itbox.nspawn"
