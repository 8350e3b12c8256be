# Sourced by the check/ scripts: start a local cluster in the background and wait for it.
# start_cluster NODES PORT WORK: runs bin/blockraft local-cluster with data in WORK/data and
# output in WORK/cluster.log, sets br_pid, returns once every portal answers (exits on failure).
start_cluster() {
  local nodes=$1 port=$2 work=$3
  "$here/bin/blockraft" local-cluster --nodes "$nodes" --base-port "$port" --data "$work/data" \
    >"$work/cluster.log" 2>&1 &
  br_pid=$!
  for _ in $(seq 600); do
    grep -q "Ctrl-C stops" "$work/cluster.log" && return 0
    kill -0 "$br_pid" 2>/dev/null || break
    sleep 0.5
  done
  cat "$work/cluster.log"
  echo "blockraft local-cluster did not come up" >&2
  exit 1
}
