package io.blockraft.replication.cluster;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The Ratis settings of a node, in one place, each with the reason it differs from the default.
 *
 * <p><b>Version: Ratis 3.2.1</b> (pom.xml), not 3.1.3. In 3.1.3 a follower appended each
 * appendEntries only after the previous one's fsync, yet checked the next pipelined request
 * against its log before that: under write load nearly every pipelined append was answered
 * INCONSISTENCY and resent (80,096 times in one benchmark run, 25,448 in a 30,000-write probe),
 * and the leader's appender thread died now and then on "Previous = (t:1, i:7280) but firstIndex =
 * 7282" (a nextIndex changed under it) and was restarted. 3.2.1 counts appends in progress as
 * present (RATIS-2242, RATIS-2278): the same probe logs none. Not 3.2.2: its RATIS-2427 checks
 * that an appender is running before restarting it, after the appender has stopped, so one
 * failed appender (e.g. "Log entry not found" when a returning follower races a log purge) left
 * that follower without appends until leadership moved: ClusterLifecycleTest's returning
 * follower waited 60 s for its snapshot. Ratis's metrics implementation is
 * ratis-metrics-dropwizard3 (ratis-metrics-default 3.2.1 is not published).
 *
 * <ul>
 *   <li><b>Election timeout 1-2 s</b> (default 150-300 ms): three JVMs on a small machine pause
 *       for GC and compaction; sub-second timeouts caused needless elections, and every election
 *       is an ALUA transition the initiators see. Failover stays within a few seconds.
 *   <li><b>Linearizable reads with a leader lease</b>: the leader answers reads without a round
 *       trip while its lease (a fraction of the election timeout) holds; followers use ReadIndex.
 *   <li><b>Appender: up to 8 MiB per appendEntries</b> (default 4 MiB): an entry carries at most
 *       {@link io.blockraft.replication.volume.RaftVolume#MAX_ENTRY_PAYLOAD} (4 MiB) of write
 *       data, and Ratis requires every single entry to fit; several small writes share one append.
 *       Ratis also requires the log write buffer to be at least that (it holds only headers, since
 *       payloads go to the state machine's data log, but the check is unconditional).
 *   <li><b>Log: 8 MiB segments</b> (default 32 MiB): Ratis purges whole segments only, and rolls
 *       them by stored bytes; with payload-proportional header padding (see
 *       VolumeStateMachine.PADDING_RATIO) a segment holds at most 512 MiB of writes, so the log and
 *       the data log are freed soon after each snapshot. gRPC messages up to 160 MiB.
 *   <li><b>Log-metadata entries stay on</b> (the default), although they add an entry and an
 *       fsync per commit batch: in Ratis 3.1 and 3.2 appending that entry is what wakes the appenders
 *       to tell followers the new commit index. Switched off, a follower learned of a commit only
 *       at the next heartbeat, and a write acknowledged through a follower took ~500 ms (measured:
 *       510 ms per 4 KiB QD1 write through a follower, against 9 ms through the leader).
 *   <li><b>Appender wait-time.min 0</b> (default 1 ms): the appender otherwise waits up to 1 ms
 *       after each send before the next, and at queue depth 1 every write waits behind the previous
 *       commit's metadata entry. In-process 3-node probe, 4 KiB writes at QD1 through the leader:
 *       5.4 ms with the default, 3.5 ms with 0 (noisy 2-core machine).
 *   <li><b>Follower slowness after 10 s</b> (default 60 s): the leader then tells the state
 *       machine, and the SCSI layer treats the I_T nexuses of that node's target port as lost
 *       (an SPC-2 reservation held through a node that crashed is released, as SPC-2 does on
 *       nexus loss, instead of fencing every other initiator until a reset). Ratis uses the
 *       setting for nothing else.
 *   <li><b>Snapshots purge the log up to the snapshot</b>; a replica that is further behind gets
 *       the snapshot (a RocksDB checkpoint) instead of the log.
 * </ul>
 */
public final class RatisSettings {

  private RatisSettings() {}

  public static final TimeDuration ELECTION_MIN = TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS);
  public static final TimeDuration ELECTION_MAX = TimeDuration.valueOf(2000, TimeUnit.MILLISECONDS);
  /** A follower silent this long is reported to the state machine (see the class comment). */
  public static final TimeDuration REPLICA_UNRESPONSIVE = TimeDuration.valueOf(10, TimeUnit.SECONDS);

  /** Server properties for a node whose Raft storage is {@code storageDir}, listening on {@code port}. */
  public static RaftProperties server(Path storageDir, String host, int port) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setHost(p, host);
    GrpcConfigKeys.Server.setPort(p, port);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("160MB"));
    GrpcConfigKeys.setFlowControlWindow(p, SizeInBytes.valueOf("8MB"));
    RaftServerConfigKeys.setStorageDir(p, List.of(storageDir.toFile()));
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, ELECTION_MIN);
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, ELECTION_MAX);
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(5, TimeUnit.SECONDS));
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
    RaftServerConfigKeys.Read.setTimeout(p, TimeDuration.valueOf(5, TimeUnit.SECONDS));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("8MB"));
    RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.ZERO);
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(8 * 1024 * 1024 + 64 * 1024));
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Rpc.setSlownessTimeout(p, REPLICA_UNRESPONSIVE);
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("8MB"));
    RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SizeInBytes.valueOf("4MB"));
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, 200_000);
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 1);
    return p;
  }

  /** Client properties for forwarding writes to a group's leader. */
  public static RaftProperties client() {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("160MB"));
    GrpcConfigKeys.setFlowControlWindow(p, SizeInBytes.valueOf("8MB"));
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(5, TimeUnit.SECONDS));
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 1024);
    return p;
  }
}
