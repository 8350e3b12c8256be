#!/usr/bin/env bash
# Benchmark blockraft against tgtd in the same run, with the same clients.
#
#   bench/vs-tgt.sh [--nodes 1|3] [ROUNDS] [SCALE]        (or BR_NODES=3 bench/vs-tgt.sh ...)
#
# Starts tgtd (../shared/tools/tgt-anchor.sh, port 3299) and blockraft (bin/blockraft
# local-cluster, base port 3270, fresh data dir), then runs ../shared/tools/bench.sh
# against each (after one discarded warm-up pass on each), alternating, ROUNDS times (default 2),
# and prints a markdown table of the median
# of each figure and the ratio blockraft/tgtd. The machine is noisy: read ratios, not absolutes.
#
# --nodes 1 (default): one blockraft node in one process, as before.
# --nodes 3: three node processes on 127.0.0.1-3:3270 (Raft on 3271, admin on 3272). The clients
#   go to the portal of the node that leads volume lun0 (from the "volume lun0: leader is now n<k>"
#   lines in DATA/node<k>.log, checked again before every pass); the read workloads are also run
#   through a follower's portal (column "follower": a ReadIndex round with the leader, then a local
#   read). The table adds QD1 latencies (1/IOPS of the median) and the aims of the replication
#   issue; the resident memory of every node process is sampled once a second during the run (max
#   shown). Under the table: node exits (a JVM crash leaves hs_err_pid*.log in the work directory),
#   leader moves, and how many WARN/ERROR lines each node logged.
#
# --sync-anchor: also runs a second tgtd (port 3298) whose backing file is opened O_SYNC
#   (tgtadm --bsoflags sync): a durable single-node reference, since the usual tgtd acknowledges
#   writes from the page cache while blockraft acknowledges them on a majority's disks. The table
#   adds its figures and blockraft's ratio to them (columns "tgtd O_SYNC" and "vs sync").
#
# BENCH_KEEP=1 keeps the work directory (node logs, data, raw results) and prints where it is; it is
# also kept when a node exited during the run.
# Needs: apt-get install -y tgt libiscsi-bin qemu-utils qemu-block-extra bc
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools=${BLOCKRAFT_SHARED_TOOLS:-$here/../shared/tools}
nodes=${BR_NODES:-1}
while [ $# -gt 0 ]; do
  case $1 in
    --nodes) nodes=$2; shift 2;;
    --nodes=*) nodes=${1#--nodes=}; shift;;
    --sync-anchor) sync_anchor=1; shift;;
    *) break;;
  esac
done
case $nodes in 1|3) ;; *) echo "vs-tgt.sh: --nodes 1 or 3" >&2; exit 2;; esac
rounds=${1:-2}; scale=${2:-1}
work=$(mktemp -d /tmp/blockraft-bench.XXXXXX)
br_port=3270; tgt_port=3299
iqn=iqn.2026-11.io.blockraft:local

cleanup() {
  [ -n "${sampler_pid:-}" ] && kill "$sampler_pid" 2>/dev/null || true
  [ -n "${br_pid:-}" ] && kill "$br_pid" 2>/dev/null && wait "$br_pid" 2>/dev/null || true
  bash "$tools/tgt-anchor.sh" stop "$tgt_port" >/dev/null 2>&1 || true
  [ -n "${sync_anchor:-}" ] && sync_tgt stop || true
  if [ "${BENCH_KEEP:-0}" = 1 ] || grep -qs "exited with status" "$work/cluster.log"; then
    echo "work directory kept: $work" >&2
  else rm -rf "$work"; fi
}
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(load)
tgt_url=$(bash "$tools/tgt-anchor.sh" start "$tgt_port" 1G)

# tgtd with an O_SYNC backing file, as tgt-anchor.sh starts its own but for --bsoflags sync
tgs_port=3298
sync_tgt() { # start|stop
  local dir=$work/tgt-sync iqn_s=iqn.2010-12.org.example:sync
  case $1 in
    start)
      mkdir -p "$dir"; truncate -s 1G "$dir/lun.img"
      setsid tgtd -f -C "$tgs_port" --iscsi portal=127.0.0.1:"$tgs_port" >"$dir/tgtd.log" 2>&1 </dev/null &
      echo $! >"$dir/pid"
      for _ in $(seq 50); do tgtadm -C "$tgs_port" --lld iscsi --op show --mode system >/dev/null 2>&1 && break; sleep 0.1; done
      tgtadm -C "$tgs_port" --lld iscsi --op new --mode target --tid 1 -T "$iqn_s"
      tgtadm -C "$tgs_port" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$dir/lun.img" --bsoflags sync
      tgtadm -C "$tgs_port" --lld iscsi --op bind --mode target --tid 1 -I ALL
      echo "iscsi://127.0.0.1:$tgs_port/$iqn_s/1";;
    stop)
      [ -f "$dir/pid" ] || return 0
      tgtadm -C "$tgs_port" --lld iscsi --op delete --force --mode target --tid 1 >/dev/null 2>&1 || true
      tgtadm -C "$tgs_port" --op delete --mode system >/dev/null 2>&1 || true
      sleep 0.5; kill "$(cat "$dir/pid")" 2>/dev/null || true; rm -f "$dir/pid";;
  esac
}
[ -n "${sync_anchor:-}" ] && tgs_url=$(sync_tgt start)

