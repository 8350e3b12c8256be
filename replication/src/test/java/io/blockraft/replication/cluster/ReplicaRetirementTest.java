package io.blockraft.replication.cluster;

import static io.blockraft.replication.cluster.ReplicaRetirement.Verdict.MEMBER;
import static io.blockraft.replication.cluster.ReplicaRetirement.Verdict.NOT_MEMBER;
import static io.blockraft.replication.cluster.ReplicaRetirement.Verdict.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LeaderInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

/** Who may tell a replica that its group no longer counts it ({@link ReplicaRetirement#verdict}). */
class ReplicaRetirementTest {

  private static final RaftPeerId ME = RaftPeerId.valueOf("n5");

  /** A leader in {@code term} replicating to {@code followers}. */
  private static RoleInfoProto leader(long term, String... followers) {
    LeaderInfoProto.Builder l = LeaderInfoProto.newBuilder().setTerm(term);
    for (String f : followers) {
      l.addFollowerInfo(ServerRpcProto.newBuilder()
          .setId(RaftPeerProto.newBuilder().setId(RaftPeerId.valueOf(f).toByteString())));
    }
    return RoleInfoProto.newBuilder().setRole(RaftPeerRole.LEADER).setLeaderInfo(l).build();
  }

  private static List<RaftPeerId> group(String... ids) {
    return Stream.of(ids).map(RaftPeerId::valueOf).toList();
  }

  @Test
  void aCurrentLeader_decides() {
    assertThat(ReplicaRetirement.verdict(leader(7, "n2", "n4"), group("n1", "n2", "n4"), 7, ME)).isEqualTo(NOT_MEMBER);
    assertThat(ReplicaRetirement.verdict(leader(8, "n2", "n5"), group("n1", "n2", "n5"), 7, ME)).isEqualTo(MEMBER);
  }

  @Test
  void aStaleLeader_aFollower_orALeaderStillReplicatingToUs_decideNothing() {
    assertThat(ReplicaRetirement.verdict(leader(6, "n2"), group("n1", "n2"), 7, ME)).as("older term").isEqualTo(UNKNOWN);
    RoleInfoProto follower = RoleInfoProto.newBuilder().setRole(RaftPeerRole.FOLLOWER).build();
    assertThat(ReplicaRetirement.verdict(follower, group("n1", "n2"), 7, ME)).as("follower").isEqualTo(UNKNOWN);
    assertThat(ReplicaRetirement.verdict(leader(7, "n2", "n4", "n5"), group("n1", "n2", "n4"), 7, ME))
        .as("joint change: still replicating to the old peer").isEqualTo(UNKNOWN);
  }
}
