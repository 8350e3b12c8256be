package io.blockraft.target.iscsi.login;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7143 13: every operational key's result function and range. */
class OperationalKeysTest {

  @ParameterizedTest(name = "{0}={1} -> {2}")
  @CsvSource(delimiter = '|', value = {
      "HeaderDigest|CRC32C,None|CRC32C",
      "HeaderDigest|None,CRC32C|None",
      "HeaderDigest|MD5,CRC32C|CRC32C",
      "HeaderDigest|MD5|Reject",
      "DataDigest|None|None",
      "MaxConnections|4|1",
      "MaxConnections|0|Reject",
      "MaxConnections|65536|Reject",
      "InitialR2T|Yes|Yes",
      "InitialR2T|No|No",
      "InitialR2T|yes|Reject",
      "ImmediateData|Yes|Yes",
      "ImmediateData|No|No",
      "DataPDUInOrder|No|Yes",
      "DataPDUInOrder|Yes|Yes",
      "DataSequenceInOrder|No|Yes",
      "MaxBurstLength|262144|262144",
      "MaxBurstLength|16777215|16776192",
      "MaxBurstLength|511|Reject",
      "MaxBurstLength|16777216|Reject",
      "MaxBurstLength|0x40000|262144",
      "MaxBurstLength|-5|Reject",
      "FirstBurstLength|65536|65536",
      "FirstBurstLength|16777215|1048576",
      "FirstBurstLength|100|Reject",
      "DefaultTime2Wait|0|2",
      "DefaultTime2Wait|10|10",
      "DefaultTime2Wait|3601|Reject",
      "DefaultTime2Retain|0|0",
      "DefaultTime2Retain|3600|20",
      "DefaultTime2Retain|3601|Reject",
      "MaxOutstandingR2T|1|1",
      "MaxOutstandingR2T|64|16",
      "MaxOutstandingR2T|0|Reject",
      "ErrorRecoveryLevel|2|0",
      "ErrorRecoveryLevel|3|Reject",
      "iSCSIProtocolLevel|2|1",
      "iSCSIProtocolLevel|0|0",
      "iSCSIProtocolLevel|32|Reject",
      "TaskReporting|FastAbort,RFC3720|RFC3720",
      "TaskReporting|FastAbort|Reject",
      "IFMarker|No|No",
      "OFMarker|Yes|No",
      "IFMarkInt|2048~4096|Reject",
      "X-com.example.Key|1|NotUnderstood",
      "X#Key|1|NotUnderstood",
      "NoSuchKey|1|NotUnderstood",
  })
  void normalSession_answers(String key, String offered, String expected) {
    assertThat(OperationalKeys.negotiate(key, offered, new SessionParams())).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"MaxConnections", "InitialR2T", "ImmediateData", "MaxBurstLength",
      "FirstBurstLength", "MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder"})
  void discoverySession_sessionOnlyKeys_areIrrelevant(String key) {
    SessionParams p = new SessionParams();
    p.discovery = true;
    assertThat(OperationalKeys.negotiate(key, "1", p)).isEqualTo("Irrelevant");
  }

  @ParameterizedTest
  @CsvSource({"512", "262144", "16777215"})
  void maxRecvDataSegmentLength_isDeclarative_noAnswer(int value) {
    SessionParams p = new SessionParams();
    assertThat(OperationalKeys.negotiate("MaxRecvDataSegmentLength", Integer.toString(value), p))
        .isNull();
    assertThat(p.initiatorMaxRecvDataSegmentLength).isEqualTo(value);
  }

  @ParameterizedTest
  @CsvSource({"511", "16777216", "abc"})
  void maxRecvDataSegmentLength_outOfRange_isRejected_defaultKept(String value) {
    SessionParams p = new SessionParams();
    assertThat(OperationalKeys.negotiate("MaxRecvDataSegmentLength", value, p)).isEqualTo("Reject");
    assertThat(p.initiatorMaxRecvDataSegmentLength).isEqualTo(8192);
  }

  @ParameterizedTest
  @CsvSource({"NotUnderstood", "Irrelevant", "Reject"})
  void initiatorReplies_areNotAnswered(String value) {
    assertThat(OperationalKeys.negotiate("MaxBurstLength", value, new SessionParams())).isNull();
  }

  @org.junit.jupiter.api.Test
  void firstBurst_neverExceedsMaxBurst() {
    SessionParams p = new SessionParams();
    OperationalKeys.negotiate("FirstBurstLength", "65536", p);
    OperationalKeys.negotiate("MaxBurstLength", "4096", p);
    OperationalKeys.finish(p);
    assertThat(p.firstBurstLength).isEqualTo(4096);
  }
}
