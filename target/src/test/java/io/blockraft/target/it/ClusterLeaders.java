package io.blockraft.target.it;

import io.blockraft.target.node.LocalProcessCluster;
import io.blockraft.target.node.NodeProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which node of a {@link LocalProcessCluster} leads a volume's Raft group, read from the node
 * logs: every node logs one line per leader change it sees, {@code volume NAME: leader is now nK
 * (seen by nJ)} ({@code VolumeStateMachine.notifyLeaderChanged}). Only the lines of a node's
 * current run count (after the {@code --- ... local-cluster starts node k} line {@link
 * NodeProcess} writes before each start), so a restarted node's old view is never taken for its
 * current one.
 */
final class ClusterLeaders {
  private static final Pattern LEADER_LINE =
      Pattern.compile("volume (\\S+): leader is now (\\S+) \\(seen by n(\\d+)\\)");
  /** How long an agreed view must stay unchanged before it is taken as settled. */
  static final Duration QUIET = Duration.ofSeconds(3);

  private ClusterLeaders() {}

  /**
   * What every running node has logged about one volume's leader in its current run.
   *
   * @param volume the volume
   * @param seen node id -> the leaders it logged, oldest first ({@code "n1"}, or {@code "null"}
   *     while it knows none); a node that is not running is left out
   */
  record View(String volume, Map<Integer, List<String>> seen) {
    /** Node k's latest leader for the volume, or empty when it has logged none (or "null"). */
    Optional<Integer> latest(int k) {
      List<String> l = seen.getOrDefault(k, List.of());
      return l.isEmpty() ? Optional.empty() : nodeId(l.get(l.size() - 1));
    }

    /** The leader every running node names as its latest, or empty when they do not agree yet. */
    Optional<Integer> agreed() {
      if (seen.isEmpty()) {
        return Optional.empty();
      }
      Optional<Integer> first = latest(seen.keySet().iterator().next());
      if (first.isEmpty()) {
        return Optional.empty();
      }
      for (Integer k : seen.keySet()) {
        if (!latest(k).equals(first)) {
          return Optional.empty();
        }
      }
      return first;
    }

    /**
     * The leader changes logged since {@code before} (a view of the same volume taken earlier),
     * as {@code "node2: n1 -> n3"}; empty when no running node logged one. A node restarted in
     * between counts as a change (its current run starts a new list).
     */
    List<String> changesSince(View before) {
      List<String> out = new ArrayList<>();
      for (Map.Entry<Integer, List<String>> e : seen.entrySet()) {
        List<String> was = before.seen().get(e.getKey());
        List<String> now = e.getValue();
        if (was == null || now.size() < was.size() || !now.subList(0, was.size()).equals(was)) {
          out.add("node" + e.getKey() + ": restarted or log rewritten, now " + now);
        } else if (now.size() > was.size()) {
          String from = was.isEmpty() ? "(none)" : was.get(was.size() - 1);
          out.add("node" + e.getKey() + ": " + from + " -> "
              + String.join(" -> ", now.subList(was.size(), now.size())));
        }
      }
      for (Integer k : before.seen().keySet()) {
        if (!seen.containsKey(k)) {
          out.add("node" + k + ": no longer running");
        }
      }
      return out;
    }

    /**
     * The changes of {@link #changesSince} that name a leader other than the one every node
     * agreed on in {@code before} (or all of them when {@code before} had no agreed leader). A
     * follower that missed heartbeats under load, started a pre-vote and then heard from the same
     * leader again logs that leader a second time: leadership did not move, and that is left out.
     */
    List<String> movesSince(View before) {
      Optional<Integer> was = before.agreed();
      List<String> out = new ArrayList<>();
      for (Map.Entry<Integer, List<String>> e : seen.entrySet()) {
        List<String> old = before.seen().get(e.getKey());
        List<String> now = e.getValue();
        boolean extended = old != null && now.size() >= old.size()
            && now.subList(0, old.size()).equals(old);
        boolean onlyTheSameLeader = extended && was.isPresent() && now.subList(old.size(), now.size())
            .stream().allMatch(l -> nodeId(l).equals(was));
        if (!onlyTheSameLeader) {
          out.addAll(new View(volume, Map.of(e.getKey(), now))
              .changesSince(new View(volume, old == null ? Map.of() : Map.of(e.getKey(), old))));
        }
      }
      for (Integer k : before.seen().keySet()) {
        if (!seen.containsKey(k)) {
          out.add("node" + k + ": no longer running");
        }
      }
      return out;
    }

