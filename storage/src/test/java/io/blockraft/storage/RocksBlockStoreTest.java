package io.blockraft.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksBlockStoreTest extends BlockStoreBehaviourTest {

  @TempDir Path dir;

  @Override
  protected BlockStore newStore() {
    return RocksBlockStore.open(dir.resolve("db"));
  }

  private BlockStore reopen() {
    store.close();
    store = RocksBlockStore.open(dir.resolve("db"));
    return store;
  }

  @Test
  void reopen_keepsVolumesDataMetaAndSize() {
    Volume v = store.create("disk", 64, 512);
    byte[] data = random(20 * 512, 30);
    v.write(3, 20, direct(data));
    v.putMeta("uuid", new byte[] {9, 8, 7});
    v.resize(40);
    store.create("other", 8, 4096).write(1, 1, direct(random(4096, 31)));

    BlockStore again = reopen();
    assertThat(again.volumeNames()).containsExactly("disk", "other");
    Volume w = again.volume("disk").orElseThrow();
    assertThat(w.logicalBlockSize()).isEqualTo(512);
    assertThat(w.blockCount()).isEqualTo(40);
    assertThat(read(w, 3, 20)).isEqualTo(data);
    assertThat(w.getMeta("uuid")).containsExactly(9, 8, 7);
    assertThat(read(again.volume("other").orElseThrow(), 1, 1)).isEqualTo(random(4096, 31));
    // ids are not reused after reopen: a new volume starts empty
    again.delete("other");
    Volume fresh = again.create("third", 8, 4096);
    assertThat(read(fresh, 0, 8)).containsOnly(0);
  }

  @Test
  void killMinus9_midStream_keepsEveryAcknowledgedWrite() throws Exception {
    Path db = dir.resolve("killed");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                javaBin,
                "-cp",
                System.getProperty("java.class.path"),
                KillChild.class.getName(),
                db.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    long lastAck = -1;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("ack ")) {
          lastAck = Long.parseLong(line.substring(4));
          if (lastAck >= 400) {
            child.destroyForcibly();
            break;
          }
        }
      }
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(lastAck).as("child acknowledged writes before the kill").isGreaterThanOrEqualTo(400);

    store.close();
    store = RocksBlockStore.open(db);
    Volume v = store.volume(KillChild.VOLUME).orElseThrow();
    for (long i = 0; i <= lastAck; i++) {
      assertThat(read(v, KillChild.lba(i), KillChild.BLOCKS))
          .as("acknowledged write %d", i)
          .isEqualTo(KillChild.content(i));
    }
    // a write in flight at the kill is either wholly there or wholly absent (one WriteBatch)
    for (long i = lastAck + 1; i < lastAck + 50 && KillChild.lba(i) < v.blockCount(); i++) {
      byte[] got = read(v, KillChild.lba(i), KillChild.BLOCKS);
      if (!Arrays.equals(got, new byte[got.length])) {
        assertThat(got).as("in-flight write %d", i).isEqualTo(KillChild.content(i));
      }
    }
  }

  /** Child JVM for the kill -9 test: writes forever, printing "ack i" after each write returns. */
  public static final class KillChild {
    static final String VOLUME = "victim";
    static final int BLOCKS = 3;
    static final long CAPACITY = 1_000_000;

    static long lba(long i) {
      return (i * BLOCKS) % (CAPACITY - BLOCKS);
    }

    static byte[] content(long i) {
      return random(BLOCKS * 512, 1000 + i);
    }

    public static void main(String[] args) {
      RocksBlockStore store = RocksBlockStore.open(Path.of(args[0]));
      Volume v = store.create(VOLUME, CAPACITY, 512);
      ByteBuffer buf = ByteBuffer.allocateDirect(BLOCKS * 512);
      for (long i = 0; i < CAPACITY / BLOCKS - 1; i++) {
        buf.clear();
        buf.put(content(i)).flip();
        v.write(lba(i), BLOCKS, buf);
        System.out.println("ack " + i);
        System.out.flush();
      }
    }
  }
}