if [ "$nodes" = 1 ]; then
  "$here/bin/blockraft" local-cluster --nodes 1 --base-port "$br_port" --data "$work/data" >"$work/node.log" 2>&1 &
  br_pid=$!
  for _ in $(seq 300); do
    br_url=$(grep -o "iscsi://127.0.0.1:$br_port/[^ ]*/0" "$work/node.log" | head -1 || true)
    [ -n "$br_url" ] && iscsi-inq "$br_url" >/dev/null 2>&1 && break
    sleep 0.2
  done
  [ -n "${br_url:-}" ] || { echo "blockraft did not start:" >&2; cat "$work/node.log" >&2; exit 1; }
  leader_url() { echo "$br_url"; }
  whos="tgt br"
else
  # started in $work: a node JVM that crashes leaves its hs_err_pid*.log there
  (cd "$work" && exec "$here/bin/blockraft" local-cluster --nodes 3 --base-port "$br_port" --data "$work/data") \
    >"$work/cluster.log" 2>&1 &
  br_pid=$!
  # The leader of lun0 as the nodes last logged it: the newest "leader is now" line of any node.
  lun0_leader() {
    cat "$work"/data/node*.log 2>/dev/null | grep -h "volume lun0: leader is now n" | sort | tail -1 \
      | sed -n 's/.*leader is now n\([0-9]*\).*/\1/p' || true
  }
  leader_url() { echo "iscsi://127.0.0.$(lun0_leader):$br_port/$iqn/0"; }
  for _ in $(seq 900); do   # up to ~3 minutes: three JVMs starting on a busy 2-core machine
    kill -0 "$br_pid" 2>/dev/null || break
    if grep -q "Ctrl-C stops all nodes" "$work/cluster.log" && [ -n "$(lun0_leader)" ] \
        && iscsi-inq "$(leader_url)" >/dev/null 2>&1; then started=1; break; fi
    sleep 0.2
  done
  if [ -z "${started:-}" ]; then
    echo "blockraft 3-node cluster did not start (or lun0 has no leader):" >&2
    cat "$work/cluster.log" >&2
    for f in "$work"/data/node*.log; do echo "--- end of $f" >&2; tail -20 "$f" >&2; done
    exit 1
  fi
  node_pids=$(sed -n 's/^node \([0-9]\) portal: .*(pid \([0-9]*\),.*/\1:\2/p' "$work/cluster.log")
  leader=$(lun0_leader); follower=$(( leader % 3 + 1 ))
  br_url=$(leader_url)
  brf_url="iscsi://127.0.0.$follower:$br_port/$iqn/0"
  node_opts=$(ps -o args= -p "$(echo "$node_pids" | head -1 | cut -d: -f2)" | sed 's/ -cp .*//; s/^[^ ]* //')
  echo "nodes (id:pid): $(echo $node_pids); lun0 leader n$leader, follower used for reads n$follower" >&2
  echo "node JVM options: $node_opts" >&2
  # resident memory of every node process, once a second, for the whole run
  ( while :; do
      for np in $node_pids; do
        r=$(ps -o rss= -p "${np#*:}" 2>/dev/null | tr -d ' ' || true)
        [ -n "$r" ] && echo "${np%%:*} $r"
      done
      sleep 1
    done >"$work/rss" ) &
  sampler_pid=$!
  whos="tgt br brf"
fi

[ -n "${sync_anchor:-}" ] && whos="tgt tgs ${whos#tgt }"
echo "tgtd:      $tgt_url" >&2
[ -n "${tgs_url:-}" ] && echo "tgtd sync: $tgs_url (O_SYNC backing file)" >&2
echo "blockraft: $br_url" >&2
[ -n "${brf_url:-}" ] && echo "follower:  $brf_url (reads only)" >&2
echo "load average at start: $load_start" >&2

