package io.blockraft.target.iscsi.login;

import java.util.Set;

/**
 * RFC 7143 13 (and RFC 7144 for iSCSIProtocolLevel): the operational keys, their value types,
 * ranges and result functions (6.2.2), applied to one initiator offer. Our own values are the
 * constants below. Out-of-range or malformed values are answered {@code Reject} and the key keeps
 * its default (6.2); unknown, X- and X# keys are answered {@code NotUnderstood}; keys that do not
 * apply to a Discovery session are answered {@code Irrelevant}.
 *
 * <pre>
 *   HeaderDigest, DataDigest   list: first of the initiator's values we support (CRC32C, None)
 *   MaxConnections             min, 1..65535, ours 1
 *   InitialR2T                 OR, ours No          ImmediateData        AND, ours Yes
 *   DataPDUInOrder             OR, ours Yes         DataSequenceInOrder  OR, ours Yes
 *   MaxRecvDataSegmentLength   declarative, 512..2^24-1
 *   MaxBurstLength             min, 512..2^24-1, ours 16776192
 *   FirstBurstLength           min, 512..2^24-1, ours 1 MiB (and never above MaxBurstLength)
 *   DefaultTime2Wait           max, 0..3600, ours 2
 *   DefaultTime2Retain         min, 0..3600, ours 20
 *   MaxOutstandingR2T          min, 1..65535, ours 16
 *   ErrorRecoveryLevel         min, 0..2, ours 0
 *   iSCSIProtocolLevel         min, 0..31, ours 1 (RFC 7144)
 *   TaskReporting              list, ours RFC3720
 *   IFMarker, OFMarker         obsolete (13.25): No;  IFMarkInt, OFMarkInt: Reject
 * </pre>
 */
public final class OperationalKeys {
  public static final int OUR_MAX_CONNECTIONS = 1;
  public static final int OUR_MAX_BURST_LENGTH = 16776192;
  public static final int OUR_FIRST_BURST_LENGTH = 1 << 20;
  public static final int OUR_DEFAULT_TIME2WAIT = 2;
  public static final int OUR_DEFAULT_TIME2RETAIN = 20;
  public static final int OUR_MAX_OUTSTANDING_R2T = 16;
  public static final int OUR_ERROR_RECOVERY_LEVEL = 0;
  public static final int OUR_PROTOCOL_LEVEL = 1;
  public static final int MIN_DATA_SEGMENT = 512;
  public static final int MAX_DATA_SEGMENT = (1 << 24) - 1;

  public static final String REJECT = "Reject";
  public static final String NOT_UNDERSTOOD = "NotUnderstood";
  public static final String IRRELEVANT = "Irrelevant";

  /** Keys with "Irrelevant when: SessionType=Discovery" in RFC 7143 13. */
  static final Set<String> IRRELEVANT_IN_DISCOVERY = Set.of("MaxConnections", "InitialR2T",
      "ImmediateData", "MaxBurstLength", "FirstBurstLength", "MaxOutstandingR2T",
      "DataPDUInOrder", "DataSequenceInOrder");

  /** Keys only a target sends (13.7, 13.8, 13.9): an initiator offering them errs. */
  static final Set<String> TARGET_ONLY = Set.of("TargetAlias", "TargetAddress",
      "TargetPortalGroupTag");

  private OperationalKeys() {}

  /** True if this class knows the key (it is an operational key). */
  public static boolean isOperational(String key) {
    return switch (key) {
      case "HeaderDigest", "DataDigest", "MaxConnections", "InitialR2T", "ImmediateData",
          "DataPDUInOrder", "DataSequenceInOrder", "MaxRecvDataSegmentLength", "MaxBurstLength",
          "FirstBurstLength", "DefaultTime2Wait", "DefaultTime2Retain", "MaxOutstandingR2T",
          "ErrorRecoveryLevel", "iSCSIProtocolLevel", "TaskReporting", "IFMarker", "OFMarker",
          "IFMarkInt", "OFMarkInt" -> true;
      default -> false;
    };
  }

