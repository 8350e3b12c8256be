package io.blockraft.replication.cluster;

import io.blockraft.replication.MetaTransforms;
import io.blockraft.replication.volume.RaftVolume;
import io.blockraft.storage.RocksConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real three-node (or n-node) Raft cluster inside one JVM: one {@link ReplicationNode} per node,
 * each with its own data directory and gRPC port on 127.0.0.1. Nodes can be stopped and started
 * again on the same directory, or wiped.
 */
public final class InProcessCluster implements AutoCloseable {

  public final Path root;
  public final List<ReplicationNode.Member> members = new ArrayList<>();
  private final ReplicationNode[] nodes;
  private final ExecutorService io = Executors.newFixedThreadPool(8);
  private final int replicas;
  private final long snapshotBytes;
  public final MetaTransforms transforms = new MetaTransforms();

  public InProcessCluster(Path root, int n, int replicas, long snapshotBytes) {
    this.root = root;
    this.replicas = replicas;
    this.snapshotBytes = snapshotBytes;
    this.nodes = new ReplicationNode[n + 1];
    for (int i = 1; i <= n; i++) {
      members.add(new ReplicationNode.Member(i, "127.0.0.1", freePort()));
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public InProcessCluster startAll() {
    for (int i = 1; i < nodes.length; i++) {
      start(i);
    }
    return this;
  }

  public ReplicationNode start(int id) {
    try {
      nodes[id] = ReplicationNode.start(new ReplicationNode.Options(id, members, dir(id), replicas,
          RocksConfig.singleNode().withBlockCache(32 * RocksConfig.MIB), snapshotBytes), transforms, io);
      return nodes[id];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path dir(int id) {
    return root.resolve("node" + id);
  }

  public ReplicationNode node(int id) {
    return nodes[id];
  }

  public void stop(int id) {
    if (nodes[id] != null) {
      nodes[id].close();
      nodes[id] = null;
    }
  }

  /** The node whose replica of {@code volume} currently leads, or -1. */
  public int leaderOf(String volume) {
    for (int i = 1; i < nodes.length; i++) {
      ReplicationNode n = nodes[i];
      if (n != null) {
        RaftVolume v = n.volume(volume).getNow(null);
        if (v != null && v.isLeader()) {
          return i;
        }
      }
    }
    return -1;
  }

  public RaftVolume volume(int node, String name) {
    try {
      return nodes[node].volume(name).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node " + node + " has no replica of " + name, e);
    }
  }

  @Override
  public void close() {
    for (int i = 1; i < nodes.length; i++) {
      stop(i);
    }
    io.shutdownNow();
  }
}
