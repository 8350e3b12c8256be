package io.blockraft.target.iscsi.login;

import io.blockraft.target.iscsi.login.TextKeys.KeyValue;
import io.blockraft.target.iscsi.pdu.Opcode;
import io.blockraft.target.iscsi.pdu.Pdu;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builders for Login Requests and a real in-memory catalog and binder. */
final class LoginFixtures {
  static final String INITIATOR = "iqn.2024-01.org.example:host1";
  static final String TARGET = "iqn.2024-01.io.blockraft:vol1";
  static final String CHAP_TARGET = "iqn.2024-01.io.blockraft:secure";
  static final String PRIVATE_TARGET = "iqn.2024-01.io.blockraft:private";
  static final ChapCredentials CHAP =
      new ChapCredentials("alice", "alice-secret-12", "target-user", "target-secret-1");
  static final byte[] ISID = {(byte) 0x80, 0x12, 0x34, 0x56, 0x00, 0x01};
  static final int T = 0x80;
  static final int C = 0x40;

  private LoginFixtures() {}

  static int flags(boolean transit, int csg, int nsg) {
    return (transit ? T : 0) | (csg << 2) | nsg;
  }

  static Pdu request(int flags, int cmdSn, String... keyValues) {
    StringBuilder sb = new StringBuilder();
    for (String kv : keyValues) {
      sb.append(kv).append('\0');
    }
    return request(flags, cmdSn, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  static Pdu request(int flags, int cmdSn, byte[] text) {
    Pdu p = Pdu.create(Opcode.LOGIN_REQUEST, Unpooled.wrappedBuffer(text));
    p.setImmediate(true).setFlags(flags);
    p.putBytes(8, ISID);
    p.setItt(0x0a0b0c0d);
    p.put16(20, 1); // CID
    p.put32(24, cmdSn);
    return p;
  }

  static Map<String, String> keys(Pdu response) {
    try {
      Map<String, String> m = new LinkedHashMap<>();
      for (KeyValue kv : TextKeys.parse(response.data())) {
        m.put(kv.key(), kv.value());
      }
      return m;
    } catch (TextFormatException e) {
      throw new AssertionError(e);
    }
  }

  static int status(Pdu response) {
    return response.u16(36);
  }

  static final class Catalog implements TargetCatalog {
    ChapCredentials discoveryChap;

    @Override
    public List<TargetInfo> targets() {
      return List.of(
          new TargetInfo(TARGET, "vol one", List.of("10.0.0.1:3260,1", "10.0.0.2:3260,2"), null,
              Set.of()),
          new TargetInfo(CHAP_TARGET, null, List.of("10.0.0.1:3260,1"), CHAP, Set.of()),
          new TargetInfo(PRIVATE_TARGET, null, List.of("10.0.0.3:3260,3"), null,
              Set.of("iqn.2024-01.org.example:other")));
    }

    @Override
    public ChapCredentials discoveryChap() {
      return discoveryChap;
    }
  }

  /** Records bind calls; answers TSIH 0x1234 or throws the configured status. */
  static final class Binder implements SessionBinder {
    final List<SessionParams> bound = new ArrayList<>();
    int failStatus;

    @Override
    public int bind(SessionParams params, byte[] isid, int tsih) throws LoginException {
      if (failStatus != 0) {
        throw new LoginException(failStatus, "refused");
      }
      bound.add(params);
      return 0x1234;
    }
  }
}
