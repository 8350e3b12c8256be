#!/usr/bin/env bash
# Failover as a Linux host sees it: dm-multipath over the three nodes' portals, the volume's
# leader killed with SIGKILL under a write loop, restarted 10 s later.
#
#   check/linux-failover.sh [--keep]
#
# Starts `bin/blockraft local-cluster --nodes 3` on port 3280 (fresh data directory), boots
# ../shared/tools/initiator-vm (see check/linux-initiator.sh) with check/linux-failover-guest.sh
# and the host hook check/linux-failover-hook.sh, and prints the guest's CHECK and FAILOVER
# lines: I/O errors seen by the application, the longest gap between two completed writes, the
# time the kernel took to fail the dead path and to reinstate it, and whether every slot reads
# back its last acknowledged value through the map. Exits 0 only if every check passed.
# Not part of CI (the guest needs a ~7 min first build); docs/testing.md has the last result.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools=${BLOCKRAFT_SHARED_TOOLS:-$here/../shared/tools}
vm=$tools/initiator-vm/run-initiator-vm.sh
keep=0
case ${1:-} in --keep) keep=1;; "") ;; *) echo "linux-failover.sh: usage: [--keep]" >&2; exit 2;; esac
[ -f "$vm" ] || { echo "linux-failover.sh: no $vm (set BLOCKRAFT_SHARED_TOOLS)" >&2; exit 2; }

port=3280
iqn=iqn.2026-11.io.blockraft:local
work=$(mktemp -d /tmp/blockraft-linux-failover.XXXXXX)
cleanup() {
  if [ -n "${br_pid:-}" ]; then kill "$br_pid" 2>/dev/null && wait "$br_pid" 2>/dev/null || true; fi
  # a restarted node is not local-cluster's child: it stops when local-cluster's pid is gone
  for _ in $(seq 60); do pgrep -f -- "--config $work/data/node" >/dev/null || break; sleep 0.5; done
  pkill -9 -f -- "--config $work/data/node" 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

. "$here/check/cluster-lib.sh"
start_cluster 3 "$port" "$work"
echo "blockraft: 3 nodes on port $port; guest run in $work/vm"

set +e
bash "$vm" -q -T "$iqn" -p "127.0.0.1:$port" -p "127.0.0.2:$port" -p "127.0.0.3:$port" \
  -s "$here/check/linux-failover-guest.sh" -H "$here/check/linux-failover-hook.sh" \
  -e IVM_MPATH_VENDOR=BLOCKRFT -e IVM_MPATH_PRODUCT=blockraft \
  -e "BR_HOME=$here" -e "BR_DATA=$work/data" -e "BR_PORT=$port" -e "BR_PARENT=$br_pid" \
  -o "$work/vm" -t 1200 -m 1024
rc=$?
set -e
echo
grep -h -E "^(CHECK|FAILOVER)" "$work/vm/scenario.log" || true
cat "$work/vm/host-hook.log" 2>/dev/null | sed 's/^/  /'
failed=$(grep -c "^CHECK FAIL" "$work/vm/scenario.log" || true)
echo "linux failover (killed node $(cat "$work/vm/killed-node" 2>/dev/null || echo '?')): guest exit $rc, $failed check(s) failed"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
