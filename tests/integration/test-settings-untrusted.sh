#!/bin/bash
# A .nspawn file next to the image is untrusted: Environment= applies, Bind= is ignored.
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
