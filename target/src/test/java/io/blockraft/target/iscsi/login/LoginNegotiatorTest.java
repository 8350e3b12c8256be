package io.blockraft.target.iscsi.login;

import static io.blockraft.target.iscsi.login.LoginFixtures.C;
import static io.blockraft.target.iscsi.login.LoginFixtures.CHAP_TARGET;
import static io.blockraft.target.iscsi.login.LoginFixtures.INITIATOR;
import static io.blockraft.target.iscsi.login.LoginFixtures.ISID;
import static io.blockraft.target.iscsi.login.LoginFixtures.PRIVATE_TARGET;
import static io.blockraft.target.iscsi.login.LoginFixtures.TARGET;
import static io.blockraft.target.iscsi.login.LoginFixtures.flags;
import static io.blockraft.target.iscsi.login.LoginFixtures.keys;
import static io.blockraft.target.iscsi.login.LoginFixtures.request;
import static io.blockraft.target.iscsi.login.LoginFixtures.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.iscsi.login.LoginNegotiator.Outcome;
import io.blockraft.target.iscsi.login.LoginNegotiator.Step;
import io.blockraft.target.iscsi.pdu.Opcode;
import io.blockraft.target.iscsi.pdu.Pdu;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoginNegotiatorTest {
  private final LoginFixtures.Catalog catalog = new LoginFixtures.Catalog();
  private final LoginFixtures.Binder binder = new LoginFixtures.Binder();
  private final LoginNegotiator nego = new LoginNegotiator(catalog, binder, 7, 262144);

  private Step send(Pdu request) {
    try {
      return nego.onLoginRequest(request);
    } finally {
      request.release();
    }
  }

  private Step failedWith(Step s, int expectedStatus) {
    assertThat(s.outcome()).isEqualTo(Outcome.FAILED);
    assertThat(status(s.response())).isEqualTo(expectedStatus);
    assertThat(s.response().opcode()).isEqualTo(Opcode.LOGIN_RESPONSE);
    assertThat(s.response().finalBit()).isFalse();
    return s;
  }

  @Test
  void operationalStageOnly_libiscsiStyle_reachesFullFeature() {
    Step s = send(request(flags(true, 1, 3), 42, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET, "SessionType=Normal", "HeaderDigest=None,CRC32C",
        "DataDigest=None", "InitialR2T=No", "ImmediateData=Yes", "MaxBurstLength=262144",
        "FirstBurstLength=262144", "DefaultTime2Wait=2", "DefaultTime2Retain=0",
        "MaxOutstandingR2T=1", "ErrorRecoveryLevel=0", "IFMarker=No", "OFMarker=No",
        "MaxConnections=1", "MaxRecvDataSegmentLength=262144", "DataPDUInOrder=Yes",
        "DataSequenceInOrder=Yes"));
    assertThat(s.outcome()).isEqualTo(Outcome.FULL_FEATURE);
    Pdu r = s.response();
    assertThat(status(r)).isZero();
    assertThat(r.flags()).isEqualTo(0x80 | (1 << 2) | 3);
    assertThat(r.u8(2)).isZero();
    assertThat(r.u8(3)).isZero();
    assertThat(r.bytes(8, 6)).isEqualTo(ISID);
    assertThat(r.u16(14)).isEqualTo(0x1234);
    assertThat(r.itt()).isEqualTo(0x0a0b0c0d);
    assertThat(r.i32(24)).isZero(); // first StatSN
    assertThat(r.i32(28)).isEqualTo(42);
    assertThat(r.i32(32)).isEqualTo(42 + LoginNegotiator.CMD_WINDOW - 1);
    Map<String, String> k = keys(r);
    assertThat(k).containsEntry("TargetPortalGroupTag", "7")
        .containsEntry("TargetAlias", "vol one")
        .containsEntry("HeaderDigest", "None")
        .containsEntry("DataDigest", "None")
        .containsEntry("InitialR2T", "No")
        .containsEntry("ImmediateData", "Yes")
        .containsEntry("MaxBurstLength", "262144")
        .containsEntry("FirstBurstLength", "262144")
        .containsEntry("DefaultTime2Wait", "2")
        .containsEntry("DefaultTime2Retain", "0")
        .containsEntry("MaxOutstandingR2T", "1")
        .containsEntry("ErrorRecoveryLevel", "0")
        .containsEntry("IFMarker", "No")
        .containsEntry("MaxConnections", "1")
        .containsEntry("MaxRecvDataSegmentLength", "262144")
        .containsEntry("DataPDUInOrder", "Yes")
        .containsEntry("DataSequenceInOrder", "Yes");
    SessionParams p = nego.params();
    assertThat(binder.bound).containsExactly(p);
    assertThat(p.initiatorName).isEqualTo(INITIATOR);
    assertThat(p.targetName).isEqualTo(TARGET);
    assertThat(p.initialR2T).isFalse();
    assertThat(p.initiatorMaxRecvDataSegmentLength).isEqualTo(262144);
    assertThat(p.targetMaxRecvDataSegmentLength).isEqualTo(262144);
    assertThat(nego.tsih()).isEqualTo(0x1234);
    assertThat(nego.isid()).isEqualTo(ISID);
    assertThat(nego.cid()).isEqualTo(1);
    assertThat(nego.nextStatSn()).isEqualTo(1);
    assertThat(nego.expCmdSn()).isEqualTo(42);
    r.release();
  }

  @Test
  void securityThenOperational_noAuthRequired_twoSteps_statSnCounts() {
    Step s1 = send(request(flags(true, 0, 1), 5, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET, "AuthMethod=CHAP,None"));
    assertThat(s1.outcome()).isEqualTo(Outcome.CONTINUE);
    assertThat(s1.response().flags()).isEqualTo(0x80 | 1);
    assertThat(keys(s1.response())).containsEntry("AuthMethod", "None")
        .containsEntry("TargetPortalGroupTag", "7");
    assertThat(s1.response().u16(14)).isZero();
    Step s2 = send(request(flags(true, 1, 3), 5, "HeaderDigest=CRC32C,None",
        "DataDigest=CRC32C"));
    assertThat(s2.outcome()).isEqualTo(Outcome.FULL_FEATURE);
    assertThat(s2.response().i32(24)).isEqualTo(s1.response().i32(24) + 1);
    assertThat(keys(s2.response())).containsEntry("HeaderDigest", "CRC32C")
        .containsEntry("DataDigest", "CRC32C").containsKey("MaxRecvDataSegmentLength");
    assertThat(nego.params().headerDigest).isTrue();
    assertThat(nego.params().dataDigest).isTrue();
  }

  @Test
  void operationalStageWithoutTransit_answersPartially_thenTransits_declaresMaxRecvOnce() {
    Step s1 = send(request(flags(false, 1, 0), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET, "MaxBurstLength=1048576"));
    assertThat(s1.outcome()).isEqualTo(Outcome.CONTINUE);
    assertThat(s1.response().flags()).isEqualTo(1 << 2);
    assertThat(keys(s1.response())).containsEntry("MaxRecvDataSegmentLength", "262144");
    Step s2 = send(request(flags(true, 1, 3), 1, "FirstBurstLength=65536"));
    assertThat(s2.outcome()).isEqualTo(Outcome.FULL_FEATURE);
    assertThat(keys(s2.response())).doesNotContainKey("MaxRecvDataSegmentLength")
        .containsEntry("FirstBurstLength", "65536");
  }

  @Test
  void continuationAcrossPdus_isAccumulated_andAnsweredEmpty() {
    byte[] text = ("InitiatorName=" + INITIATOR + "\0TargetName=" + TARGET
        + "\0MaxBurstLength=65536\0").getBytes(StandardCharsets.UTF_8);
    int cut = 20; // inside the InitiatorName value
    Step s1 = send(request(flags(false, 1, 3) | C, 9, Arrays.copyOf(text, cut)));
    assertThat(s1.outcome()).isEqualTo(Outcome.CONTINUE);
    assertThat(s1.response().dataSegmentLength()).isZero();
    assertThat(s1.response().flags() & 0xc0).isZero();
    Step s2 = send(request(flags(true, 1, 3), 9, Arrays.copyOfRange(text, cut, text.length)));
    assertThat(s2.outcome()).isEqualTo(Outcome.FULL_FEATURE);
    assertThat(keys(s2.response())).containsEntry("MaxBurstLength", "65536");
    assertThat(nego.params().initiatorName).isEqualTo(INITIATOR);
  }

  @Test
  void discoverySession_irrelevantKeys_noTargetName_noTpgt() {
    Step s = send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "SessionType=Discovery", "InitialR2T=No", "MaxBurstLength=262144",
        "HeaderDigest=None", "MaxRecvDataSegmentLength=32768"));
    assertThat(s.outcome()).isEqualTo(Outcome.FULL_FEATURE);
    assertThat(keys(s.response())).containsEntry("InitialR2T", "Irrelevant")
        .containsEntry("MaxBurstLength", "Irrelevant").containsEntry("HeaderDigest", "None")
        .doesNotContainKey("TargetPortalGroupTag");
    assertThat(nego.params().discovery).isTrue();
    assertThat(nego.params().targetName).isNull();
    assertThat(nego.params().initiatorMaxRecvDataSegmentLength).isEqualTo(32768);
  }

  @Test
  void unknownAndExtensionKeys_notUnderstood_outOfRange_rejected() {
    Step s = send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET, "X-com.example.Foo=1", "X#Bar=2", "Frobnicate=Yes",
        "MaxBurstLength=100", "ErrorRecoveryLevel=3", "InitialR2T=Maybe", "OFMarkInt=2048",
        "SendTargets=All"));
    assertThat(s.outcome()).isEqualTo(Outcome.FULL_FEATURE);
    assertThat(keys(s.response())).containsEntry("X-com.example.Foo", "NotUnderstood")
        .containsEntry("X#Bar", "NotUnderstood").containsEntry("Frobnicate", "NotUnderstood")
        .containsEntry("MaxBurstLength", "Reject").containsEntry("ErrorRecoveryLevel", "Reject")
        .containsEntry("InitialR2T", "Reject").containsEntry("OFMarkInt", "Reject")
        .containsEntry("SendTargets", "Irrelevant");
    assertThat(nego.params().maxBurstLength).isEqualTo(262144); // default kept
  }

  @Test
  void missingInitiatorName_isMissingParameter() {
    failedWith(send(request(flags(true, 1, 3), 1, "TargetName=" + TARGET)), 0x0207);
  }

  @Test
  void missingTargetName_inNormalSession_isMissingParameter() {
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR)), 0x0207);
  }

  @Test
  void unknownTarget_isNotFound() {
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "TargetName=iqn.2024-01.io.blockraft:nope")), 0x0203);
  }

  @Test
  void initiatorNotAllowed_isAuthorizationFailure() {
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + PRIVATE_TARGET)), 0x0202);
  }

  @Test
  void versionMinAboveZero_isUnsupportedVersion() {
    Pdu req = request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR, "TargetName=" + TARGET);
    req.put8(2, 2).put8(3, 1);
    failedWith(send(req), 0x0205);
  }

  @Test
  void unknownSessionType_isSessionTypeNotSupported() {
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "SessionType=Weird")), 0x0209);
  }

  @Test
  void keySentTwice_isInitiatorError() {
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET, "MaxBurstLength=4096", "MaxBurstLength=8192")), 0x0200);
  }

  @Test
  void keySentAgainInALaterPdu_isInitiatorError() {
    Step s1 = send(request(flags(false, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET, "MaxBurstLength=4096"));
    assertThat(s1.outcome()).isEqualTo(Outcome.CONTINUE);
    failedWith(send(request(flags(true, 1, 3), 1, "MaxBurstLength=4096")), 0x0200);
  }

  @Test
  void transitAndContinueTogether_isInitiatorError() {
    failedWith(send(request(flags(true, 1, 3) | C, 1, "InitiatorName=" + INITIATOR)), 0x0200);
  }

  @Test
  void illegalTransitions_areInitiatorErrors() {
    failedWith(send(request(flags(true, 1, 1), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET)), 0x0200);
    LoginNegotiator n2 = new LoginNegotiator(catalog, binder, 1, 8192);
    Pdu req = request(flags(true, 3, 3), 1, "InitiatorName=" + INITIATOR, "TargetName=" + TARGET);
    assertThat(status(n2.onLoginRequest(req).response())).isEqualTo(0x0200);
    req.release();
    LoginNegotiator n3 = new LoginNegotiator(catalog, binder, 1, 8192);
    req = request(flags(true, 0, 2), 1, "InitiatorName=" + INITIATOR, "TargetName=" + TARGET);
    assertThat(status(n3.onLoginRequest(req).response())).isEqualTo(0x0200);
    req.release();
  }

  @Test
  void csgNotMatchingTheStage_isInitiatorError() {
    Step s1 = send(request(flags(false, 0, 1), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET, "AuthMethod=None"));
    assertThat(s1.outcome()).isEqualTo(Outcome.CONTINUE);
    // the target did not grant a transition, so stage 1 is not current
    failedWith(send(request(flags(true, 1, 3), 1, "MaxBurstLength=4096")), 0x0200);
  }

  @Test
  void isidChangedDuringLogin_isInitiatorError() {
    send(request(flags(false, 1, 3), 1, "InitiatorName=" + INITIATOR, "TargetName=" + TARGET));
    Pdu req = request(flags(true, 1, 3), 1, "MaxBurstLength=4096");
    req.put8(13, 9);
    failedWith(send(req), 0x0200);
  }

  @Test
  void malformedText_isInitiatorError() {
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET, "NoEqualsSign")), 0x0200);
    LoginNegotiator n2 = new LoginNegotiator(catalog, binder, 1, 8192);
    Pdu req = request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR, "TargetName=" + TARGET,
        "K".repeat(64) + "=1");
    assertThat(status(n2.onLoginRequest(req).response())).isEqualTo(0x0200);
    req.release();
    LoginNegotiator n3 = new LoginNegotiator(catalog, binder, 1, 8192);
    req = request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR, "TargetName=" + TARGET,
        "InitiatorAlias=" + "a".repeat(256));
    assertThat(status(n3.onLoginRequest(req).response())).isEqualTo(0x0200);
    req.release();
  }

  @Test
  void targetOnlyKeyFromInitiator_isInitiatorError() {
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET, "TargetPortalGroupTag=1")), 0x0200);
  }

  @Test
  void binderRefusal_becomesThatStatus() {
    binder.failStatus = LoginException.SESSION_DOES_NOT_EXIST;
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET)), 0x020a);
  }

  @Test
  void requestAfterFailure_isRefusedAgain() {
    failedWith(send(request(flags(true, 1, 3), 1, "TargetName=" + TARGET)), 0x0207);
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR)), 0x020b);
  }

  @Test
  void skippingSecurity_whenChapRequired_isAuthenticationFailure() {
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + CHAP_TARGET)), 0x0201);
  }

  @Test
  void authMethodNoneOnly_whenChapRequired_isAuthenticationFailure() {
    Step s = failedWith(send(request(flags(true, 0, 1), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + CHAP_TARGET, "AuthMethod=None")), 0x0201);
    assertThat(keys(s.response())).containsEntry("AuthMethod", "Reject");
  }

  @Test
  void transitWithoutAuthMethod_whenChapRequired_isAuthenticationFailure() {
    failedWith(send(request(flags(true, 0, 1), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + CHAP_TARGET)), 0x0201);
  }

  @Test
  void authKeysInOperationalStage_areInitiatorErrors() {
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET, "AuthMethod=None")), 0x0200);
  }

  @Test
  void discoveryChap_requiredByCatalog_appliesToDiscoverySessions() {
    catalog.discoveryChap = LoginFixtures.CHAP;
    failedWith(send(request(flags(true, 1, 3), 1, "InitiatorName=" + INITIATOR,
        "SessionType=Discovery")), 0x0201);
  }
}