# The leader may move under load: check before each blockraft pass and say so if it did.
url_of() { # who -> url
  case $1 in
    tgt) echo "$tgt_url";;
    tgs) echo "$tgs_url";;
    br) local u prev; u=$(leader_url); prev=$(cat "$work/leader" 2>/dev/null || echo "$br_url")
        if [ "$u" != "$prev" ]; then
          echo "NOTE: lun0 leader moved: was $prev, now $u" >&2
          echo "leader moved from $prev to $u" >>"$work/events"
        fi
        echo "$u" >"$work/leader"; echo "$u";;
    brf) local f; f=$(( $(lun0_leader) % 3 + 1 ))
        echo "iscsi://127.0.0.$f:$br_port/$iqn/0";;
  esac
}
# One qemu-img bench run, as bench.sh runs it (same arguments, same arithmetic); pattern optional.
qrun() { # who url name args count bs [pattern]
  local who=$1 url=$2 name=$3 args=$4 c=$5 bs=$6 pat=${7:+--pattern=$7} el v
  el=$(timeout 120 qemu-img bench -f raw -t none $pat $args -s "$bs" -c "$c" "$url" 2>&1 \
      | sed -n 's/Run completed in \([0-9.]*\) seconds./\1/p' || true)
  [ -n "$el" ] || { echo "$who $name=ERR" >>"$work/results"; return 0; }
  if [ "$bs" = 4096 ]; then v=$(echo "$c / $el" | bc); else v=$(echo "$c * $bs / $el / 1000000" | bc); fi
  echo "$who $name=$v" >>"$work/results"
}
# The read half of bench.sh, for the follower's portal.
follower_reads() { # url
  local url=$1 rr
  qrun brf "$url" r4k_qd1 "-d 1" $((5000*scale)) 4096
  qrun brf "$url" r4k_qd32 "-d 32" $((40000*scale)) 4096
  qrun brf "$url" r1m_qd8 "-d 8" $((600*scale)) 1048576
  rr=$(timeout 6 iscsi-perf -m 32 -b 8 -r "$url" 2>&1 | tr '\r' '\n' | grep -o 'iops average [0-9]*' | tail -1 | awk '{print $3}' || true)
  echo "brf rand_r4k_qd32=${rr:-ERR}" >>"$work/results"
}

# one discarded pass on each: the JVM compiles its hot paths, both LUNs get allocated alike
for who in tgt ${sync_anchor:+tgs} br; do bash "$tools/bench.sh" "$(url_of $who)" "$scale" >/dev/null 2>&1 || true; done
[ "$nodes" = 3 ] && { follower_reads "$(url_of brf)"; : >"$work/results"; }
for r in $(seq "$rounds"); do
  for who in $whos; do
    url=$(url_of $who)
    if [ $who = brf ]; then
      follower_reads "$url"
      line=$(grep "^brf " "$work/results" | tail -4 | cut -d' ' -f2 | tr '\n' ' ')
    else
      line=$(bash "$tools/bench.sh" "$url" "$scale" || true)
      echo "$who $line" >>"$work/results"
    fi
    echo "round $r $who: $line   (load $(load))" >&2
  done
done
# Real data: bench.sh writes zeros, which a thin target (ours) stores as nothing and reads back
# without touching storage. Repeat the write and read workloads with a non-zero pattern so the
# table also shows what data costs. Same clients, same counts, each target in turn.
for r in $(seq "$rounds"); do
  for who in $whos; do
    url=$(url_of $who)
    if [ $who != brf ]; then
      qrun $who "$url" data_w4k_qd32 "-w -d 32" $((40000*scale)) 4096 165
      qrun $who "$url" data_r4k_qd32 "-d 32" $((40000*scale)) 4096 165
      qrun $who "$url" data_w1m_qd8 "-w -d 8" $((600*scale)) 1048576 165
      qrun $who "$url" data_r1m_qd8 "-d 8" $((600*scale)) 1048576 165
      n=4
    else # reads through the follower of what was just written through the leader
      qrun brf "$url" data_r4k_qd32 "-d 32" $((40000*scale)) 4096 165
      qrun brf "$url" data_r1m_qd8 "-d 8" $((600*scale)) 1048576 165
      n=2
    fi
    echo "round $r $who (data): $(grep "^$who data_" "$work/results" | tail -$n | cut -d' ' -f2 | tr '\n' ' ')  (load $(load))" >&2
  done
done
load_end=$(load)

if [ "$nodes" = 1 ]; then
  rss=$(ps -o rss= -p "$(pgrep -f -n "base-port $br_port" || echo $br_pid)" 2>/dev/null | awk '{printf "%d", $1/1024}' || true)
  rss_line="blockraft resident memory after the run: ${rss:-?} MiB"
