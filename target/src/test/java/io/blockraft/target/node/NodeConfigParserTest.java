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
  void localCluster_rejectsMoreThanOneNode_andUnknownOptions() {
    assertThatThrownBy(() -> LocalCluster.Options.parse(new String[] {"--nodes", "3"}))
        .hasMessageStartingWith("--nodes 3: this build runs a single node");
    assertThatThrownBy(() -> LocalCluster.Options.parse(new String[] {"--port", "1"}))
        .hasMessageStartingWith("--port: unknown option");
    assertThat(LocalCluster.Options.parse(new String[] {"--base-port", "3300", "--data", "x"}).basePort())
        .isEqualTo(3300);
  }

  @Test
  void localClusterDefaultConfig_isValid() {
    NodeConfig c = NodeConfigParser.parse(LocalCluster.defaultConfig(3260), BASE);
    assertThat(c.targets()).hasSize(1);
    assertThat(c.targets().get(0).luns()).extracting(NodeConfig.Lun::readOnly).containsExactly(false, true);
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
}
