package io.blockraft.replication;

/**
 * Told, on this node, about every {@link MetaTransform} applied to a watched key, whichever node
 * issued it, in log order. Runs on the apply path: it must be quick and must not block (deliver
 * unit attentions, swap a volatile snapshot, schedule aborts).
 */
@FunctionalInterface
public interface MetaListener {

  /**
   * @param op the request as issued
   * @param result the transform's result
   * @param value the key's value after the transform (null when absent)
   */
  void applied(byte[] op, byte[] result, byte[] value);
}
