#!/bin/bash
# nspawnctl against a busybox guest booted with nspawn -b (busybox init, an inittab whose actions
# log, and a respawned child that logs the signals it gets): list (table, --no-legend, JSON),
# status (with the process tree), show (-p, --value, -a), kill (all / leader, -s), reboot (busybox
# init's SIGTERM: nspawn restarts it in place), poweroff (SIGUSR2: nspawn exits 0), and that bad
# input changes nothing.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"
require python3

rootfs_copy "$T/root"; root=$IT_ROOT
mkdir -p "$root/var/log"
cat > "$root/etc/inittab" <<'X'
::sysinit:/bin/sh -c 'echo boot >> /var/log/events'
::respawn:/bin/sh /trap.sh
::shutdown:/bin/sh -c 'echo shutdown >> /var/log/events'
X
cat > "$root/trap.sh" <<'X'
for s in HUP USR1 TERM; do trap "echo child $s >> /var/log/signals" $s; done
echo child-up >> /var/log/events
while :; do sleep 1 & wait; done
X
touch "$root/var/log/signals"
count() { grep -c -x "$1" "$root/var/log/$2"; }

# A name of its own: a concurrent run of this test elsewhere must not share the machine's cgroups.
name=bb-$$
unit="machine-${name//-/\\x2d}.scope" # unit-name escaping: machine-bb\x2d123.scope
nspawn_bg "$T/nspawn.out" -q -M "$name" -D "$root" -b --private-network
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$name"
wait_for "[[ \$(count child-up events) == 1 ]]" 10 || fail "the guest's child did not start"
pgrep -P "$BG_PID" | grep -qx "$LEADER" || fail "the leader nspawnctl shows ($LEADER) is not a child of nspawn"

# ---- list ----
capture out ctl list --no-legend
assert_rc 0
assert_line "$out" "$name container nspawn busybox-test 1 -" "list --no-legend"
capture out ctl list
assert_rc 0
assert_match "$out" "^MACHINE +CLASS +SERVICE +OS +VERSION +ADDRESSES"$'\n' "list's header"
assert_match "$out" $'\n'"$name +container +nspawn +busybox-test +1 +-"$'\n' "list's row"
assert_match "$out" $'\n\n'"[0-9]+ machines listed.\$" "list's footer"
# columns as wide as their widest cell, one space apart, no trailing spaces
python3 - "$out" <<'X' || fail "list's columns are not aligned"
import sys
lines = sys.argv[1].split("\n")
rows = [l for l in lines[:lines.index("")]]
starts = [i for i, c in enumerate(rows[0]) if c != " " and (i == 0 or rows[0][i - 1] == " ")]
for r in rows:
    assert r == r.rstrip(), repr(r)
    for s in starts[1:]:
        assert r[s - 1] == " " and r[s] != " ", (r, s)
X
capture out ctl list -o json
assert_rc 0
python3 - "$out" "$name" <<'X' || fail "list -o json: $out"
import json, sys
l = json.loads(sys.argv[1])
m = [x for x in l if x["machine"] == sys.argv[2]]
assert m == [{"machine": sys.argv[2], "class": "container", "service": "nspawn", "os": "busybox-test",
              "version": "1", "addresses": None}], m
assert sys.argv[1].count("\n") == 0
X
capture out ctl list -o json-pretty
assert_contains "$out" $'\t{\n\t\t"machine" : "'
capture out ctl list -a --no-legend
assert_match "$out" "^\\.host +host +- +" ".host first with -a"

# ---- status ----
capture out ctl status "$name"
assert_rc 0
assert_match "$out" "^$name\\([0-9a-f]{32}\\)"$'\n' "status: name(ID)"
assert_match "$out" $'\n\t   Since: [A-Z][a-z]{2} [0-9-]{10} [0-9:]{8} [A-Z]+; [0-9]+(ms|s|min [0-9]+s) ago\n' "status: Since"
assert_line "$out" $'\t  Leader: '"$LEADER (init)" "status: Leader"
assert_line "$out" $'\t Service: nspawn; class container' "status: Service"
assert_line "$out" $'\t    Root: '"$root" "status: Root"
assert_line "$out" $'\t      OS: Busybox test image (nspawn tests)' "status: OS"
assert_line "$out" $'\t    Unit: '"$unit" "status: Unit"
assert_line "$out" $'\t\t  └─payload' "status: the scope's tree"
assert_match "$out" $'\n\t\t    [├└]─ *'"$LEADER init"$'\n' "status: the leader in the tree"
assert_match "$out" $'\n\t\t    [├└]─ *[0-9]+ /bin/sh /trap.sh\n' "status: the child in the tree"
capture out ctl status "$name" nosuch-$$
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Could not get path to machine: No machine 'nosuch-$$' known"

# ---- show ----
capture out ctl show "$name"
assert_rc 0
assert_eq "$(sed 's/=.*//' <<< "$out" | tr '\n' ' ')" "Name Id Timestamp TimestampMonotonic Service Unit Leader Class RootDirectory State " "show's properties"
assert_line "$out" "Leader=$LEADER"
assert_line "$out" "State=running"
assert_line "$out" "Unit=$unit"
assert_line "$out" "RootDirectory=$root"
capture out ctl show -a "$name"
assert_line "$out" "NetworkInterfaces=[unprintable]" "show -a"
capture out ctl show -p Leader -p Class --value "$name"
assert_eq "$out" "$LEADER"$'\n'"container" "show -p Leader -p Class --value"
capture out ctl show -p Class=vm "$name"
assert_eq "$out" "" "show -p Class=vm (not its class)"

# ---- kill ----
capture out ctl kill --signal=SIGHUP "$name"
assert_rc 0
wait_for "[[ \$(count 'child HUP' signals) == 1 ]]" 5 || fail "kill (all) did not reach the guest's child"
capture out ctl kill --kill-whom=leader -s HUP "$name"
assert_rc 0
sleep 1
assert_eq "$(count 'child HUP' signals)" 1 "the child after kill --kill-whom=leader"
capture out ctl kill --kill-whom=bogus -s HUP "$name"
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Could not kill machine: Invalid kill parameter 'bogus'"
capture out ctl kill -s HUP "$name" nosuch-$$
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Could not kill machine: No machine 'nosuch-$$' known"
capture out ctl kill --signal=BOGUS "$name"
assert_rc 1
assert_eq "$(cat "$T/stderr")" 'Failed to parse signal string "BOGUS".'
sleep 1
assert_eq "$(count 'child HUP' signals)" 1 "the child after bad kills (nothing half-done)"
assert_eq "$(ctl_leader "$name")" "$LEADER" "the leader after bad kills"

# ---- reboot: SIGTERM to busybox init, the container restarts in place ----
capture out ctl reboot "$name"
assert_rc 0
wait_for "[[ \$(count boot events) == 2 ]]" 15 || fail "the guest did not boot again after reboot"
assert_eq "$(count shutdown events)" 1 "shutdown actions after reboot"
old=$LEADER
ctl_wait_leader "$name"
assert_ne "$LEADER" "$old" "the leader after reboot"
kill -0 "$BG_PID" || fail "nspawn ended on reboot"

# ---- poweroff: SIGUSR2 to busybox init, nspawn exits 0 ----
capture out ctl poweroff "$name"
assert_rc 0
bg_wait 15
assert_eq "$BG_RC" 0 "nspawn's exit code after poweroff"
assert_eq "$(count shutdown events)" 2 "shutdown actions after poweroff"
ctl_wait_gone "$name"
capture out ctl status "$name"
assert_rc 1
assert_eq "$(cat "$T/stderr")" "Could not get path to machine: No machine '$name' known"
