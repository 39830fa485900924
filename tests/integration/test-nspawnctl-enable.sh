#!/bin/bash
# nspawnctl enable/disable without systemd as PID 1, in trees made by the test (NSPAWNCTL_ROOT, as
# systemctl --root=): never this host's /etc.
#   systemd installed: the links systemctl enable makes (machines.target wanted by
#   multi-user.target, nspawn@NAME.service by machines.target), with systemctl's messages, and
#   `systemctl --root= is-enabled` agrees; again: silent; disable removes the service's links from
#   every .wants/; a foreign link or file in the way is an error and is left alone; a missing
#   template is an error.
#   OpenRC installed: /etc/init.d/nspawn.NAME → nspawn and the default runlevel's link; disable
#   removes both, but keeps the script's link of a service OpenRC runs.
#   both: both; neither: an error. Unknown and invalid names change nothing.
# And the files themselves: nspawn@.service and machines.target pass `systemd-analyze verify`, the
# OpenRC script parses with sh -n. (The unit under a real systemd and the script under a real
# OpenRC: test-nspawnctl-service-systemd, test-nspawnctl-service-openrc.)
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"

[[ $IT_REFERENCE == 1 ]] && skip "tests nspawnctl's enable and disable"
unit_in=$BUILD/units/nspawn@.service target_in=$BUILD/units/machines.target script_in=$BUILD/openrc/nspawn
for f in "$unit_in" "$target_in" "$script_in"; do [[ -f $f ]] || fail "$f is not built"; done

# root NAME [systemd] [openrc]: a tree with an image "foo" and the inits asked for
root() {
        local r=$T/$1
        shift
        mkdir -p "$r/var/lib/machines/foo" "$r/var/lib/machines/bar" "$r/etc"
        for i in "$@"; do
                case $i in
                systemd)
                        mkdir -p "$r/usr/lib/systemd" "$r/lib/systemd/system" "$r/usr/local/lib/systemd/system"
                        install -m 0755 /dev/null "$r/usr/lib/systemd/systemd"
                        cp "$target_in" "$r/lib/systemd/system/machines.target"
                        cp "$unit_in" "$r/usr/local/lib/systemd/system/nspawn@.service"
                        ;;
                openrc)
                        mkdir -p "$r/sbin" "$r/etc/init.d" "$r/etc/runlevels/default"
                        install -m 0755 /dev/null "$r/sbin/openrc-run"
                        install -m 0755 "$script_in" "$r/etc/init.d/nspawn"
                        ;;
                esac
        done
        echo "$r"
}
rctl() { NSPAWNCTL_ROOT=$R ctl "$@"; }
tree() { (cd "$R" && find . | sort); }
wants=etc/systemd/system/machines.target.wants
mu=etc/systemd/system/multi-user.target.wants

# ---- systemd installed, not running ----
R=$(root sd systemd)
capture out rctl enable foo
assert_rc 0 "enable"
assert_eq "$(cat "$T/stderr")" "Created symlink $R/$mu/machines.target → /lib/systemd/system/machines.target.
Created symlink $R/$wants/nspawn@foo.service → /usr/local/lib/systemd/system/nspawn@.service." "enable's messages"
assert_eq "$(readlink "$R/$wants/nspawn@foo.service")" /usr/local/lib/systemd/system/nspawn@.service
assert_eq "$(readlink "$R/$mu/machines.target")" /lib/systemd/system/machines.target
if command -v systemctl >/dev/null; then
        assert_eq "$(systemctl --root="$R" is-enabled nspawn@foo.service machines.target 2>&1)" "enabled
enabled" "systemctl --root is-enabled after enable"
fi
capture out rctl enable foo
assert_rc 0 "enable again"
assert_eq "$(cat "$T/stderr")" "" "enable again: silent"
capture out rctl -q enable bar
assert_rc 0 "enable -q"
assert_eq "$(cat "$T/stderr")" "" "enable -q: silent"
[[ -L $R/$wants/nspawn@bar.service ]] || fail "enable -q made no link"

