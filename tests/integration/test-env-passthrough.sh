#!/bin/bash
# -E NAME / --setenv=NAME without "=": nspawn's own value of NAME is passed, whatever it holds
# (empty, "=", a newline); the last -E for a name wins. An unset NAME is passed as empty, as
# systemd-nspawn 252 does (its strv_env_replace_strdup_passthrough() is --setenv=NAME=$NAME).
. "$(dirname "$0")/lib.sh"

unset IT_UNSET
export IT_EMPTY='' IT_EQ='a=b=c' IT_ML=$'line1\nline2' IT_VAL=own IT_NOT_ASKED=leak
# env -0 would be clearer, but busybox env has no -0: print each variable on one line instead.
show='for v in IT_EMPTY IT_EQ IT_ML IT_VAL IT_UNSET IT_NOT_ASKED; do
        eval "set=\${$v+set} val=\"\$$v\""; printf "%s:%s:%s\n" "$v" "${set:-unset}" "$(printf %s "$val" | od -An -c | tr -s " ")"
done'
run_sh -E IT_EMPTY --setenv=IT_EQ -E IT_ML -E IT_VAL -- "$show"
assert_rc 0
assert_line "$OUT" "IT_EMPTY:set:" "-E IT_EMPTY (set, empty)"
assert_line "$OUT" "IT_EQ:set: a = b = c" "--setenv=IT_EQ"
assert_line "$OUT" 'IT_ML:set: l i n e 1 \n l i n e 2' "-E IT_ML (with a newline)"
assert_line "$OUT" "IT_VAL:set: o w n" "-E IT_VAL"
assert_line "$OUT" "IT_UNSET:unset:" "IT_UNSET, not asked for"
assert_line "$OUT" "IT_NOT_ASKED:unset:" "IT_NOT_ASKED, not asked for"

# The last one for a name wins, in either order.
run_sh -E IT_VAL=first -E IT_VAL -- 'echo "$IT_VAL"'
assert_eq "$OUT" own "-E IT_VAL=first -E IT_VAL"
run_sh -E IT_VAL -E IT_VAL=second -- 'echo "$IT_VAL"'
assert_eq "$OUT" second "-E IT_VAL -E IT_VAL=second"

# Unset in nspawn's environment: passed as an empty variable.
run_sh -E IT_UNSET -- "$show"
assert_rc 0 "-E IT_UNSET"
assert_line "$OUT" "IT_UNSET:set:" "-E IT_UNSET (unset in nspawn's environment)"

# Not a valid name.
capture OUT nspawn -q -D "$ROOTFS" -E 'IT-BAD' /bin/true
assert_rc 1 "-E IT-BAD"
