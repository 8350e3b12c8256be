#!/bin/bash
# Guest side of check/linux-failover.sh (runs as root in the initiator VM): dm-multipath over
# every node's portal, a sequential loop of 4 KiB O_DIRECT writes through the map (write i goes
# to slot i % SLOTS and carries i), while the host hook (check/linux-failover-hook.sh) kills
# the node leading the volume with SIGKILL and later restarts it. Reports what an administrator
# sees: I/O errors, the longest gap between two completed writes, how long the kernel took to
# fail the dead path and to reinstate it; then checks that every slot holds the value of its
# last acknowledged write (or of a later write that failed: it may or may not have landed).
# Lines "CHECK ok|FAIL name" and "FAILOVER key=value"; exit status = failed checks.
. /usr/local/lib/ivm-lib.sh
set -u
SLOTS=${FO_SLOTS:-64}
failures=0
check() {
  local name=$1; shift
  if "$@"; then echo "CHECK ok $name"; else echo "CHECK FAIL $name"; failures=$((failures + 1)); fi
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS
wait_for() {
  local to=$1 t0=$EPOCHREALTIME; shift
  until "$@"; do
    sleep 0.2
    awk -v a="$t0" -v b="$EPOCHREALTIME" -v t="$to" 'BEGIN{exit !(b-a>t)}' && return 1
  done
}
path_failed() { multipathd show paths raw format "%t %T" | grep -qE 'failed|faulty'; }
all_paths_up() { ! multipathd show paths raw format "%t %T" | grep -vqE '^active ready'; }
secs() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}'; }
npaths=$(wc -w <<<"$IVM_PORTALS")

ivm_start_iscsid || exit 100
check login-all ivm_login_all
ivm_write_multipath_conf alua
ivm_start_multipathd || exit 101
map=$(ivm_wait_map "$npaths" 60) || { multipath -ll; exit 102; }
dev=/dev/mapper/$map
multipath -ll

io_loop() {
  local i=0
  while [[ ! -e /tmp/stop-io ]]; do
    if printf '%015d\n' "$i" | dd of="$dev" bs=4096 count=1 conv=sync seek=$((i % SLOTS)) \
        oflag=direct status=none 2>/dev/null; then
      echo "$EPOCHREALTIME ok $i"
    else
      echo "$EPOCHREALTIME err $i"
    fi
    i=$((i + 1))
  done >/tmp/io.log
}
paths() { multipathd show paths raw format "%d %t %T" 2>/dev/null | tr '\n' ';'; }

io_loop & iopid=$!
sleep 3
ivm_post paths-up
ivm_wait killed 300 || exit 103
t0=$EPOCHREALTIME
wait_for 120 path_failed
echo "FAILOVER kill-to-path-failed-seconds=$(secs "$t0") paths=$(paths)"
ivm_post saw-failed
ivm_wait restarted 300 || exit 104
t0=$EPOCHREALTIME
wait_for 180 all_paths_up
echo "FAILOVER restart-to-path-active-seconds=$(secs "$t0") paths=$(paths)"
check all-paths-back all_paths_up
sleep 3
touch /tmp/stop-io; wait "$iopid"; cp /tmp/io.log /out/io.log
multipath -ll

awk 'NR>1{g=$1-p; if(g>m){m=g}} {p=$1} $2=="err"{e++} END{printf "FAILOVER writes=%d errors=%d longest-gap-seconds=%.2f\n", NR, e, m}' /tmp/io.log
check no-io-errors bash -c "! grep -q ' err ' /tmp/io.log"

# every slot: the value of its last acknowledged write, or of a later failed one
awk -v s="$SLOTS" '{slot=$3 % s} $2=="ok"{last[slot]=$3; later[slot]=""} $2=="err"{later[slot]=later[slot] " " $3}
  END{for (k in last) print k, last[k] later[k]}' /tmp/io.log | sort -n >/tmp/expect
bad=0
while read -r slot allowed; do
  got=$(dd if="$dev" bs=4096 skip="$slot" count=1 iflag=direct status=none | head -c 15)
  got=$((10#$got))
  if ! grep -qw -- "$got" <<<"$allowed"; then
    echo "slot $slot holds $got, expected one of: $allowed"; bad=$((bad + 1))
  fi
done </tmp/expect
echo "FAILOVER slots-checked=$(wc -l </tmp/expect) slots-wrong=$bad"
check every-acknowledged-write-read-back test "$bad" = 0

multipathd disablequeueing maps >/dev/null 2>&1
ivm_stop_multipathd; multipath -F >/dev/null 2>&1; ivm_logout_all; ivm_stop_daemons
echo "CHECK-SUMMARY failures=$failures"
exit "$failures"
