package io.blockraft.target.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NodeConfigParserTest {
  private static final Path BASE = Path.of("/srv/blockraft");

  private static String config(String volumes, String targets) {
    return """
        { "nodeId": 2, "portal": { "host": "127.0.0.1", "port": 3261 }, "dataDir": "d",
          "volumes": [ %s ], "targets": [ %s ] }
        """.formatted(volumes, targets);
  }

  private static final String VOL = "{ \"name\": \"vol0\", \"size\": \"1GiB\" }";
  private static final String TGT = "{ \"name\": \"iqn.2026-11.io.example:t\", \"luns\": [ { \"lun\": 0, \"volume\": \"vol0\" } ] }";

  @Test
  void validConfig_parsesWithDefaults() {
    NodeConfig c = NodeConfigParser.parse(config(VOL, TGT), BASE);
    assertThat(c.nodeId()).isEqualTo(2);
    assertThat(c.portalPort()).isEqualTo(3261);
    assertThat(c.dataDir()).isEqualTo(BASE.resolve("d"));
    assertThat(c.volumes()).containsExactly(new NodeConfig.Volume("vol0", 1L << 30, 512));
    assertThat(c.targets().get(0).luns()).containsExactly(new NodeConfig.Lun(0, "vol0", false));
    assertThat(c.nopInterval().toSeconds()).isEqualTo(5);
  }

  @Test
  void lunNamingAnUndefinedVolume_namesTheKeyAndTheDefinedVolumes() {
    String tgt = "{ \"name\": \"iqn.2026-11.io.example:t\", \"luns\": [ { \"lun\": 0, \"volume\": \"vol9\" } ] }";
    assertThatThrownBy(() -> NodeConfigParser.parse(config(VOL, tgt), BASE))
        .isInstanceOf(ConfigException.class)
        .hasMessage("targets[0].luns[0].volume: no volume named \"vol9\" (defined: vol0)");
  }

  @Test
  void unknownKey_isAnError_notIgnored() {
    String vol = "{ \"name\": \"vol0\", \"size\": \"1GiB\", \"blocksize\": 4096 }";
    assertThatThrownBy(() -> NodeConfigParser.parse(config(vol, TGT), BASE))
        .hasMessageStartingWith("volumes[0].blocksize: unknown key");
  }

  @Test
  void badBlockSize_saysWhichAreSupported() {
    String vol = "{ \"name\": \"vol0\", \"size\": \"1GiB\", \"blockSize\": 1024 }";
    assertThatThrownBy(() -> NodeConfigParser.parse(config(vol, TGT), BASE))
        .hasMessage("volumes[0].blockSize: 1024 is not supported; use 512 or 4096");
  }

  @Test
  void badSize_andTooSmallSize_areRejected() {
    assertThatThrownBy(() -> NodeConfigParser.parse(config("{ \"name\": \"v\", \"size\": \"lots\" }", TGT), BASE))
        .hasMessageStartingWith("volumes[0].size: \"lots\" is not a size");
    assertThatThrownBy(() -> NodeConfigParser.parse(config("{ \"name\": \"v\", \"size\": \"4KiB\" }", TGT), BASE))
        .hasMessageStartingWith("volumes[0].size: 4KiB is too small");
  }

  @Test
  void targetNameThatIsNotAnIqn_isRejected() {
    String tgt = "{ \"name\": \"mytarget\", \"luns\": [ { \"lun\": 0, \"volume\": \"vol0\" } ] }";
    assertThatThrownBy(() -> NodeConfigParser.parse(config(VOL, tgt), BASE))
        .hasMessageStartingWith("targets[0].name: \"mytarget\" is not an iSCSI name");
  }

  @Test
  void duplicateLun_andShortChapSecret_areRejected() {
    String dup = "{ \"name\": \"iqn.2026-11.io.example:t\", \"luns\": [ { \"lun\": 0, \"volume\": \"vol0\" }, { \"lun\": 0, \"volume\": \"vol0\" } ] }";
    assertThatThrownBy(() -> NodeConfigParser.parse(config(VOL, dup), BASE))
        .hasMessage("targets[0].luns[1].lun: LUN 0 is mapped twice in this target");
    String chap = "{ \"name\": \"iqn.2026-11.io.example:t\", \"chap\": { \"user\": \"u\", \"secret\": \"short\" }, \"luns\": [ { \"lun\": 0, \"volume\": \"vol0\" } ] }";
    assertThatThrownBy(() -> NodeConfigParser.parse(config(VOL, chap), BASE))
        .hasMessageStartingWith("targets[0].chap.secret: give a secret of 12 to 255 characters");
  }

  @Test
  void wildcardPortalHost_isRejected_becauseSendTargetsAdvertisesIt() {
    String text = config(VOL, TGT).replace("127.0.0.1", "0.0.0.0");
    assertThatThrownBy(() -> NodeConfigParser.parse(text, BASE))
        .hasMessageStartingWith("portal.host: give the address initiators connect to");
  }

  @Test
  void invalidJson_reportsLineAndColumn() {
    assertThatThrownBy(() -> NodeConfigParser.parse("{ \"nodeId\": 1,, }", BASE))
        .hasMessageStartingWith("config: not valid JSON at line 1");
  }

  @Test
  void sizes_useBinaryUnits() {
    assertThat(NodeConfigParser.parseSize("1GiB", "k")).isEqualTo(1L << 30);
    assertThat(NodeConfigParser.parseSize("500MiB", "k")).isEqualTo(500L << 20);
    assertThat(NodeConfigParser.parseSize("2T", "k")).isEqualTo(2L << 40);
    assertThat(NodeConfigParser.parseSize("4096", "k")).isEqualTo(4096);
  }

  @Test
  void portalBind_defaultsToHost_andCanBeSetForContainers() {
    assertThat(NodeConfigParser.parse(config(VOL, TGT), BASE).portalBind()).isEqualTo("127.0.0.1");
    String withBind = """
        { "nodeId": 1, "portal": { "host": "192.0.2.10", "bind": "0.0.0.0" }, "dataDir": "d",
          "volumes": [ %s ], "targets": [ %s ] }
        """.formatted(VOL, TGT);
    NodeConfig c = NodeConfigParser.parse(withBind, BASE);
    assertThat(c.portalHost()).isEqualTo("192.0.2.10");
    assertThat(c.portalBind()).isEqualTo("0.0.0.0");
    assertThat(c.portalPort()).isEqualTo(3260);
  }

  /** Node 1 of a cluster: {@code extra} goes in at the top level (raft, peers, replicas). */
  private static String clustered(String extra) {
    return """
        { "nodeId": 1, "portal": { "host": "127.0.0.1", "port": 3260 }, "dataDir": "d", %s,
          "volumes": [ %s ], "targets": [ %s ] }
        """.formatted(extra, VOL, TGT);
  }

  private static final String RAFT = "\"raft\": { \"host\": \"127.0.0.1\", \"port\": 3261 }";
  private static final String PEER2 = "{ \"id\": 2, \"raft\": \"127.0.0.2:3261\", \"portal\": \"127.0.0.2:3260\", \"admin\": \"127.0.0.2:3262\" }";
  private static final String PEER3 = "{ \"id\": 3, \"raft\": \"127.0.0.3:3261\", \"portal\": \"127.0.0.3:3260\" }";

  private static String peers(String... peers) {
    return "\"peers\": [ " + String.join(", ", peers) + " ]";
  }

  @Test
  void noRaftNoPeers_isSingleNodeMode_withOneReplica() {
    NodeConfig c = NodeConfigParser.parse(config(VOL, TGT), BASE);
    assertThat(c.clustered()).isFalse();
    assertThat(c.raft()).isNull();
    assertThat(c.peers()).isEmpty();
    assertThat(c.replicas()).isEqualTo(1);
  }

  @Test
  void clusterConfig_parsesRaftPeersAndDefaultReplicas() {
    NodeConfig c = NodeConfigParser.parse(clustered(RAFT + ", " + peers(PEER2, PEER3)), BASE);
    assertThat(c.clustered()).isTrue();
    assertThat(c.raft()).isEqualTo(new NodeConfig.Raft("127.0.0.1", 3261));
    assertThat(c.raft().address()).isEqualTo("127.0.0.1:3261");
    assertThat(c.peers()).containsExactly(
        new NodeConfig.Peer(2, "127.0.0.2:3261", "127.0.0.2:3260", "127.0.0.2:3262"),
        new NodeConfig.Peer(3, "127.0.0.3:3261", "127.0.0.3:3260", null));
    assertThat(c.replicas()).isEqualTo(3);
  }

  @Test
  void replicas_defaultToMin3AndClusterSize_andMayBeSet() {
    assertThat(NodeConfigParser.parse(clustered(RAFT + ", " + peers(PEER2)), BASE).replicas()).isEqualTo(2);
    assertThat(NodeConfigParser.parse(clustered(RAFT), BASE).replicas()).isEqualTo(1);
    assertThat(NodeConfigParser.parse(clustered(RAFT + ", \"replicas\": 2, " + peers(PEER2, PEER3)), BASE)
        .replicas()).isEqualTo(2);
  }

  @Test
  void raftAlone_isAOneNodeRaftCluster() {
    NodeConfig c = NodeConfigParser.parse(clustered("\"raft\": { \"host\": \"127.0.0.1\" }"), BASE);
    assertThat(c.clustered()).isTrue();
    assertThat(c.raft().port()).isEqualTo(3261);
  }

  @Test
  void peersWithoutRaft_namesRaft_andShowsAnExample() {
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(peers(PEER2)), BASE))
        .isInstanceOf(ConfigException.class)
        .hasMessage("raft: missing; a node with peers needs its own Raft endpoint, e.g."
            + " \"raft\": { \"host\": \"127.0.0.1\", \"port\": 3261 }");
  }

  @Test
  void peerRaft_isRequired_andMustBeHostPort() {
    String noRaft = "{ \"id\": 3, \"portal\": \"127.0.0.3:3260\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(PEER2, noRaft)), BASE))
        .hasMessage("peers[1].raft: missing; give host:port, e.g. 127.0.0.2:3261");
    String hostOnly = "{ \"id\": 3, \"raft\": \"127.0.0.3\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(PEER2, hostOnly)), BASE))
        .hasMessage("peers[1].raft: \"127.0.0.3\" is not host:port; give host:port, e.g. 127.0.0.2:3261");
    String badPort = "{ \"id\": 3, \"raft\": \"127.0.0.3:70000\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(badPort)), BASE))
        .hasMessageStartingWith("peers[0].raft: port 70000 is out of range");
    String wildcard = "{ \"id\": 3, \"raft\": \"0.0.0.0:3261\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(wildcard)), BASE))
        .hasMessageStartingWith("peers[0].raft: 0.0.0.0 is a wildcard");
    String notString = "{ \"id\": 3, \"raft\": 3261 }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(notString)), BASE))
        .hasMessage("peers[0].raft: expected a string in quotes");
  }

  @Test
  void peerPortalAndAdmin_areOptional_butCheckedWhenGiven() {
    String bad = "{ \"id\": 3, \"raft\": \"127.0.0.3:3261\", \"portal\": \"127.0.0.3\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(bad)), BASE))
        .hasMessage("peers[0].portal: \"127.0.0.3\" is not host:port; give host:port, e.g. 127.0.0.2:3260");
    String badAdmin = "{ \"id\": 3, \"raft\": \"127.0.0.3:3261\", \"admin\": \"x:y\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(badAdmin)), BASE))
        .hasMessageStartingWith("peers[0].admin: \"x:y\" is not host:port");
  }

  @Test
  void ipv6Addresses_areBracketed() {
    String v6 = "{ \"id\": 2, \"raft\": \"[fd00::2]:3261\", \"portal\": \"[fd00::2]:3260\" }";
    NodeConfig c = NodeConfigParser.parse(clustered(RAFT + ", " + peers(v6)), BASE);
    assertThat(c.peers().get(0).raftAddress()).isEqualTo("[fd00::2]:3261");
    assertThat(new NodeConfig.Raft("fd00::1", 3261).address()).isEqualTo("[fd00::1]:3261");
  }

  @Test
  void peerIds_areUnique_andNeverThisNode() {
    String twice = "{ \"id\": 2, \"raft\": \"127.0.0.3:3261\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(PEER2, twice)), BASE))
        .hasMessage("peers[1].id: node 2 is listed twice; give each peer once");
    String self = "{ \"id\": 1, \"raft\": \"127.0.0.3:3261\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(self)), BASE))
        .hasMessage("peers[0].id: 1 is this node's own nodeId; list only the other nodes");
  }

  @Test
  void raftEndpointsAndPortals_areUniqueAcrossTheCluster() {
    String sameRaftAsMe = "{ \"id\": 2, \"raft\": \"127.0.0.1:3261\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(sameRaftAsMe)), BASE))
        .hasMessage("peers[0].raft: 127.0.0.1:3261 is already the Raft endpoint of this node (raft);"
            + " every node needs its own");
    String sameRaftAs2 = "{ \"id\": 3, \"raft\": \"127.0.0.2:3261\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(PEER2, sameRaftAs2)), BASE))
        .hasMessageStartingWith("peers[1].raft: 127.0.0.2:3261 is already the Raft endpoint of another peer");
    String myPortal = "{ \"id\": 2, \"raft\": \"127.0.0.2:3261\", \"portal\": \"127.0.0.1:3260\" }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", " + peers(myPortal)), BASE))
        .hasMessageStartingWith("peers[0].portal: 127.0.0.1:3260 is already the portal of this node");
  }

  @Test
  void replicas_outOfRange_orMoreThanNodes_areRejected() {
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", \"replicas\": 6, " + peers(PEER2)), BASE))
        .hasMessage("replicas: 6 is out of range; give a number from 1 to 5");
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", \"replicas\": 0"), BASE))
        .hasMessage("replicas: 0 is out of range; give a number from 1 to 5");
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(RAFT + ", \"replicas\": 3, " + peers(PEER2)), BASE))
        .hasMessage("replicas: 3 needs 3 nodes but this cluster has 2 (this node and 1 peer);"
            + " lower replicas to 2 or list more peers");
    assertThatThrownBy(() -> NodeConfigParser.parse(config(VOL, TGT).replace("\"dataDir\"", "\"replicas\": 2, \"dataDir\""), BASE))
        .hasMessageStartingWith("replicas: 2 needs 2 nodes but this cluster has 1 (this node and 0 peers)");
  }

  @Test
  void raftEndpoint_mustNotShareThePortalPort_norBeAWildcard() {
    String samePort = "\"raft\": { \"host\": \"127.0.0.1\", \"port\": 3260 }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(samePort), BASE))
        .hasMessage("raft.port: 3260 is also portal.port on 127.0.0.1; give the Raft endpoint a port"
            + " of its own, e.g. 3261");
    String wildcard = "\"raft\": { \"host\": \"0.0.0.0\", \"port\": 3261 }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(wildcard), BASE))
        .hasMessageStartingWith("raft.host: give the address the other nodes reach");
    String typo = "\"raft\": { \"host\": \"127.0.0.1\", \"prot\": 3261 }";
    assertThatThrownBy(() -> NodeConfigParser.parse(clustered(typo), BASE))
        .hasMessage("raft.prot: unknown key (known here: host, port)");
  }

  @Test
  void withClusterPortalPort_movesThisNodesAndThePeersPortals_notRaft() {
    NodeConfig c = NodeConfigParser.parse(clustered(RAFT + ", " + peers(PEER2, PEER3)), BASE)
        .withClusterPortalPort(4000);
    assertThat(c.portalPort()).isEqualTo(4000);
    assertThat(c.peers()).extracting(NodeConfig.Peer::portal).containsExactly("127.0.0.2:4000", "127.0.0.3:4000");
    assertThat(c.peers()).extracting(NodeConfig.Peer::raftAddress).containsExactly("127.0.0.2:3261", "127.0.0.3:3261");
    assertThat(c.raft().port()).isEqualTo(3261);
    assertThat(c.lunUrls(4000)).containsExactly("iscsi://127.0.0.1:4000/iqn.2026-11.io.example:t/0");
  }
}
