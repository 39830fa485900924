#!/bin/bash
# nspawnctl's answers to bad input are machinectl 252's messages and exit codes, and nothing is
# done; and it never signals a process it cannot prove to be the container's: records that name
# a host process (a leader with another start time, no start time, a cgroup that is not the
# container's) are refused.
. "$(dirname "$0")/lib.sh"
. "$IT_DIR/lib-nspawnctl.sh"

check() {   # check EXPECTED-RC EXPECTED-STDERR ARGS...
        local rc=$1 msg=$2; shift 2
        capture out ctl "$@"
        assert_rc "$rc" "nspawnctl $*"
        assert_eq "$(cat "$T/stderr")" "$msg" "nspawnctl $*: stderr"
}
check 1 "Too many arguments." list extra
check 1 "Too few arguments." status
check 1 "Too few arguments." kill
check 1 "Unknown command verb bogusverb." bogusverb
check 1 "Too many arguments." login foo bar
check 1 "Option --host is not supported yet." -H somewhere list
check 1 "Unknown output 'bogus'." -o bogus list
check 1 'Failed to parse signal string "BOGUS".' kill --signal=BOGUS x
check 1 "Failed to parse lines 'x'" -n x status x
check 1 "Could not get path to machine: No machine 'nosuch-$$' known" status nosuch-$$
check 1 "Could not get path to machine: No machine 'nosuch-$$' known" show nosuch-$$
check 1 "Could not kill machine: No machine 'nosuch-$$' known" kill nosuch-$$
check 1 "Could not kill machine: No machine 'nosuch-$$' known" poweroff nosuch-$$
check 1 "Could not kill machine: No machine 'nosuch-$$' known" reboot nosuch-$$
check 1 "Could not terminate machine: No machine 'nosuch-$$' known" terminate nosuch-$$
check 1 "Could not kill machine: No machine 'bad/name' known" kill bad/name
check 1 "Could not terminate machine: No machine '..' known" terminate ..
check 1 "Could not kill machine: Operation not supported" poweroff .host
check 1 "Could not terminate machine: Operation not supported" terminate .host
check 0 "" show -p Class --value .host
assert_eq "$out" host
check 0 "" --version
check 0 "" -s list
assert_line "$out" "34 SIGRTMIN" "-s list"
# an unknown option after the verb is reported twice, as machinectl does (its getopt runs twice)
capture out "$NSPAWNCTL" list --bogusopt
assert_rc 1
assert_eq "$(grep -c ": unrecognized option '--bogusopt'\$" "$T/stderr")" 2 "unknown option after the verb"
capture out "$NSPAWNCTL" --bogusopt list
assert_eq "$(grep -c ": unrecognized option '--bogusopt'\$" "$T/stderr")" 1 "unknown option before the verb"
# no verb is list
capture a ctl
capture b ctl list
assert_eq "$a" "$b" "nspawnctl without a verb"

# ---- records that do not name the container's processes ----
mkdir -p /run/nspawn/machines
sleep 300 &
victim=$!
at_exit "kill -KILL $victim 2>/dev/null"
start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$victim/stat")
rec=/run/nspawn/machines/fake-$$
record() {   # record EXTRA-LINES: a live record (its lock held) naming $victim
        printf 'NAME=fake-%s\nID=00000000000000000000000000000000\nCLASS=container\nSERVICE=nspawn\nROOT=/\nLEADER=%s\nSUPERVISOR=%s\nREALTIME=1\nSTART_MODE=pid1\nNETIF=\n%s' \
                "$$" "$victim" "$$" "$1" > "$rec"
        flock -x "$rec" sleep 60 &
        holder=$!
        wait_for "! flock -n -s $rec true" 5 || fail "could not lock the fake record"
}
unrecord() { kill "$holder"; wait "$holder" 2>/dev/null; rm -f "$rec"; }
at_exit "kill \${holder:-0} 2>/dev/null; rm -f $rec"

record "LEADER_STARTTIME=$((start + 1))"$'\n'
check 1 "Could not kill machine: No such process" kill --kill-whom=leader -s KILL fake-$$
check 1 "Could not kill machine: No such process" poweroff fake-$$
check 1 "Could not terminate machine: No such process" terminate fake-$$
unrecord
record ""
check 1 "Could not kill machine: Cannot prove which process is the leader of machine 'fake-$$': its record has no LEADER_STARTTIME (written by an older nspawn)" kill --kill-whom=leader -s KILL fake-$$
unrecord
# the right start time, but a cgroup the supervisor (our shell) is in: not the container's
record "LEADER_STARTTIME=$start"$'\n'"CGROUP=/"$'\n'
check 1 "Could not kill machine: The cgroup of machine 'fake-$$' is not known, or not the container's" kill -s KILL fake-$$
unrecord
kill -0 "$victim" || fail "a process that is not the container's was signalled"

# ---- the bash completion, generated from the verb and option tables ----
comp=$BUILD/nspawnctl.bash
[[ -f $comp ]] || fail "$comp was not built"
complete_words() {   # complete_words WORD...: what the completion offers for the last word
        bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _nspawnctl; printf "%s\n" "${COMPREPLY[@]}"' \
                _ "$comp" "$@" | sort | tr '\n' ' '
}
assert_eq "$(complete_words nspawnctl st)" "start status stop " "completion of verbs"
assert_eq "$(complete_words nspawnctl --kill-whom '')" "all leader " "completion of --kill-whom"
assert_eq "$(complete_words nspawnctl -o json)" "json json-pretty json-seq json-sse " "completion of -o"
assert_contains "$(complete_words nspawnctl --no)" "--no-legend" "completion of options"
assert_contains "$(complete_words nspawnctl log)" "login" "completion of login"
assert_contains "$(complete_words nspawnctl ex)" "export-tar" "completion of a transfer verb"
