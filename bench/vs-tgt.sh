#!/usr/bin/env bash
# Benchmark blockraft against tgtd in the same run, with the same clients.
#
#   bench/vs-tgt.sh [ROUNDS] [SCALE]
#
# Starts tgtd (../shared/tools/tgt-anchor.sh, port 3299) and a one-node blockraft
# (bin/blockraft local-cluster, port 3270, fresh data dir), then runs ../shared/tools/bench.sh
# against each (after one discarded warm-up pass on each), alternating, ROUNDS times (default 2),
# and prints a markdown table of the median
# of each figure and the ratio blockraft/tgtd. The machine is noisy: read ratios, not absolutes.
# Needs: apt-get install -y tgt libiscsi-bin qemu-utils qemu-block-extra bc
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools=${BLOCKRAFT_SHARED_TOOLS:-$here/../shared/tools}
rounds=${1:-2}; scale=${2:-1}
work=$(mktemp -d /tmp/blockraft-bench.XXXXXX)
br_port=3270; tgt_port=3299

cleanup() {
  [ -n "${br_pid:-}" ] && kill "$br_pid" 2>/dev/null && wait "$br_pid" 2>/dev/null || true
  bash "$tools/tgt-anchor.sh" stop "$tgt_port" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

tgt_url=$(bash "$tools/tgt-anchor.sh" start "$tgt_port" 1G)
"$here/bin/blockraft" local-cluster --nodes 1 --base-port "$br_port" --data "$work/data" >"$work/node.log" 2>&1 &
br_pid=$!
for _ in $(seq 300); do
  br_url=$(grep -o "iscsi://127.0.0.1:$br_port/[^ ]*/0" "$work/node.log" | head -1 || true)
  [ -n "$br_url" ] && iscsi-inq "$br_url" >/dev/null 2>&1 && break
  sleep 0.2
done
[ -n "${br_url:-}" ] || { echo "blockraft did not start:" >&2; cat "$work/node.log" >&2; exit 1; }

echo "tgtd:      $tgt_url" >&2
echo "blockraft: $br_url" >&2
# one discarded pass on each: the JVM compiles its hot paths, both LUNs get allocated alike
for url in "$tgt_url" "$br_url"; do bash "$tools/bench.sh" "$url" "$scale" >/dev/null 2>&1 || true; done
for r in $(seq "$rounds"); do
  for who in tgt br; do
    url=$tgt_url; [ $who = br ] && url=$br_url
    line=$(bash "$tools/bench.sh" "$url" "$scale" || true)
    echo "round $r $who: $line" >&2
    echo "$who $line" >>"$work/results"
  done
done
# Real data: bench.sh writes zeros, which a thin target (ours) stores as nothing and reads back
# without touching storage. Repeat the write and read workloads with a non-zero pattern so the
# table also shows what data costs. Same clients, same counts, each target in turn.
pattern_run() { # who url name args count bs
  local who=$1 url=$2 name=$3 args=$4 c=$5 bs=$6 el v
  el=$(timeout 120 qemu-img bench -f raw -t none --pattern=165 $args -s "$bs" -c "$c" "$url" 2>&1 \
      | sed -n 's/Run completed in \([0-9.]*\) seconds./\1/p')
  [ -n "$el" ] || { echo "$who $name=ERR" >>"$work/results"; return; }
  if [ "$bs" = 4096 ]; then v=$(echo "$c / $el" | bc); else v=$(echo "$c * $bs / $el / 1000000" | bc); fi
  echo "$who $name=$v" >>"$work/results"
}
for r in $(seq "$rounds"); do
  for who in tgt br; do
    url=$tgt_url; [ $who = br ] && url=$br_url
    pattern_run $who "$url" data_w4k_qd32 "-w -d 32" $((40000*scale)) 4096
    pattern_run $who "$url" data_r4k_qd32 "-d 32" $((40000*scale)) 4096
    pattern_run $who "$url" data_w1m_qd8 "-w -d 8" $((600*scale)) 1048576
    pattern_run $who "$url" data_r1m_qd8 "-d 8" $((600*scale)) 1048576
    echo "round $r $who (data): $(grep "^$who data_" "$work/results" | tail -4 | cut -d' ' -f2 | tr '\n' ' ')" >&2
  done
done

rss=$(ps -o rss= -p "$(pgrep -f -n "base-port $br_port" || echo $br_pid)" 2>/dev/null | awk '{printf "%d", $1/1024}')

python3 - "$work/results" "${rss:-?}" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    who, *pairs = line.split()
    for p in pairs:
        k, _, v = p.partition("=")
        try: rows.setdefault(k, {}).setdefault(who, []).append(float(v))
        except ValueError: pass
units = lambda k: "MB/s" if "1m" in k else "IOPS"
# rows: "name=value" pairs per line; lines from the data pass have one pair each
print("| workload | unit | tgtd | blockraft | ratio |")
print("|---|---|---:|---:|---:|")
for k, d in rows.items():
    t = statistics.median(d.get("tgt", [0])); b = statistics.median(d.get("br", [0]))
    ratio = f"{b/t:.2f}x" if t else "n/a"
    print(f"| {k} | {units(k)} | {t:.0f} | {b:.0f} | {ratio} |")
print(f"\nblockraft resident memory after the run: {sys.argv[2]} MiB")
PY
