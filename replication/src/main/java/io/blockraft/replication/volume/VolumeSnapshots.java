package io.blockraft.replication.volume;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * A volume replica's Raft snapshots: each one a RocksDB checkpoint directory
 * {@code snapshot.<term>_<index>} inside Ratis's state-machine directory. Ratis ships these
 * files to a replica that is too far behind and, on that replica, replaces the whole
 * state-machine directory with them; the live database therefore lives elsewhere (see {@link
 * VolumeStateMachine}) and is rebuilt from the installed checkpoint.
 *
 * <p>A snapshot directory is created under a temporary name and renamed when complete, so a
 * directory matching the pattern is always a whole checkpoint.
 */
final class VolumeSnapshots implements StateMachineStorage {

  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");

  private volatile File smDir;
  private volatile File tmpDir;
  private volatile SnapshotInfo latest;

  @Override
  public void init(RaftStorage storage) throws IOException {
    smDir = storage.getStorageDir().getStateMachineDir();
    tmpDir = storage.getStorageDir().getTmpDir();
    Files.createDirectories(smDir.toPath());
    reload();
  }

  /** Rescans the directory (after init and after Ratis installed a snapshot into it). */
  void reload() throws IOException {
    latest = scan();
  }

  private SnapshotInfo scan() throws IOException {
    Path best = null;
    TermIndex bestTi = null;
    try (Stream<Path> s = Files.list(smDir.toPath())) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches() && Files.isDirectory(p)) {
          TermIndex ti = TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
          if (bestTi == null || ti.compareTo(bestTi) > 0) {
            best = p;
            bestTi = ti;
          }
        }
      }
    }
    return best == null ? null : info(best, bestTi);
  }

  private static SnapshotInfo info(Path dir, TermIndex ti) throws IOException {
    List<FileInfo> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".md5")) {
          files.add(new FileInfo(p.toAbsolutePath(), null));
        }
      }
    }
    files.sort(Comparator.comparing(f -> f.getPath().toString()));
    return new FileListSnapshotInfo(files, ti);
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return latest;
  }

  /** The directory of the latest snapshot, or null. */
  Path latestDir() {
    SnapshotInfo s = latest;
    return s == null ? null : dirFor(s.getTermIndex());
  }

  Path dirFor(TermIndex ti) {
    return smDir.toPath().resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex());
  }

  /**
   * Makes the snapshot at {@code ti}: {@code checkpoint} writes the database copy into the
   * directory it is given (which must not exist yet).
   */
  void take(TermIndex ti, java.util.function.Consumer<Path> checkpoint) throws IOException {
    Path dest = dirFor(ti);
    if (Files.isDirectory(dest)) {
      latest = info(dest, ti);
      return;
    }
    Path tmp = smDir.toPath().resolve("tmp.snapshot." + ti.getTerm() + "_" + ti.getIndex());
    deleteTree(tmp);
    checkpoint.accept(tmp);
    Files.move(tmp, dest, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    latest = info(dest, ti);
  }

  @Override
  public void format() {}

  /** Keeps only the latest snapshot (older checkpoints only pin disk space). */
  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    SnapshotInfo keep = latest;
    if (keep == null) {
      return;
    }
    Path keepDir = dirFor(keep.getTermIndex());
    try (Stream<Path> s = Files.list(smDir.toPath())) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if ((NAME.matcher(n).matches() || n.startsWith("tmp.snapshot.")) && !p.equals(keepDir)) {
          deleteTree(p);
        }
      }
    }
  }

  @Override
  public File getSnapshotDir() {
    return smDir;
  }

  @Override
  public File getTmpDir() {
    return tmpDir;
  }

  /**
   * Replaces the database directory {@code db} with a copy of checkpoint {@code snap} (without
   * the .md5 files Ratis adds on install), built beside it and moved into place.
   */
  static void restore(Path snap, Path db) throws IOException {
    deleteTree(db);
    Path tmp = db.resolveSibling(db.getFileName() + ".restoring");
    deleteTree(tmp);
    Files.createDirectories(tmp);
    try (Stream<Path> files = Files.list(snap)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (!f.getFileName().toString().endsWith(".md5")) {
          Files.copy(f, tmp.resolve(f.getFileName().toString()));
        }
      }
    }
    Files.move(tmp, db, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + p, e);
    }
  }
}
