#!/bin/bash
# -u USER is resolved inside the container (its /etc/passwd, not the host's).
. "$(dirname "$0")/lib.sh"

run_sh -u test -- 'id; echo "$HOME $USER $LOGNAME"; pwd'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_match "${l[0]}" '^uid=1000\(test\) gid=1000\(test\) groups=' "id of -u test"
assert_contains "${l[0]}" "100(users)" "supplementary groups of -u test"
assert_eq "${l[1]}" "/home/test test test" "HOME USER LOGNAME of -u test"

run_sh -u root -- 'id -u'
assert_rc 0
assert_eq "$OUT" 0 "id -u of -u root"

# By number too.
run_sh -u 1000 -- 'id -un'
assert_rc 0
assert_eq "$OUT" test "-u 1000"

# A user of the host that the image does not know.
capture OUT nspawn -q -D "$ROOTFS" -u no-such-user-here /bin/true
assert_ne "$RC" 0 "-u of an unknown user"
