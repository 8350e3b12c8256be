package io.blockraft.replication;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link MetaListener}s of one volume, by key. Several logical units over one volume (a
 * read-write and a read-only mapping) each watch the same key, so a key has a list. A listener
 * that throws is logged and does not stop the others (nor the apply path).
 */
public final class MetaListeners {
  private static final Logger log = LoggerFactory.getLogger(MetaListeners.class);

  private final Map<String, List<MetaListener>> byKey = new ConcurrentHashMap<>();

  public void add(String key, MetaListener l) {
    byKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(l);
  }

  public void notify(String key, byte[] op, byte[] result, byte[] value) {
    for (MetaListener l : byKey.getOrDefault(key, List.of())) {
      try {
        l.applied(op, result, value);
      } catch (RuntimeException e) {
        log.warn("listener of metadata key {} failed: {}", key, e.toString());
      }
    }
  }

  /**
   * One local (single-copy) apply of {@code transform}: reads the key's value, runs the
   * transform, stores a changed value and tells the listeners, all under this object's lock so
   * transforms and registrations of the volume are serialised. Returns the transform's result.
   */
  public synchronized byte[] applyLocally(String key, byte[] op, MetaTransform transform,
      java.util.function.Function<String, byte[]> get, java.util.function.BiConsumer<String, byte[]> put) {
    byte[] current = get.apply(key);
    MetaTransform.Outcome o = transform.apply(current, op);
    if (o.value() != current) {
      put.accept(key, o.value());
    }
    notify(key, op, o.result(), o.value());
    return o.result();
  }

  /** Adds {@code l} and returns the key's value read under the same lock as {@link #applyLocally}. */
  public synchronized byte[] addAndGet(String key, MetaListener l, java.util.function.Function<String, byte[]> get) {
    add(key, l);
    return get.apply(key);
  }
}