else
  kill "$sampler_pid" 2>/dev/null || true; sampler_pid=
  rss_line="node resident memory, max of 1 s samples during the run (MiB):"
  for np in $node_pids; do
    k=${np%%:*}; role=follower; [ "$k" = "$leader" ] && role="lun0 leader at the start"
    mx=$(awk -v k="$k" '$1==k && $2>m {m=$2} END {printf "%d", m/1024}' "$work/rss")
    now=$(ps -o rss= -p "${np#*:}" 2>/dev/null | awk '{printf "%d", $1/1024}' || true)
    rss_line="$rss_line n$k ($role) max $mx, after the run ${now:-gone};"
  done
  rss_line="$rss_line
node JVM options: $node_opts"
  if grep -q "exited with status" "$work/cluster.log"; then
    rss_line="$rss_line
NODE EXITS during the run: $(grep "exited with status" "$work/cluster.log" | tr '\n' ' ')(hs_err files: $(ls "$work"/hs_err_pid*.log 2>/dev/null | tr '\n' ' '))"
  fi
  [ -s "$work/events" ] && rss_line="$rss_line
leader moves during the run: $(wc -l <"$work/events") ($(tr '\n' ';' <"$work/events"))"
  for f in "$work"/data/node*.log; do   # anything a node complained about
    c=$(grep -c " ERROR \| WARN " "$f" || true); i=$(grep -c "received INCONSISTENCY reply" "$f" || true)
    [ "${c:-0}" -gt 0 ] && rss_line="$rss_line
$(basename "$f"): $c WARN/ERROR lines ($i of them: an appender got an INCONSISTENCY reply and resent)"
  done
fi

python3 - "$work/results" "$nodes" "$rss_line" "$load_start" "$load_end" <<'PY'
import sys, statistics
results, nodes, rss_line, load_start, load_end = sys.argv[1:6]
three = nodes == "3"
rows = {}
for line in open(results):
    who, *pairs = line.split()
    for p in pairs:
        k, _, v = p.partition("=")
        try: rows.setdefault(k, {}).setdefault(who, []).append(float(v))
        except ValueError: pass
units = lambda k: "MB/s" if "1m" in k else "IOPS"
med = lambda d, who: statistics.median(d[who]) if d.get(who) else None
# aims of the replication issue (three nodes): ratio to tgtd, ">=" for throughput
aims = {"w4k_qd32": 0.5, "data_w4k_qd32": 0.5, "r4k_qd32": 1.0, "data_r4k_qd32": 1.0}
def ratio(b, t): return f"{b/t:.2f}x" if b is not None and t else "n/a"
def fmt(v): return f"{v:.0f}" if v is not None else "-"
sync = any("tgs" in d for d in rows.values())
sh = " tgtd O_SYNC | vs sync |" if sync else ""
sa = "---:|---:|" if sync else ""
def sync_cells(d, b, inverse=False):
    if not sync: return ""
    s = med(d, "tgs")
    if inverse: s = 1e6 / s if s else None
    return f" {fmt(s)} | {ratio(b, s)} |"
if not three:
    print("| workload | unit | tgtd | blockraft | ratio |" + sh)
    print("|---|---|---:|---:|---:|" + sa)
else:
    print("| workload | unit | tgtd | blockraft (leader) | ratio | blockraft (follower) | ratio | aim (leader) |" + sh)
    print("|---|---|---:|---:|---:|---:|---:|---|" + sa)
for k, d in rows.items():
    t, b, f = med(d, "tgt"), med(d, "br"), med(d, "brf")
    if not three:
        print(f"| {k} | {units(k)} | {fmt(t)} | {fmt(b)} | {ratio(b, t)} |" + sync_cells(d, b))
        continue
    aim = ""
    if k in aims and b is not None and t:
        aim = f">= {aims[k]}x: " + ("met" if b / t >= aims[k] else "**missed**")
    print(f"| {k} | {units(k)} | {fmt(t)} | {fmt(b)} | {ratio(b, t)} | {fmt(f)} | {ratio(f, t)} | {aim} |" + sync_cells(d, b))
if three:
    # QD1 latency = 1 / median IOPS at queue depth 1; ratio = blockraft latency / tgtd latency
    for k in ("w4k_qd1", "r4k_qd1"):
        d = rows.get(k, {})
        t, b, f = med(d, "tgt"), med(d, "br"), med(d, "brf")
        lat = lambda v: 1e6 / v if v else None
        lt, lb, lf = lat(t), lat(b), lat(f)
        aim = ""
        if k == "w4k_qd1" and lt and lb:
            aim = "<= 3x: " + ("met" if lb / lt <= 3 else "**missed**")
        print(f"| {k} latency (1/IOPS) | µs | {fmt(lt)} | {fmt(lb)} | {ratio(lb, lt)} | {fmt(lf)} | {ratio(lf, lt)} | {aim} |"
              + sync_cells(d, lb, inverse=True))
print(f"\n{rss_line}")
print(f"load average (1/5/15 min): {load_start} at start, {load_end} at the end")
PY
