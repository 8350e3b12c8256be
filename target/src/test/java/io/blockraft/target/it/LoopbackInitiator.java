package io.blockraft.target.it;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A tiny blocking iSCSI initiator (RFC 7143 framing by hand, no digests): for the fuzz test, the
 * login that puts a connection in the full feature phase before the fuzz starts, and the
 * INQUIRY/READ session that checks the node still serves afterwards; for {@link ThreeNodeIT},
 * single commands with immediate data (PERSISTENT RESERVE OUT, WRITE) from named initiators.
 */
final class LoopbackInitiator implements AutoCloseable {
  static final String NAME = "iqn.2026-11.io.blockraft.test:fuzz";

  /** A received PDU: its BHS and data segment. */
  record In(byte[] bhs, byte[] data) {
    int opcode() {
      return bhs[0] & 0x3f;
    }

    int u8(int off) {
      return bhs[off] & 0xff;
    }

    int i32(int off) {
      return ByteBuffer.wrap(bhs, off, 4).getInt();
    }
  }

  final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final byte[] isid;
  private int itt = 1;
  int cmdSn = 1;
  int expStatSn;

  private final String name;

  LoopbackInitiator(int port, int isidQualifier) throws IOException {
    this("127.0.0.1", port, isidQualifier, NAME);
  }

  /** A connection from initiator {@code name} to the portal {@code host:port}. */
  LoopbackInitiator(String host, int port, int isidQualifier, String name) throws IOException {
    this.name = name;
    socket = new Socket(host, port);
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    // random-format ISID (type 10b, RFC 7143 10.12.5), qualifier per connection
    isid = new byte[] {(byte) 0x80, 0x12, 0x34, 0x56, (byte) (isidQualifier >>> 8), (byte) isidQualifier};
  }

  static byte[] keys(String... kv) {
    StringBuilder b = new StringBuilder();
    for (String s : kv) {
      b.append(s).append('\0');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Logs in with AuthMethod=None: security stage, then operational stage to full feature
   * (discovery when {@code target} is null). Returns true when the target accepted.
   */
  boolean login(String target) throws IOException {
    In r = loginStep(0, 1, target == null
        ? keys("InitiatorName=" + name, "SessionType=Discovery", "AuthMethod=None")
        : keys("InitiatorName=" + name, "TargetName=" + target, "SessionType=Normal", "AuthMethod=None"));
    for (int step = 0; step < 4 && r.u8(36) == 0; step++) {
      boolean transit = (r.u8(1) & 0x80) != 0;
      int stage = transit ? r.u8(1) & 0x03 : (r.u8(1) >> 2) & 0x03;
      if (transit && stage == 3) {
        return true;
      }
      r = loginStep(1, 3, step == 0
          ? keys("HeaderDigest=None", "DataDigest=None", "MaxRecvDataSegmentLength=262144",
              "InitialR2T=No", "ImmediateData=Yes", "MaxBurstLength=262144",
              "FirstBurstLength=65536", "MaxOutstandingR2T=1", "ErrorRecoveryLevel=0")
          : new byte[0]);
    }
    return false;
  }

  private In loginStep(int csg, int nsg, byte[] data) throws IOException {
    byte[] bhs = new byte[48];
    bhs[0] = 0x43;
    bhs[1] = (byte) (0x80 | csg << 2 | nsg);
    System.arraycopy(isid, 0, bhs, 8, 6);
    ByteBuffer.wrap(bhs).putInt(16, itt++).putInt(24, cmdSn).putInt(28, expStatSn);
    send(bhs, data);
    In r = read();
    if (r.opcode() != 0x23) {
      throw new IOException("expected a Login Response, got opcode 0x" + Integer.toHexString(r.opcode()));
    }
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
    in.skipNBytes((bhs[4] & 0xff) * 4L);
    int len = ((bhs[5] & 0xff) << 16) | ((bhs[6] & 0xff) << 8) | (bhs[7] & 0xff);
    if (len > (1 << 20)) {
      throw new IOException("data segment of " + len + " bytes");
    }
    byte[] data = new byte[len];
    in.readFully(data);
    in.skipNBytes(((len + 3) & ~3) - len);
    return new In(bhs, data);
  }

  /**
   * Runs one SCSI command (F=1, read direction, LUN {@code lun}) and returns its SCSI Response or
   * final Data-In with status; Data-In bytes land in {@code data}. NOP-Ins are answered.
   */
  In scsiRead(int lun, byte[] cdb, byte[] data) throws IOException {
    byte[] bhs = command(0x40, lun, cdb, data.length);
    int tag = ByteBuffer.wrap(bhs).getInt(16);
    send(bhs, null);
    while (true) {
      In r = read();
      if (r.opcode() == 0x25 && r.i32(16) == tag) {
        int off = r.i32(40);
        System.arraycopy(r.data(), 0, data, off, Math.min(r.data().length, data.length - off));
        if ((r.u8(1) & 0x01) == 0) {
          continue;
        }
      }
      if (r.opcode() == 0x20 && r.i32(16) == -1) {
        continue; // an unsolicited NOP-In ping asks for no answer unless TTT is set; ignore
      }
      if (r.i32(16) == tag) {
        expStatSn = r.i32(24) + 1;
        return r;
      }
    }
  }

  /**
   * Runs one SCSI command that sends {@code data} (F=1, write direction, LUN {@code lun}) as
   * immediate data, which the login's ImmediateData=Yes and FirstBurstLength allow up to 64 KiB,
   * and returns its SCSI Response. NOP-Ins are skipped.
   */
  In scsiWrite(int lun, byte[] cdb, byte[] data) throws IOException {
    if (data.length > 65536) {
      throw new IllegalArgumentException("more than FirstBurstLength");
    }
    byte[] bhs = command(0x20, lun, cdb, data.length);
    int tag = ByteBuffer.wrap(bhs).getInt(16);
    send(bhs, data);
    while (true) {
      In r = read();
      if (r.i32(16) == tag) {
        expStatSn = r.i32(24) + 1;
        return r;
      }
    }
  }

  /** The BHS of a SCSI Command: F=1, {@code direction} (R 0x40 or W 0x20), SIMPLE, the next tag and CmdSN. */
  private byte[] command(int direction, int lun, byte[] cdb, int expectedLength) {
    byte[] bhs = new byte[48];
    bhs[0] = 0x01;
    bhs[1] = (byte) (0x80 | direction | 1);
    bhs[9] = (byte) lun;
    ByteBuffer.wrap(bhs).putInt(16, itt++).putInt(20, expectedLength).putInt(24, cmdSn++)
        .putInt(28, expStatSn);
    System.arraycopy(cdb, 0, bhs, 32, cdb.length);
    return bhs;
  }

  /** Logout (close the session); returns the Logout Response. */
  In logout() throws IOException {
    byte[] bhs = new byte[48];
    bhs[0] = 0x46;
    bhs[1] = (byte) 0x80;
    ByteBuffer.wrap(bhs).putInt(16, itt++).putInt(24, cmdSn).putInt(28, expStatSn);
    send(bhs, null);
    return read();
  }

  InputStream input() {
    return in;
  }

  OutputStream output() {
    return out;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
