package io.blockraft.replication.volume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What a replica needs to create its copy of a volume: the name, capacity at creation, block size
 * and the volume's 16-byte identifier (the same on every node: basis of the LU's NAA designator
 * and serial). Written next to the replica's data so a restart can reopen the group before the
 * cluster metadata is reachable.
 */
public record VolumeSpec(String name, long blockCount, int blockSize, byte[] uuid) {

  static final String FILE = "volume.spec";

  public VolumeSpec {
    if (blockSize != 512 && blockSize != 4096) {
      throw new IllegalArgumentException("block size must be 512 or 4096: " + blockSize);
    }
    if (blockCount <= 0 || uuid.length != 16) {
      throw new IllegalArgumentException("bad volume spec for " + name);
    }
    uuid = uuid.clone();
  }

  @Override
  public byte[] uuid() {
    return uuid.clone();
  }

  public byte[] encode() {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(2 + n.length + 8 + 4 + 16)
        .putShort((short) n.length).put(n).putLong(blockCount).putInt(blockSize).put(uuid).array();
  }

  public static VolumeSpec decode(byte[] bytes) {
    try {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      int len = b.getShort() & 0xffff;
      if (len == 0 || len > 255) {
        throw new IllegalArgumentException("volume name length " + len);
      }
      byte[] n = new byte[len];
      b.get(n);
      long count = b.getLong();
      int bs = b.getInt();
      byte[] id = new byte[16];
      b.get(id);
      return new VolumeSpec(new String(n, StandardCharsets.UTF_8), count, bs, id);
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated volume spec");
    }
  }

  /** Writes the spec into {@code dir} (atomically: temp file then rename). */
  public void writeTo(Path dir) {
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(FILE + ".tmp");
      Files.write(tmp, encode());
      Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the volume spec in " + dir, e);
    }
  }

  /** The spec stored in {@code dir}, or null when there is none. */
  public static VolumeSpec readFrom(Path dir) {
    Path f = dir.resolve(FILE);
    if (!Files.exists(f)) {
      return null;
    }
    try {
      return decode(Files.readAllBytes(f));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
  }
}
