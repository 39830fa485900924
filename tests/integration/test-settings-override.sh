#!/bin/bash
# --settings=override|no|trusted, and errors in .nspawn files: override makes the file win over
# the command line (Environment= replacing the -E list as a whole), also for an untrusted file,
# whose privileged keys stay ignored; trusted trusts the file next to the image, but the command
# line still wins; a line that cannot be parsed fails with PATH:LINE:, an unknown key or section
# is a warning and the run goes on.
. "$(dirname "$0")/lib.sh"

name=it-override-$$
dir=/run/systemd/nspawn
[[ -d $dir ]] || { mkdir -p "$dir" && at_exit "rmdir $dir 2>/dev/null"; }
file=$dir/$name.nspawn
at_exit "rm -f $file"
mkdir -p "$T/fbind" "$T/cbind"
echo from-file-bind > "$T/fbind/f"
echo from-cli-bind > "$T/cbind/f"
cat > "$file" <<X
[Exec]
Hostname=from-file
Environment=IT_A=file

[Files]
BindReadOnly=$T/fbind:/mnt/f
X
show='hostname; echo "A=$IT_A B=$IT_B"; cat /mnt/f/f /mnt/c/f 2>/dev/null; true'
cli=(--hostname=from-cli -E IT_A=cli -E IT_B=cli --bind-ro="$T/cbind:/mnt/c")

# Trusted file (/run/systemd/nspawn), command line wins per setting.
run_sh -M "$name" "${cli[@]}" -- "$show"
assert_rc 0
assert_eq "$OUT" "from-cli
A=cli B=cli
from-cli-bind" "command line over $file"
run_sh -M "$name" --settings=yes -- "$show"
assert_eq "$OUT" "from-file
A=file B=
from-file-bind" "$file alone"

# override: the file wins for every setting it has; its Environment= replaces all of -E.
run_sh -M "$name" --settings=override "${cli[@]}" -- "$show"
assert_rc 0
assert_eq "$OUT" "from-file
A=file B=
from-file-bind" "--settings=override"
# ... and settings the file does not have still come from the command line.
run_sh -M "$name" --settings=override --chdir=/etc -- 'pwd; hostname'
assert_eq "$OUT" "/etc
from-file" "--settings=override with --chdir"

# no: the file is not read.
run_sh -M "$name" --settings=no -- "$show"
assert_eq "$OUT" "$name
A= B=" "--settings=no"

# A file next to the image (untrusted unless --settings=trusted).
rootfs_copy "$T/images/$name"
cp "$file" "$T/images/$name.nspawn"
rm -f "$file"
capture OUT nspawn -q -D "$IT_ROOT" --settings=override "${cli[@]}" /bin/sh -c "$show"
assert_rc 0
assert_eq "$OUT" "from-file
A=file B=
from-cli-bind" "--settings=override with an untrusted file (its BindReadOnly= ignored)"
assert_contains "$(cat "$T/stderr")" "not trusted" "warning"
capture OUT nspawn -q -D "$IT_ROOT" --settings=trusted /bin/sh -c "$show"
assert_rc 0
assert_eq "$OUT" "from-file
A=file B=
from-file-bind" "--settings=trusted"
capture OUT nspawn -q -D "$IT_ROOT" --settings=trusted "${cli[@]}" /bin/sh -c "$show"
assert_rc 0
assert_eq "$OUT" "from-cli
A=cli B=cli
from-cli-bind" "--settings=trusted with the command line"

# Unknown keys and sections: a warning naming file and line, and the run goes on.
printf '[Exec]\nHostname=after-unknown\nFrobnicate=1\n[Frobnicate]\nKey=1\n' > "$T/images/$name.nspawn"
capture OUT nspawn -q -D "$IT_ROOT" /bin/hostname
assert_rc 0 "a file with an unknown key"
assert_eq "$OUT" after-unknown "hostname from a file with an unknown key"
assert_contains "$(cat "$T/stderr")" "$T/images/$name.nspawn:3:" "warning for the unknown key"
assert_contains "$(cat "$T/stderr")" "Frobnicate" "warning for the unknown key"
assert_contains "$(cat "$T/stderr")" "$T/images/$name.nspawn:4:" "warning for the unknown section"

# A line that cannot be parsed: exit 1, the message names file and line.
expect_differ "systemd-nspawn 252 warns about a line it cannot parse and goes on"
for bad in 'garbage line' 'Boot=maybe' 'KillSignal=SIGFROB'; do
        printf '[Exec]\n# comment\n%s\nHostname=x\n' "$bad" > "$T/images/$name.nspawn"
        capture OUT nspawn -q -D "$IT_ROOT" /bin/true
        assert_rc 1 "a file with the line '$bad'"
        assert_contains "$(cat "$T/stderr")" "$T/images/$name.nspawn:3:" "message for '$bad'"
done
