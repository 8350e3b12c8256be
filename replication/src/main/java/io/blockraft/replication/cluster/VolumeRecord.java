package io.blockraft.replication.cluster;

import io.blockraft.replication.volume.VolumeSpec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * One row of the cluster's volume table: what the volume is and which nodes hold its replicas
 * (the first replica is the preferred leader).
 */
public record VolumeRecord(String name, long blockCount, int blockSize, UUID id, List<Integer> replicas) {

  public VolumeRecord {
    replicas = List.copyOf(replicas);
  }

  public RaftGroupId groupId() {
    return RaftGroupId.valueOf(id);
  }

  public VolumeSpec spec() {
    byte[] u = java.nio.ByteBuffer.allocate(16)
        .putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
    return new VolumeSpec(name, blockCount, blockSize, u);
  }

  public VolumeRecord withReplicas(List<Integer> r) {
    return new VolumeRecord(name, blockCount, blockSize, id, r);
  }

  void write(DataOutputStream out) throws IOException {
    out.writeUTF(name);
    out.writeLong(blockCount);
    out.writeInt(blockSize);
    out.writeLong(id.getMostSignificantBits());
    out.writeLong(id.getLeastSignificantBits());
    out.writeShort(replicas.size());
    for (int r : replicas) {
      out.writeInt(r);
    }
  }

  static VolumeRecord read(DataInputStream in) throws IOException {
    String name = in.readUTF();
    long count = in.readLong();
    int bs = in.readInt();
    UUID id = new UUID(in.readLong(), in.readLong());
    int n = in.readUnsignedShort();
    if (n > 64) {
      throw new IOException("volume record with " + n + " replicas");
    }
    List<Integer> r = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      r.add(in.readInt());
    }
    return new VolumeRecord(name, count, bs, id, r);
  }
}
