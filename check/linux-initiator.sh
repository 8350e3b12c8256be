#!/usr/bin/env bash
# The real Linux initiator (kernel 6.1 open-iscsi, in a QEMU guest) against blockraft.
#
#   check/linux-initiator.sh [--nodes 1|3] [--keep]
#
# Starts `bin/blockraft local-cluster --nodes N` on port 3280 with a fresh data directory, boots
# ../shared/tools/initiator-vm (a Debian guest under TCG; its first build takes ~7 min and needs
# Debian's package mirror), logs in to every node's portal with CRC32C header and data digests and
# deliberately small PDUs and bursts, and runs check/linux-initiator-guest.sh there: block sizes
# and provisioning as the kernel sees them, 64 MiB of random data written through one path and
# read back byte-exact through every path, unaligned 512-byte writes, discard and zero-out,
# the read-only LUN, persistent reservations with sg_persist, an ext4 file system made, filled,
# fsck'ed and remounted, and no connection or digest error in the guest kernel's log.
# Prints the guest's CHECK lines and a summary; exits 0 only if every check passed and no node
# logged an ERROR. Not part of CI (the guest build needs network and ~7 min): run it by hand
# after changing the iSCSI layer; docs/testing.md records the last result.
#
# Needs what initiator-vm needs (it installs qemu-system-x86, debootstrap, socat itself) and
# what bin/blockraft needs (JDK 17, Maven).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools=${BLOCKRAFT_SHARED_TOOLS:-$here/../shared/tools}
vm=$tools/initiator-vm/run-initiator-vm.sh
nodes=1 keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --nodes) nodes=$2; shift 2;;
    --keep) keep=1; shift;;
    -h|--help) sed -n '2,18p' "$0"; exit 0;;
    *) echo "linux-initiator.sh: unknown argument $1 (use --nodes 1|3, --keep)" >&2; exit 2;;
  esac
done
case $nodes in 1|3) ;; *) echo "linux-initiator.sh: --nodes 1 or 3" >&2; exit 2;; esac
[ -x "$vm" ] || [ -f "$vm" ] || { echo "linux-initiator.sh: no $vm (set BLOCKRAFT_SHARED_TOOLS)" >&2; exit 2; }

port=3280
iqn=iqn.2026-11.io.blockraft:local
work=$(mktemp -d /tmp/blockraft-linux-initiator.XXXXXX)
cleanup() {
  if [ -n "${br_pid:-}" ]; then kill "$br_pid" 2>/dev/null && wait "$br_pid" 2>/dev/null || true; fi
  if [ "$keep" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

. "$here/check/cluster-lib.sh"
start_cluster "$nodes" "$port" "$work"
portals=()
for k in $(seq "$nodes"); do portals+=(-p "127.0.0.$k:$port"); done
echo "blockraft: $nodes node(s) on port $port; guest run in $work/vm"

set +e
bash "$vm" -q -T "$iqn" "${portals[@]}" -s "$here/check/linux-initiator-guest.sh" \
  -o "$work/vm" -t 1500 -m 1024
rc=$?
set -e
echo
grep -h "^CHECK" "$work/vm/scenario.log" || true
errors=0
for f in "$work"/data/node*.log "$work/cluster.log"; do
  [ -f "$f" ] || continue
  n=$(grep -c -E '\b(ERROR)\b' "$f" || true)
  [ "$n" = 0 ] || { echo "$f: $n ERROR line(s):"; grep -E '\bERROR\b' "$f" | head -5; errors=$((errors + n)); }
done
passed=$(grep -c "^CHECK ok" "$work/vm/scenario.log" || true)
failed=$(grep -c "^CHECK FAIL" "$work/vm/scenario.log" || true)
echo "linux initiator against $nodes node(s): $passed checks passed, $failed failed, guest exit $rc, node ERROR lines $errors"
[ "$rc" = 0 ] && [ "$failed" = 0 ] && [ "$errors" = 0 ]
