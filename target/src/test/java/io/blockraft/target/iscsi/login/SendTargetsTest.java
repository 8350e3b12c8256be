package io.blockraft.target.iscsi.login;

import static io.blockraft.target.iscsi.login.LoginFixtures.CHAP_TARGET;
import static io.blockraft.target.iscsi.login.LoginFixtures.INITIATOR;
import static io.blockraft.target.iscsi.login.LoginFixtures.PRIVATE_TARGET;
import static io.blockraft.target.iscsi.login.LoginFixtures.TARGET;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.iscsi.login.TextKeys.KeyValue;
import org.junit.jupiter.api.Test;

class SendTargetsTest {
  private final LoginFixtures.Catalog catalog = new LoginFixtures.Catalog();

  @Test
  void all_listsVisibleTargets_eachWithItsAddresses() {
    assertThat(SendTargets.answer(catalog, "All", INITIATOR)).containsExactly(
        new KeyValue("TargetName", TARGET),
        new KeyValue("TargetAddress", "10.0.0.1:3260,1"),
        new KeyValue("TargetAddress", "10.0.0.2:3260,2"),
        new KeyValue("TargetName", CHAP_TARGET),
        new KeyValue("TargetAddress", "10.0.0.1:3260,1"));
  }

  @Test
  void all_forAnAllowedInitiator_includesPrivateTarget() {
    assertThat(SendTargets.answer(catalog, "All", "IQN.2024-01.org.example:OTHER"))
        .contains(new KeyValue("TargetName", PRIVATE_TARGET));
  }

  @Test
  void namedTarget_listsOnlyThatOne_unknownOrHidden_listsNothing() {
    assertThat(SendTargets.answer(catalog, CHAP_TARGET, INITIATOR)).containsExactly(
        new KeyValue("TargetName", CHAP_TARGET), new KeyValue("TargetAddress", "10.0.0.1:3260,1"));
    assertThat(SendTargets.answer(catalog, "iqn.nope:x", INITIATOR)).isEmpty();
    assertThat(SendTargets.answer(catalog, PRIVATE_TARGET, INITIATOR)).isEmpty();
  }

  @Test
  void empty_inNormalSession_isTheSessionTarget_inDiscovery_nothing() {
    assertThat(SendTargets.answer(catalog, "", INITIATOR, TARGET)).hasSize(3)
        .first().isEqualTo(new KeyValue("TargetName", TARGET));
    assertThat(SendTargets.answer(catalog, "", INITIATOR)).isEmpty();
  }
}
