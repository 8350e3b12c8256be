package io.blockraft.target.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ClusterLeaders.View}: what counts as leadership moving between two views. */
class ClusterLeadersTest {
  private static ClusterLeaders.View view(Map<Integer, List<String>> seen) {
    return new ClusterLeaders.View("v", seen);
  }

  private final ClusterLeaders.View before = view(Map.of(1, List.of("n1"), 2, List.of("n1"),
      3, List.of("n3", "n1")));

  @Test
  void sameLeaderLearnedAgain_isAChangeButNotAMove() {
    ClusterLeaders.View after = view(Map.of(1, List.of("n1"), 2, List.of("n1"),
        3, List.of("n3", "n1", "n1")));
    assertThat(after.changesSince(before)).containsExactly("node3: n1 -> n1");
    assertThat(after.movesSince(before)).isEmpty();
  }

  @Test
  void anotherLeader_isAMove() {
    ClusterLeaders.View after = view(Map.of(1, List.of("n1", "n2"), 2, List.of("n1", "n2"),
        3, List.of("n3", "n1", "n2")));
    assertThat(after.movesSince(before)).containsExactlyInAnyOrder("node1: n1 -> n2",
        "node2: n1 -> n2", "node3: n1 -> n2");
  }

  @Test
  void movedAwayAndBack_isAMove() {
    ClusterLeaders.View after = view(Map.of(1, List.of("n1"), 2, List.of("n1", "n2", "n1"),
        3, List.of("n3", "n1")));
    assertThat(after.movesSince(before)).containsExactly("node2: n1 -> n2 -> n1");
  }

  @Test
  void restartedOrStoppedNode_isAMove() {
    ClusterLeaders.View after = view(Map.of(1, List.of("n1"), 2, List.of()));
    assertThat(after.movesSince(before)).containsExactlyInAnyOrder(
        "node2: restarted or log rewritten, now []", "node3: no longer running");
  }

  @Test
  void noAgreedLeaderBefore_everyChangeIsAMove() {
    ClusterLeaders.View split = view(Map.of(1, List.of("n1"), 2, List.of("n2")));
    ClusterLeaders.View after = view(Map.of(1, List.of("n1", "n1"), 2, List.of("n2")));
    assertThat(after.movesSince(split)).containsExactly("node1: n1 -> n1");
  }
}
