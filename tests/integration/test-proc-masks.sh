#!/bin/bash
# Sensitive /proc files are masked. (systemd-nspawn 252's masks silently fail.)
. "$(dirname "$0")/lib.sh"
expect_differ "systemd-nspawn 252 does not mask /proc/kcore, kallsyms, keys, sysrq-trigger, timer_list (its bind source is missing)"

# Present on this kernel? Masks are only meaningful for files that exist.
files=()
for f in kallsyms kcore keys sysrq-trigger timer_list; do
        [[ -e /proc/$f ]] && files+=("/proc/$f")
done
[[ ${#files[@]} -gt 0 ]] || skip "none of the masked /proc files exists on this kernel"

run_sh -- 'cat /proc/self/mountinfo'
assert_rc 0
for f in "${files[@]}"; do
        [[ -n $(mount_entry "$OUT" "$f") ]] || fail "$f is not over-mounted"
done
# Reading gives nothing (or is refused); never the host's content.
for f in /proc/kallsyms /proc/timer_list /proc/keys; do
        [[ -e $f ]] || continue
        run_sh -- "cat $f 2>/dev/null | wc -c"
        assert_eq "$OUT" 0 "bytes read from $f"
done
# sysrq-trigger: never written; the mount must be read-only.
if [[ -e /proc/sysrq-trigger ]]; then
        run_sh -- 'cat /proc/self/mountinfo'
        assert_match "$(mount_entry "$OUT" /proc/sysrq-trigger)" '^ro[, ]' "/proc/sysrq-trigger"
fi
