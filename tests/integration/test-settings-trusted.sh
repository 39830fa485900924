#!/bin/bash
# A .nspawn file in /run/systemd/nspawn (trusted) applies; the command line wins over it.
. "$(dirname "$0")/lib.sh"

name=it-settings-$$
dir=/run/systemd/nspawn
[[ -d $dir ]] || { mkdir -p "$dir" && at_exit "rmdir $dir 2>/dev/null"; }
at_exit "rm -f $dir/$name.nspawn"
mkdir -p "$T/bind"
echo from-bind > "$T/bind/f"
cat > "$dir/$name.nspawn" <<X
[Exec]
Environment=IT_FROM_FILE=yes IT_OTHER=1
WorkingDirectory=/etc
Hostname=from-file

[Files]
BindReadOnly=$T/bind:/mnt/b
X

run_sh -M "$name" -- 'echo $IT_FROM_FILE; pwd; hostname; cat /mnt/b/f'
assert_rc 0
assert_eq "$OUT" "yes
/etc
from-file
from-bind" "settings from $dir/$name.nspawn"

# Command-line options win.
run_sh -M "$name" --chdir=/ --hostname=from-cli -- 'pwd; hostname'
assert_eq "$OUT" "/
from-cli" "command line over the file"

# --settings=no ignores the file.
run_sh -M "$name" --settings=no -- 'echo "[$IT_FROM_FILE]"; hostname'
assert_eq "$OUT" "[]
$name" "--settings=no"
