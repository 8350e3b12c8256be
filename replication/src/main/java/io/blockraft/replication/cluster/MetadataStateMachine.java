package io.blockraft.replication.cluster;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster metadata group's state machine (ARCHITECTURE.md, Cluster): the member nodes and the
 * volume table. Small, kept in memory, snapshotted to one file.
 *
 * <p>Placement is decided at apply time, so it is deterministic: a new volume's replicas are the
 * members holding the fewest replicas (ties: fewest preferred-leader roles, then lowest id), and
 * its preferred leader (first replica, highest Raft priority) is the chosen member leading the
 * fewest volumes. That spreads both data and leaders when the cluster has more than three nodes.
 *
 * <p>Ops: {@code CREATE name blockCount blockSize uuid replicas} (no-op when the name exists),
 * {@code SET_REPLICAS name ids...}, {@code ADD_NODE id}, {@code REMOVE_NODE id}.
 */
public final class MetadataStateMachine extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

  static final byte CREATE = 'c';
  static final byte SET_REPLICAS = 'r';
  static final byte ADD_NODE = 'a';
  static final byte REMOVE_NODE = 'd';

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final TreeMap<String, VolumeRecord> volumes = new TreeMap<>();
  /** Member node id -> Raft address (host:port). */
  private final TreeMap<Integer, String> members = new TreeMap<>();
  private final Consumer<VolumeRecord> onVolume;

  /**
   * @param initialMembers the members before any ADD/REMOVE (the configured peers): id -> Raft
   *     address
   * @param onVolume told (on the apply thread) about every volume record created or changed,
   *     and about every record after a restart or snapshot install
   */
  public MetadataStateMachine(Map<Integer, String> initialMembers, Consumer<VolumeRecord> onVolume) {
    members.putAll(initialMembers);
    this.onVolume = onVolume;
  }

  public synchronized List<VolumeRecord> volumes() {
    return List.copyOf(volumes.values());
  }

  public synchronized VolumeRecord volume(String name) {
    return volumes.get(name);
  }

  /** Member id -> Raft address, as this node has applied them. */
  public synchronized Map<Integer, String> members() {
    return new TreeMap<>(members);
  }

  // ------------------------------------------------------------------ ops

  static Message create(String name, long blockCount, int blockSize, UUID id, int replicas) {
    return op(out -> {
      out.writeByte(CREATE);
      out.writeUTF(name);
      out.writeLong(blockCount);
      out.writeInt(blockSize);
      out.writeLong(id.getMostSignificantBits());
      out.writeLong(id.getLeastSignificantBits());
      out.writeInt(replicas);
    });
  }

  static Message setReplicas(String name, List<Integer> replicas) {
    return op(out -> {
      out.writeByte(SET_REPLICAS);
      out.writeUTF(name);
      out.writeShort(replicas.size());
      for (int r : replicas) {
        out.writeInt(r);
      }
    });
  }

  static Message addNode(int id, String raftAddress) {
    return op(out -> {
      out.writeByte(ADD_NODE);
      out.writeInt(id);
      out.writeUTF(raftAddress);
    });
  }

  static Message removeNode(int id) {
    return op(out -> {
      out.writeByte(REMOVE_NODE);
      out.writeInt(id);
    });
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private static Message op(Writer w) {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(b);
      w.write(out);
      out.flush();
      return Message.valueOf(ByteString.copyFrom(b.toByteArray()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replies: the volume record for CREATE/SET_REPLICAS, empty otherwise. */
  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto e = trx.getLogEntry();
    Message reply = Message.EMPTY;
    VolumeRecord changed = null;
    try (DataInputStream in = new DataInputStream(
        new ByteArrayInputStream(e.getStateMachineLogEntry().getLogData().toByteArray()))) {
      synchronized (this) {
        byte type = in.readByte();
        switch (type) {
          case CREATE -> {
            String name = in.readUTF();
            long count = in.readLong();
            int bs = in.readInt();
            UUID id = new UUID(in.readLong(), in.readLong());
            int want = in.readInt();
            VolumeRecord r = volumes.get(name);
            if (r == null) {
              r = new VolumeRecord(name, count, bs, id, place(want));
              volumes.put(name, r);
              changed = r;
              log.info("volume table: created {} ({} blocks of {} bytes) on nodes {}", name, count, bs,
                  r.replicas());
            }
            reply = encode(r);
          }
          case SET_REPLICAS -> {
            String name = in.readUTF();
            int n = in.readUnsignedShort();
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
              ids.add(in.readInt());
            }
            VolumeRecord r = volumes.get(name);
            if (r != null) {
              r = r.withReplicas(ids);
              volumes.put(name, r);
              changed = r;
              log.info("volume table: {} now on nodes {}", name, ids);
              reply = encode(r);
            }
          }
          case ADD_NODE -> {
            int id = in.readInt();
            members.put(id, in.readUTF());
            log.info("cluster members: node {} added ({})", id, members.get(id));
          }
          case REMOVE_NODE -> {
            int id = in.readInt();
            members.remove(id);
            log.info("cluster members: node {} removed", id);
          }
          default -> log.warn("metadata entry {} has unknown type {}", e.getIndex(), type);
        }
      }
    } catch (IOException ex) {
      log.warn("metadata entry {} is malformed: {}", e.getIndex(), ex.toString());
    }
    updateLastAppliedTermIndex(e.getTerm(), e.getIndex());
    if (changed != null) {
      onVolume.accept(changed);
    }
    return CompletableFuture.completedFuture(reply);
  }

  /** Least-loaded members first (replica count, then leader count, then id); leader first. */
  private List<Integer> place(int want) {
    Map<Integer, int[]> load = new TreeMap<>();
    for (int m : members.keySet()) {
      load.put(m, new int[2]);
    }
    for (VolumeRecord r : volumes.values()) {
      for (int i = 0; i < r.replicas().size(); i++) {
        int[] l = load.get(r.replicas().get(i));
        if (l != null) {
          l[0]++;
          if (i == 0) {
            l[1]++;
          }
        }
      }
    }
    List<Integer> chosen = new ArrayList<>(load.keySet());
    chosen.sort(Comparator.<Integer>comparingInt(m -> load.get(m)[0]).thenComparingInt(m -> load.get(m)[1])
        .thenComparingInt(m -> m));
    chosen = new ArrayList<>(chosen.subList(0, Math.min(want, chosen.size())));
    chosen.sort(Comparator.<Integer>comparingInt(m -> load.get(m)[1]).thenComparingInt(m -> m));
    return chosen;
  }

  static Message encode(VolumeRecord r) {
    return op(r::write);
  }

  static VolumeRecord decode(Message m) {
    try {
      return VolumeRecord.read(new DataInputStream(new ByteArrayInputStream(m.getContent().toByteArray())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------ snapshots

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    load();
  }

  @Override
  public void reinitialize() throws IOException {
    load();
  }

  private void load() throws IOException {
    SingleFileSnapshotInfo s = storage.loadLatestSnapshot();
    if (s == null) {
      return;
    }
    File f = s.getFile().getPath().toFile();
    List<VolumeRecord> all;
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(f.toPath())))) {
      synchronized (this) {
        volumes.clear();
        members.clear();
        int m = in.readInt();
        for (int i = 0; i < m; i++) {
          int id = in.readInt();
          members.put(id, in.readUTF());
        }
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
          VolumeRecord r = VolumeRecord.read(in);
          volumes.put(r.name(), r);
        }
        all = List.copyOf(volumes.values());
      }
    }
    setLastAppliedTermIndex(s.getTermIndex());
    all.forEach(onVolume);
  }

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex ti;
    byte[] bytes;
    synchronized (this) {
      ti = getLastAppliedTermIndex();
      if (ti == null || ti.getIndex() < 0) {
        return -1;
      }
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(b)) {
        out.writeInt(members.size());
        for (Map.Entry<Integer, String> m : members.entrySet()) {
          out.writeInt(m.getKey());
          out.writeUTF(m.getValue());
        }
        out.writeInt(volumes.size());
        for (VolumeRecord r : volumes.values()) {
          r.write(out);
        }
      }
      bytes = b.toByteArray();
    }
    File f = storage.getSnapshotFile(ti.getTerm(), ti.getIndex());
    try (BufferedOutputStream out = new BufferedOutputStream(Files.newOutputStream(f.toPath()))) {
      out.write(bytes);
    }
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(
        new org.apache.ratis.server.storage.FileInfo(f.toPath(), null), ti));
    return ti.getIndex();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }
}
