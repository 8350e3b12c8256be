# Host side of check/linux-failover-guest.sh (sourced by run-initiator-vm.sh after its
# host-lib.sh). Env from check/linux-failover.sh: BR_HOME (repository), BR_DATA (the
# local-cluster data directory), BR_PORT, BR_PARENT (local-cluster's pid), FO_DOWN_SECS.
ivm_host_wait paths-up 600 || exit 1
# the node leading lun0: the newest "volume lun0: leader is now nK" line of any node's log
leader=$(grep -h "volume lun0: leader is now" "$BR_DATA"/node*.log | sort | tail -1 | sed -E 's/.*leader is now n([0-9]+).*/\1/')
pid=$(grep -E "^node $leader portal:" "$BR_DATA/../cluster.log" | sed -E 's/.*\(pid ([0-9]+),.*/\1/')
[[ -n $leader && -n $pid ]] || { ivm_host_log "no leader/pid found"; exit 1; }
ivm_host_log "kill -9 node $leader (pid $pid), the leader of lun0"
kill -9 "$pid"
# While the node is down, new guest connections to its portal are closed at once (link down):
# left open, the relay's socat would write its own "connection refused" message into the
# guest's TCP stream, which the initiator reads as a PDU header (seen: "datalen 3223855"), and
# open-iscsi 2.1.8 then never rebinds the connection. A dead node sends no such bytes.
ivm_host_link_down "127.0.0.$leader:$BR_PORT"
echo "$leader" >"$IVM_OUT/killed-node"
ivm_host_post killed
ivm_host_wait saw-failed 300 || exit 1
sleep "${FO_DOWN_SECS:-10}"
ivm_host_log "restarting node $leader"
"$BR_HOME/bin/blockraft" node --config "$BR_DATA/node$leader.json" --portal-port "$BR_PORT" \
  --parent-pid "$BR_PARENT" >>"$BR_DATA/node$leader.log" 2>&1 &
for _ in $(seq 240); do
  (echo >"/dev/tcp/127.0.0.$leader/$BR_PORT") 2>/dev/null && break
  sleep 0.5
done
ivm_host_log "node $leader portal answers"
ivm_host_link_up "127.0.0.$leader:$BR_PORT"
ivm_host_post restarted
