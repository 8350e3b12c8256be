package io.blockraft.target.iscsi.login;

import static io.blockraft.target.iscsi.login.LoginFixtures.CHAP;
import static io.blockraft.target.iscsi.login.LoginFixtures.CHAP_TARGET;
import static io.blockraft.target.iscsi.login.LoginFixtures.INITIATOR;
import static io.blockraft.target.iscsi.login.LoginFixtures.flags;
import static io.blockraft.target.iscsi.login.LoginFixtures.keys;
import static io.blockraft.target.iscsi.login.LoginFixtures.request;
import static io.blockraft.target.iscsi.login.LoginFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.iscsi.login.LoginNegotiator.Outcome;
import io.blockraft.target.iscsi.login.LoginNegotiator.Step;
import io.blockraft.target.iscsi.pdu.Pdu;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 7143 12.1.3 CHAP, in the sequence libiscsi (lib/login.c) sends it. */
class ChapLoginTest {
  private final LoginFixtures.Catalog catalog = new LoginFixtures.Catalog();
  private final LoginFixtures.Binder binder = new LoginFixtures.Binder();
  private final LoginNegotiator nego = new LoginNegotiator(catalog, binder, 1, 65536);

  private Step send(Pdu request) {
    try {
      return nego.onLoginRequest(request);
    } finally {
      request.release();
    }
  }

  static byte[] md5(int id, String secret, byte[] challenge) throws Exception {
    MessageDigest md = MessageDigest.getInstance("MD5");
    md.update((byte) id);
    md.update(secret.getBytes(StandardCharsets.UTF_8));
    md.update(challenge);
    return md.digest();
  }

  /** Steps 1 and 2: AuthMethod, then CHAP_A; returns the target's CHAP keys. */
  private Step lastStep;

  private Map<String, String> startChap(String algorithms) {
    Step s1 = send(request(flags(true, 0, 1), 100, "InitiatorName=" + INITIATOR,
        "TargetName=" + CHAP_TARGET, "SessionType=Normal", "AuthMethod=CHAP,None"));
    assertThat(s1.outcome()).isEqualTo(Outcome.CONTINUE);
    assertThat(keys(s1.response())).containsEntry("AuthMethod", "CHAP");
    assertThat(s1.response().finalBit()).isFalse(); // no transit before authentication
    Step s2 = send(request(flags(false, 0, 1), 100, "CHAP_A=" + algorithms));
    lastStep = s2;
    if (s2.outcome() == Outcome.FAILED) {
      return keys(s2.response());
    }
    assertThat(s2.outcome()).isEqualTo(Outcome.CONTINUE);
    return keys(s2.response());
  }

  @Test
  void chap_correctResponse_authenticates_thenOperationalStage() throws Exception {
    Map<String, String> k = startChap("5");
    assertThat(k).containsEntry("CHAP_A", "5").containsKeys("CHAP_I", "CHAP_C");
    byte[] challenge = HexFormat.of().parseHex(k.get("CHAP_C").substring(2));
    assertThat(challenge.length).isGreaterThanOrEqualTo(16);
    int id = Integer.parseInt(k.get("CHAP_I"));
    String r = "0x" + HexFormat.of().formatHex(md5(id, CHAP.secret(), challenge));
    Step s3 = send(request(flags(true, 0, 1), 100, "CHAP_N=" + CHAP.user(), "CHAP_R=" + r));
    assertThat(s3.outcome()).isEqualTo(Outcome.CONTINUE);
    assertThat(status(s3.response())).isZero();
    assertThat(s3.response().flags()).isEqualTo(0x80 | 1);
    assertThat(keys(s3.response())).doesNotContainKeys("CHAP_N", "CHAP_R");
    Step s4 = send(request(flags(true, 1, 3), 100, "HeaderDigest=None", "DataDigest=None"));
    assertThat(s4.outcome()).isEqualTo(Outcome.FULL_FEATURE);
    assertThat(s4.response().u16(14)).isEqualTo(0x1234);
  }

  @Test
  void chap_base64Response_authenticates() throws Exception {
    Map<String, String> k = startChap("7,5");
    assertThat(k).containsEntry("CHAP_A", "5");
    byte[] challenge = HexFormat.of().parseHex(k.get("CHAP_C").substring(2));
    int id = Integer.parseInt(k.get("CHAP_I"));
    String r = "0b" + Base64.getEncoder().encodeToString(md5(id, CHAP.secret(), challenge));
    Step s3 = send(request(flags(true, 0, 3), 100, "CHAP_N=" + CHAP.user(), "CHAP_R=" + r));
    assertThat(s3.outcome()).isEqualTo(Outcome.FULL_FEATURE); // 0 -> 3 directly
  }

