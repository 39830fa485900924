#!/bin/bash
# The OS tree checks: a directory without /usr is refused; -D / is refused.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/empty"
capture OUT nspawn -q -D "$T/empty" /bin/true
assert_rc 1 "a tree without /usr"
assert_contains "$(cat "$T/stderr")" "/usr" "message"
[[ -z $(ls -A "$T/empty") ]] || fail "nspawn created files in a refused tree: $(ls -A "$T/empty")"

capture OUT nspawn -q -D / /bin/true
assert_rc 1 "-D /"

capture OUT nspawn -q -D "$T/does-not-exist" /bin/true
assert_rc 1 "a missing directory"
