package io.blockraft.target.iscsi.portal;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal blocking iSCSI initiator for socket tests (RFC 7143 framing by hand, no digests):
 * login with AuthMethod=None, SCSI commands with immediate data, NOP-Out, Text, Logout.
 */
final class MiniInitiator implements AutoCloseable {
  static final String NAME = "iqn.2024-01.test:mini";

  /** A PDU as received: BHS and data segment. */
  record In(byte[] bhs, byte[] data) {
    int opcode() {
      return bhs[0] & 0x3f;
    }

    int flags() {
      return bhs[1] & 0xff;
    }

    int u8(int off) {
      return bhs[off] & 0xff;
    }

    int i32(int off) {
      return ByteBuffer.wrap(bhs, off, 4).getInt();
    }

    String text() {
      return new String(data, StandardCharsets.UTF_8);
    }

    /** Sense key, ASC, ASCQ of fixed-format sense after a SCSI Response's 2-byte SenseLength. */
    int[] senseKeyAscAscq() {
      return new int[] {data[2 + 2] & 0x0f, data[2 + 12] & 0xff, data[2 + 13] & 0xff};
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final byte[] isid;
  private final String name;
  private int itt = 1;
  int cmdSn = 1;
  private int expStatSn;

  MiniInitiator(int port, int isidLast) throws IOException {
    this(port, NAME, isidLast);
  }

  MiniInitiator(int port, String initiatorName, int isidLast) throws IOException {
    name = initiatorName;
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    isid = new byte[] {0x40, 0, 0, 0x12, 0x34, (byte) isidLast};
  }

  static byte[] keys(Map<String, String> kv) {
    StringBuilder b = new StringBuilder();
    kv.forEach((k, v) -> b.append(k).append('=').append(v).append('\0'));
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Logs in to {@code target} (null: discovery session); returns the final response. */
  In login(String target) throws IOException {
    Map<String, String> sec = new LinkedHashMap<>();
    sec.put("InitiatorName", name);
    if (target != null) {
      sec.put("TargetName", target);
    }
    sec.put("SessionType", target == null ? "Discovery" : "Normal");
    sec.put("AuthMethod", "None");
    In r = loginStep(0, 1, keys(sec));
    if (r.u8(36) != 0) {
      return r;
    }
    Map<String, String> op = new LinkedHashMap<>();
    op.put("HeaderDigest", "None");
    op.put("DataDigest", "None");
    op.put("MaxRecvDataSegmentLength", "65536");
    if (target != null) {
      op.put("InitialR2T", "No");
      op.put("ImmediateData", "Yes");
      op.put("MaxBurstLength", "262144");
      op.put("FirstBurstLength", "65536");
      op.put("MaxOutstandingR2T", "1");
    }
    return loginStep(1, 3, keys(op));
  }

  private In loginStep(int csg, int nsg, byte[] data) throws IOException {
    byte[] bhs = new byte[48];
    bhs[0] = 0x43;
    bhs[1] = (byte) (0x80 | csg << 2 | nsg);
    System.arraycopy(isid, 0, bhs, 8, 6);
    ByteBuffer.wrap(bhs).putInt(16, itt++).putInt(24, cmdSn).putInt(28, expStatSn);
    send(bhs, data);
    In r = read();
    expStatSn = r.i32(24) + 1;
    return r;
  }

  void send(byte[] bhs, byte[] data) throws IOException {
    int len = data == null ? 0 : data.length;
    bhs[5] = (byte) (len >>> 16);
    bhs[6] = (byte) (len >>> 8);
    bhs[7] = (byte) len;
    byte[] frame = new byte[48 + ((len + 3) & ~3)];
    System.arraycopy(bhs, 0, frame, 0, 48);
    if (len > 0) {
      System.arraycopy(data, 0, frame, 48, len);
    }
    out.write(frame);
    out.flush();
  }

  In read() throws IOException {
    byte[] bhs = new byte[48];
    in.readFully(bhs);
    int ahs = (bhs[4] & 0xff) * 4;
    in.skipNBytes(ahs);
    int len = ((bhs[5] & 0xff) << 16) | ((bhs[6] & 0xff) << 8) | (bhs[7] & 0xff);
    byte[] data = new byte[len];
    in.readFully(data);
    in.skipNBytes(((len + 3) & ~3) - len);
    return new In(bhs, data);
  }

  /** Sends a SCSI command (F=1) with optional immediate data; returns its ITT. */
  int command(byte[] cdb, int edtl, boolean read, boolean write, byte[] immediate) throws IOException {
    byte[] bhs = new byte[48];
    bhs[0] = 0x01;
    bhs[1] = (byte) (0x80 | (read ? 0x40 : 0) | (write ? 0x20 : 0) | 1);
    int t = itt++;
    ByteBuffer.wrap(bhs).putInt(16, t).putInt(20, edtl).putInt(24, cmdSn++).putInt(28, expStatSn);
    System.arraycopy(cdb, 0, bhs, 32, cdb.length);
    send(bhs, immediate);
    return t;
  }

  /** Reads PDUs until the status of {@code tag}; Data-In bytes are gathered into {@code data}. */
  In awaitStatus(int tag, byte[] data) throws IOException {
    while (true) {
      In r = read();
      if (r.opcode() == 0x25) {
        System.arraycopy(r.data(), 0, data, r.i32(40), r.data().length);
        if ((r.flags() & 0x01) == 0) {
          continue;
        }
      }
      if (r.i32(16) == tag) {
        expStatSn = r.i32(24) + 1;
        return r;
      }
    }
  }

  /** Reads until a PDU with {@code opcode} (skipping NOP-In pings and the like). */
  In awaitOpcode(int opcode) throws IOException {
    while (true) {
      In r = read();
      if (r.opcode() == opcode) {
        return r;
      }
    }
  }

  In text(String body) throws IOException {
    byte[] bhs = new byte[48];
    bhs[0] = 0x04;
    bhs[1] = (byte) 0x80;
    ByteBuffer.wrap(bhs).putInt(16, itt++).putInt(20, -1).putInt(24, cmdSn++).putInt(28, expStatSn);
    send(bhs, body.getBytes(StandardCharsets.UTF_8));
    return read();
  }

  In nop(byte[] ping) throws IOException {
    byte[] bhs = new byte[48];
    bhs[0] = 0x40;
    bhs[1] = (byte) 0x80;
    ByteBuffer.wrap(bhs).putInt(16, itt++).putInt(20, -1).putInt(24, cmdSn).putInt(28, expStatSn);
    send(bhs, ping);
    return read();
  }

  In logout() throws IOException {
    byte[] bhs = new byte[48];
    bhs[0] = 0x06;
    bhs[1] = (byte) 0x80;
    ByteBuffer.wrap(bhs).putInt(16, itt++).putInt(24, cmdSn++).putInt(28, expStatSn);
    send(bhs, null);
    return read();
  }

  /** True once the target closed the connection. */
  boolean closedByTarget() throws IOException {
    return in.read() < 0;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