  /**
   * Negotiates one offered key into {@code p}.
   *
   * @return the value to answer, or null when nothing is answered (a declaration, or an initiator's
   *     "NotUnderstood"/"Irrelevant"/"Reject" reply)
   */
  public static String negotiate(String key, String value, SessionParams p) {
    if (value.equals(NOT_UNDERSTOOD) || value.equals(IRRELEVANT) || value.equals(REJECT)) {
      return null;
    }
    if (!isOperational(key)) {
      return NOT_UNDERSTOOD;
    }
    if (p.discovery && IRRELEVANT_IN_DISCOVERY.contains(key)) {
      return IRRELEVANT;
    }
    switch (key) {
      case "HeaderDigest": {
        String r = digest(value);
        if (r != null) {
          p.headerDigest = r.equals("CRC32C");
        }
        return r == null ? REJECT : r;
      }
      case "DataDigest": {
        String r = digest(value);
        if (r != null) {
          p.dataDigest = r.equals("CRC32C");
        }
        return r == null ? REJECT : r;
      }
      case "MaxConnections": {
        long v = number(value, 1, 65535);
        if (v < 0) {
          return REJECT;
        }
        p.maxConnections = (int) Math.min(v, OUR_MAX_CONNECTIONS);
        return Integer.toString(p.maxConnections);
      }
      case "InitialR2T": {
        Boolean v = bool(value);
        if (v == null) {
          return REJECT;
        }
        p.initialR2T = v; // v OR No
        return yesNo(p.initialR2T);
      }
      case "ImmediateData": {
        Boolean v = bool(value);
        if (v == null) {
          return REJECT;
        }
        p.immediateData = v; // v AND Yes
        return yesNo(p.immediateData);
      }
      case "DataPDUInOrder": {
        Boolean v = bool(value);
        if (v == null) {
          return REJECT;
        }
        p.dataPduInOrder = true; // v OR Yes
        return yesNo(true);
      }
      case "DataSequenceInOrder": {
        Boolean v = bool(value);
        if (v == null) {
          return REJECT;
        }
        p.dataSequenceInOrder = true; // v OR Yes
        return yesNo(true);
      }
      case "MaxRecvDataSegmentLength": {
        long v = number(value, MIN_DATA_SEGMENT, MAX_DATA_SEGMENT);
        if (v < 0) {
          return REJECT;
        }
        p.initiatorMaxRecvDataSegmentLength = (int) v;
        return null; // declarative; ours is declared separately
      }
      case "MaxBurstLength": {
        long v = number(value, MIN_DATA_SEGMENT, MAX_DATA_SEGMENT);
        if (v < 0) {
          return REJECT;
        }
        p.maxBurstLength = (int) Math.min(v, OUR_MAX_BURST_LENGTH);
        return Integer.toString(p.maxBurstLength);
      }
      case "FirstBurstLength": {
        long v = number(value, MIN_DATA_SEGMENT, MAX_DATA_SEGMENT);
        if (v < 0) {
          return REJECT;
        }
        p.firstBurstLength = (int) Math.min(v, OUR_FIRST_BURST_LENGTH);
        return Integer.toString(p.firstBurstLength);
      }
      case "DefaultTime2Wait": {
        long v = number(value, 0, 3600);
        if (v < 0) {
          return REJECT;
        }
        p.defaultTime2Wait = (int) Math.max(v, OUR_DEFAULT_TIME2WAIT);
        return Integer.toString(p.defaultTime2Wait);
      }
      case "DefaultTime2Retain": {
        long v = number(value, 0, 3600);
        if (v < 0) {
          return REJECT;
        }
        p.defaultTime2Retain = (int) Math.min(v, OUR_DEFAULT_TIME2RETAIN);
        return Integer.toString(p.defaultTime2Retain);
      }
      case "MaxOutstandingR2T": {
        long v = number(value, 1, 65535);
        if (v < 0) {
          return REJECT;
        }
        p.maxOutstandingR2T = (int) Math.min(v, OUR_MAX_OUTSTANDING_R2T);
        return Integer.toString(p.maxOutstandingR2T);
      }
      case "ErrorRecoveryLevel": {
        long v = number(value, 0, 2);
        if (v < 0) {
          return REJECT;
        }
        p.errorRecoveryLevel = (int) Math.min(v, OUR_ERROR_RECOVERY_LEVEL);
        return Integer.toString(p.errorRecoveryLevel);
      }
      case "iSCSIProtocolLevel": {
        long v = number(value, 0, 31);
        if (v < 0) {
          return REJECT;
        }
        p.iscsiProtocolLevel = (int) Math.min(v, OUR_PROTOCOL_LEVEL);
        return Integer.toString(p.iscsiProtocolLevel);
      }
      case "TaskReporting": {
        for (String v : value.split(",", -1)) {
          if (v.equals("RFC3720")) {
            return "RFC3720";
          }
        }
        return REJECT;
      }
      case "IFMarker", "OFMarker":
        return bool(value) == null ? REJECT : "No";
      case "IFMarkInt", "OFMarkInt":
        return REJECT;
      default:
        return NOT_UNDERSTOOD;
    }
  }

  /** After all keys: FirstBurstLength never exceeds MaxBurstLength (13.14). */
  static void finish(SessionParams p) {
    if (p.firstBurstLength > p.maxBurstLength) {
      p.firstBurstLength = p.maxBurstLength;
    }
  }

  private static String digest(String list) {
    for (String v : list.split(",", -1)) {
      if (v.equals("CRC32C") || v.equals("None")) {
        return v;
      }
    }
    return null;
  }

  private static Boolean bool(String v) {
    return switch (v) {
      case "Yes" -> Boolean.TRUE;
      case "No" -> Boolean.FALSE;
      default -> null;
    };
  }

  private static String yesNo(boolean b) {
    return b ? "Yes" : "No";
  }

  /**
   * RFC 7143 6.1 numerical value: decimal, or a {@code 0x} hex constant. Returns -1 when malformed
   * or outside {@code min..max}.
   */
  static long number(String s, long min, long max) {
    long v;
    try {
      if (s.length() > 2 && (s.startsWith("0x") || s.startsWith("0X"))) {
        if (s.length() > 18) {
          return -1;
        }
        v = Long.parseUnsignedLong(s.substring(2), 16);
      } else {
        if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
          return -1;
        }
        v = Long.parseLong(s);
      }
    } catch (NumberFormatException e) {
      return -1;
    }
    return v < min || v > max ? -1 : v;
  }
}