    /** E.g. {@code conf-a: leader n1 (node1: n1, node2: n1, node3: n3 -> n1)}. */
    @Override
    public String toString() {
      String each = seen.entrySet().stream()
          .map(e -> "node" + e.getKey() + ": "
              + (e.getValue().isEmpty() ? "(none yet)" : String.join(" -> ", e.getValue())))
          .collect(Collectors.joining(", "));
      return volume + ": leader " + agreed().map(k -> "n" + k).orElse("not agreed") + " (" + each + ")";
    }
  }

  /** What the running nodes of {@code cluster} have logged so far about {@code volume}'s leader. */
  static View view(LocalProcessCluster cluster, String volume) {
    Map<Integer, List<String>> seen = new LinkedHashMap<>();
    for (NodeProcess n : cluster.nodes()) {
      if (n.alive()) {
        seen.put(n.id(), leadersSeen(n, volume));
      }
    }
    return new View(volume, seen);
  }

  /**
   * Waits until every running node's latest line for {@code volume} names the same leader, a
   * running node (after a kill -9 of the leader the survivors name it until they elect another),
   * and that has stayed so for {@link #QUIET} (a freshly elected group may still hand leadership
   * to its preferred leader), and returns the leading node.
   *
   * @throws AssertionError naming what each node logged, when that does not happen in time
   */
  static NodeProcess awaitAgreed(LocalProcessCluster cluster, String volume, Duration limit) {
    Instant deadline = Instant.now().plus(limit);
    View settled = null;
    Instant since = null;
    while (true) {
      View v = view(cluster, volume);
      Optional<Integer> leader = v.agreed().filter(v.seen()::containsKey); // a running node
      if (leader.isPresent() && v.equals(settled)) {
        if (Duration.between(since, Instant.now()).compareTo(QUIET) >= 0) {
          return cluster.node(v.agreed().get());
        }
      } else {
        settled = leader.isPresent() ? v : null;
        since = Instant.now();
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("the running nodes did not agree on a leader of volume " + volume
            + " within " + limit.toSeconds() + " s (for " + QUIET.toSeconds() + " s running); their"
            + " logs say " + v);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for the leader of " + volume, e);
      }
    }
  }

  /** The leaders node {@code n} logged for {@code volume} in its current run, oldest first. */
  static List<String> leadersSeen(NodeProcess n, String volume) {
    String text;
    try {
      // ISO-8859-1: any byte decodes, and the lines we look for are ASCII
      text = Files.exists(n.log()) ? Files.readString(n.log(), StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + n.log(), e);
    }
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("--- ") && line.contains(" local-cluster starts node ")) {
        out.clear(); // a new run: what the node saw before does not count
        continue;
      }
      Matcher m = LEADER_LINE.matcher(line);
      if (m.find() && m.group(1).equals(volume) && Integer.parseInt(m.group(3)) == n.id()) {
        out.add(m.group(2));
      }
    }
    return out;
  }

  /** {@code "n3"} -> 3; anything else (Ratis logs {@code null} when no leader is known) -> empty. */
  static Optional<Integer> nodeId(String peer) {
    return peer.matches("n\\d+") ? Optional.of(Integer.parseInt(peer.substring(1))) : Optional.empty();
  }
}
