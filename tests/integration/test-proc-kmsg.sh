#!/bin/bash
# /proc/kmsg is a FIFO that nspawn holds open and never writes to, as in systemd-nspawn: a reader
# (a guest's syslog) blocks instead of failing (the real /proc/kmsg without CAP_SYSLOG) or spinning
# on EOF (a FIFO nobody holds open).
. "$(dirname "$0")/lib.sh"

# The busybox applets are all there is: blocking is measured with timeout(1) in the container.
# 124/143: timeout killed it (it blocked); anything else: it returned.
run_sh -- 'stat -c "%F %a %u" /proc/kmsg
ls /dev/kmsg 2>/dev/null || echo no-dev-kmsg
# Opening a FIFO for writing blocks while no one holds it open for reading; nspawn holds it
# (read-write, so readers never see EOF either).
timeout 2 sh -c ": > /proc/kmsg" >/dev/null 2>&1; echo open-write=$?
timeout 1 cat /proc/kmsg >/dev/null 2>&1; echo read=$?
# A writer came and went: readers still block, nothing is there.
timeout 1 cat /proc/kmsg >/dev/null 2>&1; echo read-again=$?'
assert_rc 0
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" "fifo 600 0" "type, mode and owner of /proc/kmsg"
assert_eq "${l[1]}" "no-dev-kmsg" "/dev/kmsg"
assert_eq "${l[2]}" "open-write=0" "opening /proc/kmsg for writing (someone holds it open)"
assert_match "${l[3]}" '^read=(124|143)$' "reading /proc/kmsg blocks"
assert_match "${l[4]}" '^read-again=(124|143)$' "reading /proc/kmsg blocks after a writer closed it"

# It is a bind mount (rw, nosuid, nodev), not the kernel's file.
run_sh -- 'cat /proc/self/mountinfo'
assert_match "$(mount_entry "$OUT" /proc/kmsg)" '^rw,nosuid,nodev' "/proc/kmsg mount"

# The same with --as-pid2 (PID 1 is the stub) and with a read-only tree.
run_sh --as-pid2 --read-only -- 'stat -c %F /proc/kmsg; timeout 1 cat /proc/kmsg >/dev/null 2>&1; echo read=$?'
mapfile -t l <<< "$OUT"
assert_eq "${l[0]}" fifo "/proc/kmsg with --as-pid2 --read-only"
assert_match "${l[1]}" '^read=(124|143)$' "reading /proc/kmsg with --as-pid2 --read-only blocks"
