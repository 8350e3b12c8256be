package io.blockraft.target.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.node.BlockraftNode;
import io.blockraft.target.node.NodeConfigParser;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CHAP (RFC 7143 12.1.3) with libiscsi's iscsi-inq as the initiator, against a node whose target
 * requires CHAP with mutual authentication: the right secret logs in; a wrong one, or none, is
 * refused with Login status 0201 (authentication failure); and the initiator refuses a target
 * that cannot prove the mutual secret.
 */
class ChapIT {
  private static final Duration LIMIT = Duration.ofMinutes(1);
  private static final String TARGET = "iqn.2026-11.io.blockraft:chap";

  @TempDir
  Path dir;

  private BlockraftNode node;

  @BeforeEach
  void start() throws Exception {
    ItSupport.requireTool("iscsi-inq", "libiscsi-bin");
    int port = ItSupport.freePort();
    String config = """
        { "nodeId": 1,
          "portal": { "host": "127.0.0.1", "port": %d },
          "dataDir": "data",
          "volumes": [ { "name": "v0", "size": "16MiB" } ],
          "targets": [ { "name": "%s",
              "chap": { "user": "alice", "secret": "alice-secret-12",
                        "mutualUser": "tgt", "mutualSecret": "target-secret-34" },
              "luns": [ { "lun": 0, "volume": "v0" } ] } ] }
        """.formatted(port, TARGET);
    node = BlockraftNode.start(NodeConfigParser.parse(config, dir));
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private ItSupport.Result inq(String credentials, String query) throws Exception {
    String url = "iscsi://" + credentials + "127.0.0.1:" + node.portalPort() + "/" + TARGET + "/0"
        + query;
    return ItSupport.run(LIMIT, null, "iscsi-inq", url);
  }

  @Test
  void theRightSecret_logsIn_andMutualChapProvesTheTarget() throws Exception {
    ItSupport.Result plain = inq("alice%alice-secret-12@", "");
    assertThat(plain.exitCode()).as(plain.output()).isZero();
    assertThat(plain.output()).contains("DIRECT_ACCESS");
    ItSupport.Result mutual = inq("alice%alice-secret-12@",
        "?target_user=tgt&target_password=target-secret-34");
    assertThat(mutual.exitCode()).as(mutual.output()).isZero();
    assertThat(mutual.output()).contains("DIRECT_ACCESS");
  }

  @Test
  void aWrongSecretOrNone_isAnAuthenticationFailure() throws Exception {
    for (String credentials : new String[] {"alice%wrong-secret-99@", "mallory%alice-secret-12@", ""}) {
      ItSupport.Result r = inq(credentials, "");
      assertThat(r.exitCode()).as(credentials).isNotZero();
      assertThat(r.output()).as(credentials).contains("Authentication failure(513)");
    }
  }

  @Test
  void aTargetThatDoesNotKnowTheMutualSecret_isRefusedByTheInitiator() throws Exception {
    ItSupport.Result r = inq("alice%alice-secret-12@",
        "?target_user=tgt&target_password=not-the-secret-56");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).contains("Invalid CHAP_R response from the target");
  }
}
