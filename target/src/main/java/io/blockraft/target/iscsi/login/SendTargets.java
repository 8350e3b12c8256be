package io.blockraft.target.iscsi.login;

import io.blockraft.target.iscsi.login.TextKeys.KeyValue;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 7143 13.3 SendTargets and Appendix C: the answer to a {@code SendTargets=} Text Request in
 * Full Feature Phase. For each target reported: {@code TargetName=<name>} followed by one
 * {@code TargetAddress=<host:port,tpgt>} per portal serving it.
 *
 * <ul>
 *   <li>{@code All}: every target the initiator may log in to (allowedInitiators empty or naming
 *       it);
 *   <li>an iSCSI name: that target, if it exists and the initiator may see it;
 *   <li>empty: the session's own target (normal sessions only; nothing in a discovery session).
 * </ul>
 */
public final class SendTargets {
  private SendTargets() {}

  /** The answer for a discovery session (no session target). */
  public static List<KeyValue> answer(TargetCatalog catalog, String value, String initiatorName) {
    return answer(catalog, value, initiatorName, null);
  }

  /**
   * @param sessionTargetName the target of a normal session (answers an empty value), or null
   */
  public static List<KeyValue> answer(TargetCatalog catalog, String value, String initiatorName,
      String sessionTargetName) {
    List<KeyValue> out = new ArrayList<>();
    if (value.equals("All")) {
      for (TargetInfo t : catalog.targets()) {
        if (allowed(t, initiatorName)) {
          add(out, t);
        }
      }
      return out;
    }
    String name = value.isEmpty() ? sessionTargetName : value;
    if (name != null) {
      catalog.target(name).filter(t -> allowed(t, initiatorName)).ifPresent(t -> add(out, t));
    }
    return out;
  }

  /** The same answer, encoded as Text Response data (RFC 7143 6.1). */
  public static byte[] answerBytes(TargetCatalog catalog, String value, String initiatorName,
      String sessionTargetName) {
    return TextKeys.encode(answer(catalog, value, initiatorName, sessionTargetName));
  }

  /** Whether {@code initiatorName} may see and log in to {@code t} (case-insensitive names). */
  public static boolean allowed(TargetInfo t, String initiatorName) {
    if (t.allowedInitiators() == null || t.allowedInitiators().isEmpty()) {
      return true;
    }
    if (initiatorName == null) {
      return false;
    }
    return t.allowedInitiators().stream().anyMatch(n -> n.equalsIgnoreCase(initiatorName));
  }

  private static void add(List<KeyValue> out, TargetInfo t) {
    out.add(new KeyValue("TargetName", t.name()));
    if (t.addresses() != null) {
      for (String a : t.addresses()) {
        out.add(new KeyValue("TargetAddress", a));
      }
    }
  }
}
