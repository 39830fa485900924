#!/bin/bash
# nspawnctl login and shell in booted guests of every init, none of which needs systemd or D-Bus
# for it (machinectl 252 does): busybox init (busybox getty and login; root's password emptied in
# the test's copy), Debian with sysvinit + OpenRC and Debian with systemd (util-linux agetty and
# login; root has no password in the test images). Each: the getty's banner and prompt, a root
# login on the container's pty, and shell — the login shell from the guest's database, a command's
# exit status, nobody (whose shell is nologin) with a command, the security context equal to PID
# 1's. The host is checked after each guest.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-boot.sh"
. "$IT_DIR/lib-nspawnctl.sh"
require python3

# login_root NAME PROMPT: log in as root on the getty nspawnctl login gives, run a command, log out.
login_root() {
        ctl_pty "wait:$1 login: " "send:root\r" "wait:$2" \
                "send:echo LOGGED-IN \$(id -un) \$(tty); exit\r" "wait:terminated." -- login "$1"
        assert_rc 0 "login's exit status after logout"
        assert_contains "$OUT" "Connected to machine $1. Press ^] three times within 1s to exit session."
        assert_match "$OUT" $'LOGGED-IN root /dev/pts/[0-9]+\n' "a root login on the container's pty"
        assert_contains "$OUT" "Connection to machine $1 terminated."
}

# same_context NAME: Cap*, Seccomp and NoNewPrivs of a shell are PID 1's.
same_context() {
        local ctx='grep -E "^(Cap|Seccomp|NoNewPrivs)" /proc/$1/status' mine pid1
        capture mine ctl shell -q "$1" /bin/sh -c "$ctx" sh self
        capture pid1 ctl shell -q "$1" /bin/sh -c "$ctx" sh 1
        assert_eq "$mine" "$pid1" "the security context of a shell and of PID 1 in $1"
        assert_contains "$mine" $'Seccomp:\t2'
}

# common_shell NAME NOBODY_SHELL_MESSAGE: what every guest's shell does alike.
common_shell() {
        capture out ctl shell "$1" /bin/sh -c 'echo hi; exit 9'
        assert_rc 9 "a command's exit status in $1"
        assert_eq "$out" hi
        capture out ctl shell -q nobody@"$1" /usr/bin/id -un
        assert_rc 0 "nobody with a command in $1"
        assert_eq "$out" nobody
        same_context "$1"
}

# ---- busybox init ----
rootfs_copy "$T/bb"
sed -i 's/^root:\*:/root::/' "$T/bb/etc/shadow"
bb=login-bb-$$
nspawn_bg "$T/bb.out" -q -M "$bb" -D "$T/bb" -b --private-network --kill-signal=SIGUSR2
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$bb"
capture out ctl shell -q "$bb" /bin/cat /proc/1/comm
assert_eq "$out" init "PID 1 of the busybox guest"
login_root "$bb" "$bb:~# "
assert_contains "$OUT" "BusyBox v" "busybox's login shell"
common_shell "$bb"
out=$(printf 'echo $0\n' | timeout 20 "$NSPAWNCTL" shell -q "$bb" 2>&1)
assert_eq "$out" "-sh" "root's login shell in the busybox guest"
ctl poweroff "$bb" > /dev/null
bg_wait 30
assert_eq "$BG_RC" 0 "the busybox guest's poweroff"
ctl_wait_gone "$bb"

# ---- sysvinit + OpenRC ----
image=$(boot_image openrc) || exit
boot_root_copy "$image" "$T/openrc"
rc=login-rc-$$
nspawn_bg "$T/rc.out" -q -M "$rc" -D "$T/openrc" -b --private-network
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$rc"
wait_for "pgrep -f -P \$(ctl_leader $rc) getty >/dev/null" 60 || fail "the OpenRC guest did not finish booting"
login_root "$rc" "root@$rc:~# "
assert_contains "$OUT" "Debian GNU/Linux 12 $rc pts/" "agetty's banner (/etc/issue)"
common_shell "$rc"
out=$(printf 'echo $0 $HOME $(pwd)\n' | timeout 20 "$NSPAWNCTL" shell -q "$rc" 2>&1)
assert_eq "$out" "-bash /root /root" "root's login shell (getent: /bin/bash)"
capture out ctl shell -q nobody@"$rc"
assert_rc 1 "nobody's login shell, nologin"
assert_contains "$out$(cat "$T/stderr")" "This account is currently not available."
capture out ctl poweroff "$rc"
bg_wait 60
assert_eq "$BG_RC" 0 "the OpenRC guest's poweroff"
ctl_wait_gone "$rc"
boot_check_host "the OpenRC guest"

# ---- systemd ----
image=$(boot_image systemd) || exit
boot_root_copy "$image" "$T/systemd"
sd=login-sd-$$
nspawn_bg "$T/sd.out" -q -M "$sd" -D "$T/systemd" -b --private-network
at_exit "kill -KILL $BG_PID 2>/dev/null; wait $BG_PID 2>/dev/null"
ctl_wait_leader "$sd"
booted() {
        local s
        s=$(ctl shell -q "$sd" /bin/systemctl is-system-running 2>/dev/null)
        [[ $s == running || $s == degraded ]]
}
wait_for booted 60 || fail "the systemd guest did not finish booting"
login_root "$sd" "root@$sd:~# "
common_shell "$sd"
capture out ctl shell -q -E FOO=bar "$sd" /bin/sh -c 'echo $FOO; cat /proc/1/comm'
assert_eq "$out" $'bar\nsystemd'
capture out ctl poweroff "$sd"
bg_wait 60
assert_eq "$BG_RC" 0 "the systemd guest's poweroff"
ctl_wait_gone "$sd"
boot_check_host "the systemd guest"
