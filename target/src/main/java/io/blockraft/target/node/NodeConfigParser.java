package io.blockraft.target.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates a node configuration file (JSON). Every error is a {@link ConfigException}
 * whose message starts with the path of the bad key ({@code targets[0].luns[1].volume}) and says
 * what to fix; unknown keys are errors too, so a typo never silently falls back to a default.
 */
public final class NodeConfigParser {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]i?B?|B)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern IQN = Pattern.compile("(iqn\\.\\d{4}-\\d{2}\\.[^\\s:]+(:[^\\s]+)?|eui\\.[0-9A-Fa-f]{16}|naa\\.[0-9A-Fa-f]{16,32})");
  /** host:port, or [IPv6]:port; the port is range-checked separately. */
  private static final Pattern HOST_PORT = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)\\]|([^\\s:\\[\\]]+)):(\\d{1,9})");
  private static final Pattern VOLUME_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private NodeConfigParser() {}

  public static NodeConfig parse(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read the config file (" + e.getMessage() + ")");
    }
    return parse(text, file.toAbsolutePath().getParent());
  }

  /** Parses config text; a relative dataDir is resolved against {@code baseDir}. */
  public static NodeConfig parse(String text, Path baseDir) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(text);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config: not valid JSON at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException("config: expected a JSON object at the top level");
    }
    allowOnly(root, "", "nodeId", "portal", "dataDir", "admin", "nop", "raft", "peers", "replicas",
        "volumes", "targets");
    int nodeId = intIn(root, "nodeId", "nodeId", 1, 1, 65535);

    JsonNode portal = object(root, "portal", "portal", true);
    allowOnly(portal, "portal.", "host", "port", "bind");
    String host = string(portal, "host", "portal.host", null);
    if (host == null || host.isBlank() || isWildcard(host)) {
      throw new ConfigException("portal.host: give the address initiators connect to (it is also"
          + " the TargetAddress SendTargets advertises), e.g. \"192.0.2.10\" or \"127.0.0.1\"");
    }
    int port = intIn(portal, "port", "portal.port", 3260, 1, 65535);
    String bind = string(portal, "bind", "portal.bind", host);
    if (bind.isBlank()) {
      throw new ConfigException("portal.bind: give the address to listen on, e.g. \"0.0.0.0\","
          + " or leave it out to listen on portal.host");
    }

    String dataDirText = string(root, "dataDir", "dataDir", null);
    if (dataDirText == null || dataDirText.isBlank()) {
      throw new ConfigException("dataDir: missing; set it to the directory that holds this node's data");
    }
    Path dataDir = baseDir == null ? Path.of(dataDirText) : baseDir.resolve(dataDirText);

    JsonNode admin = object(root, "admin", "admin", false);
    String adminHost = "127.0.0.1";
    int adminPort = 9260;
    if (admin != null) {
      allowOnly(admin, "admin.", "host", "port");
      adminHost = string(admin, "host", "admin.host", adminHost);
      adminPort = intIn(admin, "port", "admin.port", adminPort, 1, 65535);
    }

    JsonNode nop = object(root, "nop", "nop", false);
    int nopInterval = 5;
    int nopTimeout = 15;
    if (nop != null) {
      allowOnly(nop, "nop.", "intervalSeconds", "timeoutSeconds");
      nopInterval = intIn(nop, "intervalSeconds", "nop.intervalSeconds", nopInterval, 1, 3600);
      nopTimeout = intIn(nop, "timeoutSeconds", "nop.timeoutSeconds", nopTimeout, 1, 3600);
    }

    NodeConfig.Raft raft = null;
    JsonNode raftNode = object(root, "raft", "raft", false);
    if (raftNode != null) {
      allowOnly(raftNode, "raft.", "host", "port");
      String raftHost = string(raftNode, "host", "raft.host", null);
      if (raftHost == null || raftHost.isBlank() || isWildcard(raftHost)) {
        throw new ConfigException("raft.host: give the address the other nodes reach this node's"
            + " Raft endpoint at, e.g. \"127.0.0.1\" (not a wildcard such as 0.0.0.0)");
      }
      raft = new NodeConfig.Raft(raftHost, intIn(raftNode, "port", "raft.port", 3261, 1, 65535));
      if (raft.port() == port && (raftHost.equalsIgnoreCase(host) || raftHost.equalsIgnoreCase(bind)
          || isWildcard(bind))) {
        throw new ConfigException("raft.port: " + port + " is also portal.port on " + raftHost
            + "; give the Raft endpoint a port of its own, e.g. " + (port == 65535 ? port - 1 : port + 1));
      }
      if (raft.port() == adminPort && raftHost.equalsIgnoreCase(adminHost)) {
        throw new ConfigException("raft.port: " + adminPort + " is also admin.port on " + adminHost
            + "; give the Raft endpoint a port of its own");
      }
    }

    List<NodeConfig.Peer> peers = new ArrayList<>();
    Set<Integer> peerIds = new HashSet<>();
    Set<String> raftAddresses = new HashSet<>();
    Set<String> portals = new HashSet<>();
    if (raft != null) {
      raftAddresses.add(raft.address().toLowerCase(Locale.ROOT));
    }
    portals.add(NodeConfig.hostPort(host, port).toLowerCase(Locale.ROOT));
    JsonNode peersNode = array(root, "peers", "peers");
    for (int i = 0; i < peersNode.size(); i++) {
      String p = "peers[" + i + "]";
      JsonNode n = peersNode.get(i);
      requireObject(n, p);
      allowOnly(n, p + ".", "id", "raft", "portal", "admin");
      int id = intIn(n, "id", p + ".id", -1, 1, 65535);
      if (id == nodeId) {
        throw new ConfigException(p + ".id: " + id + " is this node's own nodeId; list only the other nodes");
      }
      if (!peerIds.add(id)) {
        throw new ConfigException(p + ".id: node " + id + " is listed twice; give each peer once");
      }
      String peerRaft = address(n, "raft", p + ".raft", "127.0.0.2:3261", true);
      if (!raftAddresses.add(peerRaft.toLowerCase(Locale.ROOT))) {
        throw new ConfigException(p + ".raft: " + peerRaft + " is already the Raft endpoint of "
            + (raft != null && raft.address().equalsIgnoreCase(peerRaft) ? "this node (raft)" : "another peer")
            + "; every node needs its own");
      }
      String peerPortal = address(n, "portal", p + ".portal", "127.0.0.2:3260", false);
      if (peerPortal != null && !portals.add(peerPortal.toLowerCase(Locale.ROOT))) {
        throw new ConfigException(p + ".portal: " + peerPortal + " is already the portal of "
            + (NodeConfig.hostPort(host, port).equalsIgnoreCase(peerPortal) ? "this node (portal)" : "another peer")
            + "; every node needs its own");
      }
      peers.add(new NodeConfig.Peer(id, peerRaft, peerPortal,
          address(n, "admin", p + ".admin", "127.0.0.2:9260", false)));
    }
    if (!peers.isEmpty() && raft == null) {
      throw new ConfigException("raft: missing; a node with peers needs its own Raft endpoint, e.g."
          + " \"raft\": { \"host\": \"" + host + "\", \"port\": " + (port == 65535 ? port - 1 : port + 1) + " }");
    }
    int nodes = 1 + peers.size();
    int replicas = root.has("replicas") ? intIn(root, "replicas", "replicas", 1, 1, 5) : Math.min(3, nodes);
    if (replicas > nodes) {
      throw new ConfigException("replicas: " + replicas + " needs " + replicas + " nodes but this"
          + " cluster has " + nodes + " (this node and " + peers.size() + (peers.size() == 1 ? " peer" : " peers")
          + "); lower replicas to " + nodes + " or list more peers");
    }

    List<NodeConfig.Volume> volumes = new ArrayList<>();
    Set<String> volumeNames = new HashSet<>();
    JsonNode vols = array(root, "volumes", "volumes");
    for (int i = 0; i < vols.size(); i++) {
      String p = "volumes[" + i + "]";
      JsonNode n = vols.get(i);
      requireObject(n, p);
      allowOnly(n, p + ".", "name", "size", "blockSize");
      String name = string(n, "name", p + ".name", null);
      if (name == null || !VOLUME_NAME.matcher(name).matches()) {
        throw new ConfigException(p + ".name: give a name of 1-64 letters, digits, '.', '_' or '-'");
      }
      if (!volumeNames.add(name)) {
        throw new ConfigException(p + ".name: volume \"" + name + "\" is defined twice");
      }
      int bs = intIn(n, "blockSize", p + ".blockSize", 512, 512, 4096);
      if (bs != 512 && bs != 4096) {
        throw new ConfigException(p + ".blockSize: " + bs + " is not supported; use 512 or 4096");
      }
      JsonNode sizeNode = n.get("size");
      if (sizeNode == null) {
        throw new ConfigException(p + ".size: missing; give a size such as \"1GiB\" or \"500MiB\"");
      }
      long size = parseSize(sizeNode.asText(), p + ".size");
      if (size < 1024 * 1024 || size % 4096 != 0) {
        throw new ConfigException(p + ".size: " + sizeNode.asText()
            + " is too small or not a multiple of 4 KiB; volumes are at least 1MiB in 4KiB steps");
      }
      volumes.add(new NodeConfig.Volume(name, size, bs));
    }

    List<NodeConfig.Target> targets = new ArrayList<>();
    Set<String> targetNames = new HashSet<>();
    JsonNode tgts = array(root, "targets", "targets");
    if (tgts.isEmpty()) {
      throw new ConfigException("targets: no target defined; add at least one target with a LUN");
    }
    for (int i = 0; i < tgts.size(); i++) {
      String p = "targets[" + i + "]";
      JsonNode n = tgts.get(i);
      requireObject(n, p);
      allowOnly(n, p + ".", "name", "alias", "chap", "allowedInitiators", "luns");
      String name = string(n, "name", p + ".name", null);
      if (name == null || !IQN.matcher(name).matches()) {
        throw new ConfigException(p + ".name: \"" + name + "\" is not an iSCSI name; use the form"
            + " iqn.YYYY-MM.reversed.domain:identifier (RFC 7143 4.2.7)");
      }
      if (!targetNames.add(name.toLowerCase(Locale.ROOT))) {
        throw new ConfigException(p + ".name: target " + name + " is defined twice");
      }
      NodeConfig.Chap chap = null;
      JsonNode c = object(n, "chap", p + ".chap", false);
      if (c != null) {
        allowOnly(c, p + ".chap.", "user", "secret", "mutualUser", "mutualSecret");
        String user = string(c, "user", p + ".chap.user", null);
        String secret = string(c, "secret", p + ".chap.secret", null);
        if (user == null || user.isEmpty()) {
          throw new ConfigException(p + ".chap.user: missing; give the CHAP user name initiators log in with");
        }
        checkSecret(secret, p + ".chap.secret");
        String mu = string(c, "mutualUser", p + ".chap.mutualUser", null);
        String ms = string(c, "mutualSecret", p + ".chap.mutualSecret", null);
        if ((mu == null) != (ms == null)) {
          throw new ConfigException(p + ".chap: set both mutualUser and mutualSecret for mutual CHAP, or neither");
        }
        if (ms != null) {
          checkSecret(ms, p + ".chap.mutualSecret");
          if (ms.equals(secret)) {
            throw new ConfigException(p + ".chap.mutualSecret: must differ from chap.secret (RFC 7143 12.1.3)");
          }
        }
        chap = new NodeConfig.Chap(user, secret, mu, ms);
      }
      List<String> allowed = new ArrayList<>();
      JsonNode al = array(n, "allowedInitiators", p + ".allowedInitiators");
      for (int j = 0; j < al.size(); j++) {
        if (!al.get(j).isTextual() || !IQN.matcher(al.get(j).asText()).matches()) {
          throw new ConfigException(p + ".allowedInitiators[" + j + "]: not an iSCSI initiator name");
        }
        allowed.add(al.get(j).asText().toLowerCase(Locale.ROOT));
      }
      List<NodeConfig.Lun> luns = new ArrayList<>();
      Set<Integer> lunIds = new HashSet<>();
      JsonNode ls = array(n, "luns", p + ".luns");
      if (ls.isEmpty()) {
        throw new ConfigException(p + ".luns: no LUN defined; map at least one volume as LUN 0");
      }
      for (int j = 0; j < ls.size(); j++) {
        String q = p + ".luns[" + j + "]";
        JsonNode l = ls.get(j);
        requireObject(l, q);
        allowOnly(l, q + ".", "lun", "volume", "readOnly");
        int lun = intIn(l, "lun", q + ".lun", -1, 0, 16383);
        if (!lunIds.add(lun)) {
          throw new ConfigException(q + ".lun: LUN " + lun + " is mapped twice in this target");
        }
        String vol = string(l, "volume", q + ".volume", null);
        if (vol == null || !volumeNames.contains(vol)) {
          throw new ConfigException(q + ".volume: no volume named \"" + vol + "\" (defined: "
              + String.join(", ", volumes.stream().map(NodeConfig.Volume::name).toList()) + ")");
        }
        JsonNode ro = l.get("readOnly");
        if (ro != null && !ro.isBoolean()) {
          throw new ConfigException(q + ".readOnly: use true or false");
        }
        luns.add(new NodeConfig.Lun(lun, vol, ro != null && ro.asBoolean()));
      }
      targets.add(new NodeConfig.Target(name, string(n, "alias", p + ".alias", null), chap,
          List.copyOf(allowed), List.copyOf(luns)));
    }
    return new NodeConfig(nodeId, host, port, bind, dataDir, adminHost, adminPort,
        Duration.ofSeconds(nopInterval), Duration.ofSeconds(nopTimeout), raft, List.copyOf(peers),
        replicas, List.copyOf(volumes), List.copyOf(targets));
  }

  /** "1GiB", "512MiB", "4096", "10G" (binary units) to bytes. */
  public static long parseSize(String text, String key) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new ConfigException(key + ": \"" + text + "\" is not a size; use e.g. \"1GiB\", \"512MiB\" or bytes");
    }
    long v;
    try {
      v = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new ConfigException(key + ": \"" + text + "\" is too large");
    }
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    int shift = switch (unit.charAt(0)) {
      case 'K' -> 10;
      case 'M' -> 20;
      case 'G' -> 30;
      case 'T' -> 40;
      default -> 0;
    };
    if (v > (Long.MAX_VALUE >> shift) / 2) {
      throw new ConfigException(key + ": \"" + text + "\" is too large");
    }
    return v << shift;
  }

  /**
   * A {@code host:port} value ({@code [v6]:port} for IPv6 literals): a reachable host, not a
   * wildcard, and a port 1..65535. Returns it trimmed, or null when absent and not required.
   */
  private static String address(JsonNode parent, String name, String key, String example,
      boolean required) {
    String text = string(parent, name, key, null);
    if (text == null) {
      if (required) {
        throw new ConfigException(key + ": missing; give host:port, e.g. " + example);
      }
      return null;
    }
    Matcher m = HOST_PORT.matcher(text.trim());
    if (!m.matches()) {
      throw new ConfigException(key + ": \"" + text + "\" is not host:port; give host:port, e.g. " + example);
    }
    String h = m.group(1) != null ? m.group(1) : m.group(2);
    if (isWildcard(h)) {
      throw new ConfigException(key + ": " + h + " is a wildcard; give the address the node is"
          + " reached at, e.g. " + example);
    }
    long port = Long.parseLong(m.group(3));
    if (port < 1 || port > 65535) {
      throw new ConfigException(key + ": port " + m.group(3) + " is out of range; give host:port"
          + " with a port from 1 to 65535, e.g. " + example);
    }
    return NodeConfig.hostPort(h, (int) port);
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  private static void checkSecret(String secret, String key) {
    // RFC 7143 12.1.3: secrets of at least 12 bytes; 16 recommended. At most 255 (value limit).
    if (secret == null || secret.length() < 12 || secret.length() > 255) {
      throw new ConfigException(key + ": give a secret of 12 to 255 characters (RFC 7143 12.1.3)");
    }
  }

  private static void allowOnly(JsonNode n, String prefix, String... keys) {
    Set<String> ok = Set.of(keys);
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!ok.contains(k)) {
        throw new ConfigException(prefix + k + ": unknown key (known here: " + String.join(", ", keys) + ")");
      }
    }
  }

  private static void requireObject(JsonNode n, String key) {
    if (n == null || !n.isObject()) {
      throw new ConfigException(key + ": expected an object { ... }");
    }
  }

  private static JsonNode object(JsonNode parent, String name, String key, boolean required) {
    JsonNode n = parent.get(name);
    if (n == null) {
      if (required) {
        throw new ConfigException(key + ": missing");
      }
      return null;
    }
    requireObject(n, key);
    return n;
  }

  private static JsonNode array(JsonNode parent, String name, String key) {
    JsonNode n = parent.get(name);
    if (n == null) {
      return new ObjectMapper().createArrayNode();
    }
    if (!n.isArray()) {
      throw new ConfigException(key + ": expected a list [ ... ]");
    }
    return n;
  }

  private static String string(JsonNode parent, String name, String key, String dflt) {
    JsonNode n = parent.get(name);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isTextual()) {
      throw new ConfigException(key + ": expected a string in quotes");
    }
    return n.asText();
  }

  private static int intIn(JsonNode parent, String name, String key, int dflt, int min, int max) {
    JsonNode n = parent.get(name);
    if (n == null) {
      if (dflt < min) {
        throw new ConfigException(key + ": missing; give a number from " + min + " to " + max);
      }
      return dflt;
    }
    if (!n.isIntegralNumber() || n.asLong() < min || n.asLong() > max) {
      throw new ConfigException(key + ": " + n + " is out of range; give a number from " + min + " to " + max);
    }
    return n.asInt();
  }
}