  @Test
  void chap_wrongSecret_isAuthenticationFailure() throws Exception {
    Map<String, String> k = startChap("5");
    byte[] challenge = HexFormat.of().parseHex(k.get("CHAP_C").substring(2));
    int id = Integer.parseInt(k.get("CHAP_I"));
    String r = "0x" + HexFormat.of().formatHex(md5(id, "not-the-secret", challenge));
    Step s3 = send(request(flags(true, 0, 1), 100, "CHAP_N=" + CHAP.user(), "CHAP_R=" + r));
    assertThat(s3.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(status(s3.response())).isEqualTo(0x0201);
    assertThat(binder.bound).isEmpty();
  }

  @Test
  void chap_wrongName_isAuthenticationFailure() throws Exception {
    Map<String, String> k = startChap("5");
    byte[] challenge = HexFormat.of().parseHex(k.get("CHAP_C").substring(2));
    int id = Integer.parseInt(k.get("CHAP_I"));
    String r = "0x" + HexFormat.of().formatHex(md5(id, CHAP.secret(), challenge));
    Step s3 = send(request(flags(true, 0, 1), 100, "CHAP_N=mallory", "CHAP_R=" + r));
    assertThat(status(s3.response())).isEqualTo(0x0201);
  }

  @Test
  void chap_unsupportedAlgorithm_isRejected_andFails() {
    Map<String, String> k = startChap("6,7");
    assertThat(k).containsEntry("CHAP_A", "Reject");
    assertThat(lastStep.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(status(lastStep.response())).isEqualTo(0x0201);
  }

  @Test
  void chap_mutual_targetAnswersWithItsNameAndResponse() throws Exception {
    Map<String, String> k = startChap("5");
    byte[] challenge = HexFormat.of().parseHex(k.get("CHAP_C").substring(2));
    int id = Integer.parseInt(k.get("CHAP_I"));
    String r = "0x" + HexFormat.of().formatHex(md5(id, CHAP.secret(), challenge));
    byte[] myChallenge = new byte[32];
    for (int i = 0; i < myChallenge.length; i++) {
      myChallenge[i] = (byte) (i * 13 + 1);
    }
    Step s3 = send(request(flags(true, 0, 1), 100, "CHAP_N=" + CHAP.user(), "CHAP_R=" + r,
        "CHAP_I=77", "CHAP_C=0x" + HexFormat.of().formatHex(myChallenge)));
    assertThat(s3.outcome()).isEqualTo(Outcome.CONTINUE);
    assertThat(s3.response().flags()).isEqualTo(0x80 | 1);
    Map<String, String> answer = keys(s3.response());
    assertThat(answer).containsEntry("CHAP_N", CHAP.mutualUser());
    assertThat(answer.get("CHAP_R"))
        .isEqualTo("0x" + HexFormat.of().formatHex(md5(77, CHAP.mutualSecret(), myChallenge)));
  }

  @Test
  void chap_reflectedChallenge_isAuthenticationFailure() throws Exception {
    Map<String, String> k = startChap("5");
    byte[] challenge = HexFormat.of().parseHex(k.get("CHAP_C").substring(2));
    int id = Integer.parseInt(k.get("CHAP_I"));
    String r = "0x" + HexFormat.of().formatHex(md5(id, CHAP.secret(), challenge));
    Step s3 = send(request(flags(true, 0, 1), 100, "CHAP_N=" + CHAP.user(), "CHAP_R=" + r,
        "CHAP_I=" + id, "CHAP_C=" + k.get("CHAP_C")));
    assertThat(s3.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(status(s3.response())).isEqualTo(0x0201);
  }

  @Test
  void chap_responseWithoutChallenge_isAuthenticationFailure() {
    send(request(flags(true, 0, 1), 100, "InitiatorName=" + INITIATOR,
        "TargetName=" + CHAP_TARGET, "AuthMethod=CHAP"));
    Step s = send(request(flags(true, 0, 1), 100, "CHAP_N=alice", "CHAP_R=0x00"));
    assertThat(status(s.response())).isEqualTo(0x0201);
  }

  @Test
  void chap_malformedResponse_isAuthenticationFailure() {
    startChap("5");
    Step s3 = send(request(flags(true, 0, 1), 100, "CHAP_N=" + CHAP.user(), "CHAP_R=0xZZ"));
    assertThat(status(s3.response())).isEqualTo(0x0201);
  }
}