# disable: every link to the instance goes, machines.target stays
ln -s /usr/local/lib/systemd/system/nspawn@.service "$R/$mu/nspawn@foo.service"
capture out rctl disable foo
assert_rc 0 "disable"
assert_eq "$(sort < "$T/stderr")" "Removed \"$R/$wants/nspawn@foo.service\".
Removed \"$R/$mu/nspawn@foo.service\"." "disable's messages"
[[ ! -e $R/$wants/nspawn@foo.service && ! -L $R/$mu/nspawn@foo.service ]] || fail "disable left a link"
[[ -L $R/$mu/machines.target && -L $R/$wants/nspawn@bar.service ]] || fail "disable removed too much"
if command -v systemctl >/dev/null; then
        assert_eq "$(systemctl --root="$R" is-enabled nspawn@foo.service 2>&1)" disabled "systemctl --root is-enabled after disable"
fi
capture out rctl disable foo
assert_rc 0 "disable again"
assert_eq "$(cat "$T/stderr")" "" "disable again: silent"

# what is in the way is an error, and stays
ln -s /elsewhere "$R/$wants/nspawn@foo.service"
capture out rctl enable foo
assert_rc 1 "enable over a foreign link"
assert_eq "$(cat "$T/stderr")" "Failed to enable or disable unit: File $R/$wants/nspawn@foo.service already exists and is a symlink to /elsewhere." \
        "enable over a foreign link"
assert_eq "$(readlink "$R/$wants/nspawn@foo.service")" /elsewhere "the foreign link"
rm "$R/$wants/nspawn@foo.service"
echo mine > "$R/$wants/nspawn@foo.service"
capture out rctl enable foo
assert_rc 1 "enable over a file"
assert_eq "$(cat "$T/stderr")" "Failed to enable or disable unit: File $R/$wants/nspawn@foo.service already exists." "enable over a file"
capture out rctl disable foo
assert_rc 0 "disable with a file in place of the link"
assert_eq "$(cat "$R/$wants/nspawn@foo.service")" mine "a file in place of the link (disable leaves it)"
rm "$R/$wants/nspawn@foo.service"

# names are checked first: nothing changes
before=$(tree)
capture out rctl enable foo nosuch
assert_rc 1 "enable of an unknown machine"
assert_eq "$(cat "$T/stderr")" "Machine image 'nosuch' does not exist." "enable of an unknown machine"
capture out rctl disable foo nosuch
assert_rc 1 "disable of an unknown machine"
assert_eq "$(cat "$T/stderr")" "Machine image 'nosuch' does not exist." "disable of an unknown machine"
capture out rctl enable foo bad/x
assert_rc 1 "enable with an invalid name"
assert_eq "$(cat "$T/stderr")" "Invalid machine name bad/x." "enable with an invalid name"
assert_eq "$(tree)" "$before" "the tree after enable/disable with bad names"

rm "$R/usr/local/lib/systemd/system/nspawn@.service"
capture out rctl enable foo
assert_rc 1 "enable without the template"
assert_eq "$(cat "$T/stderr")" "Failed to enable or disable unit: Unit file nspawn@.service does not exist." "enable without the template"

# ---- OpenRC installed ----
R=$(root rc openrc)
capture out rctl enable foo
assert_rc 0 "enable (OpenRC)"
assert_eq "$(cat "$T/stderr")" "Created symlink $R/etc/init.d/nspawn.foo → nspawn.
Created symlink $R/etc/runlevels/default/nspawn.foo → /etc/init.d/nspawn.foo." "enable's messages (OpenRC)"
assert_eq "$(readlink "$R/etc/init.d/nspawn.foo")" nspawn
assert_eq "$(readlink "$R/etc/runlevels/default/nspawn.foo")" /etc/init.d/nspawn.foo
[[ ! -e $R/etc/systemd ]] || fail "enable made systemd links without systemd"
capture out rctl enable foo
assert_eq "$RC $(cat "$T/stderr")" "0 " "enable again (OpenRC)"
capture out rctl disable foo
assert_rc 0 "disable (OpenRC)"
assert_eq "$(cat "$T/stderr")" "Removed \"$R/etc/runlevels/default/nspawn.foo\".
Removed \"$R/etc/init.d/nspawn.foo\"." "disable's messages (OpenRC)"
[[ ! -L $R/etc/init.d/nspawn.foo && ! -L $R/etc/runlevels/default/nspawn.foo ]] || fail "disable left a link (OpenRC)"
# a service OpenRC runs keeps its script, so that it can be stopped
capture out rctl enable foo
mkdir -p "$R/run/openrc/started"
ln -s /etc/init.d/nspawn.foo "$R/run/openrc/started/nspawn.foo"
capture out rctl disable foo
assert_rc 0 "disable of a running service (OpenRC)"
assert_eq "$(cat "$T/stderr")" "Removed \"$R/etc/runlevels/default/nspawn.foo\".
OpenRC runs nspawn.foo: /etc/init.d/nspawn.foo is kept, so that it can be stopped." "disable of a running service"
[[ -L $R/etc/init.d/nspawn.foo ]] || fail "disable removed the script of a running service"
rm "$R/etc/init.d/nspawn.foo"
rm "$R/etc/init.d/nspawn"
capture out rctl enable foo
assert_rc 1 "enable without the OpenRC script"
assert_eq "$(cat "$T/stderr")" "Failed to enable: OpenRC is installed, but nspawn's script /etc/init.d/nspawn is not (meson -Dopenrc=enabled installs it)." \
        "enable without the OpenRC script"

# ---- both, and neither ----
R=$(root both systemd openrc)
capture out rctl enable foo
assert_rc 0 "enable (systemd and OpenRC)"
[[ -L $R/$wants/nspawn@foo.service && -L $R/etc/init.d/nspawn.foo && -L $R/etc/runlevels/default/nspawn.foo ]] ||
        fail "enable did not make the links of both"
capture out rctl disable foo
[[ ! -L $R/$wants/nspawn@foo.service && ! -L $R/etc/init.d/nspawn.foo && ! -L $R/etc/runlevels/default/nspawn.foo ]] ||
        fail "disable left links"
R=$(root none)
before=$(tree)
capture out rctl enable foo
assert_rc 1 "enable without an init to enable with"
assert_eq "$(cat "$T/stderr")" "Neither systemd nor OpenRC is installed here: nothing would start machines at boot. Run 'nspawnctl start NAME' from the host's start-up scripts instead." \
        "enable without an init"
assert_eq "$(tree)" "$before" "the tree after a failed enable"
R=relative/path
capture out rctl enable foo
assert_rc 1 "a relative NSPAWNCTL_ROOT"
assert_eq "$(cat "$T/stderr")" "NSPAWNCTL_ROOT=relative/path is not the absolute, normalized path of a directory." \
        "a relative NSPAWNCTL_ROOT"

# ---- the files ----
if command -v systemd-analyze >/dev/null; then
        # ExecStart= must name a program that is there: the unit as built, with this build's nspawn
        mkdir -p "$T/units"
        sed "s|^ExecStart=[^ ]*/nspawn |ExecStart=$BUILD/nspawn |" "$unit_in" > "$T/units/nspawn@it.service"
        cp "$target_in" "$T/units/machines.target"
        capture out systemd-analyze verify --man=no "$T/units/nspawn@it.service" "$T/units/machines.target"
        assert_rc 0 "systemd-analyze verify"
        assert_eq "$out$(cat "$T/stderr")" "" "systemd-analyze verify's complaints"
else
        log "systemd-analyze is not installed: the unit is not verified here"
fi
capture out sh -n "$script_in"
assert_rc 0 "sh -n of the OpenRC script"
[[ $(head -n 1 "$script_in") == "#!/sbin/openrc-run" ]] || fail "the OpenRC script's interpreter"
assert_contains "$(cat "$script_in")" "command=\"$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$unit_in")\"" \
        "the OpenRC script runs the unit's nspawn"
